package io.github.llamacppsdk.core;

/**
 * The health of an instance as the core sees it.
 *
 * <p>{@link #STARTING} and {@link #LOADING} apply before the endpoint is published (and while a
 * restarted server comes back, {@link LifecycleStatus#RECOVERING}); {@link #HEALTHY}, {@link #DEGRADED}
 * and {@link #UNAVAILABLE} after; {@link #EXITED} and {@link #STOPPED} are final.
 */
public enum HealthStatus {
  /** Launched; nothing answers yet. */
  STARTING,
  /** The server answers but is still loading its model (llama-server's 503 {@code Loading model}). */
  LOADING,
  /** Ready and answering health checks. */
  HEALTHY,
  /** Answering, but reporting trouble (502/503/504, or a body that says degraded). */
  DEGRADED,
  /** Not answering health checks (connection refused, timeouts, unexpected status). */
  UNAVAILABLE,
  /** The process ended without being asked to. Final. */
  EXITED,
  /** The instance was stopped on request. Final. */
  STOPPED;

  /** {@return true for the final states {@link #EXITED} and {@link #STOPPED}} */
  public boolean isFinal() {
    return this == EXITED || this == STOPPED;
  }
}
