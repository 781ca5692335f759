package io.github.llamacppsdk.internal.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(10)
class ProcessTreeTest {

  /** The hand-written scan of a {@code children} file reads what {@code trim().split("\\s+")} and parseLong did. */
  @ParameterizedTest
  @ValueSource(strings = {"", " ", "123 456 ", "7", "1\t2\n3", "  1  2  ", "+5", "-0", "1 x", "99999999999999999999",
      "1\u001c2", "\u00001 2", "3\u0000", "1\u20032", "\u0661", "1,2"})
  void readsThePidsAsTheOldSplitDid(String list) {
    List<Long> expected = new ArrayList<>();
    boolean fails = false;
    try {
      for (String field : list.trim().split("\\s+")) {
        if (!field.isEmpty()) {
          expected.add(Long.parseLong(field));
        }
      }
    } catch (NumberFormatException e) {
      fails = true;
    }
    if (fails) {
      assertThatThrownBy(() -> ProcessTree.pids(list)).isInstanceOf(NumberFormatException.class);
    } else {
      assertThat(ProcessTree.pids(list)).isEqualTo(expected);
    }
  }
}
