package io.github.llamacppsdk.internal.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamacppsdk.process.OutputLine;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class OutputRingTest {

  private static OutputLine line(int i) {
    return new OutputLine(OutputLine.Stream.STDERR, "line " + i, OutputLine.Level.INFO, i);
  }

  @Test
  void keepsTheLastLinesOldestFirst() {
    OutputRing ring = new OutputRing(3);
    for (int i = 1; i <= 5; i++) {
      ring.add(line(i));
    }
    assertThat(ring.snapshot().stream().map(OutputLine::text).collect(Collectors.toList()))
        .containsExactly("line 3", "line 4", "line 5");
  }

  @Test
  void snapshotIsImmutableAndDetached() {
    OutputRing ring = new OutputRing(OutputRing.DEFAULT_CAPACITY);
    ring.add(line(1));
    List<OutputLine> snap = ring.snapshot();
    ring.add(line(2));
    assertThat(snap).hasSize(1);
    assertThatThrownBy(() -> snap.add(line(3))).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void defaultCapacityIs200() {
    OutputRing ring = new OutputRing(OutputRing.DEFAULT_CAPACITY);
    for (int i = 0; i < 450; i++) {
      ring.add(line(i));
    }
    assertThat(ring.snapshot()).hasSize(200);
    assertThat(ring.snapshot().get(0).text()).isEqualTo("line 250");
  }
}
