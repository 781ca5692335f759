package io.github.llamacppsdk.core;

import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What the core gives a backend for one instance: its id, the shared scheduler and clock, and the
 * callbacks through which the backend reports what it observes.
 *
 * <p>The callbacks are thread-safe and cheap; they never throw.
 */
public interface InstanceContext {

  /** {@return the instance id (the plan's instance key)} */
  String instanceId();

  /** {@return the clock the core uses for timestamps and lease expiry} */
  Clock clock();

  /**
   * {@return the core's shared scheduler} Backends run probes and timers on it and never create a
   * thread per instance for polling. Tasks must not block for longer than one bounded probe.
   */
  ScheduledExecutorService scheduler();

  /**
   * Reports an observed health state with a reason a person can read. Before readiness this is
   * progress ({@link HealthStatus#STARTING}, {@link HealthStatus#LOADING}); after it, the watched
   * health: {@link HealthStatus#UNAVAILABLE} (or progress of a relaunch) makes a ready instance {@link
   * LifecycleStatus#RECOVERING}, and {@link HealthStatus#HEALTHY} or {@link HealthStatus#DEGRADED} makes
   * a recovering one {@link LifecycleStatus#READY} again. Reporting the current state again is a no-op.
   *
   * @param status the new status
   * @param reason why, e.g. {@code GET /health -> 503 Loading model}
   */
  void reportHealth(HealthStatus status, String reason);

  /**
   * Reports that a published instance's service exited and is being restarted: the instance becomes
   * (or stays) {@link LifecycleStatus#RECOVERING} with health {@link HealthStatus#UNAVAILABLE}, and is
   * handed out again once the backend reports {@link HealthStatus#HEALTHY} (or {@code DEGRADED}).
   * Progress of the relaunch ({@code STARTING}, {@code LOADING}) is reported with {@link
   * #reportHealth}; a restart that gives up is {@link #reportExited}.
   *
   * @param attempt which restart this is (1-based)
   * @param maxAttempts the restart budget
   * @param lastExit how the server exited, e.g. {@code llama-server pid 12 killed by signal 9}
   * @param reason what happens next, e.g. {@code restart 1 of 3 in 1000 ms}
   */
  void reportRestarting(int attempt, int maxAttempts, String lastExit, String reason);

  /**
   * Reports that a ready (or recovering) instance's service ended on its own for good (a crash without
   * restart, a spent restart budget, or an attached service that disappeared). The core marks the
   * instance {@link HealthStatus#EXITED}, ends its leases, fails the resolves waiting for it with {@link
   * ErrorCode#EXITED} and removes it from the registry.
   *
   * @param reason what happened, e.g. {@code exited with status 139}
   */
  void reportExited(String reason);

  /**
   * Reports that a ready instance's service was stopped by something other than the core, on purpose:
   * the process transport's JVM-shutdown hook, or a transport closed by its owner. Unlike {@link
   * #reportExited(String)} this is not a crash: the core marks the instance {@link LifecycleStatus#STOPPED}
   * (health {@link HealthStatus#STOPPED}), ends its leases and removes it from the registry, and logs it
   * at INFO. The default treats it as an exit, for contexts that predate it.
   *
   * @param reason what happened, e.g. {@code stopped by the process transport (JVM shutdown)}
   */
  default void reportStopped(String reason) {
    reportExited(reason);
  }
}
