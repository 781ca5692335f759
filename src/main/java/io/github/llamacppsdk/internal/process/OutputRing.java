package io.github.llamacppsdk.internal.process;

import io.github.llamacppsdk.process.OutputLine;
import java.util.ArrayDeque;
import java.util.List;

/**
 * Not API. A bounded ring of the most recent output lines: when full, adding drops the oldest.
 * Thread-safe (both stream readers add; any thread may take a snapshot).
 */
final class OutputRing {
  /** The number of lines kept per process. */
  static final int DEFAULT_CAPACITY = 200;

  private final int capacity;
  private final ArrayDeque<OutputLine> lines;

  OutputRing(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    this.capacity = capacity;
    this.lines = new ArrayDeque<>(capacity);
  }

  synchronized void add(OutputLine line) {
    if (lines.size() == capacity) {
      lines.removeFirst();
    }
    lines.addLast(line);
  }

  /** {@return the kept lines, oldest first; an immutable snapshot} */
  synchronized List<OutputLine> snapshot() {
    return List.copyOf(lines);
  }
}
