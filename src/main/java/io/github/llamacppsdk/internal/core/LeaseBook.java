package io.github.llamacppsdk.internal.core;

import io.github.llamacppsdk.core.CoreEvent.LeaseEvent;
import io.github.llamacppsdk.core.EndpointDescriptor;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.core.ResolveOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Not API. The leases of one instance: opening, renewing, ending and expiring them, each change
 * queued as a {@link LeaseEvent}. Not thread-safe on its own: every method is called with the owning
 * {@link InstanceRecord}'s monitor held, and the record flushes the events after releasing it.
 */
final class LeaseBook {
  private static final Logger log = LoggerFactory.getLogger(LeaseBook.class);

  private final String instanceId;
  private final CoreRuntime rt;
  private final Map<String, LeaseImpl> leases = new LinkedHashMap<>();

  LeaseBook(String instanceId, CoreRuntime rt) {
    this.instanceId = instanceId;
    this.rt = rt;
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
  LeaseImpl open(InstanceRecord record, ResolveOptions opts, EndpointDescriptor published, Instant now) {
    LeaseImpl lease = new LeaseImpl("lease-" + rt.leaseSeq().incrementAndGet(), record, opts.ownerRef(),
        opts.ttl().orElse(null), now, published);
    leases.put(lease.leaseRef(), lease);
    emit(lease, LeaseEvent.Kind.ACQUIRED, now);
    return lease;
  }

  /** Extends an active lease by its TTL (or a new one) from now. */
  void renew(LeaseImpl lease, Duration newTtl, Instant now) {
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
