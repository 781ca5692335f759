package io.github.llamacppsdk.core;

import java.util.Objects;

/**
 * The result of {@link InferenceCore#ensureInstance(InstanceSpec, java.time.Duration)}: the ready
 * instance and whether it already existed.
 *
 * <p>Immutable.
 *
 * @param instance a snapshot of the ready instance
 * @param reused false only for the call that created the instance
 */
public record EnsureResult(InstanceSnapshot instance, boolean reused) {
  /** Validates the components. */
  public EnsureResult {
    Objects.requireNonNull(instance, "instance");
  }
}
