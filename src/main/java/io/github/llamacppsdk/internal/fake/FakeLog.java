package io.github.llamacppsdk.internal.fake;

import java.io.PrintStream;

/**
 * Writes log lines on stderr in llama-server's format, e.g. {@code 0.00.012.217 I srv          main:
 * model loaded}: elapsed minutes.seconds.millis.micros, a level letter, then the message; server
 * lines carry the {@code srv} tag and the function name right-aligned to 12 characters. Thread-safe.
 * Not API.
 */
public final class FakeLog {
  private final PrintStream out;
  private final long startNanos;
  private final boolean enabled;
  private final boolean prefix;
  private final boolean timestamps;

  FakeLog(PrintStream out, long startNanos, boolean enabled, boolean prefix, boolean timestamps) {
    this.out = out;
    this.startNanos = startNanos;
    this.enabled = enabled;
    this.prefix = prefix;
    this.timestamps = timestamps;
  }

  /** {@return a log with llama-server's default format (prefix and timestamps on)} */
  static FakeLog stderr(long startNanos, FakeConfig config) {
    return new FakeLog(
        System.err,
        startNanos,
        !config.flag("--log-disable"),
        !config.off("--log-prefix"),
        !config.off("--log-timestamps"));
  }

  /** Logs a server line ({@code srv  <func>: <message>}) at info level. */
  void info(String func, String message) {
    line('I', srvTag(func) + message);
  }

  /** Logs a server line at warning level. */
  void warn(String func, String message) {
    line('W', srvTag(func) + message);
  }

  /** Logs a server line at error level. */
  void error(String func, String message) {
    line('E', srvTag(func) + message);
  }

  /** Logs a line without the {@code srv} tag (as ggml and llama_model_load do). */
  void raw(char level, String message) {
    line(level, message);
  }

  private static String srvTag(String func) {
    return String.format("srv  %12s: ", func);
  }

  synchronized void line(char level, String message) {
    if (!enabled) {
      return;
    }
    StringBuilder sb = new StringBuilder();
    if (prefix) {
      if (timestamps) {
        long micros = (System.nanoTime() - startNanos) / 1_000;
        sb.append(String.format("%d.%02d.%03d.%03d ",
            micros / 60_000_000L, (micros / 1_000_000L) % 60, (micros / 1_000L) % 1_000, micros % 1_000));
      }
      sb.append(level).append(' ');
    }
    sb.append(message);
    out.println(sb);
    out.flush();
  }
}
