package io.github.llamacppsdk.internal.core;

import io.github.llamacppsdk.core.Backend;
import io.github.llamacppsdk.core.CoreEvent.LeaseEvent;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.HealthStatus;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.core.LifecycleStatus;
import io.github.llamacppsdk.core.ManagedInstance;
import io.github.llamacppsdk.core.NotServingException;
import io.github.llamacppsdk.core.Outage;
import io.github.llamacppsdk.core.ServedEndpoint;
import io.github.llamacppsdk.core.StartupPlan;
import io.github.llamacppsdk.internal.Log;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * Not API. The backend-driven side of one instance: it launches it ({@link Backend#start}), publishes
 * it at readiness, fails, stops and ends it, and turns the backend's reports ({@code reportHealth},
 * {@code reportRestarting}, {@code reportExited}, {@code reportStopped}) into {@link InstanceState}
 * transitions. The caller side (waiters, leases, idle timer, capacity facts) is the owning {@link
 * InstanceRecord}'s. State is guarded by that record's monitor; backend code ({@code start}, {@code
 * stop}, {@code ready}, {@code isAlive}) is never called while holding it; each operation delivers the
 * events its transitions queued in one place, {@link #deliver()}, once the monitor is released.
 * Thread-safe.
 */
final class InstanceLifecycle {
  private static final Log log = Log.of(InstanceRecord.class); // one logger name for an instance's lines

  private final InstanceRecord record; // the monitor
  private final String id;
  private final String backendId;
  private final BoundSpec<?> spec;
  private final StartupPlan plan;
  private final CoreRuntime rt;
  private final InstanceContextImpl context;
  private final CompletableFuture<Void> ready = new CompletableFuture<>();
  /** What a stop's callers wait on; replaced when a stop that failed is tried again. Guarded by record. */
  private CompletableFuture<Void> stopped = new CompletableFuture<>();
  /** Completes when the instance is gone, never with a failure to stop (what holds capacity waits on it). */
  private final CompletableFuture<Void> gone = new CompletableFuture<>();
  /** Why the last stop failed, while the server may still run ({@code STOP_FAILED}); guarded by record. */
  private InferenceException stopFailedWith;
  private final InstanceState state; // guarded by record
  private ManagedInstance handle; // guarded by record
  private boolean startInFlight; // guarded by record: Backend.start is running; launch() finishes what ends meanwhile

  InstanceLifecycle(InstanceRecord record, BoundSpec<?> spec, StartupPlan plan, CoreRuntime rt, Instant now) {
    this.record = record;
    this.id = record.id();
    this.backendId = record.backendId();
    this.spec = spec;
    this.plan = plan;
    this.rt = rt;
    this.context = new InstanceContextImpl(this, rt);
    this.state = new InstanceState(id, backendId, rt, ready, now);
  }

  /** {@return the instance id} */
  String id() {
    return id;
  }

  /** {@return the state} Read and changed with the record's monitor held. */
  InstanceState state() {
    return state;
  }

  /** {@return the backend's handle, or null before {@code start} returned} Monitor held. */
  ManagedInstance handle() {
    return handle;
  }

  /**
   * {@return completes when the instance is gone, or fails with {@code STOP_FAILED} when its stop failed}
   * After such a failure, the next stop tries again with a new future.
   */
  CompletableFuture<Void> stopped() {
    synchronized (record) {
      return stopped;
    }
  }

  /** {@return completes when the instance is gone; a failed stop does not complete it} */
  CompletableFuture<Void> gone() {
    return gone;
  }

  /** Delivers the events the operation's transitions queued: the one flush of each operation. */
  void deliver() {
    rt.events().flush();
  }

  /**
   * Calls {@link Backend#start} (outside any lock) and wires readiness. Typed failures fail the instance.
   * An instance that stopped or failed while {@code start} ran (a stop, or the backend's own {@code
   * reportExited} before {@code start} returned) has the handle {@code start} returned stopped; it is
   * gone (its capacity released) once that stop completes.
   */
  void launch() {
    boolean notLaunched;
    synchronized (record) {
      notLaunched = state.lifecycle() != LifecycleStatus.STARTING; // stopped before admission: nothing to start
      startInFlight = !notLaunched;
    }
    if (notLaunched) {
      finishStopped();
      return;
    }
    Log.hold(); // the JVM's first start leaves SLF4J alone until its caller has its answer (Log, CoreEngine)
    ManagedInstance h = null;
    InferenceException startFailure = null;
    try {
      h = spec.start(plan, context);
      if (h == null) {
        startFailure = new InferenceException(ErrorCode.INTERNAL, "backend '" + backendId + "' start returned null");
      }
    } catch (InferenceException e) {
      startFailure = e;
    } catch (RuntimeException e) {
      startFailure = new InferenceException(ErrorCode.INTERNAL, "backend '" + backendId + "' start threw for instance "
          + id + ": " + e, e);
    }
    boolean stillStarting;
    synchronized (record) {
      startInFlight = false;
      handle = h;
      stillStarting = state.lifecycle() == LifecycleStatus.STARTING;
    }
    if (startFailure != null) {
      if (stillStarting) {
        fail(startFailure);
      } else {
        finishStopped(); // stopped or failed while start ran, which left the finish to us: nothing to stop
      }
      Log.release();
      return;
    }
    if (!stillStarting) { // STOPPING (a stop while start ran) or FAILED (an exit reported during start)
      stopHandle(h);
      Log.release();
      return;
    }
    CompletableFuture<ServedEndpoint> rf;
    try {
      rf = h.ready();
    } catch (RuntimeException e) {
      rf = CompletableFuture.failedFuture(e);
    }
    rf.whenComplete(new ReadyOutcome());
  }

  /**
   * Takes the readiness outcome; never lets a failure escape into the void: the instance fails instead of
   * staying STARTING. A named class, not a method reference: it runs in a fresh JVM's first start.
   */
  private final class ReadyOutcome implements BiConsumer<ServedEndpoint, Throwable> {
    @Override
    public void accept(ServedEndpoint ep, Throwable ex) {
      try {
        onReadyOutcome(ep, ex);
      } catch (RuntimeException e) {
        fail(new InferenceException(ErrorCode.INTERNAL, "instance " + id + ": publishing its endpoint failed: " + e,
            e));
      } finally {
        if (ex != null || ep == null) {
          Log.release(); // a failed first start: its lines now (a ready one's, once its caller has its lease: CoreEngine)
        }
      }
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
    synchronized (record) {
      if (state.lifecycle() != LifecycleStatus.STARTING) {
        return;
      }
      Instant now = record.markUsed();
      state.publish(InstanceFacts.publish(id, backendId, plan, ep), now); // `ready` is completed below
      log.info("instance {} ready at {}", id, state.published().baseUrl());
    }
    ready.complete(null);
    synchronized (record) {
      record.maybeArmIdle();
    }
    deliver();
  }

  /**
   * Fails a starting instance: {@code FAILED}, out of the registry, waiters get {@code e}; the handle
   * (if any) is stopped to clean up.
   */
  void fail(InferenceException e) {
    ManagedInstance h;
    boolean stopping;
    boolean launchFinishes;
    synchronized (record) {
      LifecycleStatus l = state.lifecycle();
      if (l.isFinal() || l == LifecycleStatus.READY || l == LifecycleStatus.RECOVERING) {
        return;
      }
      stopping = l == LifecycleStatus.STOPPING;
      if (!stopping) {
        state.transition(LifecycleStatus.FAILED, state.health(), e.summary()); // one line; the exception has the detail
        log.debug("instance {} failed to start: {}", id, e.summary());
      }
      h = handle;
      launchFinishes = startInFlight; // e.g. reportExited from inside start: launch() stops what start returns
    }
    if (!stopping) {
      rt.onRemoved().accept(record); // before the waiters hear of it: a caller that sees the failure sees no entry
    }
    ready.completeExceptionally(e);
    deliver();
    if (launchFinishes) {
      return;
    }
    if (h == null) {
      finishStopped(); // nothing to stop: start itself failed
    } else if (!stopping) {
      stopHandle(h); // clean up whatever the failed start left behind
    }
    // else: stop() already stops the handle
  }

  /**
   * Stops it (see {@link InstanceRecord#stop} and {@link InstanceRecord#evict}). An instance whose last
   * stop failed ({@code STOP_FAILED}: the server may still run) is stopped again, except by an eviction.
   *
   * @return whether it is now stopping
   */
  boolean stopIf(ErrorCode code, String reason, boolean onlyIfIdle) {
    LifecycleStatus was = null;
    CompletableFuture<Void> waited = null;
    boolean wasQueued = false;
    ManagedInstance h;
    ManagedInstance again = null;
    synchronized (record) {
      if (onlyIfIdle && !record.idle()) {
        return false;
      }
      if (state.isGoingAway()) {
        if (onlyIfIdle || stopFailedWith == null || handle == null || state.lifecycle() != LifecycleStatus.STOPPING) {
          return false;
        }
        // its stop failed and the server may still run (a pod whose deletion was refused): try again
        stopFailedWith = null;
        stopped = new CompletableFuture<>();
        again = handle;
        h = null;
        log.info("stopping instance {} again: {}", id, reason);
      } else {
        was = state.lifecycle();
        waited = state.gate().pending();
        wasQueued = record.takeQueued();
        state.transition(LifecycleStatus.STOPPING, state.health(), reason);
        record.ended("its instance was stopped (" + reason + ")");
        h = handle;
        log.info("stopping instance {}: {}", id, reason);
      }
    }
    if (again != null) {
      stopHandle(again);
      return true;
    }
    if (waited != null) {
      waited.completeExceptionally(new InferenceException(code, "instance " + id + " was stopped while "
          + (was == LifecycleStatus.STARTING ? "starting" : "recovering") + " (" + reason + ")"));
    }
    deliver();
    if (wasQueued) {
      rt.capacity().withdraw(record);
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
      InferenceException notStopped = stopFailure(ex);
      if (notStopped != null) {
        stopFailed(notStopped);
        return;
      }
      if (ex != null) {
        log.warn("instance {}: backend stop failed", id, ex);
      }
      finishStopped();
    });
  }

  /** {@return the failure when it says the server may still run ({@code STOP_FAILED}), else null} */
  static InferenceException stopFailure(Throwable ex) {
    return ex != null && Failures.unwrap(ex) instanceof InferenceException e && e.code() == ErrorCode.STOP_FAILED
        ? e : null;
  }

  /**
   * The backend could not stop the server (it may still run): the instance stays {@code STOPPING}, in
   * the registry and in the capacity, with the failure as its reason, and its stop fails with it.
   */
  private void stopFailed(InferenceException e) {
    CompletableFuture<Void> failed;
    synchronized (record) {
      if (state.lifecycle() == LifecycleStatus.STOPPING) {
        state.transition(LifecycleStatus.STOPPING, state.health(), "stop failed: " + e.summary());
      }
      stopFailedWith = e;
      failed = stopped;
    }
    deliver();
    failed.completeExceptionally(e);
  }

  private void finishStopped() {
    synchronized (record) {
      if (state.lifecycle() == LifecycleStatus.STOPPING) {
        state.transition(LifecycleStatus.STOPPED, HealthStatus.STOPPED, "stopped");
        log.info("instance {} stopped", id); // the library's lifecycle lines are INFO: launched, ready, stopping, stopped
      }
    }
    rt.onRemoved().accept(record);
    deliver();
    stopped().complete(null);
    gone.complete(null);
  }

  void reportHealth(HealthStatus status, String reason) {
    if (status == HealthStatus.EXITED) {
      reportExited(reason);
      return;
    }
    CompletableFuture<Void> servesAgain = null;
    synchronized (record) {
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
        long downMs = state.gate().outage().map(o -> Duration.between(o.since(), now).toMillis()).orElse(0L);
        log.info("instance {} serves again after {} ms: {}", id, downMs, reason);
        state.transition(LifecycleStatus.READY, status, reason);
        servesAgain = state.gate().serving();
        record.maybeArmIdle();
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
    deliver();
  }

  void reportRestarting(int attempt, int maxAttempts, String lastExit, String doing) {
    synchronized (record) {
      if (state.lifecycle() != LifecycleStatus.READY && state.lifecycle() != LifecycleStatus.RECOVERING) {
        return;
      }
      state.gate().restarting(rt.clock().instant(), attempt, maxAttempts, lastExit, doing);
      log.warn("instance {}: {}; {}", id, lastExit, doing);
      state.transition(LifecycleStatus.RECOVERING, HealthStatus.UNAVAILABLE, lastExit + "; " + doing);
    }
    deliver();
  }

  void reportExited(String reason) {
    ManagedInstance h;
    boolean starting;
    synchronized (record) {
      starting = state.lifecycle() == LifecycleStatus.STARTING;
      if (starting) {
        state.exitedWhileStarting();
      } else if (!state.isPublished()) {
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
    synchronized (record) {
      if (!state.isPublished()) {
        return;
      }
      int held = record.leaseCount();
      Optional<Outage> outage = state.gate().outage();
      waited = state.gate().pending();
      ended = new NotServingException(ErrorCode.EXITED, "instance " + id + " ended while it was recovering: "
          + reason + outage.map(o -> "; " + o.describe(rt.clock().instant())).orElse(""), id,
          LifecycleStatus.FAILED, outage);
      state.transition(LifecycleStatus.FAILED, HealthStatus.EXITED, reason);
      record.ended("its instance exited (" + reason + ")");
      h = handle;
      if (held > 0) {
        log.error("instance {} exited while {} lease(s) held it: {}", id, held, reason);
      } else {
        log.warn("instance {} exited: {}", id, reason);
      }
    }
    rt.onRemoved().accept(record);
    if (waited != null) {
      waited.completeExceptionally(ended); // after leaving the registry, as a failed start does
    }
    deliver();
    if (h != null) {
      stopHandle(h);
    }
  }

  /** A ready instance stopped from outside the core on purpose (JVM shutdown, transport closed): not a crash. */
  void reportStopped(String reason) {
    ManagedInstance h;
    synchronized (record) {
      if (state.lifecycle() != LifecycleStatus.READY) {
        return; // starting: the readiness watch reports the exit; stopping or final: nothing to add
      }
      state.transition(LifecycleStatus.STOPPED, HealthStatus.STOPPED, reason);
      record.ended("its instance was stopped: " + reason);
      h = handle;
      log.info("instance {} stopped: {}", id, reason);
    }
    rt.onRemoved().accept(record);
    deliver();
    if (h != null) {
      stopHandle(h); // lets the backend release what it holds; the process is already gone
    } else {
      stopped().complete(null);
      gone.complete(null);
    }
  }

  /**
   * Before a handout: a ready instance whose service is gone (a process that died, its exit not yet
   * observed) is not served; it becomes RECOVERING until the backend reports the exit and what follows.
   */
  void checkAlive() {
    ManagedInstance h;
    synchronized (record) {
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
}
