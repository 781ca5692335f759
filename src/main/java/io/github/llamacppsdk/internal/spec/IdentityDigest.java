package io.github.llamacppsdk.internal.spec;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Not API. The digest in instance keys: HMAC-SHA-256 of a spec's canonical identity under a random
 * key drawn once per JVM. Instance keys appear in logs, events and messages, and the identity holds
 * the API key; a plain hash would let anyone who reads a log test guesses of a weak key offline. Keys
 * only need to be equal within one JVM (the registry is in-process), so a per-JVM secret costs
 * nothing. HMAC (RFC 2104) is computed over {@link Sha256}, and the key is read from {@code
 * /dev/urandom} ({@link SecureRandom} where there is none): the JDK's {@code MessageDigest}, {@code
 * Mac} and {@code SecureRandom} make a fresh JVM read the security configuration and initialise the
 * provider list on its first resolve, 30 ms or more that a cold start should not pay for.
 * Stateless after class initialisation; thread-safe.
 */
public final class IdentityDigest {
  private static final byte[] SECRET = randomKey();
  private static final int BLOCK = 64;

  private IdentityDigest() {}

  /** {@return 32 bytes from the kernel's random source, or from {@link SecureRandom} when it cannot be read} */
  private static byte[] randomKey() {
    byte[] key = new byte[32];
    try (InputStream in = new FileInputStream("/dev/urandom")) { // java.io: no channel classes on a cold start
      if (in.readNBytes(key, 0, key.length) == key.length) {
        return key;
      }
    } catch (IOException | RuntimeException e) {
      // not Linux or the like: the JDK's generator
    }
    new SecureRandom().nextBytes(key);
    return key;
  }

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
    byte[] k = key.length > BLOCK ? Sha256.digest(key) : key;
    byte[] message = text.getBytes(StandardCharsets.UTF_8);
    byte[] inner = new byte[BLOCK + message.length];
    byte[] outer = new byte[BLOCK + 32];
    for (int i = 0; i < BLOCK; i++) { // the key, zero-padded to the block
      byte b = i < k.length ? k[i] : 0;
      inner[i] = (byte) (b ^ 0x36);
      outer[i] = (byte) (b ^ 0x5c);
    }
    System.arraycopy(message, 0, inner, BLOCK, message.length);
    System.arraycopy(Sha256.digest(inner), 0, outer, BLOCK, 32);
    return Sha256.digest(outer);
  }
}
