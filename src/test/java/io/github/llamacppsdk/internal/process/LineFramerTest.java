package io.github.llamacppsdk.internal.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class LineFramerTest {
  private final List<String> lines = new ArrayList<>();

  private void push(LineFramer f, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    f.push(b, 0, b.length, lines::add);
  }

  @Test
  void seedItem40NewlineCrLfAndLoneCr() {
    LineFramer f = new LineFramer(1024);
    push(f, "alpha\nbeta");
    assertThat(lines).containsExactly("alpha");
    assertThat(f.pending()).isEqualTo("beta");
    push(f, "\r\ngamma\rdelta");
    assertThat(lines).containsExactly("alpha", "beta", "gamma");
    assertThat(f.pending()).isEqualTo("delta");
    f.flush(lines::add);
    assertThat(lines).containsExactly("alpha", "beta", "gamma", "delta");
    assertThat(f.pending()).isEmpty();
  }

  @Test
  void seedItem41CrAtChunkEndIsOneTerminatorWithTheFollowingLf() {
    LineFramer f = new LineFramer(1024);
    push(f, "one\r");
    // Emitted at once (the seed held it back); the total sequence is the same.
    assertThat(lines).containsExactly("one");
    push(f, "\n\r\ntwo\n\nthree");
    assertThat(lines).containsExactly("one", "", "two", "");
    assertThat(f.pending()).isEqualTo("three");
    f.flush(lines::add);
    assertThat(lines).containsExactly("one", "", "two", "", "three");
  }

  @Test
  void crLfSplitByteByByteYieldsOneLine() {
    LineFramer f = new LineFramer(1024);
    for (String s : List.of("a", "\r", "\n", "b", "\r", "\r", "\n")) {
      push(f, s);
    }
    assertThat(lines).containsExactly("a", "b", "");
  }

  @Test
  void flushOfEmptyBufferEmitsNothingAndKeepsSpaces() {
    LineFramer f = new LineFramer(1024);
    f.flush(lines::add);
    assertThat(lines).isEmpty();
    push(f, "  trailing fragment  ");
    f.flush(lines::add);
    assertThat(lines).containsExactly("  trailing fragment  ");
  }

  @Test
  void lineOfExactlyTheBoundIsKeptWhole() {
    LineFramer f = new LineFramer(8);
    push(f, "12345678\nnext\n");
    assertThat(lines).containsExactly("12345678", "next");
  }

  @Test
  void longerLineIsCutMarkedAndReadingContinues() {
    LineFramer f = new LineFramer(8);
    push(f, "0123456789abcdef");
    assertThat(lines).containsExactly("01234567" + LineFramer.TRUNCATION_MARK);
    push(f, "ghij\r\nafter\n");
    assertThat(lines).containsExactly("01234567" + LineFramer.TRUNCATION_MARK, "after");
  }

  @Test
  void endlessLineStaysWithinTheBound() {
    LineFramer f = new LineFramer(1024);
    byte[] chunk = new byte[64 * 1024];
    java.util.Arrays.fill(chunk, (byte) 'x');
    for (int i = 0; i < 256; i++) { // 16 MiB without a newline
      f.push(chunk, 0, chunk.length, lines::add);
    }
    assertThat(lines).hasSize(1);
    assertThat(lines.get(0)).hasSize(1024 + LineFramer.TRUNCATION_MARK.length());
    assertThat(f.pending()).isEmpty();
    f.flush(lines::add);
    assertThat(lines).hasSize(1);
  }

  @Test
  void decodesUtf8PerLine() {
    LineFramer f = new LineFramer(1024);
    byte[] b = "modèle chargé ✓\n".getBytes(StandardCharsets.UTF_8);
    for (byte x : b) {
      f.push(new byte[] {x}, 0, 1, lines::add);
    }
    assertThat(lines).containsExactly("modèle chargé ✓");
  }
}
