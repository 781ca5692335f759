package io.github.llamacppsdk;

import io.github.llamacppsdk.core.Secret;
import java.util.Objects;

/**
 * One rejected field of a spec or of a map given to a {@code fromMap} adapter: which field, what value,
 * and why.
 *
 * <p>Immutable. Secret values are already masked as {@code ****} in {@link #value()}.
 *
 * @param field the field's snake_case map key, e.g. {@code ctx_size} (for an unknown key, the key itself)
 * @param value the rejected value as text (strings in double quotes; {@code null} for a missing
 *     value; secrets {@code ****})
 * @param reason a sentence saying what is wrong and what would be accepted
 */
public record Violation(String field, String value, String reason) {

  /** Checks that every component is present. */
  public Violation {
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(reason, "reason");
  }

  /** {@return {@code field = value: reason}} */
  @Override
  public String toString() {
    return field + " = " + value + ": " + reason;
  }
}
