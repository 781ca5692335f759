package io.github.llamacppsdk.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-written scans read text as the JDK's stream and pattern forms they replaced. */
class ScanTest {

  @Test
  void theFirstLineIsWhatLinesFindFirstGives() {
    for (String text : new String[] {"", "one", "one\ntwo", "one\r\ntwo", "one\rtwo", "\n", "\r\n", "\nrest",
        "trailing\n", "a\u2028b", "a\u0085b", "tab\tand space \n"}) {
      assertThat(Scan.firstLine(text)).as("%s", text.replace("\n", "\\n").replace("\r", "\\r"))
          .isEqualTo(text.lines().findFirst().orElse(""));
    }
  }

  @Test
  void theFirstLineAgreesOnRandomTextOfLineEndsAndLetters() {
    Random random = new Random(16);
    char[] alphabet = {'a', 'b', ' ', '\n', '\r', '\t', '\u00e9'};
    for (int n = 0; n < 2_000; n++) {
      StringBuilder sb = new StringBuilder();
      for (int i = random.nextInt(12); i > 0; i--) {
        sb.append(alphabet[random.nextInt(alphabet.length)]);
      }
      String text = sb.toString();
      assertThat(Scan.firstLine(text)).as("%s", text).isEqualTo(text.lines().findFirst().orElse(""));
    }
  }
}
