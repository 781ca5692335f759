package io.github.llamacppsdk.testkit;

import static io.github.llamacppsdk.testkit.FakeHttpSupport.args;
import static io.github.llamacppsdk.testkit.FakeHttpSupport.get;
import static io.github.llamacppsdk.testkit.FakeHttpSupport.json;
import static io.github.llamacppsdk.testkit.FakeHttpSupport.tinyModel;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The HTTP and output rows of {@code llama-server-versions.md}, one row per build the fake plays:
 * {@code /v1/health}, the keys of a {@code data[]} entry, the model id without {@code --alias}, which
 * routes a key protects, the member order of a 401 body, the ready lines and the security warning.
 */
@Timeout(180)
class FakeLlamaServerBuildsIT {
  private static final String HEALTH_404 =
      "{\"error\":{\"code\":404,\"message\":\"File Not Found\",\"type\":\"not_found_error\"}}";
  private static final String KEY_401_MESSAGE_FIRST =
      "{\"error\":{\"message\":\"Invalid API Key\",\"type\":\"authentication_error\",\"code\":401}}";
  private static final String KEY_401_CODE_FIRST =
      "{\"error\":{\"code\":401,\"message\":\"Invalid API Key\",\"type\":\"authentication_error\"}}";
  private static final String SECURITY_WARNING = "W srv  llama_server: security: no API key is set and CORS allows "
      + "all origins (see https://github.com/ggml-org/llama.cpp/pull/25655)";

  @TempDir Path tmp;

  /** How the model id is formed without {@code --alias}. */
  enum Id { PATH_AS_GIVEN, FILE_NAME }

  /**
   * One build's row.
   *
   * @param v1Health {@code /v1/health} answers 200 (else 404)
   * @param dataKeys the keys of a {@code data[]} entry
   * @param id the model id without an alias
   * @param modelsNeedKey {@code /models} and {@code /v1/models} answer 401 without the key
   * @param unauthorized the 401 body
   * @param readyLines the lines after {@code model loaded}, {@code %s} for the base URL
   * @param warns the security warning without a key
   */
  record Row(boolean v1Health, List<String> dataKeys, Id id, boolean modelsNeedKey, String unauthorized,
      List<String> readyLines, boolean warns) {}

  static Stream<Arguments> builds() {
    List<String> b6000Keys = List.of("created", "id", "meta", "object", "owned_by");
    List<String> mayKeys = new ArrayList<>(b6000Keys);
    mayKeys.addAll(List.of("aliases", "tags"));
    List<String> currentKeys = new ArrayList<>(mayKeys);
    currentKeys.add("architecture");
    return Stream.of(
        Arguments.of(FakeBuild.B6000, new Row(false, b6000Keys, Id.PATH_AS_GIVEN, false, KEY_401_CODE_FIRST,
            List.of("I srv          main: model loaded",
                "I srv          main: server is listening on %s - starting the main loop",
                "I srv  update_slots: all slots are idle"), false)),
        Arguments.of(FakeBuild.MAY_2026, new Row(true, mayKeys, Id.FILE_NAME, false, KEY_401_MESSAGE_FIRST,
            List.of("I srv          main: model loaded", "I srv          main: server is listening on %s",
                "I srv          main: starting the main loop...", "I srv  update_slots: all slots are idle"), false)),
        Arguments.of(FakeBuild.CURRENT, new Row(true, currentKeys, Id.PATH_AS_GIVEN, true, KEY_401_MESSAGE_FIRST,
            List.of("I srv  llama_server: model loaded", "I srv  llama_server: listening on %s"), true)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("builds")
  void withoutAKey(FakeBuild build, Row row) {
    Path model = tinyModel(tmp, "tiny.gguf");
    try (FakeServerProcess p = FakeLlamaServer.start(build, args(model))) {
      URI base = p.baseUri().orElseThrow();
      HttpResponse<String> v1Health = get(base, "/v1/health");
      if (row.v1Health()) {
        assertThat(v1Health.statusCode()).isEqualTo(200);
        assertThat(v1Health.body()).isEqualTo("{\"status\":\"ok\"}");
      } else {
        assertThat(v1Health.statusCode()).isEqualTo(404);
        assertThat(v1Health.body()).isEqualTo(HEALTH_404);
      }
      assertThat(get(base, "/health").body()).isEqualTo("{\"status\":\"ok\"}");

      String id = row.id() == Id.FILE_NAME ? "tiny.gguf" : model.toString();
      for (String path : List.of("/v1/models", "/models")) {
        JsonNode body = json(get(base, path));
        JsonNode entry = body.at("/data/0");
        assertThat(new TreeSet<>(names(entry))).as(path).isEqualTo(new TreeSet<>(row.dataKeys()));
        assertThat(entry.get("id").asText()).isEqualTo(id);
        assertThat(body.at("/models/0/name").asText()).isEqualTo(id);
        if (row.dataKeys().contains("aliases")) {
          assertThat(entry.get("aliases").toString()).isEqualTo("[" + FakeHttpSupport.JSON.valueToTree(id) + "]");
        }
        if (row.dataKeys().contains("architecture")) {
          assertThat(entry.get("architecture").toString())
              .isEqualTo("{\"input_modalities\":[\"text\"],\"output_modalities\":[\"text\"]}");
        }
      }

      List<String> out = p.output();
      int loaded = indexOf(out, row.readyLines().get(0));
      assertThat(loaded).as("model loaded line in\n%s", String.join("\n", out)).isNotNegative();
      for (int i = 1; i < row.readyLines().size(); i++) {
        String line = String.format(row.readyLines().get(i), base);
        assertThat(out.get(loaded + i)).as("ready line %d", i).endsWith(line);
      }
      if (row.warns()) {
        assertThat(out).anyMatch(l -> l.endsWith(SECURITY_WARNING));
      } else {
        assertThat(out).noneMatch(l -> l.contains("security:"));
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("builds")
  void withAKey(FakeBuild build, Row row) {
    Path model = tinyModel(tmp, "tiny.gguf");
    try (FakeServerProcess p = FakeLlamaServer.start(build, args(model, "--api-key", "k1", "--alias", "tiny"))) {
      URI base = p.baseUri().orElseThrow();
      assertThat(get(base, "/health").statusCode()).as("/health stays public").isEqualTo(200);
      for (String path : List.of("/models", "/v1/models")) {
        for (String[] auth : List.of(new String[0], new String[] {"Authorization", "Bearer wrong"})) {
          HttpResponse<String> r = get(base, path, auth);
          if (row.modelsNeedKey()) {
            assertThat(r.statusCode()).as(path).isEqualTo(401);
            assertThat(r.body()).isEqualTo(row.unauthorized());
          } else {
            assertThat(r.statusCode()).as(path).isEqualTo(200);
          }
        }
        assertThat(json(get(base, path, "Authorization", "Bearer k1")).at("/data/0/id").asText()).isEqualTo("tiny");
      }
      HttpResponse<String> props = get(base, "/props");
      assertThat(props.statusCode()).isEqualTo(401);
      assertThat(props.body()).isEqualTo(row.unauthorized());
      assertThat(p.output()).noneMatch(l -> l.contains("security:"));
    }
  }

  private static List<String> names(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static int indexOf(List<String> lines, String suffix) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).endsWith(suffix)) {
        return i;
      }
    }
    return -1;
  }
}
