package io.github.llamacppsdk.core;

import java.util.Objects;
import java.util.Optional;

/**
 * An instance was not serving when the caller needed it: a resolve's wait ran out while it was {@link
 * LifecycleStatus#RECOVERING} ({@link ErrorCode#WAIT_TIMEOUT}), it ended while the caller waited for it
 * to serve again ({@link ErrorCode#EXITED}), or a lease was asked of it while it was recovering ({@link
 * ErrorCode#NOT_READY}). Carries the instance and what it was doing.
 */
public class NotServingException extends InferenceException {
  private static final long serialVersionUID = 1L;

  private final String instanceId;
  private final LifecycleStatus lifecycle;
  private final transient Optional<Outage> outage;

  /**
   * Creates the exception.
   *
   * @param code {@code WAIT_TIMEOUT}, {@code EXITED} or {@code NOT_READY}
   * @param detail the message detail, without the code prefix
   * @param instanceId the instance
   * @param lifecycle its lifecycle when the error was raised
   * @param outage its outage, when it had one
   */
  public NotServingException(ErrorCode code, String detail, String instanceId, LifecycleStatus lifecycle,
      Optional<Outage> outage) {
    super(code, detail);
    this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
    this.lifecycle = Objects.requireNonNull(lifecycle, "lifecycle");
    this.outage = Objects.requireNonNull(outage, "outage");
  }

  /** {@return the instance} */
  public String instanceId() {
    return instanceId;
  }

  /** {@return the instance's lifecycle when the error was raised} */
  public LifecycleStatus lifecycle() {
    return lifecycle;
  }

  /** {@return what the instance was doing: since when it was down, the restart, last exit and probe} */
  public Optional<Outage> outage() {
    return outage == null ? Optional.empty() : outage;
  }
}
