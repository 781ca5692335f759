package io.github.llamacppsdk;

import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Thrown when a spec ({@link BootSpec}, {@link AttachSpec}) or a map read by a {@code fromMap} adapter
 * ({@code ConsumerManifest}, {@code ResolveOptions}) is rejected; nothing is launched or probed.
 * {@link #violations()} lists every bad field at once, with "did you mean" for a mistyped key, so one
 * round of fixes is enough.
 *
 * <p>The code is always {@link ErrorCode#INVALID_SPEC}. The message lists the violations, one per
 * line, and never contains a secret. Immutable.
 */
public class InvalidSpecException extends InferenceException {
  private static final long serialVersionUID = 1L;

  private final List<Violation> violations;

  /**
   * Creates the exception.
   *
   * @param what what was rejected, e.g. {@code attach spec}
   * @param violations the violations, at least one
   * @throws IllegalArgumentException if {@code violations} is empty
   */
  public InvalidSpecException(String what, List<Violation> violations) {
    super(ErrorCode.INVALID_SPEC, describe(Objects.requireNonNull(what, "what"), violations));
    this.violations = List.copyOf(violations);
  }

  private static String describe(String what, List<Violation> violations) {
    if (violations.isEmpty()) {
      throw new IllegalArgumentException("an invalid spec needs at least one violation");
    }
    return "invalid " + what + " (" + violations.size() + (violations.size() == 1 ? " problem" : " problems")
        + "):\n  " + violations.stream().map(Violation::toString).collect(Collectors.joining("\n  "));
  }

  /** {@return every rejected field, in validation order; never empty} */
  public List<Violation> violations() {
    return violations;
  }
}
