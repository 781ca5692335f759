package io.github.llamacppsdk;

import io.github.llamacppsdk.core.ErrorCode;
import java.util.List;

/**
 * Thrown when a {@link BootSpec} is rejected; nothing is launched. {@link #violations()} lists every
 * bad field at once, so one round of fixes is enough.
 *
 * <p>The code is always {@link ErrorCode#INVALID_SPEC}. The message lists the violations, one per
 * line, and never contains a secret. Immutable. {@link AttachSpec} reports its violations the same way,
 * as the base class {@link InvalidSpecException}.
 */
public final class InvalidBootSpecException extends InvalidSpecException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param violations the violations, at least one
   * @throws IllegalArgumentException if {@code violations} is empty
   */
  public InvalidBootSpecException(List<Violation> violations) {
    super("llama.cpp boot spec", violations);
  }
}
