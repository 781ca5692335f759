package io.github.llamacppsdk.testkit;

import static io.github.llamacppsdk.testkit.FakeHttpSupport.args;
import static io.github.llamacppsdk.testkit.FakeHttpSupport.get;
import static io.github.llamacppsdk.testkit.FakeHttpSupport.post;
import static io.github.llamacppsdk.testkit.FakeHttpSupport.tinyModel;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The API-key matrix and --api-prefix of the fake llama-server, as the reference describes them. */
@Timeout(120)
class FakeLlamaServerAuthIT {
  private static final String INVALID_KEY =
      "{\"error\":{\"message\":\"Invalid API Key\",\"type\":\"authentication_error\",\"code\":401}}";
  private static final String CHAT = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  /** Build 11669 (the default): only health stays public when a key is set. */
  private static final List<String> PUBLIC = List.of("/health", "/v1/health");
  private static final List<String> PROTECTED = List.of("/models", "/v1/models", "/props", "/slots");

  @TempDir Path tmp;

  @Test
  void withAKeyOnlyHealthIsPublic() {
    try (FakeServerProcess p = FakeLlamaServer.start(args(tinyModel(tmp, "m.gguf"), "--api-key", "sekret"))) {
      assertMatrix(p.baseUri().orElseThrow(), "", "sekret");
      assertThat(String.join("\n", p.output())).doesNotContain("sekret");
    }
  }

  @Test
  void keyFromTheEnvironmentTurnsAuthOn() {
    try (FakeServerProcess p = FakeLlamaServer.start(args(tinyModel(tmp, "m.gguf")), Map.of("LLAMA_API_KEY", "from-env"))) {
      assertMatrix(p.baseUri().orElseThrow(), "", "from-env");
    }
  }

  @Test
  void keyFileHoldsOneKeyPerLine() throws Exception {
    Path keys = Files.writeString(tmp.resolve("keys.txt"), "first\n\nsecond\n");
    try (FakeServerProcess p = FakeLlamaServer.start(args(tinyModel(tmp, "m.gguf"), "--api-key-file", keys.toString()))) {
      URI base = p.baseUri().orElseThrow();
      assertMatrix(base, "", "second");
      assertThat(get(base, "/props", "Authorization", "Bearer first").statusCode()).isEqualTo(200);
      assertThat(get(base, "/props", "X-Api-Key", "first").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void missingKeyFileFailsAtStart() {
    try (FakeServerProcess p = FakeLlamaServer.launch(
        args(tinyModel(tmp, "m.gguf"), "--api-key-file", tmp.resolve("none").toString()), Map.of())) {
      assertThat(p.awaitExit(java.time.Duration.ofSeconds(30))).isEqualTo(1);
      assertThat(p.awaitLine("failed to open file", java.time.Duration.ofSeconds(5))).contains("--api-key-file");
    }
  }

  @Test
  void prefixMovesEveryRouteAndWithoutAKeyEverythingIsOpen() {
    try (FakeServerProcess p = FakeLlamaServer.start(args(tinyModel(tmp, "m.gguf"), "--api-prefix", "/p"))) {
      URI base = p.baseUri().orElseThrow();
      for (String path : List.of("/health", "/v1/health", "/models", "/v1/models", "/props", "/slots")) {
        assertThat(get(base, "/p" + path).statusCode()).as("/p" + path).isEqualTo(200);
        assertThat(get(base, path).statusCode()).as(path).isEqualTo(404);
      }
      assertThat(post(base, "/p/v1/chat/completions", CHAT).statusCode()).isEqualTo(200);
      assertThat(post(base, "/v1/chat/completions", CHAT).statusCode()).isEqualTo(404);
    }
  }

  @Test
  void prefixAndKeyTogetherProtectEvenHealthAndModels() {
    try (FakeServerProcess p = FakeLlamaServer.start(
        args(tinyModel(tmp, "m.gguf"), "--api-prefix", "/p", "--api-key", "k1"))) {
      URI base = p.baseUri().orElseThrow();
      for (String path : List.of("/health", "/v1/health", "/models", "/v1/models", "/props", "/slots")) {
        HttpResponse<String> without = get(base, "/p" + path);
        assertThat(without.statusCode()).as("/p" + path).isEqualTo(401);
        assertThat(without.body()).isEqualTo(INVALID_KEY);
        assertThat(get(base, "/p" + path, "Authorization", "Bearer k1").statusCode()).as("/p" + path).isEqualTo(200);
      }
      assertThat(get(base, "/health").statusCode()).isEqualTo(404);
      assertThat(post(base, "/p/v1/chat/completions", CHAT, "Authorization", "Bearer k1").statusCode()).isEqualTo(200);
    }
  }

  private static void assertMatrix(URI base, String prefix, String key) {
    for (String path : PUBLIC) {
      assertThat(get(base, prefix + path).statusCode()).as(path + " without key").isEqualTo(200);
    }
    for (String path : PROTECTED) {
      HttpResponse<String> without = get(base, prefix + path);
      assertThat(without.statusCode()).as(path + " without key").isEqualTo(401);
      assertThat(without.body()).isEqualTo(INVALID_KEY);
      assertThat(get(base, prefix + path, "Authorization", "Bearer wrong").statusCode()).isEqualTo(401);
      assertThat(get(base, prefix + path, "Authorization", "Bearer " + key).statusCode()).as(path).isEqualTo(200);
    }
    HttpResponse<String> chat = post(base, prefix + "/v1/chat/completions", CHAT);
    assertThat(chat.statusCode()).isEqualTo(401);
    assertThat(chat.body()).isEqualTo(INVALID_KEY);
    assertThat(post(base, prefix + "/v1/chat/completions", CHAT, "Authorization", "Bearer " + key).statusCode())
        .isEqualTo(200);
    assertThat(get(base, prefix + "/unknown").statusCode()).as("auth runs before routing").isEqualTo(401);
  }
}
