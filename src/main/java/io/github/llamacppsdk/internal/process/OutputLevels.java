package io.github.llamacppsdk.internal.process;

import io.github.llamacppsdk.internal.Scan;
import io.github.llamacppsdk.process.OutputLine;

/**
 * Not API. Reads the level llama-server gave a log line.
 *
 * <p>llama-server prefixes its lines with an optional timestamp and a level letter, e.g. {@code
 * 0.00.012.217 I srv  main: model loaded}: {@code D} debug, {@code I} info, {@code W} warning,
 * {@code E} error. A line without that prefix whose text starts with {@code error} (any case, after
 * leading blanks) is an error; anything else is info. Stateless; thread-safe. Scanned by hand (it runs
 * for every output line, the first ones while a fresh JVM's first server starts): the prefix is what
 * {@code ^\s*(?:\d+(?:\.\d+){3}\s+)?([DIWE])\s} matches.
 */
final class OutputLevels {

  private OutputLevels() {}

  /**
   * {@return the level of one line}
   *
   * @param text the line, without terminator
   */
  static OutputLine.Level parse(String text) {
    char letter = prefixLetter(text);
    if (letter != 0) {
      switch (letter) {
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

  /** {@return the level letter of the line's prefix, or 0 when it has none} */
  private static char prefixLetter(String text) {
    int i = Scan.skipSpace(text, 0);
    int afterStamp = stamp(text, i);
    if (afterStamp > i) {
      int j = Scan.skipSpace(text, afterStamp);
      if (j > afterStamp && isLevelAt(text, j)) {
        return text.charAt(j);
      }
    }
    return isLevelAt(text, i) ? text.charAt(i) : 0;
  }

  /** {@return the end of a {@code N.N.N.N} stamp at {@code i}, or {@code i} when there is none} */
  private static int stamp(String text, int i) {
    int j = i;
    for (int group = 0; group < 4; group++) {
      if (group > 0) {
        if (j >= text.length() || text.charAt(j) != '.') {
          return i;
        }
        j++;
      }
      int digits = j;
      while (j < text.length() && text.charAt(j) >= '0' && text.charAt(j) <= '9') {
        j++;
      }
      if (j == digits) {
        return i;
      }
    }
    return j;
  }

  /** {@return whether a level letter followed by a blank stands at {@code i}} */
  private static boolean isLevelAt(String text, int i) {
    return i + 1 < text.length() && "DIWE".indexOf(text.charAt(i)) >= 0 && Scan.isSpace(text.charAt(i + 1));
  }
}
