package io.github.llamacppsdk.internal.spec;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Not API. The digest in instance keys: HMAC-SHA-256 of a spec's canonical identity under a random
 * key drawn once per JVM. Instance keys appear in logs, events and messages, and the identity holds
 * the API key; a plain hash would let anyone who reads a log test guesses of a weak key offline. Keys
 * only need to be equal within one JVM (the registry is in-process), so a per-JVM secret costs
 * nothing. HMAC (RFC 2104) is computed over {@link MessageDigest} SHA-256 rather than with {@code
 * javax.crypto.Mac}: looking up a {@code Mac} makes a fresh JVM load and initialise every security
 * provider up to SunJCE (the TLS provider among them), which a cold start should not pay for.
 * Stateless after class initialisation; thread-safe.
 */
public final class IdentityDigest {
  private static final byte[] SECRET = new byte[32];
  private static final int BLOCK = 64;

  static {
    new SecureRandom().nextBytes(SECRET);
  }

  private IdentityDigest() {}

  /**
   * {@return the unpadded base64url HMAC-SHA-256 of {@code canonical}}
   *
   * @param canonical the canonical identity text (may hold secrets; never shown)
   */
  public static String of(String canonical) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(hmacSha256(SECRET, canonical));
  }

  /** {@return HMAC-SHA-256 (RFC 2104) of {@code text} under {@code key}} */
  static byte[] hmacSha256(byte[] key, String text) {
    byte[] k = key.length > BLOCK ? sha256().digest(key) : key;
    MessageDigest inner = sha256();
    MessageDigest outer = sha256();
    for (int i = 0; i < BLOCK; i++) { // the key, zero-padded to the block
      byte b = i < k.length ? k[i] : 0;
      inner.update((byte) (b ^ 0x36));
      outer.update((byte) (b ^ 0x5c));
    }
    inner.update(text.getBytes(StandardCharsets.UTF_8));
    outer.update(inner.digest());
    return outer.digest();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
