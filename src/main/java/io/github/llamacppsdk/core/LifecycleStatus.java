package io.github.llamacppsdk.core;

/**
 * Where an instance is in its life: {@code STARTING -> READY -> STOPPING -> STOPPED}, or {@code FAILED}
 * when it never became ready or its service ended on its own after readiness. {@link #STOPPED} and
 * {@link #FAILED} are final; the core removes such instances from its registry.
 */
public enum LifecycleStatus {
  /** Started; waiting for readiness. */
  STARTING,
  /** Ready; the endpoint is published. */
  READY,
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
