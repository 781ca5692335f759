package io.github.llamacppsdk.internal.probe;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.jsonResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.stubFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.verify;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockRuntimeInfo;
import com.github.tomakehurst.wiremock.junit5.WireMockTest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@WireMockTest
@Timeout(30)
class KeepAlivePollerTest {
  private final KeepAlivePoller poller = new KeepAlivePoller(Duration.ofSeconds(5), 64 * 1024);

  private ReadinessProber.Answer getNow(String url, Map<String, String> headers) {
    return poller.get(URI.create(url), headers).join();
  }

  @Test
  void readsStatusAndBodyAndSendsTheHeaders(WireMockRuntimeInfo wm) {
    stubFor(get("/p/health").willReturn(okJson("{\"status\":\"ok\"}")));
    stubFor(get("/p/v1/models").willReturn(jsonResponse("{\"error\":{\"message\":\"Loading model\"}}", 503)));

    ReadinessProber.Answer health = getNow(wm.getHttpBaseUrl() + "/p/health", Map.of("authorization", "Bearer k"));
    ReadinessProber.Answer models = getNow(wm.getHttpBaseUrl() + "/p/v1/models", Map.of());

    assertThat(health.status).isEqualTo(200);
    assertThat(health.body).isEqualTo("{\"status\":\"ok\"}");
    assertThat(health.failure).isNull();
    assertThat(models.status).isEqualTo(503);
    assertThat(models.body).contains("Loading model");
    verify(getRequestedFor(urlEqualTo("/p/health")).withHeader("authorization", equalTo("Bearer k")));
  }

  @Test
  void anEmptyErrorAnswerIsReadToo(WireMockRuntimeInfo wm) {
    stubFor(get("/health").willReturn(aResponse().withStatus(404)));
    stubFor(get("/v1/models").willReturn(aResponse().withStatus(500)));
    ReadinessProber.Answer health = getNow(wm.getHttpBaseUrl() + "/health", Map.of());
    assertThat(health.status).as(health.failure).isEqualTo(404);
    ReadinessProber.Answer models = getNow(wm.getHttpBaseUrl() + "/v1/models", Map.of());
    assertThat(models.status).as(models.failure).isEqualTo(500);
  }

  @Test
  void readsAChunkedBodyDeliveredInPieces(WireMockRuntimeInfo wm) {
    stubFor(get("/health").willReturn(aResponse().withStatus(200).withBody("{\"status\":\"ok\",\"pad\":\""
        + "x".repeat(3000) + "\"}").withChunkedDribbleDelay(5, 100)));
    ReadinessProber.Answer a = getNow(wm.getHttpBaseUrl() + "/health", Map.of());
    assertThat(a.status).isEqualTo(200);
    assertThat(a.body).startsWith("{\"status\":\"ok\"").endsWith("\"}").hasSize(3000 + 24);
  }

  @Test
  void aSlowAnswerTimesOutAndTheNextRequestIsNotConfusedByIt(WireMockRuntimeInfo wm) {
    KeepAlivePoller quick = new KeepAlivePoller(Duration.ofSeconds(2), 64 * 1024);
    stubFor(get("/slow").willReturn(okJson("{\"late\":true}").withFixedDelay(6000)));
    stubFor(get("/health").willReturn(okJson("{\"status\":\"ok\"}")));
    getNow(wm.getHttpBaseUrl() + "/health", Map.of()); // warm WireMock up (a loaded machine answers slowly at first)
    assertThat(quick.get(URI.create(wm.getHttpBaseUrl() + "/slow"), Map.of()).join().failure).isEqualTo("timed out");
    ReadinessProber.Answer next = quick.get(URI.create(wm.getHttpBaseUrl() + "/health"), Map.of()).join();
    assertThat(next.status).as(next.failure).isEqualTo(200);
    assertThat(next.body).isEqualTo("{\"status\":\"ok\"}");
  }

  @Test
  void aBrokenAnswerIsAFailureNotAnException(WireMockRuntimeInfo wm) {
    stubFor(get("/empty").willReturn(aResponse().withFault(Fault.EMPTY_RESPONSE)));
    stubFor(get("/garbage").willReturn(aResponse().withFault(Fault.RANDOM_DATA_THEN_CLOSE)));
    assertThat(getNow(wm.getHttpBaseUrl() + "/empty", Map.of()).failure).isNotNull();
    assertThat(getNow(wm.getHttpBaseUrl() + "/garbage", Map.of()).status).isLessThan(0);
  }

  @Test
  void aClosedPortIsConnectionRefused() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    assertThat(getNow("http://127.0.0.1:" + port + "/health", Map.of()).failure).isEqualTo("connection refused");
  }

  /**
   * A raw server: answers each request with 200 {@code ok}, closing the connection after {@code
   * perConnection} answers (like cpp-httplib's keep-alive limit); counts connections.
   */
  private static final class CountingServer implements AutoCloseable {
    final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    final AtomicInteger connections = new AtomicInteger();
    final Thread thread;

    CountingServer(int perConnection) throws IOException {
      thread = new Thread(() -> {
        while (!socket.isClosed()) {
          try (Socket c = socket.accept()) {
            connections.incrementAndGet();
            InputStream in = c.getInputStream();
            OutputStream out = c.getOutputStream();
            for (int i = 0; i < perConnection; i++) {
              if (!readRequest(in)) {
                break;
              }
              String body = "{\"status\":\"ok\"}";
              out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
                  + "\r\n" + (i == perConnection - 1 ? "Connection: close\r\n" : "") + "\r\n" + body)
                  .getBytes(StandardCharsets.ISO_8859_1));
              out.flush();
            }
          } catch (IOException e) {
            // closed
          }
        }
      }, "counting-server");
      thread.setDaemon(true);
      thread.start();
    }

    private static boolean readRequest(InputStream in) throws IOException {
      int state = 0;
      int b;
      while ((b = in.read()) >= 0) {
        state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
        if (state == 4) {
          return true;
        }
      }
      return false;
    }

    String url() {
      return "http://127.0.0.1:" + socket.getLocalPort() + "/health";
    }

    @Override
    public void close() throws IOException {
      socket.close();
      try {
        thread.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Test
  void pollsReuseOneConnectionAndReconnectWhenTheServerClosesIt() throws Exception {
    try (CountingServer server = new CountingServer(5)) {
      for (int i = 0; i < 12; i++) {
        ReadinessProber.Answer a = getNow(server.url(), Map.of());
        assertThat(a.status).as("poll %d: %s", i, a.failure).isEqualTo(200);
      }
      assertThat(server.connections.get()).isEqualTo(3); // 5 + 5 + 2 answers
    }
  }

  @Test
  void parsesAnswersOnlyWhenComplete() {
    byte[] whole = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1);
    ByteBuffer partial = ByteBuffer.allocate(64).put(whole, 0, whole.length - 1);
    assertThat(ParsedAnswer.of(partial, false, 100)).isNull();
    assertThat(ParsedAnswer.of(ByteBuffer.allocate(64).put(whole), false, 100))
        .isEqualTo(new ParsedAnswer(200, "ok", false, null));
    byte[] chunked = "HTTP/1.1 503 X\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1\r\nc\r\n0\r\n\r\n"
        .getBytes(StandardCharsets.ISO_8859_1);
    assertThat(ParsedAnswer.of(ByteBuffer.allocate(128).put(chunked), false, 100))
        .isEqualTo(new ParsedAnswer(503, "abc", false, null));
    // the last chunk before its final CRLF arrived: complete, but the connection cannot carry another answer
    // (the CRLF would be read as the start of the next one)
    byte[] lastChunkOnly = "HTTP/1.1 200 X\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n"
        .getBytes(StandardCharsets.ISO_8859_1);
    assertThat(ParsedAnswer.of(ByteBuffer.allocate(128).put(lastChunkOnly), false, 100))
        .isEqualTo(new ParsedAnswer(200, "ab", true, null));
    byte[] noLength = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil eof".getBytes(StandardCharsets.ISO_8859_1);
    assertThat(ParsedAnswer.of(ByteBuffer.allocate(128).put(noLength), false, 100)).isNull();
    assertThat(ParsedAnswer.of(ByteBuffer.allocate(128).put(noLength), true, 5))
        .isEqualTo(new ParsedAnswer(200, "until", true, null));
  }

  @Test
  void timersRunAtAFixedRateOnThePollerThreadUntilCancelledAndCloseEndsThem() throws Exception {
    java.util.List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
    AtomicInteger first = new AtomicInteger();
    AtomicInteger second = new AtomicInteger();
    Runnable cancelFirst = poller.every(() -> {
      threads.add(Thread.currentThread().getName());
      first.incrementAndGet();
    }, 0, 10_000_000L);
    awaitAtLeast(first, 3);
    cancelFirst.run();
    int atCancel = first.get();
    Runnable cancelSecond = poller.every(second::incrementAndGet, 0, 10_000_000L);
    awaitAtLeast(second, 5); // the poller went on ticking for 40 ms and more after the cancel
    assertThat(first.get()).as("a cancelled timer runs no more (one run may have been under way)")
        .isBetween(atCancel, atCancel + 1);
    assertThat(threads).containsOnly("llamacpp-poll");

    poller.close();
    cancelSecond.run();
    assertThat(poller.get(URI.create("http://127.0.0.1:9/health"), Map.of()).join().failure)
        .isEqualTo("prober closed");
  }

  private static void awaitAtLeast(AtomicInteger n, int at) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (n.get() < at) {
      assertThat(System.nanoTime() - deadline).as("waited for %d runs, saw %d", at, n.get()).isNegative();
      java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
    }
  }
}
