package io.github.llamacppsdk.testkit;

import static io.github.llamacppsdk.testkit.FakeHttpSupport.args;
import static io.github.llamacppsdk.testkit.FakeHttpSupport.get;
import static io.github.llamacppsdk.testkit.FakeHttpSupport.json;
import static io.github.llamacppsdk.testkit.FakeHttpSupport.tinyModel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Start-up, failures at start, log format and signals of the fake llama-server process. */
@Timeout(120)
class FakeLlamaServerStartupIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Pattern LOG_LINE = Pattern.compile("^\\d+\\.\\d{2}\\.\\d{3}\\.\\d{3} [IWE] \\S.*");
  private static final Pattern BOUND = Pattern.compile("HTTP server is listening, hostname: \\S+, port: (\\d+)");

  @TempDir Path tmp;

  @Test
  void unknownFlagFailsLikeLlamaServer() {
    try (FakeServerProcess p = FakeLlamaServer.launch(List.of("--model", "x.gguf", "--bogus"), Map.of())) {
      assertThat(p.awaitExit(WAIT)).isEqualTo(1);
      assertThat(p.awaitLine("invalid argument", WAIT)).isEqualTo("error: invalid argument: --bogus");
    }
  }

  @Test
  void badValuePrintsTheUsageOfThatFlag() {
    try (FakeServerProcess p = FakeLlamaServer.launch(List.of("-m", "x.gguf", "--flash-attn", "maybe"), Map.of())) {
      assertThat(p.awaitExit(WAIT)).isEqualTo(1);
      p.awaitLine("to show complete usage", WAIT);
      assertThat(String.join("\n", p.output()))
          .contains("error while handling argument \"--flash-attn\": error: unknown value for --flash-attn: 'maybe'")
          .contains("-fa,   --flash-attn [on|off|auto]       set Flash Attention use ('on', 'off', or 'auto', default: 'auto')")
          .contains("(env: LLAMA_ARG_FLASH_ATTN)");
    }
  }

  @Test
  void badNumberAndBadPoolingAreRejected() {
    try (FakeServerProcess p = FakeLlamaServer.launch(List.of("-m", "x.gguf", "--port", "eighty"), Map.of());
        FakeServerProcess q = FakeLlamaServer.launch(List.of("-m", "x.gguf", "--pooling=max"), Map.of())) {
      assertThat(p.awaitExit(WAIT)).isEqualTo(1);
      assertThat(p.awaitLine("error while handling argument", WAIT)).contains("\"--port\"");
      assertThat(q.awaitExit(WAIT)).isEqualTo(1);
      assertThat(q.awaitLine("error while handling argument", WAIT))
          .isEqualTo("error while handling argument \"--pooling\": invalid value");
    }
  }

  @Test
  void acceptsTheWholeBootSpecSurfaceInAnyOrderLongShortAndEqualsForms() {
    Path model = tinyModel(tmp, "m.gguf");
    List<String> all = List.of("--pooling", "mean", "-ngl", "all", "--threads=2", "-tb", "2", "-np", "2",
        "-fa", "on", "--embeddings", "-to", "30", "--threads-http", "3", "-c", "2048", "-a", "tiny",
        "--host", "127.0.0.1", "--port=0", "-m", model.toString(), "--fake-load-ms", "0", "--verbose",
        "--no-webui", "--metrics", "--n-gpu-layers", "7", "--gpu-layers=auto");
    try (FakeServerProcess p = FakeLlamaServer.start(all)) {
      URI base = p.baseUri().orElseThrow();
      assertThat(get(base, "/health").statusCode()).isEqualTo(200);
      assertThat(json(get(base, "/v1/models")).at("/data/0/meta/n_ctx").asInt()).isEqualTo(2048);
    }
  }

  @Test
  void missingModelFailsDuringLoadAfterBinding() {
    Path missing = tmp.resolve("nope.gguf");
    try (FakeServerProcess p = FakeLlamaServer.launch(args(missing), Map.of())) {
      assertThat(p.awaitExit(WAIT)).isEqualTo(1);
      p.awaitLine("exiting due to model loading error", WAIT);
      List<String> out = p.output();
      assertThat(out).anyMatch(l -> l.endsWith(
          "E gguf_init_from_file: failed to open GGUF file '" + missing + "' (No such file or directory)"));
      assertThat(out).anyMatch(l -> l.contains("E llama_model_load: error loading model: "));
      assertThat(indexOf(out, "binding port")).isLessThan(indexOf(out, "gguf_init_from_file"));
    }
  }

  @Test
  void nonGgufFileFailsWithInvalidMagic() throws IOException {
    Path bad = Files.writeString(tmp.resolve("bad.gguf"), "hello world");
    try (FakeServerProcess p = FakeLlamaServer.launch(args(bad), Map.of())) {
      assertThat(p.awaitExit(WAIT)).isEqualTo(1);
      assertThat(p.awaitLine("invalid magic", WAIT))
          .endsWith("E gguf_init_from_file_ptr: invalid magic characters: 'hell', expected 'GGUF'");
    }
  }

  @Test
  void portInUseFailsWithTheBindMessages() throws IOException {
    Path model = tinyModel(tmp, "m.gguf");
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        FakeServerProcess p = FakeLlamaServer.launch(
            List.of("-m", model.toString(), "--port", String.valueOf(taken.getLocalPort())), Map.of())) {
      assertThat(p.awaitExit(WAIT)).isEqualTo(1);
      p.awaitLine("exiting due to HTTP server error", WAIT);
      assertThat(p.output()).anyMatch(l -> l.matches(".* E srv +start: couldn't bind HTTP server socket, hostname: "
          + "127\\.0\\.0\\.1, port: " + taken.getLocalPort()));
      assertThat(p.output()).anyMatch(l -> l.matches(".* E srv  llama_server: exiting due to HTTP server error"));
    }
  }

  @Test
  void answersEveryRouteWith503WhileLoading() {
    Path model = tinyModel(tmp, "m.gguf");
    try (FakeServerProcess p = FakeLlamaServer.launch(args(model, "--fake-stall", "loading", "--api-key", "k"), Map.of())) {
      URI base = boundAt(p);
      for (String path : List.of("/health", "/v1/models", "/props", "/v1/chat/completions", "/no/such/route")) {
        var response = get(base, path);
        assertThat(response.statusCode()).as(path).isEqualTo(503);
        assertThat(response.body()).as(path)
            .isEqualTo("{\"error\":{\"message\":\"Loading model\",\"type\":\"unavailable_error\",\"code\":503}}");
      }
      assertThat(p.output()).noneMatch(l -> l.contains("model loaded"));
    }
  }

  @Test
  void loadsThenTurnsReadyAndLogsTheReadyLinesInOrder() {
    Path model = tinyModel(tmp, "m.gguf");
    try (FakeServerProcess p = FakeLlamaServer.launch(
        args(model, "--fake-load-ms", "4000", "--fake-progress-every-ms", "500"), Map.of())) {
      URI base = boundAt(p);
      assertThat(get(base, "/health").statusCode()).isEqualTo(503);
      p.awaitLine("load_tensors: loading model tensors", WAIT);
      assertThat(p.awaitListening(WAIT)).isEqualTo(base);
      var health = get(base, "/health");
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.body()).isEqualTo("{\"status\":\"ok\"}");
      List<String> out = p.output();
      assertThat(out).allMatch(l -> LOG_LINE.matcher(l).matches(), "llama-server log format");
      int loaded = indexOf(out, "I srv  llama_server: model loaded");
      int listening = indexOf(out, "I srv  llama_server: listening on " + base);
      assertThat(loaded).isNotNegative().isEqualTo(listening - 1);
      assertThat(out).as("b11669 logs no idle line at start").noneMatch(l -> l.contains("all slots are idle"));
    }
  }

  @Test
  void sigtermLogsCleanupAndExitsZero() {
    Path model = tinyModel(tmp, "m.gguf");
    try (FakeServerProcess p = FakeLlamaServer.start(args(model))) {
      get(p.baseUri().orElseThrow(), "/health");
      p.terminate();
      assertThat(p.awaitExit(WAIT)).isEqualTo(0);
      assertThat(p.awaitLine("cleaning up before exit...", WAIT)).matches(".* I srv +operator\\(\\): cleaning up before exit\\.\\.\\.");
    }
  }

  @Test
  void sigintLogsCleanupAndExitsZero() throws Exception {
    Path model = tinyModel(tmp, "m.gguf");
    try (FakeServerProcess p = FakeLlamaServer.start(args(model))) {
      new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start().waitFor();
      assertThat(p.awaitExit(WAIT)).isEqualTo(0);
      p.awaitLine("cleaning up before exit...", WAIT);
    }
  }

  @Test
  void stallBeforeBindPrintsNothingAndNeverListens() throws Exception {
    Path model = tinyModel(tmp, "m.gguf");
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    try (FakeServerProcess p = FakeLlamaServer.launch(
        List.of("-m", model.toString(), "--port", String.valueOf(port), "--fake-stall", "before-bind"), Map.of())) {
      // It stays silent: the only way to see it is alive is that it does not exit and does not listen.
      assertThatThrownBy(() -> p.awaitExit(Duration.ofSeconds(2))).hasMessageContaining("WAIT_TIMEOUT");
      assertThat(p.output()).isEmpty();
      assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close()).isInstanceOf(IOException.class);
      p.terminate();
      assertThat(p.awaitExit(WAIT)).isEqualTo(0);
    }
  }

  static URI boundAt(FakeServerProcess p) {
    Matcher m = BOUND.matcher(p.awaitLine("HTTP server is listening, hostname:", WAIT));
    assertThat(m.find()).isTrue();
    return URI.create("http://127.0.0.1:" + m.group(1));
  }

  private static int indexOf(List<String> lines, String text) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(text)) {
        return i;
      }
    }
    return -1;
  }
}
