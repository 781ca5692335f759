package io.github.llamacppsdk.internal.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The probes' two HTTP/1.1 clients ({@link KeepAlivePoller}, which readiness probes and health polls
 * share, and {@link SocketExchange}, the first probe's on the socket its TCP step connected) against a
 * socket that answers with raw bytes and closes: status lines and headers as servers write them, and
 * answers that are not HTTP. Both read every answer alike.
 */
@Timeout(20)
class RawAnswersTest {
  private final KeepAlivePoller http = new KeepAlivePoller(Duration.ofSeconds(5), 1024);

  @AfterEach
  void close() {
    http.close();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok | 200 | ok",
      "HTTP/1.0 503\\n\\nloading | 503 | loading",
      "HTTP/1.1 404 Not Found\\r\\ncontent-length:  3 \\r\\nX-A: b\\r\\n\\r\\nabcdef | 404 | abc",
      "HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n2\\r\\nhi\\r\\n0\\r\\n\\r\\n | 200 | hi",
      "HTTP/1.1 20 OK\\r\\n\\r\\n | -1 | not an HTTP response",
      "HTTP/1.1 2000 OK\\r\\n\\r\\n | -1 | not an HTTP response",
      "SSH-2.0-OpenSSH_9.6\\r\\n\\r\\n | -1 | not an HTTP response",
      "HTTP/1.1\\r\\n\\r\\n | -1 | not an HTTP response",
      // a head of LF-only lines ends at its blank line, even when the body holds a CRLF pair
      "HTTP/1.1 200 OK\\nContent-Length: 2\\n\\nok\\r\\n\\r\\nxx | 200 | ok",
      // an empty head (the old split("\\r?\\n") had no first line and threw)
      "\\n\\r\\n\\r\\nx | -1 | not an HTTP response",
      "\\r\\n\\r\\n | -1 | not an HTTP response",
      // a head cut by the close, and bytes that never make a head: not HTTP, with a printable preview
      "HTTP/1.1 200 OK\\r\\nContent-Le | -1 | not an HTTP response: \"HTTP/1.1 200 OK??Content-Le\"",
      "\\0\\1binary | -1 | not an HTTP response: \"??binary\"",
      // a chunked body cut by the close yields what arrived
      "HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n2\\r\\nhi\\r\\n5\\r\\nthe | 200 | hithe",
      // names in any case, values padded; Connection: close honoured
      "HTTP/1.1 200 OK\\nCONTENT-LENGTH:2\\nConnection:  Close\\n\\nokxx | 200 | ok",
  })
  void readsTheStatusAndBodyOrSaysItIsNotHttp(String raw, int status, String bodyOrFailure) throws Exception {
    byte[] answer = raw.replace("\\r", "\r").replace("\\n", "\n").replace("\\0", "\0").replace("\\1", "\1").getBytes(StandardCharsets.ISO_8859_1);
    for (boolean onTheConnectedSocket : new boolean[] {false, true}) {
      try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        Thread t = new Thread(() -> answerOnce(server, answer), "raw-answers-test");
        t.start();
        URI uri = URI.create("http://127.0.0.1:" + server.getLocalPort() + "/health");
        ReadinessProber.Answer a = onTheConnectedSocket ? onTheConnectedSocket(uri)
            : http.get(uri, Map.of()).get(10, TimeUnit.SECONDS);
        t.join(10_000);
        String client = onTheConnectedSocket ? "SocketExchange" : "KeepAlivePoller";
        if (status > 0) {
          assertThat(a.status).as(client).isEqualTo(status);
          assertThat(a.body).as(client).isEqualTo(bodyOrFailure);
        } else {
          assertThat(a.failure).as(client).contains(bodyOrFailure);
        }
      }
    }
  }

  /** The first probe's way: the GET on the socket its TCP step connected ({@link SocketExchange}). */
  private static ReadinessProber.Answer onTheConnectedSocket(URI uri) throws IOException {
    java.net.InetSocketAddress address = new java.net.InetSocketAddress("127.0.0.1", uri.getPort());
    Socket socket = SocketExchange.newSocket();
    socket.connect(address, 5_000);
    try (SocketExchange exchange = new SocketExchange(socket, address,
        System.nanoTime() + TimeUnit.SECONDS.toNanos(5), 1024)) {
      return exchange.get(uri, Map.of());
    }
  }

  private static void answerOnce(ServerSocket server, byte[] answer) {
    try (Socket s = server.accept()) {
      InputStream in = s.getInputStream();
      int matched = 0;
      while (matched < 4) { // read the request up to its blank line
        int c = in.read();
        if (c < 0) {
          return;
        }
        matched = c == "\r\n\r\n".charAt(matched) ? matched + 1 : c == '\r' ? 1 : 0;
      }
      OutputStream out = s.getOutputStream();
      out.write(answer);
      out.flush();
    } catch (IOException e) {
      // the client went away: its answer says so
    }
  }
}
