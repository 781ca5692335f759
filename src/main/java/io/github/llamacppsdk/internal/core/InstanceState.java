package io.github.llamacppsdk.internal.core;

import io.github.llamacppsdk.core.CoreEvent.EndpointEvent;
import io.github.llamacppsdk.core.CoreEvent.InstanceEvent;
import io.github.llamacppsdk.core.EndpointDescriptor;
import io.github.llamacppsdk.core.HealthStatus;
import io.github.llamacppsdk.core.LifecycleStatus;
import io.github.llamacppsdk.core.Outage;
import io.github.llamacppsdk.internal.Scan;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Not API. The lifecycle state of one instance ({@code STARTING -> READY <-> RECOVERING}, {@code ->
 * STOPPING -> STOPPED}, {@code FAILED}), its health, its published endpoint and its serving gate. {@link
 * #transition} is the only place instance and endpoint events are produced: an instance event, and for a
 * published endpoint the endpoint event that goes with it, queued to be delivered once the lock is
 * released. Guarded by the owning {@link InstanceRecord}'s monitor; every method is called with it held.
 */
final class InstanceState {
  private final String id;
  private final String backendId;
  private final CoreRuntime rt;
  private final ServingGate gate;
  private LifecycleStatus lifecycle = LifecycleStatus.STARTING;
  private HealthStatus health = HealthStatus.STARTING;
  private String healthReason = "starting";
  private EndpointDescriptor published;
  private Instant readyAt;

  /** Starts in {@code STARTING} and queues the creation event. */
  InstanceState(String id, String backendId, CoreRuntime rt, CompletableFuture<Void> firstReadiness, Instant now) {
    this.id = id;
    this.backendId = backendId;
    this.rt = rt;
    this.gate = new ServingGate(firstReadiness);
    rt.events().emit(new InstanceEvent(id, backendId, Optional.empty(), lifecycle, health, health, "created", now));
  }

  LifecycleStatus lifecycle() {
    return lifecycle;
  }

  HealthStatus health() {
    return health;
  }

  String healthReason() {
    return healthReason;
  }

  /** {@return the published endpoint, or null before readiness} */
  EndpointDescriptor published() {
    return published;
  }

  /** {@return when it was published, or null} */
  Instant readyAt() {
    return readyAt;
  }

  /** {@return the gate resolves wait on, and the outage while recovering} */
  ServingGate gate() {
    return gate;
  }

  /** {@return whether an endpoint is published (ready or recovering)} */
  boolean isPublished() {
    return lifecycle == LifecycleStatus.READY || lifecycle == LifecycleStatus.RECOVERING;
  }

  /** {@return whether it is stopping or gone} */
  boolean isGoingAway() {
    return lifecycle == LifecycleStatus.STOPPING || lifecycle.isFinal();
  }

  /** Publishes the endpoint: {@code READY}, {@code HEALTHY}; the first gate completes with the caller's future. */
  void publish(EndpointDescriptor endpoint, Instant now) {
    published = endpoint;
    readyAt = now;
    gate.serving(); // the first gate is the record's readiness future, completed by the record
    transition(LifecycleStatus.READY, HealthStatus.HEALTHY, "ready");
  }

  /** Shows a reason while it waits for capacity (no event: nothing changed state). */
  void waitingReason(String reason) {
    healthReason = reason;
  }

  /** A start that ended on its own: the health the failure transition keeps. */
  void exitedWhileStarting() {
    health = HealthStatus.EXITED;
  }

  /** Moves to a lifecycle and health, queuing the events that say so. */
  void transition(LifecycleStatus newLifecycle, HealthStatus newHealth, String reason) {
    LifecycleStatus oldL = lifecycle;
    HealthStatus oldH = health;
    lifecycle = newLifecycle;
    health = newHealth;
    healthReason = oneLine(reason);
    Instant now = rt.clock().instant();
    rt.events().emit(new InstanceEvent(id, backendId, Optional.of(oldL), newLifecycle, oldH, newHealth, healthReason,
        now));
    EndpointEvent.Kind endpoint = endpointChange(oldL, newLifecycle);
    if (endpoint != null && published != null) {
      rt.events().emit(new EndpointEvent(endpoint, id, published.baseUrl(), gate.outage().map(Outage::since),
          healthReason, now));
    }
  }

  /** {@return what a lifecycle change means for the published endpoint, or null} */
  private static EndpointEvent.Kind endpointChange(LifecycleStatus from, LifecycleStatus to) {
    boolean wasPublished = from == LifecycleStatus.READY || from == LifecycleStatus.RECOVERING;
    if (from == to || !wasPublished) {
      return null;
    }
    if (to == LifecycleStatus.RECOVERING) {
      return EndpointEvent.Kind.DOWN;
    }
    return to == LifecycleStatus.READY ? EndpointEvent.Kind.UP : EndpointEvent.Kind.GONE;
  }

  /** Event reasons are one line: the first line of {@code reason}, cut at 500 characters. */
  static String oneLine(String reason) {
    String first = Scan.firstLine(reason);
    return first.length() > 500 ? first.substring(0, 497) + "..." : first;
  }
}
