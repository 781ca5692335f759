package io.github.llamacppsdk.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * The API key an OpenAI-compatible client sends to an endpoint (as {@code Authorization: Bearer KEY}),
 * from {@link EndpointDescriptor#apiKey()}. It never shows itself by accident: {@link #toString()} is
 * always {@code ****}; only {@link #reveal()} returns the value, for the client's {@code apiKey(...)}.
 *
 * <p>The core's own type (the core depends on nothing of the llama layer, whose {@code Secret} plays
 * the same role for specs). Immutable and thread-safe; equal when the values are equal (compared in
 * constant time).
 */
public final class ApiKey {
  private final String value;

  private ApiKey(String value) {
    this.value = value;
  }

  /**
   * Wraps a key.
   *
   * @param value the key, not empty
   * @return the key
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if {@code value} is empty
   */
  public static ApiKey of(String value) {
    Objects.requireNonNull(value, "value");
    if (value.isEmpty()) {
      throw new IllegalArgumentException("an API key must not be empty");
    }
    return new ApiKey(value);
  }

  /** {@return the key, e.g. for an OpenAI client's {@code apiKey(...)}; do not log it} */
  public String reveal() {
    return value;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ApiKey k && MessageDigest.isEqual(value.getBytes(StandardCharsets.UTF_8),
        k.value.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  /** {@return always {@code ****}} */
  @Override
  public String toString() {
    return "****";
  }
}
