package io.github.llamacppsdk.internal.process;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Not API. Cuts a byte stream into lines: {@code \n}, {@code \r\n} and a lone {@code \r} each end
 * a line, and {@link #flush} emits a trailing partial line at end of stream.
 *
 * <p>A line is emitted the moment its terminator arrives; after a {@code \r} a directly following
 * {@code \n} (even in the next chunk) is swallowed, so {@code \r\n} ends one line, not two.
 *
 * <p>Lines are bounded: when a line reaches {@code maxLineBytes} without a terminator, the bytes so
 * far are emitted at once, followed by {@link #TRUNCATION_MARK}, and the rest of that line is
 * discarded up to its terminator. Memory use is therefore at most {@code maxLineBytes}, whatever the
 * input (an endless line without newline cannot exhaust the heap). Bytes are decoded as UTF-8 per
 * line (malformed sequences become U+FFFD).
 *
 * <p>Not thread-safe: one framer per stream, used by that stream's reader only.
 */
public final class LineFramer {
  /** The default bound on one line, 64 KiB. */
  public static final int DEFAULT_MAX_LINE_BYTES = 64 * 1024;
  /** Appended to a line that was cut at the bound. */
  static final String TRUNCATION_MARK = " [...line truncated]";

  private final int maxLineBytes;
  private byte[] buffer;
  private int length;
  private boolean afterCarriageReturn;
  private boolean discarding;

  /** @param maxLineBytes the bound on one line */
  public LineFramer(int maxLineBytes) {
    if (maxLineBytes < 1) {
      throw new IllegalArgumentException("maxLineBytes must be positive: " + maxLineBytes);
    }
    this.maxLineBytes = maxLineBytes;
    this.buffer = new byte[Math.min(256, maxLineBytes)];
  }

  /**
   * Feeds a chunk; complete lines go to {@code out}.
   *
   * @param data the bytes
   * @param offset where the chunk starts
   * @param count how many bytes
   * @param out receives each complete line, without its terminator
   */
  public void push(byte[] data, int offset, int count, Consumer<String> out) {
    for (int i = offset; i < offset + count; i++) {
      byte b = data[i];
      if (afterCarriageReturn) {
        afterCarriageReturn = false;
        if (b == '\n') {
          continue;
        }
      }
      if (b == '\n' || b == '\r') {
        if (discarding) {
          discarding = false;
        } else {
          out.accept(take());
        }
        afterCarriageReturn = b == '\r';
        continue;
      }
      if (discarding) {
        continue;
      }
      if (length == maxLineBytes) {
        out.accept(take() + TRUNCATION_MARK);
        discarding = true;
        continue;
      }
      append(b);
    }
  }

  /**
   * Ends the stream: a pending partial line is emitted.
   *
   * @param out receives the partial line, if there is one
   */
  public void flush(Consumer<String> out) {
    if (length > 0 && !discarding) {
      out.accept(take());
    }
    length = 0;
    discarding = false;
    afterCarriageReturn = false;
  }

  /** {@return the bytes of the current partial line, decoded (for tests)} */
  String pending() {
    return new String(buffer, 0, length, StandardCharsets.UTF_8);
  }

  private void append(byte b) {
    if (length == buffer.length) {
      buffer = Arrays.copyOf(buffer, Math.min(maxLineBytes, buffer.length * 2));
    }
    buffer[length++] = b;
  }

  private String take() {
    String line = new String(buffer, 0, length, StandardCharsets.UTF_8);
    length = 0;
    return line;
  }
}
