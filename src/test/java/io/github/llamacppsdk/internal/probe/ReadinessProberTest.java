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
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockRuntimeInfo;
import com.github.tomakehurst.wiremock.junit5.WireMockTest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@WireMockTest
@Timeout(30)
class ReadinessProberTest {
  private static final String LOADING =
      "{\"error\":{\"code\":503,\"message\":\"Loading model\",\"type\":\"unavailable_error\"}}";
  private static final String MODELS =
      "{\"models\":[{\"name\":\"tiny\",\"model\":\"tiny\"}],\"object\":\"list\",\"data\":[{\"id\":\"tiny\",\"object\":\"model\",\"meta\":{\"n_ctx\":4096}}]}";

  private final ReadinessProber prober =
      new ReadinessProber(ReadinessProber.newHttpClient(Duration.ofSeconds(1)), Duration.ofMillis(2_500));

  @org.junit.jupiter.api.AfterEach
  void closeProber() {
    prober.close();
  }

  private static ProbeTarget target(WireMockRuntimeInfo wm, String prefix, Map<String, String> headers) {
    return new ProbeTarget("http://127.0.0.1:" + wm.getHttpPort(), prefix, headers, "tiny",
        new InetSocketAddress("127.0.0.1", wm.getHttpPort()));
  }

  private Observation probe(ProbeTarget t) {
    return prober.probeOnce(t).join();
  }

  @Test
  void reportsLoadingUntilTheModelIsLoadedThenReady(WireMockRuntimeInfo wm) {
    stubFor(get("/health").inScenario("boot").whenScenarioStateIs(STARTED)
        .willReturn(jsonResponse(LOADING, 503)).willSetStateTo("loaded"));
    stubFor(get("/health").inScenario("boot").whenScenarioStateIs("loaded")
        .willReturn(okJson("{\"status\":\"ok\"}")));
    stubFor(get("/v1/models").willReturn(okJson(MODELS)));
    ProbeTarget t = target(wm, "", Map.of());

    Observation first = probe(t);
    assertThat(first).isInstanceOf(Observation.Loading.class);
    assertThat(first.describe()).isEqualTo("GET /health -> 503 Loading model");
    assertThat(probe(t)).isEqualTo(new Observation.Ready("tiny"));
  }

  @Test
  void anotherModelOnThePortIsNotOurs(WireMockRuntimeInfo wm) {
    stubFor(get("/health").willReturn(okJson("{\"status\":\"ok\"}")));
    stubFor(get("/v1/models").willReturn(okJson("{\"data\":[{\"id\":\"other.gguf\"}]}")));

    Observation o = probe(target(wm, "", Map.of()));

    assertThat(o).isInstanceOf(Observation.WrongModel.class);
    assertThat(o.describe()).contains("other.gguf").contains("\"tiny\"");
  }

  @Test
  void sendsTheKeyToEveryRouteWithoutAPrefixAsBuild11669NeedsItOnTheModelsList(WireMockRuntimeInfo wm) {
    String invalid = "{\"error\":{\"message\":\"Invalid API Key\",\"type\":\"authentication_error\",\"code\":401}}";
    stubFor(get("/health").willReturn(okJson("{\"status\":\"ok\"}"))); // public on every build
    stubFor(get("/v1/models").willReturn(jsonResponse(invalid, 401)));
    stubFor(get("/v1/models").withHeader("Authorization", equalTo("Bearer k1")).willReturn(okJson(MODELS)));
    stubFor(get("/props").willReturn(jsonResponse(invalid, 401)));
    stubFor(get("/props").withHeader("Authorization", equalTo("Bearer k1")).willReturn(okJson("{}")));

    assertThat(probe(target(wm, "", Map.of("authorization", "Bearer k1")))).isEqualTo(new Observation.Ready("tiny"));
    for (String path : java.util.List.of("/health", "/v1/models", "/props")) {
      verify(getRequestedFor(urlEqualTo(path)).withHeader("Authorization", equalTo("Bearer k1")));
    }
    Observation without = probe(target(wm, "", Map.of()));
    assertThat(without).isInstanceOf(Observation.Unauthorized.class);
    assertThat(without.describe()).isEqualTo("GET /v1/models -> 401 Invalid API Key");
  }

  @Test
  void aMissingKeyShowsOnPropsWhereA2025BuildAnswersTheModelListToAnyone(WireMockRuntimeInfo wm) {
    String invalid = "{\"error\":{\"code\":401,\"message\":\"Invalid API Key\",\"type\":\"authentication_error\"}}";
    stubFor(get("/health").willReturn(okJson("{\"status\":\"ok\"}")));
    stubFor(get("/v1/models").willReturn(okJson(MODELS))); // public on b6000-era builds, key or not
    stubFor(get("/props").willReturn(jsonResponse(invalid, 401)));

    Observation without = probe(target(wm, "", Map.of()));

    assertThat(without).isInstanceOf(Observation.Unauthorized.class);
    assertThat(without.describe())
        .isEqualTo("GET /props -> 401 Invalid API Key (the server requires an API key and none is configured)");
  }

  @Test
  void aServerWithoutAKeyOrWithoutPropsIsReady(WireMockRuntimeInfo wm) {
    stubFor(get("/health").willReturn(okJson("{\"status\":\"ok\"}")));
    stubFor(get("/v1/models").willReturn(okJson(MODELS))); // /props unmatched: WireMock answers 404

    assertThat(probe(target(wm, "", Map.of()))).isEqualTo(new Observation.Ready("tiny"));
    verify(getRequestedFor(urlEqualTo("/props")));
  }

  @Test
  void probesUnderThePrefixWithTheBearerKey(WireMockRuntimeInfo wm) {
    stubFor(get("/p/health").withHeader("Authorization", equalTo("Bearer k1"))
        .willReturn(okJson("{\"status\":\"ok\"}")));
    stubFor(get("/p/v1/models").withHeader("Authorization", equalTo("Bearer k1")).willReturn(okJson(MODELS)));

    assertThat(probe(target(wm, "/p", Map.of("authorization", "Bearer k1")))).isInstanceOf(Observation.Ready.class);
    verify(getRequestedFor(urlEqualTo("/p/health")).withHeader("Authorization", equalTo("Bearer k1")));
  }

  @Test
  void unauthorizedIsItsOwnObservation(WireMockRuntimeInfo wm) {
    stubFor(get("/p/health").willReturn(jsonResponse(
        "{\"error\":{\"message\":\"Invalid API Key\",\"type\":\"authentication_error\",\"code\":401}}", 401)));

    Observation o = probe(target(wm, "/p", Map.of()));

    assertThat(o).isInstanceOf(Observation.Unauthorized.class);
    assertThat(o.describe()).isEqualTo("GET /p/health -> 401 Invalid API Key");
  }

  @Test
  void missingHealthRouteFallsBackToTheModelsProbe(WireMockRuntimeInfo wm) {
    stubFor(get("/health").willReturn(aResponse().withStatus(404)));
    stubFor(get("/v1/models").willReturn(okJson(MODELS)));

    assertThat(probe(target(wm, "", Map.of()))).isInstanceOf(Observation.Ready.class);
  }

  @Test
  void anEmptyModelListIsStillLoading(WireMockRuntimeInfo wm) {
    stubFor(get("/health").willReturn(okJson("{\"status\":\"ok\"}")));
    stubFor(get("/v1/models").willReturn(okJson("{\"object\":\"list\",\"data\":[]}")));

    assertThat(probe(target(wm, "", Map.of()))).isInstanceOf(Observation.Loading.class);
  }

  @Test
  void garbageIsUnexpectedNotReady(WireMockRuntimeInfo wm) {
    stubFor(get("/health").willReturn(okJson("{\"status\":\"ok\"}")));
    stubFor(get("/v1/models").willReturn(aResponse().withStatus(200).withBody("<html>hello</html>")));

    Observation o = probe(target(wm, "", Map.of()));

    assertThat(o).isInstanceOf(Observation.Unexpected.class);
    assertThat(o.describe()).contains("not a model list");
  }

  @Test
  void hugeBodiesAreCutNotBuffered(WireMockRuntimeInfo wm) {
    stubFor(get("/health").willReturn(okJson("{\"status\":\"ok\"}")));
    stubFor(get("/v1/models").willReturn(okJson("{\"data\":[{\"id\":\"" + "x".repeat(512 * 1024) + "\"}]}")));

    assertThat(probe(target(wm, "", Map.of()))).isInstanceOf(Observation.Unexpected.class);
  }

  @Test
  void aSlowAnswerIsBoundedByTheRequestTimeout(WireMockRuntimeInfo wm) {
    stubFor(get("/health").willReturn(okJson("{\"status\":\"ok\"}").withFixedDelay(5_000)));

    Observation o = probe(target(wm, "", Map.of()));

    assertThat(o).isInstanceOf(Observation.NotListening.class);
    assertThat(o.describe()).isEqualTo("GET /health -> timed out");
  }

  @Test
  void aResetConnectionIsAnObservation(WireMockRuntimeInfo wm) {
    stubFor(get("/health").willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));

    assertThat(probe(target(wm, "", Map.of()))).isInstanceOf(Observation.NotListening.class);
  }

  @Test
  void nothingListeningIsSeenByTheTcpStep() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    ProbeTarget t = new ProbeTarget("http://127.0.0.1:" + port, "", Map.of(), "tiny",
        new InetSocketAddress("127.0.0.1", port));

    Observation o = probe(t);

    assertThat(o).isInstanceOf(Observation.NotListening.class);
    assertThat(o.describe()).startsWith("TCP 127.0.0.1:" + port + " -> ");
  }

  @Test
  void aConfiguredKeyMustBeAcceptedByAProtectedRoute(WireMockRuntimeInfo wm) {
    stubFor(get("/health").willReturn(okJson("{\"status\":\"ok\"}")));
    stubFor(get("/v1/models").willReturn(okJson(MODELS)));
    stubFor(get("/props").willReturn(jsonResponse(
        "{\"error\":{\"message\":\"Invalid API Key\",\"type\":\"authentication_error\",\"code\":401}}", 401)));

    Observation o = probe(target(wm, "", Map.of("authorization", "Bearer wrong")));

    assertThat(o).isInstanceOf(Observation.Unauthorized.class);
    assertThat(o.describe()).isEqualTo("GET /props -> 401 Invalid API Key (the configured API key is rejected)");
  }

  @Test
  void anAcceptedKeyOrABuildWithoutPropsIsReady(WireMockRuntimeInfo wm) {
    stubFor(get("/health").willReturn(okJson("{\"status\":\"ok\"}")));
    stubFor(get("/v1/models").willReturn(okJson(MODELS)));
    stubFor(get("/props").withHeader("Authorization", equalTo("Bearer right")).willReturn(okJson("{}")));
    stubFor(get("/props").withHeader("Authorization", equalTo("Bearer old-build")).willReturn(aResponse().withStatus(404)));

    assertThat(probe(target(wm, "", Map.of("authorization", "Bearer right")))).isInstanceOf(Observation.Ready.class);
    assertThat(probe(target(wm, "", Map.of("authorization", "Bearer old-build")))).isInstanceOf(Observation.Ready.class);
  }
}
