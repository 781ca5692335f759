package io.github.llamacppsdk;

import static io.github.llamacppsdk.internal.Scan.isDigit;
import static io.github.llamacppsdk.internal.Scan.isSpace;
import static io.github.llamacppsdk.internal.Scan.isWord;
import static io.github.llamacppsdk.internal.Scan.skipSpace;

/**
 * What {@link ServerBuild#parse} reads from a build's answers, scanned by hand rather than with regular
 * expressions: a fresh JVM reads them before its first launch, and the regular-expression engine's
 * first use alone costs such a JVM about 10 ms. Each method reads what the expression in its comment
 * finds ({@code \s} is {@code [ \t\n\x0B\f\r]}, {@code \w} is {@code [a-zA-Z0-9_]}, as in {@link
 * java.util.regex.Pattern}); {@code VersionTextTest} checks them against those expressions.
 */
final class VersionText {
  private VersionText() {}

  /**
   * {@code (?m)^\s*version:\s*(\S+)\s*\(([^)]*)\)}.
   *
   * @return the whole match (stripped), the number and what is in the parentheses; null when no line matches
   */
  static String[] version(String out) {
    for (int lineStart = 0; lineStart >= 0; lineStart = nextLineStart(out, lineStart)) {
      int i = skipSpace(out, lineStart);
      if (out.startsWith("version:", i)) {
        String[] found = afterVersionWord(out, lineStart, skipSpace(out, i + "version:".length()));
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  private static String[] afterVersionWord(String out, int lineStart, int j) {
    int end = j;
    while (end < out.length() && !isSpace(out.charAt(end))) {
      end++;
    }
    for (int k = end; k > j; k--) { // the longest number first, as the greedy \S+ backs off
      int open = k == end ? skipSpace(out, end) : k;
      if (open < out.length() && out.charAt(open) == '(') {
        int close = out.indexOf(')', open + 1);
        if (close >= 0) {
          return new String[] {out.substring(lineStart, close + 1).strip(), out.substring(j, k),
              out.substring(open + 1, close)};
        }
      }
    }
    return null;
  }

  /** {@code (?m)^\s*(built with .*)$}: the group, or null. */
  static String builtWith(String out) {
    for (int lineStart = 0; lineStart >= 0; lineStart = nextLineStart(out, lineStart)) {
      int i = skipSpace(out, lineStart);
      if (out.startsWith("built with ", i)) {
        int end = i;
        while (end < out.length() && !isLineTerminator(out.charAt(end))) {
          end++;
        }
        return out.substring(i, end);
      }
    }
    return null;
  }

  /** {@code \bWORD\s+(\d+)} when {@code digits}, else {@code \bWORD\s+([^,\s]+)}: the group, or null. */
  static String afterWord(String text, String word, boolean digits) {
    for (int at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
      if (at > 0 && isWord(text.charAt(at - 1))) {
        continue; // no word boundary before it
      }
      int spaces = at + word.length();
      int value = skipSpace(text, spaces);
      if (value == spaces) {
        continue;
      }
      int end = value;
      while (end < text.length() && (digits ? isDigit(text.charAt(end))
          : text.charAt(end) != ',' && !isSpace(text.charAt(end)))) {
        end++;
      }
      if (end > value) {
        return text.substring(value, end);
      }
    }
    return null;
  }

  /** {@code \d{1,9}}, the whole of {@code s}. */
  static boolean isShortNumber(String s) {
    if (s.isEmpty() || s.length() > 9) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (!isDigit(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /** What is left of {@code s} after {@code ^(\s*,\s*-[\w-]+)*}: the aliases after an option's name. */
  static String withoutLeadingAliases(String s) {
    int pos = 0;
    while (true) {
      int p = skipSpace(s, pos);
      if (p >= s.length() || s.charAt(p) != ',') {
        break;
      }
      p = skipSpace(s, p + 1);
      if (p >= s.length() || s.charAt(p) != '-') {
        break;
      }
      int q = p + 1;
      while (q < s.length() && (isWord(s.charAt(q)) || s.charAt(q) == '-')) {
        q++;
      }
      if (q == p + 1) {
        break;
      }
      pos = q;
    }
    return s.substring(pos);
  }

  /** {@return where the next line starts, or -1 after the last line} ({@code (?m)^}: after a terminator, not at the end) */
  private static int nextLineStart(String s, int from) {
    for (int i = from; i < s.length(); i++) {
      char c = s.charAt(i);
      if (isLineTerminator(c)) {
        int next = c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n' ? i + 2 : i + 1;
        return next < s.length() ? next : -1;
      }
    }
    return -1;
  }

  private static boolean isLineTerminator(char c) {
    return c == '\n' || c == '\r' || c == '\u0085' || c == '\u2028' || c == '\u2029';
  }

}
