package io.github.llamacppsdk.internal.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The plain-Java SHA-256 (no JCA provider set-up at cold start) equals the JDK's. */
class Sha256Test {

  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  @Test
  void theFipsVectorsHold() {
    assertThat(hex(Sha256.digest("abc".getBytes(StandardCharsets.US_ASCII))))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assertThat(hex(Sha256.digest(new byte[0])))
        .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assertThat(hex(Sha256.digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        .getBytes(StandardCharsets.US_ASCII))))
        .isEqualTo("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  }

  @Test
  void equalsTheJdksDigestForEveryLengthAcrossSeveralBlocks() throws Exception {
    SplittableRandom random = new SplittableRandom(42);
    MessageDigest jdk = MessageDigest.getInstance("SHA-256");
    for (int length = 0; length <= 300; length++) { // 55, 56, 63, 64: the padding's edge cases
      byte[] input = new byte[length];
      for (int i = 0; i < length; i++) {
        input[i] = (byte) random.nextInt(256);
      }
      assertThat(Sha256.digest(input)).as("%d bytes", length).isEqualTo(jdk.digest(input));
    }
  }
}
