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

import com.github.tomakehurst.wiremock.junit5.WireMockRuntimeInfo;
import com.github.tomakehurst.wiremock.junit5.WireMockTest;
import io.github.llamacppsdk.core.HealthStatus;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@WireMockTest
@Timeout(30)
class HealthMonitorTest {
  private final ReadinessProber prober =
      new ReadinessProber(ReadinessProber.newHttpClient(Duration.ofSeconds(5)), Duration.ofSeconds(5));
  private final List<String> transitions = new CopyOnWriteArrayList<>();

  @AfterEach
  void shutDown() {
    prober.close();
  }

  private HealthMonitor monitor(WireMockRuntimeInfo wm, int threshold) {
    return monitor(wm, threshold, Map.of());
  }

  private HealthMonitor monitor(WireMockRuntimeInfo wm, int threshold, Map<String, String> headers) {
    ProbeTarget t = new ProbeTarget("http://127.0.0.1:" + wm.getHttpPort(), "", headers, "tiny",
        new InetSocketAddress("127.0.0.1", wm.getHttpPort()));
    return new HealthMonitor(prober, t, Duration.ofHours(1), threshold,
        (status, reason) -> transitions.add(status + " " + reason));
  }

  @Test
  void oneBadAnswerDoesNotFlapTheState(WireMockRuntimeInfo wm) {
    HealthMonitor m = monitor(wm, 2);
    stubFor(get("/health").willReturn(jsonResponse("{\"error\":{\"message\":\"busy\"}}", 503)));
    m.pollOnce().join();
    assertThat(m.current()).isEqualTo(HealthStatus.HEALTHY);

    stubFor(get("/health").willReturn(okJson("{\"status\":\"ok\"}")));
    m.pollOnce().join();

    assertThat(m.current()).isEqualTo(HealthStatus.HEALTHY);
    assertThat(transitions).isEmpty();
  }

  @Test
  void agreeingAnswersChangeTheStateAndTellTheListenerOnce(WireMockRuntimeInfo wm) {
    HealthMonitor m = monitor(wm, 2);
    stubFor(get("/health").willReturn(okJson("{\"status\":\"degraded\"}")));

    m.pollOnce().join();
    m.pollOnce().join();
    m.pollOnce().join();

    assertThat(m.current()).isEqualTo(HealthStatus.DEGRADED);
    assertThat(transitions).containsExactly("DEGRADED GET /health -> 200 degraded");
  }

  @Test
  void theFallbackToModelsSendsTheKeyAsTheCurrentBuildNeedsIt(WireMockRuntimeInfo wm) {
    HealthMonitor m = monitor(wm, 1, Map.of("authorization", "Bearer k1"));
    stubFor(get("/health").willReturn(aResponse().withStatus(404))); // a server without /health
    stubFor(get("/v1/models").willReturn(jsonResponse("{\"error\":{\"message\":\"Invalid API Key\"}}", 401)));
    stubFor(get("/v1/models").withHeader("Authorization", equalTo("Bearer k1"))
        .willReturn(okJson("{\"data\":[{\"id\":\"tiny\"}]}")));

    m.pollOnce().join();

    assertThat(m.current()).isEqualTo(HealthStatus.HEALTHY);
    verify(getRequestedFor(urlEqualTo("/health")).withHeader("Authorization", equalTo("Bearer k1")));
    verify(getRequestedFor(urlEqualTo("/v1/models")).withHeader("Authorization", equalTo("Bearer k1")));
  }

  @Test
  void aMissingHealthRouteFallsBackToModels(WireMockRuntimeInfo wm) {
    HealthMonitor m = monitor(wm, 1);
    stubFor(get("/health").willReturn(aResponse().withStatus(404)));
    stubFor(get("/v1/models").willReturn(aResponse().withStatus(500)));

    m.pollOnce().join();

    assertThat(m.current()).isEqualTo(HealthStatus.UNAVAILABLE);
    assertThat(transitions).containsExactly("UNAVAILABLE GET /health -> 404; GET /v1/models -> 500");

    stubFor(get("/v1/models").willReturn(okJson("{\"data\":[{\"id\":\"tiny\"}]}")));
    m.pollOnce().join();
    assertThat(m.current()).isEqualTo(HealthStatus.HEALTHY);
  }

  @Test
  void stoppedMonitorsIgnoreLateAnswers(WireMockRuntimeInfo wm) {
    HealthMonitor m = monitor(wm, 1);
    stubFor(get("/health").willReturn(aResponse().withStatus(500)));
    m.stop();

    m.pollOnce().join();

    assertThat(transitions).isEmpty();
  }

  @Test
  void pollsFallDueOnAGridSoManyServersAreBatched() {
    long second = 1_000_000_000L;
    // at least the interval, at most one grid step (100 ms for a 1 s interval) more, on the grid
    for (long now : new long[] {0, 1, 99_999_999, 100_000_000, 123_456_789, -123_456_789, Long.MAX_VALUE / 4}) {
      long delay = HealthMonitor.alignedDelayNanos(now, second);
      assertThat(delay).isBetween(second, second + 100_000_000L - 1);
      assertThat(Math.floorMod(now + delay, 100_000_000L)).isZero();
    }
    assertThat(HealthMonitor.alignedDelayNanos(5, 50_000_000L)).isBetween(50_000_000L, 55_000_000L); // grid 5 ms
    long threeSeconds = 3 * second; // above 1 s the grid is 100 ms: later polls, 3 s apart, stay on it
    assertThat(Math.floorMod(123 + HealthMonitor.alignedDelayNanos(123, threeSeconds) + 7 * threeSeconds,
        100_000_000L)).isZero();
  }

  @Test
  void itTicksOnThePollerThreadAtItsIntervalAndStopsPollingWhenStopped(WireMockRuntimeInfo wm) {
    stubFor(get("/health").willReturn(jsonResponse("{\"error\":{\"message\":\"busy\"}}", 503)));
    ProbeTarget t = new ProbeTarget("http://127.0.0.1:" + wm.getHttpPort(), "", Map.of(), "tiny",
        new InetSocketAddress("127.0.0.1", wm.getHttpPort()));
    List<String> on = new CopyOnWriteArrayList<>();
    HealthMonitor m = new HealthMonitor(prober, t, Duration.ofMillis(50), 2, (status, reason) -> {
      on.add(Thread.currentThread().getName());
      transitions.add(status + " " + reason);
    });
    m.start();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (transitions.isEmpty()) {
      assertThat(System.nanoTime()).as("DEGRADED after two polls").isLessThan(deadline);
      java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
    }
    m.stop();
    assertThat(transitions).containsExactly("DEGRADED GET /health -> 503 busy");
    assertThat(on).containsExactly("llamacpp-poll");
    int polled = wm.getWireMock().getServeEvents().size();
    // a later poll proves the poller still runs, and the stopped monitor sent none
    prober.poll(URI.create("http://127.0.0.1:" + wm.getHttpPort() + "/other"), Map.of()).join();
    assertThat(wm.getWireMock().getServeEvents()).hasSizeBetween(polled + 1, polled + 2); // +1 under way at stop
  }
}
