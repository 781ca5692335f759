package io.github.llamacppsdk.internal.spec;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Not API. The digest in instance keys: HMAC-SHA-256 of a spec's canonical identity under a random
 * key drawn once per JVM. Instance keys appear in logs, events and messages, and the identity holds
 * the API key; a plain hash would let anyone who reads a log test guesses of a weak key offline. Keys
 * only need to be equal within one JVM (the registry is in-process), so a per-JVM secret costs
 * nothing. Stateless after class initialisation; thread-safe.
 */
public final class IdentityDigest {
  private static final byte[] SECRET = new byte[32];

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
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(SECRET, "HmacSHA256"));
      byte[] digest = mac.doFinal(canonical.getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JVM has HmacSHA256", e);
    }
  }
}
