package io.github.llamacppsdk.real;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.core.EndpointDescriptor;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.testing.ChildJvm;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import io.github.llamacppsdk.testing.RealServer;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * API keys on the real llama-server: a spec's key with an api prefix, a key file read at launch, and
 * the backend's per-instance keys. The key works through the descriptor's headers, a request without it is refused with 401, it
 * is in the server's environment ({@code LLAMA_API_KEY}) and never on its command line, and nothing a
 * user prints or logs shows it.
 */
@Timeout(120)
@ExtendWith(NoLeakedProcesses.class)
class RealKeysIT {
  @TempDir Path tmp;
  private Path binary;
  private Path model;

  @BeforeEach
  void setUp() {
    binary = RealServer.requireBinary();
    model = RealServer.tinyModel(tmp);
  }

  @Test
  void aPrefixAndAKeyMoveEveryRouteAndTheKeyIsRequiredButNeverOnTheCommandLine() {
    String key = "sk-real-" + UUID.randomUUID();
    try (LlamaCppBackend backend = LlamaCppBackend.create();
        Resolution r = backend.resolveEndpoint(RealFixture.spec(binary, model).apiPrefix("/it").apiKey(key).build(),
            RealFixture.options("prefix-key"))) {
      EndpointDescriptor endpoint = r.endpoint();
      assertThat(endpoint.baseUrl()).endsWith("/it/v1");
      String root = endpoint.baseUrl().substring(0, endpoint.baseUrl().length() - "/it/v1".length());
      assertThat(endpoint.headers()).containsEntry("authorization", "Bearer " + key);

      HttpResponse<String> chat = RealHttp.post(endpoint.chatCompletionsUrl(), RealHttp.CHAT, endpoint.headers());
      assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
      assertThat(RealHttp.json(chat).path("choices").path(0).path("message").path("content").asText()).isEqualTo(" ok ok ok");
      assertUnauthorized(RealHttp.postAlone(endpoint.chatCompletionsUrl(), RealHttp.CHAT, Map.of()));
      assertUnauthorized(RealHttp.postAlone(endpoint.chatCompletionsUrl(), RealHttp.CHAT,
          Map.of("authorization", "Bearer " + key + "-wrong")));
      // with a prefix and a key even health and the model list need the key
      assertUnauthorized(RealHttp.get(root + "/it/health", Map.of()));
      assertUnauthorized(RealHttp.get(endpoint.baseUrl() + "/models", Map.of()));
      assertThat(RealHttp.get(root + "/it/health", endpoint.headers()).statusCode()).isEqualTo(200);
      assertThat(RealHttp.post(root + "/v1/chat/completions", RealHttp.CHAT, endpoint.headers()).statusCode())
          .as("unprefixed route").isEqualTo(404);

      long pid = RealProcesses.pid(r.instance());
      assertKeyOnlyInTheEnvironment(pid, key);
      assertThat(RealProcesses.cmdline(pid)).contains("--api-prefix", "/it");
      assertThat(List.of(endpoint.toString(), r.toString(), backend.instances().toString(),
          r.instance().process().orElseThrow().command()))
          .allSatisfy(s -> assertThat(s).doesNotContain(key));
    }
  }

  @Test
  void aKeyFileIsReadWhenTheServerIsLaunchedAndItsKeyReachesOnlyTheServerAndTheEndpoint() throws Exception {
    Path keyFile = tmp.resolve("api.key");
    String key = "sk-file-" + UUID.randomUUID();
    BootSpec spec = RealFixture.spec(binary, model).apiKeyFile(keyFile).build(); // the file does not exist yet
    Files.writeString(keyFile, key + "\n");
    try (LlamaCppBackend backend = LlamaCppBackend.create();
        Resolution r = backend.resolveEndpoint(spec, RealFixture.options("key-file"))) {
      EndpointDescriptor endpoint = r.endpoint();
      assertThat(endpoint.headers()).containsEntry("authorization", "Bearer " + key);
      HttpResponse<String> chat = RealHttp.post(endpoint.chatCompletionsUrl(), RealHttp.CHAT, endpoint.headers());
      assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
      assertUnauthorized(RealHttp.postAlone(endpoint.chatCompletionsUrl(), RealHttp.CHAT, Map.of()));

      long pid = RealProcesses.pid(r.instance());
      assertThat(RealProcesses.cmdline(pid)).as("llama-server reads the file itself")
          .containsSequence("--api-key-file", keyFile.toString()).noneMatch(a -> a.contains(key));
      assertThat(RealProcesses.environ(pid)).noneMatch(e -> e.contains(key));
      assertThat(List.of(spec.toString(), spec.toCommandLine().toString(), endpoint.toString(), r.toString(),
          backend.instances().toString())).allSatisfy(s -> assertThat(s).doesNotContain(key));
    }
  }

  @Test
  void perInstanceKeysGiveEachSpawnedServerItsOwnKeyPublishedInTheDescriptor() {
    try (LlamaCppBackend backend = LlamaCppBackend.builder().perInstanceKeys(true).build();
        Resolution first = backend.resolveEndpoint(RealFixture.spec(binary, model).build(), RealFixture.options("a"));
        Resolution second = backend.resolveEndpoint(RealFixture.spec(binary, model).alias("tiny-2").build(),
            RealFixture.options("b"))) {
      String header = first.endpoint().headers().get("authorization");
      assertThat(header).startsWith("Bearer ").hasSizeGreaterThan("Bearer ".length() + 20);
      String key = header.substring("Bearer ".length());
      assertThat(second.endpoint().headers().get("authorization")).as("a fresh key per server").isNotEqualTo(header);

      HttpResponse<String> chat = RealHttp.post(first.endpoint().chatCompletionsUrl(), RealHttp.CHAT,
          first.endpoint().headers());
      assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
      assertUnauthorized(RealHttp.postAlone(first.endpoint().chatCompletionsUrl(), RealHttp.CHAT, Map.of()));
      assertUnauthorized(RealHttp.postAlone(first.endpoint().chatCompletionsUrl(), RealHttp.CHAT,
          second.endpoint().headers()));

      assertKeyOnlyInTheEnvironment(RealProcesses.pid(first.instance()), key);
      assertThat(List.of(first.endpoint().toString(), first.toString(), first.lease().toString(),
          backend.instances().toString(), first.instance().process().orElseThrow().command()))
          .allSatisfy(s -> assertThat(s).doesNotContain(key));
    }
  }

  /**
   * The per-instance key never reaches a log line (TRACE, every logger), a {@code toString} or an
   * exception of a JVM that uses the library; the scenario runs in a child JVM whose whole output is
   * searched for the key read from the server's own environment.
   */
  @Test
  void aPerInstanceKeyIsInNoLogLineToStringOrException() throws Exception {
    Process jvm = new ProcessBuilder(ChildJvm.command(RealChildJvmMain.class,
        List.of("-Dorg.slf4j.simpleLogger.defaultLogLevel=trace"), List.of("keys", binary.toString(), model.toString())))
        .redirectErrorStream(true).start();
    List<String> output = new CopyOnWriteArrayList<>();
    CompletableFuture<Long> serverPid = new CompletableFuture<>();
    CompletableFuture<Void> ended = CompletableFuture.runAsync(() -> ChildJvm.readServerPid(jvm, output, serverPid));
    String key;
    try {
      try (OutputStream stdin = jvm.getOutputStream()) {
        assertThat(serverPid).as("child output: %s", output).succeedsWithin(Duration.ofSeconds(60));
        long pid = serverPid.join();
        key = RealProcesses.environ(pid).stream().filter(e -> e.startsWith("LLAMA_API_KEY=")).findFirst()
            .map(e -> e.substring("LLAMA_API_KEY=".length())).orElseThrow();
        assertThat(String.join(" ", RealProcesses.cmdline(pid))).doesNotContain(key);
        stdin.write("next\n".getBytes(StandardCharsets.UTF_8));
      }
      assertThat(jvm.onExit()).succeedsWithin(Duration.ofSeconds(60));
      assertThat(ended).succeedsWithin(Duration.ofSeconds(5));
    } finally {
      jvm.destroyForcibly();
    }
    String all = String.join("\n", output);

    assertThat(all).contains("AUTHORISED_STATUS 200").contains("UNAUTHORISED_STATUS 401").contains("DONE")
        .doesNotContain("UNEXPECTED_SUCCESS");
    assertThat(output).filteredOn(l -> l.startsWith("TOSTRING ")).hasSize(6);
    assertThat(all).contains("EXCEPTION bad flag").contains("INVALID_ARGUMENT");
    assertThat(output).as("the logs were verbose").filteredOn(l -> l.contains("DEBUG") || l.contains("TRACE")).isNotEmpty();
    assertThat(key).hasSizeGreaterThan(20);
    assertThat(all).as("child output (logs, toString, exceptions)").doesNotContain(key);
  }

  private static void assertUnauthorized(HttpResponse<String> r) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
    assertThat(RealHttp.json(r).path("error").path("type").asText()).isEqualTo("authentication_error");
  }

  private static void assertKeyOnlyInTheEnvironment(long pid, String key) {
    List<String> argv = RealProcesses.cmdline(pid);
    assertThat(argv).as("/proc/%d/cmdline", pid).contains("--model").doesNotContain("--api-key")
        .noneMatch(a -> a.contains(key));
    assertThat(RealProcesses.environ(pid)).as("the server's environment").contains("LLAMA_API_KEY=" + key);
  }
}
