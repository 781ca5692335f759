package io.github.llamacppsdk;

import java.util.Locale;
import java.util.Optional;

/**
 * The {@code --pooling} type llama-server uses for embeddings. Immutable (an enum).
 */
public enum Pooling {
  /** {@code none}: one vector per token. */
  NONE,
  /** {@code mean}: the mean of the token vectors. */
  MEAN,
  /** {@code cls}: the vector of the CLS token. */
  CLS,
  /** {@code last}: the vector of the last token. */
  LAST,
  /** {@code rank}: reranking scores. */
  RANK;

  /** {@return the value llama-server expects, e.g. {@code mean}} */
  public String wireValue() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Looks up a pooling type by its wire value.
   *
   * @param wire the wire value, e.g. {@code mean} (exact, lower case)
   * @return the pooling type, or empty if {@code wire} is not one of the five values
   */
  public static Optional<Pooling> fromWire(String wire) {
    for (Pooling p : values()) {
      if (p.wireValue().equals(wire)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
