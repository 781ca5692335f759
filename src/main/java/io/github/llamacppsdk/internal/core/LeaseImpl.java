package io.github.llamacppsdk.internal.core;

import io.github.llamacppsdk.core.CoreEvent;
import io.github.llamacppsdk.core.EndpointDescriptor;
import io.github.llamacppsdk.core.Lease;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The core's {@link Lease}: a handle whose every change goes through its instance's {@link LeaseBook}.
 * Its mutable state is guarded by its {@link InstanceRecord}'s lock, which also keeps the instance's
 * lease count exact. Thread-safe. Not API.
 */
public final class LeaseImpl implements Lease {
  private final String leaseRef;
  private final InstanceRecord record;
  private final LeaseBook book;
  private final Optional<String> ownerRef;
  private final EndpointDescriptor endpoint;
  // guarded by record
  Duration ttl;
  Instant expiresAt;
  boolean active = true;
  CoreEvent.LeaseEvent.Kind endedBy; // how and when it ended, for LEASE_NOT_ACTIVE
  Instant endedAt;
  String endDetail;

  LeaseImpl(String leaseRef, InstanceRecord record, LeaseBook book, Optional<String> ownerRef, Duration ttl,
      Instant now, EndpointDescriptor published) {
    this.leaseRef = Objects.requireNonNull(leaseRef);
    this.record = record;
    this.book = book;
    this.ownerRef = ownerRef;
    this.ttl = ttl;
    this.expiresAt = ttl == null ? null : now.plus(ttl);
    this.endpoint = published.withLeaseRef(leaseRef);
  }

  @Override
  public String leaseRef() {
    return leaseRef;
  }

  @Override
  public String instanceId() {
    return record.id();
  }

  @Override
  public Optional<String> ownerRef() {
    return ownerRef;
  }

  @Override
  public Optional<Duration> ttl() {
    synchronized (record) {
      return Optional.ofNullable(ttl);
    }
  }

  @Override
  public Optional<Instant> expiresAt() {
    synchronized (record) {
      return Optional.ofNullable(expiresAt);
    }
  }

  @Override
  public boolean isActive() {
    return book.isActive(this);
  }

  @Override
  public EndpointDescriptor endpoint() {
    return endpoint;
  }

  @Override
  public void renew() {
    book.renew(this, null);
  }

  @Override
  public void renew(Duration newTtl) {
    Objects.requireNonNull(newTtl, "ttl");
    if (newTtl.isZero() || newTtl.isNegative()) {
      throw new IllegalArgumentException("ttl must be > 0: " + newTtl);
    }
    book.renew(this, newTtl);
  }

  @Override
  public void release() {
    book.release(this);
  }

  @Override
  public void close() {
    try {
      release();
    } catch (RuntimeException e) {
      // release() does not throw; close() promises never to, whatever a listener did.
      InstanceRecord.logSwallowed("lease close", e);
    }
  }

  @Override
  public String toString() {
    return "Lease[" + leaseRef + ", instance=" + record.id() + ", owner=" + ownerRef.orElse("-") + "]";
  }
}
