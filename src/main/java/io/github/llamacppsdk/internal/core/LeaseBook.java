package io.github.llamacppsdk.internal.core;

import io.github.llamacppsdk.core.CoreEvent.LeaseEvent;
import io.github.llamacppsdk.core.EndpointDescriptor;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.core.ResolveOptions;
import io.github.llamacppsdk.internal.Log;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Not API. The one owner of an instance's leases: opening, renewing, releasing, ending and expiring
 * them, each change queued as a {@link LeaseEvent}. A {@link LeaseImpl} is only a handle that asks this
 * book. Lease state is guarded by the owning {@link InstanceRecord}'s monitor (so the record's idle and
 * eviction decisions see an exact lease count): the package-private methods without a lock of their own
 * are called with it held; the handle's calls ({@link #isActive}, {@link #renew(LeaseImpl, Duration)},
 * {@link #release}, {@link #expire}) take it and deliver their events after releasing it. {@link
 * #isActive} and {@link #activeCount} are reads: an expired lease counts as inactive at once, and ends
 * (with its event) at the next sweep.
 */
final class LeaseBook {
  private static final Log log = Log.of(LeaseBook.class);

  private final InstanceRecord record;
  private final String instanceId;
  private final CoreRuntime rt;
  private final Map<String, LeaseImpl> leases = new LinkedHashMap<>();

  LeaseBook(InstanceRecord record, CoreRuntime rt) {
    this.record = record;
    this.instanceId = record.id();
    this.rt = rt;
  }

  // ---- the handles' calls: each takes the record's monitor ----

  /** {@return whether the lease is active now: not ended, and its TTL not passed by the clock} Changes nothing. */
  boolean isActive(LeaseImpl lease) {
    synchronized (record) {
      return lease.active && notExpired(lease, rt.clock().instant());
    }
  }

  /** Extends an active lease by its TTL (or a new one) from now; expiries noticed on the way end first. */
  void renew(LeaseImpl lease, Duration newTtl) {
    synchronized (record) {
      try {
        renew(lease, newTtl, rt.clock().instant());
      } finally {
        record.leasesChanged(false);
      }
    }
    rt.events().flush();
  }

  /** Releases a lease (idempotent). */
  void release(LeaseImpl lease) {
    synchronized (record) {
      end(lease, LeaseEvent.Kind.RELEASED, rt.clock().instant());
      record.leasesChanged(true);
    }
    rt.events().flush();
    rt.capacity().changed();
  }

  /** {@return how many leases expired now, by the core's clock} */
  int expire() {
    int n;
    synchronized (record) {
      n = expireDue(rt.clock().instant());
      if (n > 0) {
        record.leasesChanged(false);
      }
    }
    rt.events().flush();
    if (n > 0) {
      rt.capacity().changed();
    }
    return n;
  }

  // ---- called with the record's monitor held ----

  /** {@return the leases active at {@code now} (a lease past its TTL is not counted, swept or not)} */
  int activeCount(Instant now) {
    int n = 0;
    for (LeaseImpl l : leases.values()) {
      if (notExpired(l, now)) {
        n++;
      }
    }
    return n;
  }

  private static boolean notExpired(LeaseImpl l, Instant now) {
    return l.expiresAt == null || now.isBefore(l.expiresAt);
  }

  int size() {
    return leases.size();
  }

  boolean isEmpty() {
    return leases.isEmpty();
  }

  /** {@return the owner reference of each active lease, {@code -} for none} */
  List<String> owners() {
    List<String> out = new ArrayList<>();
    for (LeaseImpl l : leases.values()) {
      out.add(l.ownerRef().orElse("-"));
    }
    return out;
  }

  /** Opens a lease on the published endpoint. */
  LeaseImpl open(ResolveOptions opts, EndpointDescriptor published, Instant now) {
    LeaseImpl lease = new LeaseImpl("lease-" + rt.leaseSeq().incrementAndGet(), record, this, opts.ownerRef(),
        opts.ttl().orElse(null), now, published);
    leases.put(lease.leaseRef(), lease);
    emit(lease, LeaseEvent.Kind.ACQUIRED, now);
    return lease;
  }

  private void renew(LeaseImpl lease, Duration newTtl, Instant now) {
    expireDue(now);
    if (!lease.active) {
      throw new InferenceException(ErrorCode.LEASE_NOT_ACTIVE, lease.leaseRef() + " on instance " + instanceId
          + " (owner " + lease.ownerRef().orElse("-") + ") " + howItEnded(lease) + "; take a new lease");
    }
    if (newTtl != null) {
      lease.ttl = newTtl;
    }
    if (lease.ttl != null) {
      lease.expiresAt = now.plus(lease.ttl);
    }
    emit(lease, LeaseEvent.Kind.RENEWED, now);
  }

  /** {@return how many leases ended because their TTL ran out by {@code now}} */
  int expireDue(Instant now) {
    List<LeaseImpl> due = new ArrayList<>();
    for (LeaseImpl l : leases.values()) {
      if (l.expiresAt != null && !now.isBefore(l.expiresAt)) {
        due.add(l);
      }
    }
    for (LeaseImpl l : due) {
      log.warn("{} on instance {} expired unreleased (owner {})", l.leaseRef(), instanceId, l.ownerRef().orElse("-"));
      end(l, LeaseEvent.Kind.EXPIRED, now);
    }
    return due.size();
  }

  /** {@return how a lease that is no longer active ended, and when, in words} */
  static String howItEnded(LeaseImpl l) {
    String at = " at " + l.endedAt;
    switch (l.endedBy) {
      case RELEASED:
        return "was released" + at;
      case EXPIRED:
        return "expired" + at + ": its TTL of " + (l.ttl == null ? "?" : l.ttl.toMillis() + " ms")
            + " passed without a renew";
      default:
        return "ended" + at + " because " + (l.endDetail == null ? "its instance ended" : l.endDetail);
    }
  }

  /** Ends one lease (idempotent). */
  void end(LeaseImpl l, LeaseEvent.Kind kind, Instant now) {
    end(l, kind, now, null);
  }

  private void end(LeaseImpl l, LeaseEvent.Kind kind, Instant now, String detail) {
    if (!l.active) {
      return;
    }
    l.active = false;
    l.endedBy = kind;
    l.endedAt = now;
    l.endDetail = detail;
    leases.remove(l.leaseRef());
    emit(l, kind, now);
  }

  /** Ends every lease, e.g. when the instance stops or exits. */
  void endAll(LeaseEvent.Kind kind, Instant now) {
    endAll(kind, now, null);
  }

  /** Ends every lease, saying why (e.g. {@code its instance exited: ...}) for a later {@code renew}. */
  void endAll(LeaseEvent.Kind kind, Instant now, String detail) {
    for (LeaseImpl l : new ArrayList<>(leases.values())) {
      end(l, kind, now, detail);
    }
  }

  private void emit(LeaseImpl l, LeaseEvent.Kind kind, Instant now) {
    rt.events().emit(new LeaseEvent(kind, l.leaseRef(), instanceId, l.ownerRef(), Optional.ofNullable(l.expiresAt),
        now));
  }
}
