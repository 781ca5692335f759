package io.github.llamacppsdk.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * Not API. The character classes of {@link java.util.regex.Pattern} and the whitespace split, for the
 * hand-written scans of the cold path: the build's answers, the server's log prefix, {@code /proc}
 * files. A fresh JVM's first launch need not start the regular-expression engine (its first use alone
 * costs such a JVM about 10 ms).
 */
public final class Scan {
  private Scan() {}

  /** {@return whether {@code c} is in {@code \s}: {@code [ \t\n\x0B\f\r]}} (not {@link Character#isWhitespace}) */
  public static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
  }

  /** {@return whether {@code c} is in {@code \d}: an ASCII digit} */
  public static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /** {@return whether {@code c} is in {@code \w}: {@code [a-zA-Z0-9_]}} */
  public static boolean isWord(char c) {
    return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c == '_';
  }

  /** {@return the index of the first character at or after {@code i} that is not in {@code \s}} */
  public static int skipSpace(String s, int i) {
    while (i < s.length() && isSpace(s.charAt(i))) {
      i++;
    }
    return i;
  }

  /**
   * {@return the fields of {@code text}, as {@code text.trim().split("\\s+")} reads them} {@code trim}'s
   * ends, then runs of {@code \s} between fields; none for a blank text.
   */
  public static List<String> fields(String text) {
    String s = text.trim();
    List<String> fields = new ArrayList<>();
    int i = 0;
    while (i < s.length()) {
      int start = i;
      while (i < s.length() && !isSpace(s.charAt(i))) {
        i++;
      }
      fields.add(s.substring(start, i));
      i = skipSpace(s, i);
    }
    return fields;
  }

  /**
   * {@return the first line of {@code text}, as {@code text.lines().findFirst().orElse("")} reads it} The text
   * before the first {@code \n} or {@code \r}; all of it when there is neither. Without a stream: state
   * changes and failures on a fresh JVM's first start take first lines.
   */
  public static String firstLine(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\n' || c == '\r') {
        return text.substring(0, i);
      }
    }
    return text;
  }
}
