package io.github.llamacppsdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.core.ResolveOptions;
import io.github.llamacppsdk.models.PulledModel;
import io.github.llamacppsdk.process.LaunchRequest;
import io.github.llamacppsdk.process.LaunchedProcess;
import io.github.llamacppsdk.process.OutputLine;
import io.github.llamacppsdk.process.ProcessTransport;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import io.github.llamacppsdk.testing.RealServer;
import io.github.llamacppsdk.testkit.FakeHuggingFace;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models by name on the real llama-server ({@code LLAMA_SERVER_BIN}): the library pulls the tiny
 * model from the Hugging Face stand-in into the hub cache and the real server loads it from there
 * and answers chat; then llama-server's own {@code -hf}, pointed at the same stand-in and cache,
 * finds the library's cache entry and downloads nothing.
 */
@Timeout(180)
@ExtendWith(NoLeakedProcesses.class)
class RealNamedModelIT {
  private static final String REPO = "someone/tiny-GGUF";
  private static final String NAME = REPO + ":Q4_K_M";
  private static final String FILE = "tiny-Q4_K_M.gguf";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  @Test
  void thePulledModelLoadsAndLlamaServersOwnHfFindsTheCacheEntry() throws Exception {
    Path binary = RealServer.requireBinary();
    Path cache = tmp.resolve("hub");
    HttpClient http = HttpClient.newHttpClient();
    try (FakeHuggingFace hub = FakeHuggingFace.start().addFile(REPO, FILE, RealServer.tinyModel(tmp));
        LlamaCppBackend backend = LlamaCppBackend.builder().hub(hub.settings(cache)).build()) {
      BootSpec spec = BootSpec.builder().huggingFace(NAME).binaryPath(binary).port(0).ctxSize(512).build();
      PulledModel pulled;
      try (Resolution r = backend.resolveEndpoint(spec, ResolveOptions.builder().ownerRef("real-named").build())) {
        pulled = backend.modelPuller().cached(spec.huggingFace().orElseThrow()).orElseThrow();
        assertThat(r.endpoint().modelIdentity()).isEqualTo(NAME);
        HttpRequest.Builder chat = HttpRequest.newBuilder(URI.create(r.endpoint().chatCompletionsUrl()))
            .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                "{\"model\":\"" + NAME + "\",\"max_tokens\":3,\"messages\":[{\"role\":\"user\",\"content\":\"Say ok\"}]}"));
        r.endpoint().headers().forEach(chat::header);
        HttpResponse<String> answer = http.send(chat.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(JSON.readTree(answer.body()).path("choices").path(0).path("message").path("content").asText())
            .isNotEmpty();
      }
      assertThat(hub.downloads()).isEqualTo(1);

      int before = hub.requests().size();
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      Map<String, String> env = Map.of("MODEL_ENDPOINT", hub.endpoint().toString(), "LLAMA_CACHE", cache.toString());
      LaunchRequest request = new LaunchRequest(List.of(binary.toString(), "-hf", NAME, "--host", "127.0.0.1",
          "--port", Integer.toString(port), "--ctx-size", "512"), Optional.empty(), env, true,
          List.of("LLAMA_ARG_*", "HF_*", "HUGGINGFACE_*", "XDG_CACHE_HOME", "LLAMA_OFFLINE"), "hf-run");
      try (ProcessTransport transport = ProcessTransport.local()) {
        LaunchedProcess p = transport.launch(request);
        try {
          CountDownLatch idle = new CountDownLatch(1); // b11669 logs "llama_server: listening on URL" once loaded
          try (LaunchedProcess.OutputSubscription sub = p.subscribe(line -> {
            if (line.text().contains("listening on http://127.0.0.1:" + port)) {
              idle.countDown();
            }
          })) {
            p.onExit().thenRun(idle::countDown);
            boolean ready = idle.await(120, TimeUnit.SECONDS) && p.isAlive();
            // a build made with -DLLAMA_CURL=OFF (e.g. .ci/build-llama-server-release) has no -hf at all
            org.junit.jupiter.api.Assumptions.assumeFalse(output(p).contains("built without CURL"),
                "this llama-server was built without download support (-hf): " + binary);
            assertThat(ready).as("llama-server -hf became ready; output:\n%s", output(p)).isTrue();
          }
          HttpResponse<String> models = http.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + port + "/v1/models")).build(), HttpResponse.BodyHandlers.ofString());
          JsonNode ids = JSON.readTree(models.body()).path("data");
          assertThat(ids.findValuesAsText("id")).contains(NAME);
          List<FakeHuggingFace.Request> asked = hub.requests().subList(before, hub.requests().size());
          assertThat(asked).as("what llama-server -hf asked the stand-in").noneMatch(FakeHuggingFace.Request::isDownload)
              .noneMatch(q -> q.method().equals("HEAD"));
          assertThat(asked.stream().map(FakeHuggingFace.Request::toString).collect(Collectors.toList()))
              .containsExactly("GET /api/models/" + REPO + "/refs",
                  "GET /api/models/" + REPO + "/tree/" + pulled.commit() + "?recursive=true");
        } finally {
          p.stop(Duration.ofSeconds(10)).get(30, TimeUnit.SECONDS);
        }
      }
    }
  }

  private static String output(LaunchedProcess p) {
    return p.recentOutput().stream().map(OutputLine::text).collect(Collectors.joining("\n"));
  }
}
