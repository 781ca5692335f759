package io.github.llamacppsdk.testkit;

import static io.github.llamacppsdk.testkit.FakeHttpSupport.args;
import static io.github.llamacppsdk.testkit.FakeHttpSupport.awaitCondition;
import static io.github.llamacppsdk.testkit.FakeHttpSupport.get;
import static io.github.llamacppsdk.testkit.FakeHttpSupport.json;
import static io.github.llamacppsdk.testkit.FakeHttpSupport.tinyModel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Each fault of the fake llama-server, set through {@link FakeFaults}, against the running process. */
@Timeout(120)
class FakeLlamaServerFaultsIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path tmp;

  private FakeServerProcess start(String... knobs) {
    return FakeLlamaServer.start(args(tinyModel(tmp, "m.gguf"), knobs));
  }

  private FakeServerProcess start(FakeFaults.Builder faults) {
    return start(faults.build().args().toArray(String[]::new));
  }

  private static FakeFaults.Builder faults() {
    return FakeFaults.builder();
  }

  @Test
  void exitsWithTheGivenCodeAfterATime() {
    try (FakeServerProcess p = start(faults().exitAfter(Duration.ofMillis(1500)).exitCode(7))) {
      assertThat(get(p.baseUri().orElseThrow(), "/health").statusCode()).isEqualTo(200);
      assertThat(p.awaitExit(WAIT)).isEqualTo(7);
    }
  }

  @Test
  void exitsAfterAnsweringKRequests() {
    try (FakeServerProcess p = start(faults().exitAfterRequests(2).exitCode(3))) {
      URI base = p.baseUri().orElseThrow();
      assertThat(get(base, "/health").statusCode()).isEqualTo(200);
      assertThat(get(base, "/v1/models").statusCode()).isEqualTo(200);
      assertThat(p.awaitExit(WAIT)).isEqualTo(3);
      assertThat(p.awaitLine("fault knob", WAIT)).contains("exiting with status 3");
    }
  }

  @Test
  void ignoresSigtermWhenAsked() {
    try (FakeServerProcess p = start(faults().ignoreSignals())) {
      p.terminate();
      p.awaitLine("ignoring SIGTERM", WAIT);
      assertThat(p.process().isAlive()).isTrue();
      assertThat(get(p.baseUri().orElseThrow(), "/health").statusCode()).isEqualTo(200);
      p.close();
      assertThat(p.awaitExit(WAIT)).isEqualTo(137);
    }
  }

  @Test
  void healthFileDecidesEachAnswer() throws Exception {
    Path file = tmp.resolve("health.txt");
    try (FakeServerProcess p = start(faults().healthFile(file))) {
      URI base = p.baseUri().orElseThrow();
      assertThat(get(base, "/health").body()).isEqualTo("{\"status\":\"ok\"}");
      Files.writeString(file, "degraded\n");
      HttpResponse<String> degraded = get(base, "/health");
      assertThat(degraded.statusCode()).isEqualTo(200);
      assertThat(degraded.body()).isEqualTo("{\"status\":\"degraded\"}");
      Files.writeString(file, "unavailable");
      HttpResponse<String> unavailable = get(base, "/v1/health");
      assertThat(unavailable.statusCode()).isEqualTo(503);
      assertThat(json(unavailable).at("/error/type").asText()).isEqualTo("unavailable_error");
      Files.writeString(file, "loading");
      HttpResponse<String> loading = get(base, "/health");
      assertThat(loading.statusCode()).isEqualTo(503);
      assertThat(json(loading).at("/error/message").asText()).isEqualTo("Loading model");
      assertThat(get(base, "/v1/models").statusCode()).as("only health changes").isEqualTo(200);
      Files.writeString(file, "ok");
      assertThat(get(base, "/health").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void healthFlapsEveryNRequests() {
    try (FakeServerProcess p = start(faults().healthFlapEvery(2))) {
      URI base = p.baseUri().orElseThrow();
      List<Integer> statuses = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        statuses.add(get(base, "/health").statusCode());
      }
      assertThat(statuses).containsExactly(200, 200, 503, 503, 200, 200);
    }
  }

  @Test
  void healthTurnsUnavailableAfterATime() {
    try (FakeServerProcess p = start(faults().unhealthyAfter(Duration.ofMillis(400)))) {
      URI base = p.baseUri().orElseThrow();
      awaitCondition(WAIT, () -> get(base, "/health").statusCode() == 503);
      assertThat(get(base, "/v1/models").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void knobsAlsoComeFromTheEnvironment() {
    try (FakeServerProcess p = FakeLlamaServer.start(args(tinyModel(tmp, "m.gguf")),
        Map.of("FAKE_LLAMA_HEALTH", "unavailable", "FAKE_LLAMA_MODEL_ID", "from-env"))) {
      URI base = p.baseUri().orElseThrow();
      assertThat(get(base, "/health").statusCode()).isEqualTo(503);
      assertThat(json(get(base, "/v1/models")).at("/data/0/id").asText()).isEqualTo("from-env");
    }
  }

  @Test
  void slowResponsesTimeOutAShortClient() {
    try (FakeServerProcess p = start(faults().responseDelay(Duration.ofSeconds(10)))) {
      HttpRequest request = HttpRequest.newBuilder(p.baseUri().orElseThrow().resolve("/health"))
          .timeout(Duration.ofMillis(300)).build();
      assertThatThrownBy(() -> FakeHttpSupport.CLIENT.send(request, HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(HttpTimeoutException.class);
    }
  }

  @Test
  void streamingRateSpreadsChunksOverTime() throws Exception {
    try (FakeServerProcess p = start(faults().tokensPerSecond(2))) {
      HttpRequest request = HttpRequest.newBuilder(p.baseUri().orElseThrow().resolve("/v1/chat/completions"))
          .POST(HttpRequest.BodyPublishers.ofString(
              "{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"slowly\"}]}")).build();
      HttpResponse<Stream<String>> response = FakeHttpSupport.CLIENT.send(request, HttpResponse.BodyHandlers.ofLines());
      Iterator<String> lines = response.body().iterator();
      StringBuilder content = new StringBuilder();
      boolean sawFirstToken = false;
      while (lines.hasNext()) {
        String line = lines.next();
        if (line.startsWith("data: {") && line.contains("\"content\":\"")) {
          if (!sawFirstToken) {
            // The stream is still open when the first token arrives: the request is not logged as done yet.
            assertThat(p.output()).noneMatch(l -> l.contains("done request: POST"));
            sawFirstToken = true;
          }
          content.append(FakeHttpSupport.JSON.readTree(line.substring(6)).at("/choices/0/delta/content").asText());
        }
      }
      assertThat(content.toString()).isEqualTo("Fake llama response: slowly");
    }
  }

  @Test
  void spawnsAChildThatOutlivesIt() {
    ProcessHandle child = null;
    try (FakeServerProcess p = start(faults().spawnChild())) {
      String line = p.awaitLine("spawned child process, pid = ", WAIT);
      long pid = Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
      child = ProcessHandle.of(pid).orElseThrow();
      assertThat(child.parent().map(ProcessHandle::pid)).hasValue(p.pid());
      assertThat(child.info().command()).hasValueSatisfying(c -> assertThat(c).endsWith("sleep"));
      p.terminate();
      assertThat(p.awaitExit(WAIT)).isZero();
      assertThat(child.isAlive()).as("left behind, as a leaked grandchild would be").isTrue();
    } finally {
      if (child != null) {
        child.destroyForcibly();
        assertThat(child.onExit()).succeedsWithin(WAIT);
      }
    }
  }

  @Test
  void answersModelsWithAnotherIdForIdentityMismatch() {
    try (FakeServerProcess p = start(faults().modelId("someone-else").build().args("--alias", "expected").toArray(String[]::new))) {
      URI base = p.baseUri().orElseThrow();
      assertThat(json(get(base, "/v1/models")).at("/data/0/id").asText()).isEqualTo("someone-else");
      assertThat(json(get(base, "/props")).get("model_alias").asText()).isEqualTo("expected");
    }
  }

  @Test
  void writesTheReadyStampAsMonotonicNanos() throws Exception {
    Path stamp = tmp.resolve("ready.stamp");
    long before = System.nanoTime();
    try (FakeServerProcess p = start(faults().readyStamp(stamp))) {
      assertThat(get(p.baseUri().orElseThrow(), "/health").statusCode()).isEqualTo(200);
      awaitCondition(WAIT, () -> Files.exists(stamp));
      long ready = Long.parseLong(Files.readString(stamp).trim());
      assertThat(ready).isBetween(before, System.nanoTime());
    }
  }

  @Test
  void logsProgressLinesWhileLoading() {
    try (FakeServerProcess p = start(faults().loadTime(Duration.ofMillis(600)).progressEvery(Duration.ofMillis(100)))) {
      List<String> progress = p.output().stream().filter(l -> l.contains("load_tensors:")).toList();
      assertThat(progress).hasSizeGreaterThanOrEqualTo(3);
      assertThat(progress.get(progress.size() - 1)).endsWith("100% done");
      Optional<String> loaded = p.output().stream().filter(l -> l.contains("model loaded")).findFirst();
      assertThat(p.output().indexOf(progress.get(0))).isLessThan(p.output().indexOf(loaded.orElseThrow()));
    }
  }
}
