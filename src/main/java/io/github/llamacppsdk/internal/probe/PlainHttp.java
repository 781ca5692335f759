package io.github.llamacppsdk.internal.probe;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousChannelGroup;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Not API. A minimal asynchronous HTTP/1.1 {@code GET} for {@code http://} probe targets: one
 * connection per request ({@code Connection: close}), the answer read until its {@code
 * Content-Length}, the end of the stream or the body limit, chunked bodies decoded.
 *
 * <p>Why not the JDK's {@code HttpClient}: building one initialises the default TLS context (trust
 * store, providers) and its first request loads about a hundred classes; in a fresh JVM that costs
 * far more than llama-server needs to answer its first 200, and probes of a local {@code http://}
 * server need none of it. The JDK client is still used, lazily, for {@code https://} (attached
 * servers only).
 *
 * <p>Runs on its own {@link AsynchronousChannelGroup} whose threads are named {@code
 * llamacpp-probe-N} (the JDK's default group names its threads {@code Thread-N}); no thread is held
 * while a request is in flight. Every request is bounded by the timeout. Never fails: failures are
 * {@link ReadinessProber.Answer#failure}. Thread-safe; {@link #close()} shuts the group down.
 */
final class PlainHttp implements AutoCloseable {
  private static final AtomicInteger THREADS = new AtomicInteger();
  private static final int HEAD_LIMIT = 16 * 1024;
  private static final int CHUNK = 8192;

  private final AsynchronousChannelGroup group;
  private final ExecutorService callbacks;
  private final Duration timeout;
  private final int bodyLimit;

  PlainHttp(Duration timeout, int bodyLimit) {
    this.timeout = timeout;
    this.bodyLimit = bodyLimit;
    // One I/O thread runs the channel group's event loop (a fixed pool: a cached one would add an unnamed
    // internal thread); answers are handed to callback threads, so what the caller chains on a probe (health
    // reports, listeners) never delays the I/O of other probes.
    this.callbacks = Executors.newCachedThreadPool(r -> daemon(r, "llamacpp-probe-" + THREADS.incrementAndGet()));
    try {
      this.group = AsynchronousChannelGroup.withFixedThreadPool(1, r -> daemon(r, "llamacpp-probe-io-"
          + THREADS.incrementAndGet()));
    } catch (IOException e) {
      callbacks.shutdownNow();
      throw new java.io.UncheckedIOException("cannot create the probe channel group", e);
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** {@return the named threads answers are handed to (what callers chain runs there)} */
  java.util.concurrent.Executor callbacks() {
    return callbacks;
  }

  /** {@return the channel group probes connect in (also used for the plain TCP step)} */
  AsynchronousChannelGroup group() {
    return group;
  }

  /**
   * Sends one GET.
   *
   * @param uri an {@code http://} URI with a port
   * @param headers request headers
   * @return the answer; never a failed future
   */
  CompletableFuture<ReadinessProber.Answer> get(URI uri, Map<String, String> headers) {
    CompletableFuture<ReadinessProber.Answer> done = new CompletableFuture<>();
    AsynchronousSocketChannel channel;
    byte[] request;
    InetSocketAddress address;
    try {
      request = request(uri, headers);
      String host = uri.getHost();
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      address = new InetSocketAddress(host, uri.getPort() == -1 ? 80 : uri.getPort());
      channel = AsynchronousSocketChannel.open(group);
    } catch (IOException | RuntimeException e) {
      return CompletableFuture.completedFuture(ReadinessProber.Answer.failed(ReadinessProber.describe(e)));
    }
    Exchange exchange = new Exchange(channel, done);
    try {
      channel.connect(address, null, exchange.onConnect(ByteBuffer.wrap(request)));
    } catch (RuntimeException e) {
      exchange.fail(e);
    }
    CompletableFuture<ReadinessProber.Answer> handedOff = new CompletableFuture<>();
    done.completeOnTimeout(ReadinessProber.Answer.failed("timed out"), timeout.toNanos(), TimeUnit.NANOSECONDS)
        .whenComplete((a, t) -> {
          closeQuietly(channel);
          try {
            callbacks.execute(() -> handedOff.complete(a));
          } catch (java.util.concurrent.RejectedExecutionException e) {
            handedOff.complete(a); // closed: complete here
          }
        });
    return handedOff;
  }

  private static byte[] request(URI uri, Map<String, String> headers) {
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    if (uri.getRawQuery() != null) {
      path += "?" + uri.getRawQuery();
    }
    StringBuilder r = new StringBuilder("GET ").append(path).append(" HTTP/1.1\r\nHost: ")
        .append(uri.getRawAuthority()).append("\r\nAccept: application/json\r\nConnection: close\r\n");
    headers.forEach((name, value) -> {
      if (name.isEmpty() || (name + value).chars().anyMatch(c -> c == '\r' || c == '\n')) {
        throw new IllegalArgumentException("invalid header " + name);
      }
      r.append(name).append(": ").append(value).append("\r\n");
    });
    return r.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() {
    try {
      group.shutdownNow();
    } catch (IOException e) {
      // the group's channels are being closed anyway
    }
    callbacks.shutdownNow();
  }

  private static void closeQuietly(AsynchronousSocketChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // closing a probe socket cannot fail in a way that matters
    }
  }

  /** One request/response on one connection. */
  private final class Exchange {
    private final AsynchronousSocketChannel channel;
    private final CompletableFuture<ReadinessProber.Answer> done;
    private final ByteArrayOutputStream raw = new ByteArrayOutputStream();
    private final ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
    private int bodyStart = -1;
    private int status;
    private long contentLength = -1;
    private boolean chunked;

    Exchange(AsynchronousSocketChannel channel, CompletableFuture<ReadinessProber.Answer> done) {
      this.channel = channel;
      this.done = done;
    }

    CompletionHandler<Void, Void> onConnect(ByteBuffer request) {
      return new CompletionHandler<>() {
        @Override
        public void completed(Void v, Void a) {
          write(request);
        }

        @Override
        public void failed(Throwable t, Void a) {
          fail(t);
        }
      };
    }

    void write(ByteBuffer request) {
      channel.write(request, null, new CompletionHandler<Integer, Void>() {
        @Override
        public void completed(Integer n, Void a) {
          if (request.hasRemaining()) {
            write(request);
          } else {
            read();
          }
        }

        @Override
        public void failed(Throwable t, Void a) {
          fail(t);
        }
      });
    }

    void read() {
      if (done.isDone()) {
        return;
      }
      buffer.clear();
      channel.read(buffer, null, new CompletionHandler<Integer, Void>() {
        @Override
        public void completed(Integer n, Void a) {
          try {
            if (n < 0) {
              finish(true);
              return;
            }
            raw.write(buffer.array(), 0, n);
            if (!finish(false)) {
              read();
            }
          } catch (RuntimeException e) {
            fail(e);
          }
        }

        @Override
        public void failed(Throwable t, Void a) {
          fail(t);
        }
      });
    }

    /** Completes when the answer is whole (or the stream ended); {@return whether it completed} */
    boolean finish(boolean eof) {
      byte[] bytes = raw.toByteArray();
      if (bodyStart < 0 && !parseHead(bytes)) {
        if (eof || bytes.length > HEAD_LIMIT) {
          done.complete(ReadinessProber.Answer.failed(bytes.length == 0 ? "connection closed without an answer"
              : "not an HTTP response: " + preview(bytes)));
          return true;
        }
        return false;
      }
      if (done.isDone()) {
        return true; // a malformed head failed it
      }
      int have = bytes.length - bodyStart;
      boolean whole = eof || have >= bodyLimit + (chunked ? CHUNK : 0)
          || (!chunked && contentLength >= 0 && have >= contentLength);
      if (!whole) {
        return false;
      }
      byte[] body = java.util.Arrays.copyOfRange(bytes, bodyStart, bytes.length);
      if (chunked) {
        body = dechunk(body);
      } else if (contentLength >= 0 && body.length > contentLength) {
        body = java.util.Arrays.copyOf(body, (int) contentLength);
      }
      int keep = Math.min(body.length, bodyLimit);
      done.complete(new ReadinessProber.Answer(status, new String(body, 0, keep, StandardCharsets.UTF_8), null));
      return true;
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

    /** Parses the status line and headers once they are complete; {@return whether they were} */
    private boolean parseHead(byte[] bytes) {
      int end = indexOf(bytes, "\r\n\r\n");
      int sep = 4;
      int lf = indexOf(bytes, "\n\n"); // a head of LF-only lines: its blank line, not a CRLF pair in the body
      if (lf >= 0 && (end < 0 || lf < end)) {
        end = lf;
        sep = 2;
      }
      if (end < 0) {
        return false;
      }
      bodyStart = end + sep;
      // scanned by hand, not with regular expressions: this runs for every probe and health poll, and
      // the first one runs while a fresh JVM's first server is starting
      String head = new String(bytes, 0, end, StandardCharsets.ISO_8859_1);
      int lineEnd = lineEnd(head, 0);
      String statusLine = head.substring(0, lineEnd);
      int codeAt = statusLine.indexOf(' ') + 1;
      if (!statusLine.startsWith("HTTP/1.") || codeAt == 0 || !isStatusCode(statusLine, codeAt)) {
        done.complete(ReadinessProber.Answer.failed("not an HTTP response: " + preview(bytes)));
        return true;
      }
      status = Integer.parseInt(statusLine.substring(codeAt, codeAt + 3));
      for (int nl = head.indexOf('\n', lineEnd); nl >= 0 && nl + 1 < head.length(); nl = head.indexOf('\n', nl + 1)) {
        String line = head.substring(nl + 1, lineEnd(head, nl + 1));
        int colon = line.indexOf(':');
        if (colon <= 0) {
          continue;
        }
        String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
        String value = line.substring(colon + 1).trim();
        if (name.equals("content-length")) {
          try {
            contentLength = Long.parseLong(value);
          } catch (NumberFormatException e) {
            contentLength = -1;
          }
        } else if (name.equals("transfer-encoding") && value.toLowerCase(Locale.ROOT).contains("chunked")) {
          chunked = true;
        }
      }
      return true;
    }

    void fail(Throwable t) {
      done.complete(ReadinessProber.Answer.failed(ReadinessProber.describe(t)));
    }
  }

  /** Decodes a chunked body, as far as it goes (a cut body yields what arrived). */
  static byte[] dechunk(byte[] in) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int pos = 0;
    while (pos < in.length) {
      int lineEnd = indexOf(in, "\r\n", pos);
      if (lineEnd < 0) {
        break;
      }
      String sizeText = new String(in, pos, lineEnd - pos, StandardCharsets.ISO_8859_1);
      int semi = sizeText.indexOf(';');
      int size;
      try {
        size = Integer.parseInt((semi >= 0 ? sizeText.substring(0, semi) : sizeText).trim(), 16);
      } catch (NumberFormatException e) {
        break;
      }
      if (size <= 0) {
        break;
      }
      int start = lineEnd + 2;
      int take = Math.min(size, in.length - start);
      out.write(in, start, Math.max(0, take));
      pos = start + size + 2;
    }
    return out.toByteArray();
  }

  private static int indexOf(byte[] bytes, String needle) {
    return indexOf(bytes, needle, 0);
  }

  private static int indexOf(byte[] bytes, String needle, int from) {
    outer:
    for (int i = from; i <= bytes.length - needle.length(); i++) {
      for (int j = 0; j < needle.length(); j++) {
        if (bytes[i + j] != needle.charAt(j)) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static String preview(byte[] bytes) {
    String s = new String(bytes, 0, Math.min(bytes.length, 40), StandardCharsets.ISO_8859_1)
        .replaceAll("[^\\x20-\\x7e]", "?");
    return "\"" + s + (bytes.length > 40 ? "...\"" : "\"");
  }
}
