package io.github.llamacppsdk.core;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Something that happened in an {@link InferenceCore}: an instance changed lifecycle or health, a
 * published endpoint went down, came back or went away, a lease changed, a backend was
 * (un)registered, or the {@link Capacity} queued, admitted, evicted or refused an instance. Delivered
 * to {@link CoreListener}s in order.
 *
 * <p>All events are immutable records.
 */
public sealed interface CoreEvent permits CoreEvent.InstanceEvent, CoreEvent.EndpointEvent, CoreEvent.LeaseEvent,
    CoreEvent.BackendEvent, CoreEvent.CapacityEvent {

  /** {@return when it happened, by the core's clock} */
  Instant at();

  /**
   * An instance changed lifecycle and/or health.
   *
   * @param instanceId the instance
   * @param backend the backend id
   * @param previousLifecycle the lifecycle before; empty when the instance was just created
   * @param lifecycle the lifecycle now
   * @param previousHealth the health before
   * @param health the health now
   * @param reason why, in words
   * @param at when
   */
  record InstanceEvent(String instanceId, String backend, Optional<LifecycleStatus> previousLifecycle,
      LifecycleStatus lifecycle, HealthStatus previousHealth, HealthStatus health, String reason, Instant at)
      implements CoreEvent {
    /** Validates the components. */
    public InstanceEvent {
      Objects.requireNonNull(instanceId, "instanceId");
      Objects.requireNonNull(backend, "backend");
      Objects.requireNonNull(previousLifecycle, "previousLifecycle");
      Objects.requireNonNull(lifecycle, "lifecycle");
      Objects.requireNonNull(previousHealth, "previousHealth");
      Objects.requireNonNull(health, "health");
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(at, "at");
    }

    /** {@return whether the lifecycle changed (or the instance was created)} */
    public boolean lifecycleChanged() {
      return previousLifecycle.map(p -> p != lifecycle).orElse(true);
    }

    /** {@return whether the health changed} */
    public boolean healthChanged() {
      return previousHealth != health;
    }
  }

  /**
   * A published endpoint stopped serving, served again, or went away for good: what a lease holder
   * needs to pause requests instead of failing them. Follows the instance's lifecycle ({@code READY ->
   * RECOVERING} is {@link Kind#DOWN}, {@code RECOVERING -> READY} is {@link Kind#UP}, the end of a
   * published instance is {@link Kind#GONE}) and is queued in the same transition, right after its
   * {@link InstanceEvent}. Leases held on the instance stay valid through {@code DOWN} and {@code UP}; a
   * server restarted in place comes back on the same base URL.
   *
   * @param kind what happened
   * @param instanceId the instance (compare with {@link Lease#instanceId()})
   * @param baseUrl the published base URL
   * @param downSince when the endpoint stopped serving: the event's time for {@code DOWN}, the start of
   *     the outage for {@code UP}, and for {@code GONE} the start of the outage it ends, if there was one
   * @param reason why, in words (for {@code GONE}, why the instance ended, e.g. its restart budget is spent)
   * @param at when
   */
  record EndpointEvent(Kind kind, String instanceId, String baseUrl, Optional<Instant> downSince, String reason,
      Instant at) implements CoreEvent {
    /** Validates the components. */
    public EndpointEvent {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(instanceId, "instanceId");
      Objects.requireNonNull(baseUrl, "baseUrl");
      Objects.requireNonNull(downSince, "downSince");
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(at, "at");
    }

    /** What happened to a published endpoint. */
    public enum Kind {
      /** It stopped serving (the instance is {@link LifecycleStatus#RECOVERING}); leases hold. */
      DOWN,
      /** It serves again (the instance is {@link LifecycleStatus#READY}), on the same base URL. */
      UP,
      /** Its instance ended (exited for good, or stopped); its leases ended. */
      GONE
    }
  }

  /**
   * A lease was acquired, renewed, released, expired, or ended with its instance.
   *
   * @param kind what happened
   * @param leaseRef the lease
   * @param instanceId its instance
   * @param ownerRef its owner reference
   * @param expiresAt its expiry after the event, if it has a TTL
   * @param at when
   */
  record LeaseEvent(Kind kind, String leaseRef, String instanceId, Optional<String> ownerRef,
      Optional<Instant> expiresAt, Instant at) implements CoreEvent {
    /** Validates the components. */
    public LeaseEvent {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(leaseRef, "leaseRef");
      Objects.requireNonNull(instanceId, "instanceId");
      Objects.requireNonNull(ownerRef, "ownerRef");
      Objects.requireNonNull(expiresAt, "expiresAt");
      Objects.requireNonNull(at, "at");
    }

    /** What happened to a lease. */
    public enum Kind {
      /** Taken. */
      ACQUIRED,
      /** Extended. */
      RENEWED,
      /** Released by its holder. */
      RELEASED,
      /** Its TTL passed. */
      EXPIRED,
      /** Its instance stopped or exited. */
      ENDED
    }
  }

  /**
   * A backend was registered, replaced or unregistered.
   *
   * @param kind what happened
   * @param backend the backend id
   * @param at when
   */
  record BackendEvent(Kind kind, String backend, Instant at) implements CoreEvent {
    /** Validates the components. */
    public BackendEvent {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(backend, "backend");
      Objects.requireNonNull(at, "at");
    }

    /** What happened to a backend registration. */
    public enum Kind {
      /** Registered under a new id. */
      REGISTERED,
      /** Registered under an id that was taken; the old registration is gone, its instances keep running. */
      REPLACED,
      /** Unregistered; its instances are being stopped. */
      UNREGISTERED
    }
  }

  /**
   * The core's {@link Capacity} acted on an instance.
   *
   * @param kind what happened
   * @param instanceId the instance it happened to (for {@link Kind#EVICTED}, the evicted one)
   * @param forInstanceId for {@link Kind#EVICTED}: the new instance that needed the room
   * @param estimate the instance's memory estimate
   * @param reason why, in words (for an eviction: which resolve needed the room, and the victim's idle time)
   * @param at when
   */
  record CapacityEvent(Kind kind, String instanceId, Optional<String> forInstanceId, MemoryEstimate estimate,
      String reason, Instant at) implements CoreEvent {
    /** Validates the components. */
    public CapacityEvent {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(instanceId, "instanceId");
      Objects.requireNonNull(forInstanceId, "forInstanceId");
      Objects.requireNonNull(estimate, "estimate");
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(at, "at");
    }

    /** What the capacity did. */
    public enum Kind {
      /** A new instance did not fit and waits in line (nothing launched yet). */
      QUEUED,
      /** A queued instance now fits and is being launched. */
      ADMITTED,
      /** An idle instance is being stopped to make room for {@code forInstanceId}. */
      EVICTED,
      /** A new instance was refused: it can never fit, or every caller waiting for it gave up. */
      REFUSED
    }
  }
}
