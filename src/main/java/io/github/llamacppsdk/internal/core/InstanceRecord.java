package io.github.llamacppsdk.internal.core;

import io.github.llamacppsdk.core.Backend;
import io.github.llamacppsdk.core.CapacityExhaustedException;
import io.github.llamacppsdk.core.CoreEvent.LeaseEvent;
import io.github.llamacppsdk.core.EndpointDescriptor;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.core.InstanceSnapshot;
import io.github.llamacppsdk.core.LifecycleStatus;
import io.github.llamacppsdk.core.ManagedInstance;
import io.github.llamacppsdk.core.MemoryEstimate;
import io.github.llamacppsdk.core.ResolveOptions;
import io.github.llamacppsdk.core.StartupPlan;
import io.github.llamacppsdk.internal.Log;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One instance in the core's registry, as its callers see it: waiters ({@link #join}, {@link #leave}),
 * leases ({@link #acquireLease}; they are the {@link LeaseBook}'s), the idle timer and the capacity
 * facts. The backend-driven side (launch, readiness, failure, stop and the backend's reports) is its
 * {@link InstanceLifecycle}, which drives the {@link InstanceState} (whose transitions are the only place
 * instance and endpoint events are produced). Every state change happens under this object's monitor;
 * events are queued under it and delivered after it is released; backend code ({@code start}, {@code
 * stop}, {@code details}) is never called while holding it. Thread-safe. Not API.
 */
public final class InstanceRecord {
  private static final Log log = Log.of(InstanceRecord.class);

  private final String id;
  private final String backendId;
  private final StartupPlan plan;
  private final CoreRuntime rt;
  private final Instant insertedAt;
  private final LeaseBook leases;
  private final InstanceLifecycle life;
  private final InstanceState state; // guarded by this; the lifecycle's
  // guarded by this
  private int waiters;
  private final IdleTimer idleTimer; // guarded by this
  // capacity (guarded by this)
  private MemoryEstimate memoryEstimate = MemoryEstimate.unknown("not estimated yet");
  private boolean pinned;
  private boolean queued;
  private Instant lastUsed;

  /**
   * Creates a record in {@code STARTING} and queues its creation event.
   *
   * @param spec the spec, bound to its backend
   * @param plan the validated plan
   * @param rt the shared runtime
   */
  public InstanceRecord(BoundSpec<?> spec, StartupPlan plan, CoreRuntime rt) {
    this.id = plan.instanceKey();
    this.backendId = spec.backendId();
    this.plan = plan;
    this.rt = rt;
    this.insertedAt = rt.clock().instant();
    this.leases = new LeaseBook(this, rt);
    this.idleTimer = new IdleTimer(id, rt.scheduler());
    this.life = new InstanceLifecycle(this, spec, plan, rt, insertedAt);
    this.state = life.state();
  }

  /** {@return the instance id} */
  public String id() {
    return id;
  }

  /** {@return the backend id} */
  public String backendId() {
    return backendId;
  }

  /** {@return the plan} */
  public StartupPlan plan() {
    return plan;
  }

  /**
   * {@return completes when the instance serves: at once while {@code READY}, at the first readiness
   * while {@code STARTING}, when it serves again while {@code RECOVERING}} Fails with the start's
   * failure, or when the instance stops or ends. A new future is handed out for each outage.
   */
  public synchronized CompletableFuture<Void> serving() {
    return state.gate().gate();
  }

  /** {@return completes when the instance is gone (stopped, failed or exited) and out of the registry} */
  public CompletableFuture<Void> stopped() {
    return life.stopped();
  }

  /** {@return completes when the instance is gone; unlike {@link #stopped()}, never with a failure to stop} */
  CompletableFuture<Void> gone() {
    return life.gone();
  }

  /** {@return the current lifecycle} */
  public synchronized LifecycleStatus lifecycle() {
    return state.lifecycle();
  }

  /**
   * Calls {@link Backend#start} (outside any lock) and wires readiness. Typed failures fail the record.
   */
  public void launch() {
    life.launch();
  }

  /**
   * Fails a starting instance: {@code FAILED}, out of the registry, waiters get {@code e}; the handle
   * (if any) is stopped to clean up.
   *
   * @param e the reason
   */
  void fail(InferenceException e) {
    life.fail(e);
  }

  /**
   * Stops the instance. Idempotent.
   *
   * @param code the code waiters of a still-starting instance get ({@code STOPPED}, {@code CLOSED},
   *     {@code INTERRUPTED})
   * @param reason why, in words
   * @return completes when the instance is gone
   */
  public CompletableFuture<Void> stop(ErrorCode code, String reason) {
    life.stopIf(code, reason, false);
    return life.stopped();
  }

  /**
   * Stops the instance if it is idle: ready, no lease, no caller waiting, not pinned (the capacity's
   * eviction; the check and the stop are one step, so nobody can lease it in between).
   *
   * @param reason why, in words (which resolve needed the room)
   * @return whether it is now stopping
   */
  boolean evict(String reason) {
    return life.stopIf(ErrorCode.STOPPED, reason, true);
  }

  /**
   * Registers a waiter for readiness.
   *
   * @return false when the instance is stopping or gone (the caller must retry after {@link #stopped()})
   */
  public synchronized boolean join() {
    if (state.isGoingAway()) {
      return false;
    }
    waiters++;
    idleTimer.cancel();
    return true;
  }

  /**
   * Removes a waiter. An abandoning waiter (interrupted or cancelled) that was the last one interested
   * in a still-starting instance stops it.
   *
   * @param abandon true for an interrupt or cancellation
   */
  public void leave(boolean abandon) {
    boolean stopIt;
    boolean dropQueued;
    synchronized (this) {
      waiters--;
      dropQueued = queued && waiters == 0 && state.lifecycle() == LifecycleStatus.STARTING;
      stopIt = abandon && waiters == 0 && leases.isEmpty() && state.lifecycle() == LifecycleStatus.STARTING;
      if (!stopIt && !dropQueued) {
        maybeArmIdle();
      }
    }
    if (dropQueued) {
      stop(ErrorCode.CAPACITY_EXHAUSTED, "every caller waiting for capacity for it gave up");
    } else if (stopIt) {
      stop(ErrorCode.INTERRUPTED, "the only caller waiting for it gave up");
    } else {
      rt.capacity().changed();
    }
  }

  /**
   * Takes a lease on the ready instance.
   *
   * @param opts the owner and TTL
   * @return the lease
   */
  public LeaseImpl acquireLease(ResolveOptions opts) {
    life.checkAlive();
    LeaseImpl lease;
    synchronized (this) {
      requireServing();
      lease = leases.open(opts, state.published(), rt.clock().instant());
      lastUsed = rt.clock().instant();
      idleTimer.cancel();
    }
    life.deliver();
    return lease;
  }

  /**
   * After a lease change (called by the {@link LeaseBook} with the monitor held): the last lease ending
   * arms the idle timer.
   *
   * @param used whether the instance was just used (a release), for the capacity's least-recently-used order
   */
  void leasesChanged(boolean used) {
    if (used) {
      lastUsed = rt.clock().instant();
    }
    maybeArmIdle();
  }

  /** {@return how many leases expired now, by the core's clock} */
  public int expireLeases() {
    return leases.expire();
  }

  /** {@return the published endpoint}
   * @throws InferenceException NOT_READY or NOT_FOUND */
  public synchronized EndpointDescriptor publishedEndpoint() {
    requireServing();
    return state.published();
  }

  /**
   * {@return the failure of a resolve whose wait ran out now: what the instance is doing
   * ({@code CAPACITY_EXHAUSTED} while it waits for capacity, else {@code WAIT_TIMEOUT})}
   *
   * @param timeout the wait that ran out
   */
  public InferenceException waitTimedOut(Duration timeout) {
    boolean q;
    synchronized (this) {
      q = queued;
    }
    if (q) { // outside the record's lock: the governor takes its own
      return rt.capacity().waitedOut(this, timeout);
    }
    return waitTimedOutServing(timeout);
  }

  private synchronized InferenceException waitTimedOutServing(Duration timeout) {
    return InstanceFacts.waitedOut(id, state.lifecycle(), state.gate().outage(), rt.clock().instant(), timeout);
  }

  /** {@return a snapshot} A read: it changes nothing; a lease past its TTL is not counted, swept or not. */
  public InstanceSnapshot snapshot() {
    ManagedInstance h;
    synchronized (this) {
      h = life.handle();
    }
    InstanceFacts.BackendReads b = InstanceFacts.BackendReads.of(id, plan, h); // backend code: outside the lock
    synchronized (this) {
      return new InstanceSnapshot(id, backendId, plan.startupKind(), plan.managementMode(), state.lifecycle(),
          state.health(), state.healthReason(), leases.activeCount(rt.clock().instant()),
          Optional.ofNullable(state.published()), insertedAt, Optional.ofNullable(state.readyAt()), b.metadata(),
          state.gate().outage(), memoryEstimate, b.resident(), pinned, b.process());
    }
  }

  // ---- capacity ----

  /** What the capacity governor needs to know to pick victims. */
  record CapacityView(boolean idle, Instant readyAt, Instant lastUsed) {}

  /** {@return whether it can be evicted now (minimum residency aside), with its ready and last-use times} */
  synchronized CapacityView capacityView() {
    return new CapacityView(idle(), state.readyAt(), lastUsed);
  }

  /** {@return whether it is stopping or gone (its capacity is on its way back)} */
  synchronized boolean isGoingAway() {
    return state.isGoingAway();
  }

  /** Marks it waiting for capacity.
   * @param reason shown as its health reason
   * @return false if no longer starting */
  synchronized boolean markQueued(String reason) {
    if (state.lifecycle() != LifecycleStatus.STARTING) {
      return false;
    }
    queued = true;
    state.waitingReason(reason);
    return true;
  }

  /** {@return true if it was queued and still starting: the caller launches it} */
  synchronized boolean admitFromQueue() {
    if (!queued || state.lifecycle() != LifecycleStatus.STARTING) {
      return false;
    }
    queued = false;
    state.waitingReason("starting");
    return true;
  }

  /** Pins it: the capacity never evicts it. */
  public synchronized void pin() {
    pinned = true;
  }

  /** @param estimate its memory estimate, set once before admission */
  public synchronized void memoryEstimate(MemoryEstimate estimate) {
    memoryEstimate = estimate;
  }

  /** {@return what holds capacity here, for {@link CapacityExhaustedException}} */
  synchronized CapacityExhaustedException.Holder holder(MemoryEstimate est, Instant now, Duration minResidency,
      boolean evicting) {
    return InstanceFacts.holder(new InstanceFacts.Holding(id, state.lifecycle(), pinned, leases.size(),
        leases.owners(), waiters, state.readyAt()), est, now, minResidency, evicting);
  }

  // ---- called with the monitor held (by this record and by its lifecycle) ----

  /** {@return ready, no lease, no caller waiting, not pinned} */
  boolean idle() {
    return state.lifecycle() == LifecycleStatus.READY && leases.isEmpty() && waiters == 0 && !pinned;
  }

  /** {@return whether it was waiting for capacity; it no longer is} */
  boolean takeQueued() {
    boolean was = queued;
    queued = false;
    return was;
  }

  /** Marks it used now, for the capacity's least-recently-used order.
   * @return now */
  Instant markUsed() {
    lastUsed = rt.clock().instant();
    return lastUsed;
  }

  /** {@return how many leases it holds} */
  int leaseCount() {
    return leases.size();
  }

  /** The instance stopped serving for good: every lease ends, saying why, and the idle timer stops. */
  void ended(String why) {
    leases.endAll(LeaseEvent.Kind.ENDED, rt.clock().instant(), why);
    idleTimer.cancel();
  }

  /** Throws unless the endpoint may be handed out now. */
  private void requireServing() {
    InferenceException e = InstanceFacts.notServing(id, state.lifecycle(), state.gate().outage(), rt.clock().instant());
    if (e != null) {
      throw e;
    }
  }

  /** Arms the idle timer if it serves, nobody holds or waits for it, and an idle shutdown applies. */
  void maybeArmIdle() {
    Optional<Duration> planned = plan.idleShutdown();
    Optional<Duration> idle = planned.isPresent() ? planned : rt.defaultIdle();
    if (!state.isPublished() || !leases.isEmpty() || waiters > 0 || idleTimer.isArmed() || idle.isEmpty()) {
      return;
    }
    idleTimer.arm(idle.get(), generation -> idleFired(generation, idle.get()));
  }

  private void idleFired(long generation, Duration idle) {
    synchronized (this) {
      if (!state.isPublished() || !leases.isEmpty() || waiters > 0 || !idleTimer.fires(generation)) {
        return;
      }
    }
    stop(ErrorCode.STOPPED, "idle for " + idle + " after its last lease ended");
  }

  static void logSwallowed(String what, RuntimeException e) {
    log.warn("{} threw; ignored", what, e);
  }
}
