package io.github.llamacppsdk.core;

/**
 * Where an instance is in its life: {@code STARTING -> READY -> STOPPING -> STOPPED}, or {@code FAILED}
 * when it never became ready or its service ended on its own after readiness. A published instance
 * whose server does not serve for a while (it crashed and is being restarted, it was relaunched and
 * is loading, or it is alive but unavailable by health) is {@link #RECOVERING} until it serves again
 * ({@code READY}) or ends ({@code FAILED}, {@code STOPPING}). {@link #STOPPED} and {@link #FAILED} are
 * final; the core removes such instances from its registry.
 *
 * <p>Only a {@code READY} instance is handed out; a resolve that finds it {@code STARTING} or {@code
 * RECOVERING} waits, up to its await timeout.
 */
public enum LifecycleStatus {
  /** Started; waiting for readiness. */
  STARTING,
  /** Ready; the endpoint is published and its server serves (health {@code HEALTHY} or {@code DEGRADED}). */
  READY,
  /**
   * Published, but its server does not serve now: it exited and is being restarted under the restart
   * policy, it was relaunched and is still loading, or it is alive but {@link HealthStatus#UNAVAILABLE}
   * by health. Its leases hold; it is not handed out; the endpoint (same base URL) comes back when it
   * serves again. {@link InstanceSnapshot#outage()} says since when and what it is doing.
   */
  RECOVERING,
  /** Being stopped on request (or because it was idle). */
  STOPPING,
  /** Stopped on request. Final. */
  STOPPED,
  /** Never became ready, or exited on its own after readiness. Final. */
  FAILED;

  /** {@return true for {@link #STOPPED} and {@link #FAILED}} */
  public boolean isFinal() {
    return this == STOPPED || this == FAILED;
  }
}
