package io.github.llamacppsdk.internal.probe;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Not API. A complete HTTP/1.1 answer read from a {@link KeepAlivePoller} connection's buffer: by
 * {@code Content-Length}, chunked encoding or end of stream; bodies cut at the limit. The head is
 * read as servers write it (CRLF or bare LF lines, header names in any case, padded values); what
 * does not start with an {@code HTTP/1.x} status line with a three-digit code is "not an HTTP
 * response", with a printable preview of its first bytes. Scanned by hand, not with regular
 * expressions: the first answer is read while a fresh JVM's first server starts.
 *
 * @param status the status code, or -1 for a malformed answer
 * @param body the body, cut at the limit
 * @param close whether the connection cannot carry another request
 * @param failure why the answer is malformed, or null
 */
record ParsedAnswer(int status, String body, boolean close, String failure) {
  private static final byte[] CRLF = {'\r', '\n'};
  private static final byte[] CRLF_CRLF = {'\r', '\n', '\r', '\n'};
  private static final byte[] LF_LF = {'\n', '\n'};
  private static final int PREVIEW = 40;

  /** {@return an answer that is not HTTP, with a preview of its first bytes}
   * @param a the bytes
   * @param end how many there are */
  static ParsedAnswer malformed(byte[] a, int end) {
    return new ParsedAnswer(-1, "", true, "not an HTTP response: " + preview(a, end));
  }

  /**
   * Parses the bytes in {@code buf} (position = end of data) without consuming them.
   *
   * @param buf the buffer
   * @param atEof the stream ended (or the buffer is full): a body without length, or a head without
   *     its blank line, ends here
   * @param bodyLimit the most body characters kept
   * @return the answer, or null if it is not complete yet (or, at the end, if there was no byte at all)
   */
  static ParsedAnswer of(ByteBuffer buf, boolean atEof, int bodyLimit) {
    byte[] a = buf.array();
    int end = buf.position();
    int headEnd = indexOf(a, 0, end, CRLF_CRLF);
    int separator = 4;
    int lf = indexOf(a, 0, end, LF_LF); // a head of LF-only lines: its blank line, not a CRLF pair in the body
    if (lf >= 0 && (headEnd < 0 || lf < headEnd)) {
      headEnd = lf;
      separator = 2;
    }
    if (headEnd < 0) {
      return atEof && end > 0 ? malformed(a, end) : null;
    }
    String head = new String(a, 0, headEnd, StandardCharsets.ISO_8859_1);
    int statusEnd = lineEnd(head, 0);
    String statusLine = head.substring(0, statusEnd);
    int codeAt = statusLine.indexOf(' ') + 1;
    if (!statusLine.startsWith("HTTP/1.") || codeAt == 0 || !isStatusCode(statusLine, codeAt)) {
      return malformed(a, end);
    }
    int status = Integer.parseInt(statusLine.substring(codeAt, codeAt + 3));
    long length = -1;
    boolean chunked = false;
    boolean close = false;
    for (int nl = head.indexOf('\n', statusEnd); nl >= 0 && nl + 1 < head.length(); nl = head.indexOf('\n', nl + 1)) {
      String line = head.substring(nl + 1, lineEnd(head, nl + 1));
      int colon = line.indexOf(':');
      if (colon <= 0) {
        continue;
      }
      String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
      if (name.equals("content-length")) {
        length = parseLength(value);
      } else if (name.equals("transfer-encoding")) {
        chunked = value.contains("chunked");
      } else if (name.equals("connection")) {
        close = value.contains("close");
      }
    }
    int bodyStart = headEnd + separator;
    if (chunked) {
      return chunked(a, bodyStart, end, atEof, bodyLimit, status, close);
    }
    if (length >= 0) {
      if (end - bodyStart < length) {
        return atEof ? new ParsedAnswer(status, text(a, bodyStart, end, bodyLimit), true, null) : null;
      }
      return new ParsedAnswer(status, text(a, bodyStart, (int) (bodyStart + length), bodyLimit),
          close || end - bodyStart > length, null);
    }
    if (status == 204 || status == 304 || status / 100 == 1) {
      return new ParsedAnswer(status, "", close, null);
    }
    return atEof ? new ParsedAnswer(status, text(a, bodyStart, end, bodyLimit), true, null) : null;
  }

  private static ParsedAnswer chunked(byte[] a, int bodyStart, int end, boolean atEof, int bodyLimit, int status,
      boolean close) {
    StringBuilder body = new StringBuilder();
    int i = bodyStart;
    while (true) {
      int lineEnd = indexOf(a, i, end, CRLF);
      if (lineEnd < 0) {
        return atEof ? new ParsedAnswer(status, cut(body, bodyLimit), true, null) : null;
      }
      int size;
      try {
        String sizeText = new String(a, i, lineEnd - i, StandardCharsets.ISO_8859_1);
        int semi = sizeText.indexOf(';');
        size = Integer.parseInt((semi < 0 ? sizeText : sizeText.substring(0, semi)).trim(), 16);
      } catch (RuntimeException e) {
        return new ParsedAnswer(status, cut(body, bodyLimit), true, null);
      }
      if (size == 0) { // the last chunk: the connection carries another answer only after a clean end, its CRLF
        int after = lineEnd + 2;
        boolean clean = end - after == 2 && a[after] == '\r' && a[after + 1] == '\n';
        return new ParsedAnswer(status, cut(body, bodyLimit), close || !clean, null);
      }
      if (lineEnd + 2 + size + 2 > end) {
        if (atEof) { // a cut body yields what arrived
          body.append(new String(a, lineEnd + 2, Math.max(0, Math.min(size, end - lineEnd - 2)), StandardCharsets.UTF_8));
          return new ParsedAnswer(status, cut(body, bodyLimit), true, null);
        }
        return null;
      }
      body.append(new String(a, lineEnd + 2, size, StandardCharsets.UTF_8));
      i = lineEnd + 2 + size + 2;
    }
  }

  /** {@return where the line starting at {@code from} ends, before its {@code \r\n} or {@code \n}} */
  private static int lineEnd(String text, int from) {
    int nl = text.indexOf('\n', from);
    int end = nl < 0 ? text.length() : nl;
    return end > from && text.charAt(end - 1) == '\r' ? end - 1 : end;
  }

  /** {@return whether three digits stand at {@code at}, followed by a space or the end} */
  private static boolean isStatusCode(String line, int at) {
    if (at + 3 > line.length() || at + 3 < line.length() && line.charAt(at + 3) != ' ') {
      return false;
    }
    for (int i = at; i < at + 3; i++) {
      if (line.charAt(i) < '0' || line.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }

  private static long parseLength(String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static String preview(byte[] a, int end) {
    StringBuilder s = new StringBuilder("\"");
    for (int i = 0; i < Math.min(end, PREVIEW); i++) {
      s.append(a[i] >= 0x20 && a[i] <= 0x7e ? (char) a[i] : '?');
    }
    return s.append(end > PREVIEW ? "...\"" : "\"").toString();
  }

  private static String text(byte[] a, int from, int to, int limit) {
    return new String(a, from, Math.min(to - from, limit), StandardCharsets.UTF_8);
  }

  private static String cut(StringBuilder sb, int limit) {
    return sb.length() > limit ? sb.substring(0, limit) : sb.toString();
  }

  private static int indexOf(byte[] a, int from, int end, byte[] what) {
    outer:
    for (int i = from; i <= end - what.length; i++) {
      for (int j = 0; j < what.length; j++) {
        if (a[i + j] != what[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
