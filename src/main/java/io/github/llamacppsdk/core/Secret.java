package io.github.llamacppsdk.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;

/**
 * A secret text value, such as an API key, that never shows itself by accident: {@link #toString()}
 * is always {@code ****}; only {@link #reveal()} returns the value. One type for every key of the
 * library: a spec's key ({@code BootSpec.apiKey()}), a Hub token, and the key an OpenAI client sends to
 * an endpoint ({@link EndpointDescriptor#apiKey()}, for the client's {@code apiKey(...)}).
 *
 * <p>Get one with {@link #of(String)}. Immutable and thread-safe. Two secrets are equal when their
 * values are equal (compared in constant time).
 */
public final class Secret {
  private final String value;

  private Secret(String value) {
    this.value = value;
  }

  /**
   * Wraps a value.
   *
   * @param value the secret value, not empty
   * @return the secret
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if {@code value} is empty
   */
  public static Secret of(String value) {
    Objects.requireNonNull(value, "value");
    if (value.isEmpty()) {
      throw new IllegalArgumentException("a secret must not be empty");
    }
    return new Secret(value);
  }

  /**
   * {@return a fresh random secret: 256 bits from {@link SecureRandom}, as 43 base64url characters}
   * Suitable as an API key.
   */
  public static Secret random() {
    byte[] bytes = new byte[32];
    Random.GENERATOR.nextBytes(bytes);
    return new Secret(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
  }

  /** Created on first use: most applications never need a random secret. */
  private static final class Random {
    static final SecureRandom GENERATOR = new SecureRandom();
  }

  /** {@return the secret value; do not log it} */
  public String reveal() {
    return value;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Secret
        && MessageDigest.isEqual(
            value.getBytes(StandardCharsets.UTF_8),
            ((Secret) other).value.getBytes(StandardCharsets.UTF_8));
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
