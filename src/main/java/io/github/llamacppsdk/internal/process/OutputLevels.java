package io.github.llamacppsdk.internal.process;

import io.github.llamacppsdk.process.OutputLine;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Not API. Reads the level llama-server gave a log line.
 *
 * <p>llama-server prefixes its lines with an optional timestamp and a level letter, e.g. {@code
 * 0.00.012.217 I srv  main: model loaded}: {@code D} debug, {@code I} info, {@code W} warning,
 * {@code E} error. A line without that prefix whose text starts with {@code error} (any case, after
 * leading blanks) is an error; anything else is info. Stateless; thread-safe.
 */
final class OutputLevels {
  private static final Pattern PREFIX = Pattern.compile("^\\s*(?:\\d+(?:\\.\\d+){3}\\s+)?([DIWE])\\s");

  private OutputLevels() {}

  /**
   * {@return the level of one line}
   *
   * @param text the line, without terminator
   */
  static OutputLine.Level parse(String text) {
    Matcher m = PREFIX.matcher(text);
    if (m.find()) {
      switch (m.group(1).charAt(0)) {
        case 'D':
          return OutputLine.Level.DEBUG;
        case 'W':
          return OutputLine.Level.WARN;
        case 'E':
          return OutputLine.Level.ERROR;
        default:
          return OutputLine.Level.INFO;
      }
    }
    String s = text.stripLeading();
    if (s.regionMatches(true, 0, "error", 0, 5)) {
      return OutputLine.Level.ERROR;
    }
    return OutputLine.Level.INFO;
  }
}
