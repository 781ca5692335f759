package io.github.llamacppsdk.internal.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** The hand-rolled HMAC (no JCA provider lookup at cold start) equals the JDK's {@code Mac}. */
class IdentityDigestTest {

  private static byte[] jdk(byte[] key, String text) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void equalsTheJdksHmacForShortExactAndLongKeys() throws Exception {
    for (int length : new int[] {1, 32, 64, 65, 200}) {
      byte[] key = new byte[length];
      for (int i = 0; i < length; i++) {
        key[i] = (byte) (i * 31 + 7);
      }
      for (String text : new String[] {"", "llama\nhttp://127.0.0.1:8080\nkey", "ü".repeat(100)}) {
        assertThat(IdentityDigest.hmacSha256(key, text)).as("key %d bytes, %s", length, text).isEqualTo(jdk(key, text));
      }
    }
  }

  @Test
  void theRfc4231TestCase2Holds() {
    byte[] expected = java.util.HexFormat.of().parseHex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    assertThat(IdentityDigest.hmacSha256("Jefe".getBytes(StandardCharsets.US_ASCII), "what do ya want for nothing?"))
        .isEqualTo(expected);
  }

  @Test
  void equalIdentitiesGiveEqualDigestsAndDifferentOnesDiffer() {
    assertThat(IdentityDigest.of("a")).isEqualTo(IdentityDigest.of("a")).isNotEqualTo(IdentityDigest.of("b"));
  }
}
