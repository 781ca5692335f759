package io.github.llamacppsdk.internal.llama;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.jsonResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.stubFor;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockRuntimeInfo;
import com.github.tomakehurst.wiremock.junit5.WireMockTest;
import io.github.llamacppsdk.ServerStartException;
import io.github.llamacppsdk.StartFailure;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.internal.probe.Observation;
import io.github.llamacppsdk.internal.probe.ProbeTarget;
import io.github.llamacppsdk.internal.probe.ReadinessProber;
import io.github.llamacppsdk.testing.FakeLaunchedProcess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@WireMockTest
@Timeout(30)
class StartupWatchTest {
  private static final String LOADING =
      "{\"error\":{\"code\":503,\"message\":\"Loading model\",\"type\":\"unavailable_error\"}}";
  private static final Duration LONG = Duration.ofHours(1);

  private final ReadinessProber prober =
      new ReadinessProber(ReadinessProber.newHttpClient(Duration.ofSeconds(1)), Duration.ofMillis(800));
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
  private final FakeLaunchedProcess process = new FakeLaunchedProcess("tiny");
  private final List<String> progress = new CopyOnWriteArrayList<>();

  @AfterEach
  void shutDown() {
    scheduler.shutdownNow();
    prober.close();
  }

  private static ProbeTarget target(int port) {
    return new ProbeTarget("http://127.0.0.1:" + port, "", Map.of(), "tiny", new InetSocketAddress("127.0.0.1", port));
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private CompletableFuture<Observation.Ready> watch(int port, Duration ready, Duration stall) {
    StartupWatch.Settings settings =
        new StartupWatch.Settings(target(port), ready, stall, Duration.ofMillis(50), "llama-server --port " + port, port, null);
    return new StartupWatch(prober, scheduler, process, settings, (s, r) -> progress.add(s + " " + r)).start();
  }

  private static ServerStartException failure(CompletableFuture<?> f) {
    assertThat(f).failsWithin(Duration.ofSeconds(10));
    Throwable cause = f.handle((v, t) -> t).join();
    while (!(cause instanceof ServerStartException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    assertThat(cause).isInstanceOf(ServerStartException.class);
    return (ServerStartException) cause;
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {
      "0.00.060.721 I srv          main: model loaded", // b6000, May 2026
      "0.00.060.721 I srv  llama_server: model loaded", // b11669
      "0.00.060.776 I srv          main: server is listening on http://127.0.0.1:8080 - starting the main loop",
      "0.00.060.776 I srv          main: server is listening on http://127.0.0.1:8080", // May 2026, split line
      "0.00.060.776 I srv  llama_server: listening on http://127.0.0.1:8080", // b11669
      "0.00.060.800 I srv  update_slots: all slots are idle"})
  void everyBuildsReadyLinesTriggerAProbe(String line) {
    assertThat(StartupWatch.isReadinessHint(line)).isTrue();
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {
      "0.00.005.618 I srv  llama_server: initializing ...",
      "0.00.038.824 I srv    load_model: loading model '/tmp/tiny.gguf'",
      "0.00.033.917 W srv  llama_server: security: no API key is set and CORS allows all origins"})
  void otherLinesDoNot(String line) {
    assertThat(StartupWatch.isReadinessHint(line)).isFalse();
  }

  @Test
  void loadingThenReady(WireMockRuntimeInfo wm) {
    stubFor(get("/health").inScenario("boot").whenScenarioStateIs(STARTED)
        .willReturn(jsonResponse(LOADING, 503)).willSetStateTo("loaded"));
    stubFor(get("/health").inScenario("boot").whenScenarioStateIs("loaded").willReturn(okJson("{\"status\":\"ok\"}")));
    stubFor(get("/v1/models").willReturn(okJson("{\"data\":[{\"id\":\"tiny\"}]}")));

    assertThat(watch(wm.getHttpPort(), LONG, LONG)).succeedsWithin(Duration.ofSeconds(10))
        .isEqualTo(new Observation.Ready("tiny"));
    assertThat(progress).containsExactly("LOADING GET /health -> 503 Loading model");
  }

  @Test
  void exitBeforeReadyFailsAtOnceWithTheClassifiedCauseAndTheOutput() throws IOException {
    CompletableFuture<Observation.Ready> ready = watch(closedPort(), LONG, LONG); // the timeout is not what ends it

    process.print("0.00.001.000 E gguf_init_from_file_ptr: invalid magic characters: 'hell', expected 'GGUF'");
    process.exit(1);

    ServerStartException e = failure(ready);
    assertThat(e.code()).isEqualTo(ErrorCode.EXITED_BEFORE_READY);
    assertThat(e.failure()).contains(StartFailure.NOT_GGUF);
    assertThat(e.exit()).get().satisfies(x -> assertThat(x.code()).hasValue(1));
    assertThat(e.outputTail()).containsExactly(
        "0.00.001.000 E gguf_init_from_file_ptr: invalid magic characters: 'hell', expected 'GGUF'");
    assertThat(e.getMessage()).startsWith("EXITED_BEFORE_READY: llama-server exited before it was ready (exited with status 1, cause NOT_GGUF)")
        .contains("last probe: ").contains("invalid magic characters");
  }

  @Test
  void hardTimeoutCarriesTheLastProbe() throws IOException {
    int port = closedPort();

    ServerStartException e = failure(watch(port, Duration.ofMillis(300), LONG));

    assertThat(e.code()).isEqualTo(ErrorCode.READINESS_TIMEOUT);
    assertThat(e.lastProbe()).startsWith("TCP 127.0.0.1:" + port + " -> ");
    assertThat(e.exit()).isEmpty();
  }

  @Test
  void aServerThatStopsShowingProgressIsStalled(WireMockRuntimeInfo wm) {
    stubFor(get("/health").willReturn(jsonResponse(LOADING, 503)));

    ServerStartException e = failure(watch(wm.getHttpPort(), LONG, Duration.ofMillis(300)));

    assertThat(e.code()).isEqualTo(ErrorCode.STALLED);
    assertThat(e.lastProbe()).isEqualTo("GET /health -> 503 Loading model");
    assertThat(progress).containsExactly("LOADING GET /health -> 503 Loading model");
  }

  @Test
  void anotherModelOnThePortIsNeverPublished(WireMockRuntimeInfo wm) {
    stubFor(get("/health").willReturn(okJson("{\"status\":\"ok\"}")));
    stubFor(get("/v1/models").willReturn(okJson("{\"data\":[{\"id\":\"someone-else\"}]}")));

    ServerStartException e = failure(watch(wm.getHttpPort(), LONG, LONG));

    assertThat(e.code()).isEqualTo(ErrorCode.FOREIGN_SERVER);
    assertThat(e.getMessage()).contains("port " + wm.getHttpPort()).contains("someone-else");
  }

  @Test
  void aReadyAnswerAfterOurProcessDiedIsNotOurs(WireMockRuntimeInfo wm) {
    stubFor(get("/health").willReturn(okJson("{\"status\":\"ok\"}")));
    stubFor(get("/v1/models").willReturn(okJson("{\"data\":[{\"id\":\"tiny\"}]}")));
    process.print("E srv start: couldn't bind HTTP server socket, hostname: 127.0.0.1, port: " + wm.getHttpPort());
    process.exit(1);

    ServerStartException e = failure(watch(wm.getHttpPort(), LONG, LONG));

    assertThat(e.code()).isEqualTo(ErrorCode.EXITED_BEFORE_READY);
    assertThat(e.failure()).contains(StartFailure.PORT_IN_USE);
  }

  @Test
  void cancellingFailsTheWatchAsStopped() throws IOException {
    StartupWatch.Settings settings = new StartupWatch.Settings(target(closedPort()), LONG, LONG,
        Duration.ofMillis(50), "llama-server", 1, null);
    StartupWatch w = new StartupWatch(prober, scheduler, process, settings, (s, r) -> { });
    CompletableFuture<Observation.Ready> ready = w.start();

    w.cancel("stopped while starting");

    assertThat(failure(ready).code()).isEqualTo(ErrorCode.STOPPED);
  }

  @Test
  void aRejectedKeyFailsAtOnce(WireMockRuntimeInfo wm) {
    stubFor(get("/p/health").willReturn(jsonResponse(
        "{\"error\":{\"message\":\"Invalid API Key\",\"type\":\"authentication_error\",\"code\":401}}", 401)));
    StartupWatch.Settings settings = new StartupWatch.Settings(new ProbeTarget("http://127.0.0.1:" + wm.getHttpPort(),
        "/p", Map.of(), "tiny", new InetSocketAddress("127.0.0.1", wm.getHttpPort())), LONG, LONG,
        Duration.ofMillis(50), "llama-server", wm.getHttpPort(), null);

    ServerStartException e = failure(new StartupWatch(prober, scheduler, process, settings, (s, r) -> { }).start());

    assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
    assertThat(e.lastProbe()).isEqualTo("GET /p/health -> 401 Invalid API Key");
  }

  @Test
  void loadingDotsWithoutANewlineKeepTheStallDeadlineAway(WireMockRuntimeInfo wm) {
    stubFor(get("/health").willReturn(jsonResponse(LOADING, 503)));
    java.util.concurrent.ScheduledFuture<?> dots =
        scheduler.scheduleAtFixedRate(process::partialOutput, 0, 50, java.util.concurrent.TimeUnit.MILLISECONDS);
    try {
      ServerStartException e = failure(watch(wm.getHttpPort(), Duration.ofMillis(1500), Duration.ofMillis(400)));

      assertThat(e.code()).isEqualTo(ErrorCode.READINESS_TIMEOUT); // not STALLED: the dots are progress
    } finally {
      dots.cancel(false);
    }
  }

  private CompletableFuture<Observation.Ready> watchPulling(int port, Duration ready, Duration stall) {
    StartupWatch.Settings settings = new StartupWatch.Settings(target(port), ready, stall, Duration.ofMillis(50),
        "llama-server --hf-repo someone/tiny-GGUF:Q4_K_M --port " + port, port, null,
        java.util.Optional.of("someone/tiny-GGUF:Q4_K_M"));
    return new StartupWatch(prober, scheduler, process, settings, (s, r) -> progress.add(s + " " + r)).start();
  }

  @Test
  void aServerThatPullsItsModelIsNotStalledWhileItsPortIsClosedOnlyTimedOut() throws IOException {
    int port = closedPort();
    assertThat(failure(watch(port, Duration.ofMillis(1500), Duration.ofMillis(200))).code())
        .as("the same silence without a pull of its own").isEqualTo(ErrorCode.STALLED);
    progress.clear();

    CompletableFuture<Observation.Ready> pulling = watchPulling(port, Duration.ofMillis(1500), Duration.ofMillis(200));
    process.print("get_repo_files: something the server says while it downloads");
    ServerStartException e = failure(pulling);

    assertThat(e.code()).isEqualTo(ErrorCode.READINESS_TIMEOUT);
    assertThat(progress).startsWith(
        "LOADING downloading someone/tiny-GGUF:Q4_K_M: llama-server pulls the model before it binds its port");
    assertThat(progress).contains(
        "LOADING downloading someone/tiny-GGUF:Q4_K_M: get_repo_files: something the server says while it downloads");
  }

  @Test
  void onceThePortAnswersTheStallDeadlineRunsAgain(WireMockRuntimeInfo wm) {
    stubFor(get("/health").willReturn(jsonResponse(LOADING, 503)));

    ServerStartException e = failure(watchPulling(wm.getHttpPort(), LONG, Duration.ofMillis(300)));

    assertThat(e.code()).isEqualTo(ErrorCode.STALLED);
  }
}
