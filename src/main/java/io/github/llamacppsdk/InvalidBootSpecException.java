package io.github.llamacppsdk;

import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Thrown when a {@link BootSpec} is rejected; nothing is launched. {@link #violations()} lists every
 * bad field at once, so one round of fixes is enough.
 *
 * <p>The code is always {@link ErrorCode#INVALID_SPEC}. The message lists the violations, one per
 * line, and never contains a secret. Immutable.
 */
public final class InvalidBootSpecException extends InferenceException {
  private static final long serialVersionUID = 1L;

  private final List<Violation> violations;

  /**
   * Creates the exception.
   *
   * @param violations the violations, at least one
   * @throws IllegalArgumentException if {@code violations} is empty
   */
  public InvalidBootSpecException(List<Violation> violations) {
    super(ErrorCode.INVALID_SPEC, describe(violations));
    this.violations = List.copyOf(violations);
  }

  private static String describe(List<Violation> violations) {
    if (violations.isEmpty()) {
      throw new IllegalArgumentException("an invalid spec needs at least one violation");
    }
    return "invalid llama.cpp boot spec (" + violations.size()
        + (violations.size() == 1 ? " problem" : " problems") + "):\n  "
        + violations.stream().map(Violation::toString).collect(Collectors.joining("\n  "));
  }

  /** {@return every rejected field, in the seed's validation order; never empty} */
  public List<Violation> violations() {
    return violations;
  }
}
