package io.github.llamacppsdk.internal.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The first probe's GETs on the socket its TCP step connected. */
@Timeout(20)
class SocketExchangeTest {

  @Test
  void asksOneAfterTheOtherOnOneConnectionAndConnectsAgainWhenTheServerClosedIt() throws Exception {
    try (ScriptedServer server = new ScriptedServer(List.of(
        List.of("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", // kept for a second answer, then closed
            "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 4\r\n\r\nbye!"),
        List.of("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")))) {
      try (SocketExchange exchange = connected(server.socket, 5_000)) {
        ReadinessProber.Answer health = exchange.get(server.uri("/health"), Map.of());
        ReadinessProber.Answer models = exchange.get(server.uri("/v1/models"), Map.of("Authorization", "Bearer k"));
        ReadinessProber.Answer props = exchange.get(server.uri("/props"), Map.of());
        assertThat(List.of(health.status + " " + health.body, models.status + " " + models.body, props.status + " "))
            .containsExactly("200 ok", "200 bye!", "404 ");
      }
      assertThat(server.seen()).containsExactly("1: GET /health HTTP/1.1", "1: GET /v1/models HTTP/1.1",
          "2: GET /props HTTP/1.1");
    }
  }

  @Test
  void aKeptConnectionTheServerClosedSilentlyIsAskedAgainOnANewOne() throws Exception {
    try (ScriptedServer server = new ScriptedServer(List.of(
        List.of("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"), // a length and no Connection header, then gone
        List.of("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlist")))) {
      try (SocketExchange exchange = connected(server.socket, 5_000)) {
        assertThat(exchange.get(server.uri("/health"), Map.of()).body).isEqualTo("ok");
        assertThat(server.firstClosed.await(5, TimeUnit.SECONDS)).isTrue();
        ReadinessProber.Answer models = exchange.get(server.uri("/v1/models"), Map.of());
        assertThat(models.failure).isNull();
        assertThat(models.body).isEqualTo("list");
      }
      assertThat(server.seen()).containsExactly("1: GET /health HTTP/1.1", "2: GET /v1/models HTTP/1.1");
    }
  }

  @Test
  void aFreshConnectionClosedBeforeAnyAnswerIsAFailureNotARetry() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread t = new Thread(() -> {
        try (Socket s = server.accept()) {
          requestLine(s.getInputStream());
        } catch (IOException e) {
          // the test's assertion says what happened
        }
      }, "socket-exchange-test");
      t.start();
      try (SocketExchange exchange = connected(server, 5_000)) {
        assertThat(exchange.get(URI.create("http://127.0.0.1:" + server.getLocalPort() + "/health"), Map.of()).failure)
            .isEqualTo("connection closed before a complete answer");
      }
      t.join(10_000);
    }
  }

  @Test
  void aServerThatNeverAnswersIsAFailureByTheDeadline() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      long start = System.nanoTime();
      try (SocketExchange exchange = connected(server, 300)) { // accepted by the backlog; nobody reads or answers
        ReadinessProber.Answer a = exchange.get(URI.create("http://127.0.0.1:" + server.getLocalPort() + "/health"),
            Map.of());
        assertThat(a.failure).isEqualTo("timed out");
        assertThat(exchange.get(URI.create("http://127.0.0.1:" + server.getLocalPort() + "/v1/models"), Map.of())
            .failure).as("the deadline is the probe's, not each GET's").isEqualTo("timed out");
      }
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5_000);
    }
  }

  @Test
  void onlyPlainHttpOnTheConnectedHostAndPortIsAskedHere() {
    InetSocketAddress address = new InetSocketAddress("127.0.0.1", 8080);
    assertThat(SocketExchange.isOn(URI.create("http://127.0.0.1:8080/health"), address)).isTrue();
    assertThat(SocketExchange.isOn(URI.create("https://127.0.0.1:8080/health"), address)).isFalse();
    assertThat(SocketExchange.isOn(URI.create("http://127.0.0.1:8081/health"), address)).isFalse();
    assertThat(SocketExchange.isOn(URI.create("http://localhost:8080/health"), address)).isFalse();
    assertThat(SocketExchange.isOn(URI.create("http://[::1]:8080/health"), new InetSocketAddress("::1", 8080)))
        .isTrue();
  }

  /**
   * A loopback server that accepts connections one after the other and gives on each its scripted answers,
   * one per request, then closes it; it records each request line as {@code "N: GET /path HTTP/1.1"}.
   */
  private static final class ScriptedServer implements AutoCloseable {
    final ServerSocket socket = new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
    final java.util.concurrent.CountDownLatch firstClosed = new java.util.concurrent.CountDownLatch(1);
    private final List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Thread thread;

    ScriptedServer(List<List<String>> connections) throws IOException {
      thread = new Thread(() -> {
        try {
          for (int n = 1; n <= connections.size(); n++) {
            try (Socket c = socket.accept()) {
              for (String answer : connections.get(n - 1)) {
                seen.add(n + ": " + requestLine(c.getInputStream()));
                c.getOutputStream().write(ascii(answer));
              }
            }
            firstClosed.countDown();
          }
        } catch (IOException e) {
          seen.add("server failed: " + e);
        }
      }, "socket-exchange-test");
      thread.start();
    }

    URI uri(String path) {
      return URI.create("http://127.0.0.1:" + socket.getLocalPort() + path);
    }

    /** {@return the request lines, once every scripted connection was served} */
    List<String> seen() throws InterruptedException {
      thread.join(10_000);
      return seen;
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /** {@return an exchange on a socket connected to {@code server}, with {@code millis} to its deadline} */
  private static SocketExchange connected(ServerSocket server, long millis) throws IOException {
    InetSocketAddress address = new InetSocketAddress("127.0.0.1", server.getLocalPort());
    Socket socket = SocketExchange.newSocket();
    socket.connect(address, 5_000);
    return new SocketExchange(socket, address, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis), 1024);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** Reads one request head and returns its first line. */
  private static String requestLine(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        break;
      }
      head.append((char) c);
    }
    return head.substring(0, Math.max(0, head.indexOf("\r\n")));
  }
}
