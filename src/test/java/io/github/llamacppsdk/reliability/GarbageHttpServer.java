package io.github.llamacppsdk.reliability;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A loopback HTTP server that misbehaves on purpose, one {@link Mode} at a time (switchable while it
 * runs). Built on a raw {@link ServerSocket} so it can send what no HTTP library would. Closing it
 * ends every connection and thread.
 */
final class GarbageHttpServer implements AutoCloseable {
  /** What every request gets. */
  enum Mode {
    /** Well-behaved llama-server: {@code /health} ok, {@code /v1/models} serving the alias. */
    GOOD,
    /** 200, JSON content type, a truncated JSON body. */
    MALFORMED_JSON,
    /** Reads the request and closes without a byte. */
    EMPTY_REPLY,
    /** Resets the connection (SO_LINGER 0). */
    RESET,
    /** 200, chunked, a body that never ends. */
    ENDLESS_BODY,
    /** 200 with Content-Length 100000, one byte every 50 ms. */
    SLOW_DRIP,
    /** 200, text/html, an HTML page. */
    WRONG_CONTENT_TYPE,
    /** 200 with a 256 KiB header. */
    HUGE_HEADERS,
    /** Not HTTP at all: an SSH banner. */
    NOT_HTTP,
    /** 500 with an HTML body. */
    ERROR_500
  }

  private final ServerSocket socket;
  private final String alias;
  private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "garbage-http");
    t.setDaemon(true);
    return t;
  });
  private volatile Mode mode;
  private volatile boolean closed;
  final AtomicInteger requests = new AtomicInteger();

  GarbageHttpServer(Mode mode, String alias) throws IOException {
    this.mode = mode;
    this.alias = alias;
    this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    pool.execute(this::acceptLoop);
  }

  int port() {
    return socket.getLocalPort();
  }

  String rootUrl() {
    return "http://127.0.0.1:" + port();
  }

  void mode(Mode m) {
    mode = m;
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket s = socket.accept();
        try {
          pool.execute(() -> serve(s));
        } catch (java.util.concurrent.RejectedExecutionException e) { // accepted just as close() shut the pool
          s.close();
          return;
        }
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      s.setSoTimeout(10_000);
      String path = readRequestPath(s.getInputStream());
      if (path == null) {
        return;
      }
      requests.incrementAndGet();
      OutputStream out = s.getOutputStream();
      switch (mode) {
        case GOOD:
          String body = path.endsWith("/health") ? "{\"status\":\"ok\"}"
              : "{\"object\":\"list\",\"data\":[{\"id\":\"" + alias + "\",\"object\":\"model\"}]}";
          write(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
              + "\r\nConnection: close\r\n\r\n" + body);
          break;
        case MALFORMED_JSON:
          write(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{\"data\":[{\"i");
          break;
        case EMPTY_REPLY:
          break;
        case RESET:
          s.setSoLinger(true, 0);
          break;
        case ENDLESS_BODY:
          write(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
          byte[] chunk = ("1000\r\n" + "a".repeat(4096) + "\r\n").getBytes(StandardCharsets.US_ASCII);
          while (!closed) {
            out.write(chunk); // ends when the client gives up and the write fails
          }
          break;
        case SLOW_DRIP:
          write(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n");
          for (int i = 0; i < 100_000 && !closed; i++) {
            out.write('{');
            out.flush();
            LockSupport.parkNanos(50_000_000L);
          }
          break;
        case WRONG_CONTENT_TYPE:
          String html = "<html><body>It works!</body></html>";
          write(out, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: " + html.length() + "\r\n\r\n" + html);
          break;
        case HUGE_HEADERS:
          write(out, "HTTP/1.1 200 OK\r\nX-Huge: " + "h".repeat(256 * 1024) + "\r\nContent-Length: 2\r\n\r\n{}");
          break;
        case NOT_HTTP:
          write(out, "SSH-2.0-OpenSSH_9.6\r\n");
          break;
        case ERROR_500:
          String err = "<html>Internal Server Error</html>";
          write(out, "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/html\r\nContent-Length: " + err.length()
              + "\r\n\r\n" + err);
          break;
        default:
          throw new IllegalStateException(mode.toString());
      }
    } catch (IOException e) {
      // the client went away: expected for endless and slow bodies
    }
  }

  private static String readRequestPath(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    int c;
    while ((c = in.read()) != -1 && head.length() < 16_384) {
      head.append((char) c);
      if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
        String[] first = head.toString().split(" ", 3);
        return first.length > 1 ? first[1] : "/";
      }
    }
    return null;
  }

  private static void write(OutputStream out, String s) throws IOException {
    out.write(s.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  @Override
  public void close() throws IOException {
    closed = true;
    socket.close();
    pool.shutdownNow();
  }
}
