package io.github.llamacppsdk.internal.core;

import io.github.llamacppsdk.core.Backend;
import io.github.llamacppsdk.core.CapacityExhaustedException;
import io.github.llamacppsdk.core.CoreEvent.LeaseEvent;
import io.github.llamacppsdk.core.EndpointDescriptor;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.HealthStatus;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.core.InstanceSnapshot;
import io.github.llamacppsdk.core.ServedEndpoint;
import io.github.llamacppsdk.core.LifecycleStatus;
import io.github.llamacppsdk.core.ManagedInstance;
import io.github.llamacppsdk.core.NotServingException;
import io.github.llamacppsdk.core.Outage;
import io.github.llamacppsdk.core.MemoryEstimate;
import io.github.llamacppsdk.core.ResolveOptions;
import io.github.llamacppsdk.core.StartupPlan;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One instance in the core's registry: it drives the instance's lifecycle ({@link InstanceState}, whose
 * transitions are the only place instance and endpoint events are produced) from the backend's reports
 * and the callers' requests, and holds its waiters, its idle timer and its capacity facts; its leases
 * are the {@link LeaseBook}'s. Every state change happens under this object's monitor; events are queued
 * under it and delivered after it is released; backend code ({@code start}, {@code stop}, {@code
 * details}) is never called while holding it. Thread-safe. Not API.
 */
public final class InstanceRecord {
  private static final Logger log = LoggerFactory.getLogger(InstanceRecord.class);

  private final String id;
  private final String backendId;
  private final BoundSpec<?> spec;
  private final StartupPlan plan;
  private final CoreRuntime rt;
  private final Instant insertedAt;
  private final CompletableFuture<Void> ready = new CompletableFuture<>();
  private final CompletableFuture<Void> stopped = new CompletableFuture<>();
  private final LeaseBook leases;
  private final InstanceContextImpl context;
  private final InstanceState state; // guarded by this
  // guarded by this
  private ManagedInstance handle;
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
    this.spec = spec;
    this.plan = plan;
    this.rt = rt;
    this.insertedAt = rt.clock().instant();
    this.context = new InstanceContextImpl(this, rt);
    this.leases = new LeaseBook(this, rt);
    this.idleTimer = new IdleTimer(id, rt.scheduler());
    this.state = new InstanceState(id, backendId, rt, ready, insertedAt);
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
    return stopped;
  }

  /** {@return the current lifecycle} */
  public synchronized LifecycleStatus lifecycle() {
    return state.lifecycle();
  }

  /**
   * Calls {@link Backend#start} (outside any lock) and wires readiness. Typed failures fail the record.
   */
  public void launch() {
    boolean notLaunched;
    synchronized (this) {
      notLaunched = state.lifecycle() != LifecycleStatus.STARTING; // stopped before admission: nothing to start
    }
    if (notLaunched) {
      finishStopped();
      return;
    }
    ManagedInstance h;
    try {
      h = spec.start(plan, context);
      if (h == null) {
        throw new InferenceException(ErrorCode.INTERNAL, "backend '" + backendId + "' start returned null");
      }
    } catch (InferenceException e) {
      fail(e);
      return;
    } catch (RuntimeException e) {
      fail(new InferenceException(ErrorCode.INTERNAL, "backend '" + backendId + "' start threw for instance "
          + id + ": " + e, e));
      return;
    }
    boolean stopNow;
    synchronized (this) {
      handle = h;
      stopNow = state.lifecycle() == LifecycleStatus.STOPPING;
    }
    if (stopNow) {
      stopHandle(h);
      return;
    }
    CompletableFuture<ServedEndpoint> rf;
    try {
      rf = h.ready();
    } catch (RuntimeException e) {
      rf = CompletableFuture.failedFuture(e);
    }
    rf.whenComplete(this::onReadyOutcomeGuarded);
  }

  /** Never lets a failure escape into the void: the instance fails instead of staying STARTING. */
  private void onReadyOutcomeGuarded(ServedEndpoint ep, Throwable ex) {
    try {
      onReadyOutcome(ep, ex);
    } catch (RuntimeException e) {
      fail(new InferenceException(ErrorCode.INTERNAL, "instance " + id + ": publishing its endpoint failed: " + e, e));
    }
  }

  private void onReadyOutcome(ServedEndpoint ep, Throwable ex) {
    if (ex == null && (ep == null || ep.baseUrl().isBlank())) {
      ex = new InferenceException(ErrorCode.INTERNAL, "backend '" + backendId + "' published no base URL for "
          + id);
    }
    if (ex != null) {
      fail(Failures.toInference(ex, "instance " + id + " readiness"));
      return;
    }
    synchronized (this) {
      if (state.lifecycle() != LifecycleStatus.STARTING) {
        return;
      }
      lastUsed = rt.clock().instant();
      state.publish(InstanceFacts.publish(id, backendId, plan, ep), lastUsed); // `ready` is completed below
      log.info("instance {} ready at {}", id, state.published().baseUrl());
    }
    ready.complete(null);
    synchronized (this) {
      maybeArmIdle();
    }
    rt.events().flush();
  }

  /**
   * Fails a starting instance: {@code FAILED}, out of the registry, waiters get {@code e}; the handle
   * (if any) is stopped to clean up.
   *
   * @param e the reason
   */
  void fail(InferenceException e) {
    ManagedInstance h;
    boolean stopping;
    synchronized (this) {
      if (state.lifecycle().isFinal() || state.lifecycle() == LifecycleStatus.READY || state.lifecycle() == LifecycleStatus.RECOVERING) {
        return;
      }
      stopping = state.lifecycle() == LifecycleStatus.STOPPING;
      if (!stopping) {
        state.transition(LifecycleStatus.FAILED, state.health(), e.summary()); // one line; the exception has the detail
        log.debug("instance {} failed to start: {}", id, e.summary());
      }
      h = handle;
    }
    if (!stopping) {
      rt.onRemoved().accept(this); // before the waiters hear of it: a caller that sees the failure sees no entry
    }
    ready.completeExceptionally(e);
    rt.events().flush();
    if (h == null) {
      finishStopped(); // nothing to stop: start itself failed
    } else if (!stopping) {
      stopHandle(h); // clean up whatever the failed start left behind
    }
    // else: stop() already stops the handle
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
    stopIf(code, reason, false);
    return stopped;
  }

  /**
   * Stops the instance if it is idle: ready, no lease, no caller waiting, not pinned (the capacity's
   * eviction; the check and the stop are one step, so nobody can lease it in between).
   *
   * @param reason why, in words (which resolve needed the room)
   * @return whether it is now stopping
   */
  boolean evict(String reason) {
    return stopIf(ErrorCode.STOPPED, reason, true);
  }

  private boolean stopIf(ErrorCode code, String reason, boolean onlyIfIdle) {
    LifecycleStatus was;
    CompletableFuture<Void> waited;
    boolean wasQueued;
    ManagedInstance h;
    synchronized (this) {
      if (onlyIfIdle && !idle()) {
        return false;
      }
      if (state.lifecycle().isFinal() || state.lifecycle() == LifecycleStatus.STOPPING) {
        return false;
      }
      was = state.lifecycle();
      waited = state.gate().pending();
      wasQueued = queued;
      queued = false;
      state.transition(LifecycleStatus.STOPPING, state.health(), reason);
      leases.endAll(LeaseEvent.Kind.ENDED, rt.clock().instant(), "its instance was stopped (" + reason + ")");
      cancelIdle();
      h = handle;
      log.info("stopping instance {}: {}", id, reason);
    }
    if (waited != null) {
      waited.completeExceptionally(new InferenceException(code, "instance " + id + " was stopped while "
          + (was == LifecycleStatus.STARTING ? "starting" : "recovering") + " (" + reason + ")"));
    }
    rt.events().flush();
    if (wasQueued) {
      rt.capacity().withdraw(this);
      finishStopped(); // never launched
    } else if (h != null) {
      stopHandle(h);
    }
    // else: launch() is between backend.start and storing the handle; it sees STOPPING and stops it.
    return true;
  }

  private void stopHandle(ManagedInstance h) {
    CompletableFuture<Void> f;
    try {
      f = h.stop();
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    f.whenComplete((v, ex) -> {
      if (ex != null) {
        log.warn("instance {}: backend stop failed", id, ex);
      }
      finishStopped();
    });
  }

  private void finishStopped() {
    synchronized (this) {
      if (state.lifecycle() == LifecycleStatus.STOPPING) {
        state.transition(LifecycleStatus.STOPPED, HealthStatus.STOPPED, "stopped");
        log.info("instance {} stopped", id); // the library's lifecycle lines are INFO: launched, ready, stopping, stopped
      }
    }
    rt.onRemoved().accept(this);
    rt.events().flush();
    stopped.complete(null);
  }

  void reportHealth(HealthStatus status, String reason) {
    if (status == HealthStatus.EXITED) {
      reportExited(reason);
      return;
    }
    CompletableFuture<Void> servesAgain = null;
    synchronized (this) {
      if (state.lifecycle().isFinal() || state.lifecycle() == LifecycleStatus.STOPPING || status == HealthStatus.STOPPED) {
        return;
      }
      Instant now = rt.clock().instant();
      boolean serves = status == HealthStatus.HEALTHY || status == HealthStatus.DEGRADED;
      boolean progress = status == HealthStatus.STARTING || status == HealthStatus.LOADING;
      if (state.lifecycle() == LifecycleStatus.READY && progress) {
        return; // a late readiness report: a restart is announced with reportRestarting first
      }
      if (state.lifecycle() == LifecycleStatus.READY && !serves) {
        state.gate().progress(now, status, reason);
        log.warn("instance {} does not serve ({} {}); resolves wait for it", id, status, reason);
        state.transition(LifecycleStatus.RECOVERING, status, reason);
      } else if (state.lifecycle() == LifecycleStatus.RECOVERING && serves) {
        log.info("instance {} serves again after {} ms: {}", id, downForMillis(now), reason);
        state.transition(LifecycleStatus.READY, status, reason);
        servesAgain = state.gate().serving();
        maybeArmIdle();
      } else if (state.lifecycle() == LifecycleStatus.RECOVERING) {
        state.gate().progress(now, status, reason);
        if (status != state.health()) {
          state.transition(state.lifecycle(), status, reason);
        }
      } else if (status != state.health() || progress && !InstanceState.oneLine(reason).equals(state.healthReason())) { // new start-up progress is news
        if (state.lifecycle() == LifecycleStatus.READY && status == HealthStatus.DEGRADED) {
          log.warn("instance {} health {}: {}", id, status, reason);
        }
        state.transition(state.lifecycle(), status, reason);
      }
    }
    if (servesAgain != null) {
      servesAgain.complete(null); // the waiting resolves take their leases now
    }
    rt.events().flush();
  }

  void reportRestarting(int attempt, int maxAttempts, String lastExit, String doing) {
    synchronized (this) {
      if (state.lifecycle() != LifecycleStatus.READY && state.lifecycle() != LifecycleStatus.RECOVERING) {
        return;
      }
      state.gate().restarting(rt.clock().instant(), attempt, maxAttempts, lastExit, doing);
      log.warn("instance {}: {}; {}", id, lastExit, doing);
      state.transition(LifecycleStatus.RECOVERING, HealthStatus.UNAVAILABLE, lastExit + "; " + doing);
    }
    rt.events().flush();
  }

  void reportExited(String reason) {
    ManagedInstance h;
    boolean starting;
    synchronized (this) {
      starting = state.lifecycle() == LifecycleStatus.STARTING;
      if (starting) {
        state.exitedWhileStarting();
      } else if (state.lifecycle() != LifecycleStatus.READY && state.lifecycle() != LifecycleStatus.RECOVERING) {
        return;
      }
    }
    if (starting) {
      fail(new InferenceException(ErrorCode.EXITED_BEFORE_READY, "instance " + id + " exited before ready: "
          + reason));
      return;
    }
    CompletableFuture<Void> waited;
    NotServingException ended;
    synchronized (this) {
      if (state.lifecycle() != LifecycleStatus.READY && state.lifecycle() != LifecycleStatus.RECOVERING) {
        return;
      }
      int held = leases.size();
      Optional<Outage> outage = state.gate().outage();
      waited = state.gate().pending();
      ended = new NotServingException(ErrorCode.EXITED, "instance " + id + " ended while it was recovering: "
          + reason + outage.map(o -> "; " + o.describe(rt.clock().instant())).orElse(""), id,
          LifecycleStatus.FAILED, outage);
      state.transition(LifecycleStatus.FAILED, HealthStatus.EXITED, reason);
      leases.endAll(LeaseEvent.Kind.ENDED, rt.clock().instant(), "its instance exited (" + reason + ")");
      cancelIdle();
      h = handle;
      if (held > 0) {
        log.error("instance {} exited while {} lease(s) held it: {}", id, held, reason);
      } else {
        log.warn("instance {} exited: {}", id, reason);
      }
    }
    rt.onRemoved().accept(this);
    if (waited != null) {
      waited.completeExceptionally(ended); // after leaving the registry, as a failed start does
    }
    rt.events().flush();
    if (h != null) {
      stopHandle(h);
    }
  }

  /** A ready instance stopped from outside the core on purpose (JVM shutdown, transport closed): not a crash. */
  void reportStopped(String reason) {
    ManagedInstance h;
    synchronized (this) {
      if (state.lifecycle() != LifecycleStatus.READY) {
        return; // starting: the readiness watch reports the exit; stopping or final: nothing to add
      }
      state.transition(LifecycleStatus.STOPPED, HealthStatus.STOPPED, reason);
      leases.endAll(LeaseEvent.Kind.ENDED, rt.clock().instant(), "its instance was stopped: " + reason);
      cancelIdle();
      h = handle;
      log.info("instance {} stopped: {}", id, reason);
    }
    rt.onRemoved().accept(this);
    rt.events().flush();
    if (h != null) {
      stopHandle(h); // lets the backend release what it holds; the process is already gone
    } else {
      stopped.complete(null);
    }
  }

  /**
   * Registers a waiter for readiness.
   *
   * @return false when the instance is stopping or gone (the caller must retry after {@link #stopped()})
   */
  public synchronized boolean join() {
    if (state.lifecycle().isFinal() || state.lifecycle() == LifecycleStatus.STOPPING) {
      return false;
    }
    waiters++;
    cancelIdle();
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
    checkAlive();
    LeaseImpl lease;
    synchronized (this) {
      requireServing();
      lease = leases.open(opts, state.published(), rt.clock().instant());
      lastUsed = rt.clock().instant();
      cancelIdle();
    }
    rt.events().flush();
    return lease;
  }

  /**
   * Before a handout: a ready instance whose service is gone (a process that died, its exit not yet
   * observed) is not served; it becomes RECOVERING until the backend reports the exit and what follows.
   */
  private void checkAlive() {
    ManagedInstance h;
    synchronized (this) {
      if (state.lifecycle() != LifecycleStatus.READY) {
        return;
      }
      h = handle;
    }
    boolean alive;
    try {
      alive = h == null || h.isAlive();
    } catch (RuntimeException e) {
      alive = true; // a broken check must not take a serving instance out
    }
    if (!alive) {
      reportHealth(HealthStatus.UNAVAILABLE, "its process is gone; the exit is not reported yet");
    }
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

  /** {@return the state.published() endpoint} @throws InferenceException NOT_READY or NOT_FOUND */
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
      h = handle;
    }
    InstanceFacts.BackendReads b = InstanceFacts.BackendReads.of(id, plan, h); // backend code: outside the lock
    synchronized (this) {
      return new InstanceSnapshot(id, backendId, plan.startupKind(), plan.managementMode(), state.lifecycle(), state.health(),
          state.healthReason(), leases.activeCount(rt.clock().instant()), Optional.ofNullable(state.published()), insertedAt,
          Optional.ofNullable(state.readyAt()), b.metadata(), state.gate().outage(), memoryEstimate, b.resident(), pinned, b.process());
    }
  }

  // ---- capacity ----

  /** What the capacity governor needs to know to pick victims. */
  record CapacityView(boolean idle, Instant readyAt, Instant lastUsed) {}

  /** {@return whether it can be evicted now (minimum residency aside), with its ready and last-use times} */
  synchronized CapacityView capacityView() {
    return new CapacityView(idle(), state.readyAt(), lastUsed);
  }

  /** {@return ready, no lease, no caller waiting, not pinned} Monitor held. */
  private boolean idle() {
    return state.lifecycle() == LifecycleStatus.READY && leases.isEmpty() && waiters == 0 && !pinned;
  }

  /** {@return whether it is stopping or gone (its capacity is on its way back)} */
  synchronized boolean isGoingAway() {
    return state.isGoingAway();
  }

  /** Marks it waiting for capacity. @param reason shown as its state.health() reason @return false if no longer starting */
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
    return InstanceFacts.holder(new InstanceFacts.Holding(id, state.lifecycle(), pinned, leases.size(), leases.owners(), waiters,
        state.readyAt()), est, now, minResidency, evicting);
  }

  // ---- helpers, all called with the monitor held ----

  /** Throws unless the endpoint may be handed out now. */
  private void requireServing() {
    InferenceException e = InstanceFacts.notServing(id, state.lifecycle(), state.gate().outage(), rt.clock().instant());
    if (e != null) {
      throw e;
    }
  }

  private long downForMillis(Instant now) {
    return state.gate().outage().map(o -> Duration.between(o.since(), now).toMillis()).orElse(0L);
  }

  private void maybeArmIdle() {
    Optional<Duration> idle = plan.idleShutdown().or(rt::defaultIdle);
    if (!state.isPublished() || !leases.isEmpty() || waiters > 0 || idleTimer.isArmed() || idle.isEmpty()) {
      return;
    }
    idleTimer.arm(idle.get(), generation -> idleFired(generation, idle.get()));
  }

  private void cancelIdle() {
    idleTimer.cancel();
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
