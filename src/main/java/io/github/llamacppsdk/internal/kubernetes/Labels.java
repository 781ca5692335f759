package io.github.llamacppsdk.internal.kubernetes;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;

/** Not API. The labels and names the library puts on what it creates. */
final class Labels {
  static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  static final String MANAGER = "llama-cpp-sdk";
  static final String NAME = "app.kubernetes.io/name";
  static final String SERVER = "llama-server";
  /** {@code server}, {@code key} or {@code anchor}. */
  static final String ROLE = "llama-cpp-sdk/role";
  /** The anchor (session) a pod or secret belongs to. */
  static final String SESSION = "llama-cpp-sdk/session";
  /** Who started it: the application's pod name or host name. */
  static final String OWNER = "llama-cpp-sdk/owner";
  /** A digest of the instance key (equal specs, equal value). */
  static final String INSTANCE = "llama-cpp-sdk/instance";
  /** A digest of the rendered command line (the spec's identity as launched). */
  static final String SPEC = "llama-cpp-sdk/spec";
  /** The model alias. */
  static final String MODEL = "llama-cpp-sdk/model";
  /** The full instance key, as an annotation (label values are too short for it). */
  static final String INSTANCE_KEY_ANNOTATION = "llama-cpp-sdk/instance-key";

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

  private Labels() {}

  /** {@return a label value: at most 63 characters of {@code [a-z0-9-_.]}, alphanumeric at both ends}
   * @param raw any text */
  static String value(String raw) {
    String s = raw.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]+", "-");
    if (s.length() > 63) {
      s = s.substring(0, 63);
    }
    return s.replaceAll("^[^a-z0-9]+", "").replaceAll("[^a-z0-9]+$", "");
  }

  /** {@return a DNS-1123 name part: lower-case letters, digits and '-', at most {@code max} characters} */
  static String namePart(String raw, int max) {
    String s = raw.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]+", "-");
    if (s.length() > max) {
      s = s.substring(0, max);
    }
    s = s.replaceAll("^-+", "").replaceAll("-+$", "");
    return s.isEmpty() ? "x" : s;
  }

  /** {@return the first 20 hex digits of the SHA-256 of {@code text}} */
  static String digest(String text) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d).substring(0, 20);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** {@return {@code n} random lower-case letters and digits} */
  static String random(int n) {
    StringBuilder b = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      b.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    return b.toString();
  }
}
