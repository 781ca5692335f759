package io.github.llamacppsdk.core;

import java.util.Objects;

/**
 * Thrown by {@link InferenceCore#resolveEndpoint(InstanceSpec, ConsumerManifest, ResolveOptions)} when
 * the consumer cannot use the backend; nothing was started. Code {@link ErrorCode#INCOMPATIBLE}; the
 * full {@link CompatibilityResult} is attached.
 */
public final class IncompatibleConsumerException extends InferenceException {
  private static final long serialVersionUID = 1L;

  private final transient CompatibilityResult result;

  /**
   * Creates the exception.
   *
   * @param backend the backend id
   * @param consumer the consumer name
   * @param result the incompatible result
   */
  public IncompatibleConsumerException(String backend, String consumer, CompatibilityResult result) {
    super(ErrorCode.INCOMPATIBLE, "consumer '" + consumer + "' cannot use backend '" + backend + "': reason="
        + result.reason().wireName() + ", missing=" + result.missingRequirements());
    this.result = Objects.requireNonNull(result, "result");
  }

  /** {@return the compatibility result that failed} */
  public CompatibilityResult result() {
    return result;
  }
}
