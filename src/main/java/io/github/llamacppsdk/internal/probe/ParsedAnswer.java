package io.github.llamacppsdk.internal.probe;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Not API. A complete HTTP/1.1 answer read from a {@link KeepAlivePoller} connection's buffer: by
 * {@code Content-Length}, chunked encoding or end of stream; bodies cut at the limit.
 *
 * @param status the status code, or -1 for a malformed answer
 * @param body the body, cut at the limit
 * @param close whether the connection cannot carry another request
 */
record ParsedAnswer(int status, String body, boolean close) {
  /**
   * Parses the bytes in {@code buf} (position = end of data) without consuming them.
   *
   * @param buf the buffer
   * @param atEof the stream ended: a body without length ends here
   * @param bodyLimit the most body characters kept
   * @return the answer, or null if it is not complete yet
   */
  static ParsedAnswer of(ByteBuffer buf, boolean atEof, int bodyLimit) {
    byte[] a = buf.array();
    int end = buf.position();
    int headEnd = indexOf(a, end, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    if (headEnd < 0) {
      return null;
    }
    String head = new String(a, 0, headEnd, StandardCharsets.ISO_8859_1);
    int status;
    try {
      int sp = head.indexOf(' ');
      status = Integer.parseInt(head.substring(sp + 1, sp + 4));
    } catch (RuntimeException e) {
      return new ParsedAnswer(-1, "", true);
    }
    String lower = head.toLowerCase(Locale.ROOT);
    boolean close = lower.contains("\r\nconnection: close");
    int bodyStart = headEnd + 4;
    long length = header(lower, "content-length");
    if (length >= 0) {
      if (end - bodyStart < length) {
        return atEof ? new ParsedAnswer(status, text(a, bodyStart, end, bodyLimit), true) : null;
      }
      return new ParsedAnswer(status, text(a, bodyStart, (int) (bodyStart + length), bodyLimit),
          close || end - bodyStart > length);
    }
    if (lower.contains("\r\ntransfer-encoding: chunked")) {
      StringBuilder body = new StringBuilder();
      int i = bodyStart;
      while (true) {
        int lineEnd = indexOf(a, i, end, "\r\n".getBytes(StandardCharsets.ISO_8859_1));
        if (lineEnd < 0) {
          return atEof ? new ParsedAnswer(status, cut(body, bodyLimit), true) : null;
        }
        int size;
        try {
          String sizeText = new String(a, i, lineEnd - i, StandardCharsets.ISO_8859_1);
          int semi = sizeText.indexOf(';');
          size = Integer.parseInt((semi < 0 ? sizeText : sizeText.substring(0, semi)).trim(), 16);
        } catch (RuntimeException e) {
          return new ParsedAnswer(status, cut(body, bodyLimit), true);
        }
        if (size == 0) {
          return new ParsedAnswer(status, cut(body, bodyLimit), close);
        }
        if (lineEnd + 2 + size + 2 > end) {
          return atEof ? new ParsedAnswer(status, cut(body, bodyLimit), true) : null;
        }
        body.append(new String(a, lineEnd + 2, size, StandardCharsets.UTF_8));
        i = lineEnd + 2 + size + 2;
      }
    }
    if (status == 204 || status == 304 || status / 100 == 1) {
      return new ParsedAnswer(status, "", close);
    }
    return atEof ? new ParsedAnswer(status, text(a, bodyStart, end, bodyLimit), true) : null;
  }

  private static String text(byte[] a, int from, int to, int limit) {
    return new String(a, from, Math.min(to - from, limit), StandardCharsets.UTF_8);
  }

  private static String cut(StringBuilder sb, int limit) {
    return sb.length() > limit ? sb.substring(0, limit) : sb.toString();
  }

  private static long header(String lowerHead, String name) {
    int i = lowerHead.indexOf("\r\n" + name + ":");
    if (i < 0) {
      return -1;
    }
    int from = i + name.length() + 3;
    int to = lowerHead.indexOf("\r\n", from);
    try {
      return Long.parseLong(lowerHead.substring(from, to < 0 ? lowerHead.length() : to).trim());
    } catch (RuntimeException e) {
      return -1;
    }
  }

  private static int indexOf(byte[] a, int end, byte[] what) {
    return indexOf(a, 0, end, what);
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
