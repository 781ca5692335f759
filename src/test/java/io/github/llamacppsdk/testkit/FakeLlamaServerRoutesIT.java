package io.github.llamacppsdk.testkit;

import static io.github.llamacppsdk.testkit.FakeHttpSupport.args;
import static io.github.llamacppsdk.testkit.FakeHttpSupport.get;
import static io.github.llamacppsdk.testkit.FakeHttpSupport.json;
import static io.github.llamacppsdk.testkit.FakeHttpSupport.post;
import static io.github.llamacppsdk.testkit.FakeHttpSupport.tinyModel;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP routes of a ready fake llama-server, in llama-server's shapes. */
@Timeout(120)
class FakeLlamaServerRoutesIT {
  @TempDir static Path tmp;
  private static FakeServerProcess plain;
  private static FakeServerProcess aliased;
  private static URI base;
  private static URI aliasedBase;

  @BeforeAll
  static void startServers() {
    Path model = tinyModel(tmp, "tiny-q4.gguf");
    plain = FakeLlamaServer.start(args(model, "--ctx-size", "1024"));
    base = plain.baseUri().orElseThrow();
    aliased = FakeLlamaServer.start(args(model, "--alias", "zeta,alpha", "--parallel", "2", "--embedding", "--metrics"));
    aliasedBase = aliased.baseUri().orElseThrow();
  }

  @AfterAll
  static void stopServers() {
    plain.close();
    aliased.close();
  }

  @Test
  void healthOnBothPaths() {
    for (String path : List.of("/health", "/v1/health")) {
      HttpResponse<String> r = get(base, path);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("{\"status\":\"ok\"}");
      assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
    }
  }

  @Test
  void modelsWithoutAliasUseTheModelArgumentAsGivenInBothShapes() throws Exception {
    String given = tmp.resolve("tiny-q4.gguf").toString();
    for (String path : List.of("/v1/models", "/models")) {
      JsonNode body = json(get(base, path));
      assertThat(body.at("/object").asText()).isEqualTo("list");
      assertThat(body.at("/data/0/id").asText()).isEqualTo(given);
      assertThat(body.at("/data/0/aliases").toString()).isEqualTo(FakeHttpSupport.JSON.writeValueAsString(List.of(given)));
      assertThat(body.at("/data/0/object").asText()).isEqualTo("model");
      assertThat(body.at("/data/0/owned_by").asText()).isEqualTo("llamacpp");
      assertThat(body.at("/models/0/name").asText()).isEqualTo(given);
      assertThat(body.at("/models/0/model").asText()).isEqualTo(given);
      JsonNode meta = body.at("/data/0/meta");
      assertThat(meta.get("n_ctx").asInt()).isEqualTo(1024);
      assertThat(meta.get("size").asLong()).isEqualTo(Files.size(tmp.resolve("tiny-q4.gguf")));
      for (String field : List.of("n_ctx_train", "n_vocab", "n_embd", "n_params")) {
        assertThat(meta.get(field).asLong()).as(field).isPositive();
      }
    }
  }

  @Test
  void modelsWithAliasUseTheFirstAliasInSortedOrder() {
    JsonNode body = json(get(aliasedBase, "/v1/models"));
    assertThat(body.at("/data/0/id").asText()).isEqualTo("alpha");
    assertThat(body.at("/data/0/aliases").toString()).isEqualTo("[\"alpha\",\"zeta\"]");
    assertThat(body.at("/data/0/meta/n_ctx").asInt()).isEqualTo(4096);
  }

  @Test
  void propsAndSlotsFollowTheCommandLine() {
    JsonNode props = json(get(aliasedBase, "/props"));
    assertThat(props.get("total_slots").asInt()).isEqualTo(2);
    assertThat(props.get("model_alias").asText()).isEqualTo("alpha");
    assertThat(props.at("/default_generation_settings/n_ctx").asInt()).isEqualTo(4096);
    assertThat(json(get(aliasedBase, "/slots")).size()).isEqualTo(2);
    assertThat(json(get(base, "/slots")).size()).isEqualTo(4);
  }

  @Test
  void metricsOnlyWithTheFlag() {
    assertThat(get(aliasedBase, "/metrics").body()).contains("llamacpp:requests_processing");
    HttpResponse<String> off = get(base, "/metrics");
    assertThat(off.statusCode()).isEqualTo(501);
    assertThat(json(off).at("/error/type").asText()).isEqualTo("not_supported_error");
  }

  @Test
  void unknownRoutesAnswer404Json() {
    HttpResponse<String> r = get(base, "/v2/nothing");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"File Not Found\",\"type\":\"not_found_error\",\"code\":404}}");
    assertThat(get(base, "/v1/chat/completions").statusCode()).isEqualTo(404);
  }

  @Test
  void chatCompletionJsonIsDeterministicAndShapedLikeLlamaServer() {
    String request = "{\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},"
        + "{\"role\":\"user\",\"content\":\"first\"},{\"role\":\"assistant\",\"content\":\"x\"},"
        + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"say \"},{\"type\":\"text\",\"text\":\"hello\"}]}]}";
    for (String path : List.of("/v1/chat/completions", "/chat/completions")) {
      HttpResponse<String> r = post(base, path, request);
      assertThat(r.statusCode()).isEqualTo(200);
      JsonNode body = json(r);
      assertThat(body.at("/choices/0/message/content").asText()).isEqualTo("Fake llama response: say hello");
      assertThat(body.at("/choices/0/message/role").asText()).isEqualTo("assistant");
      assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
      assertThat(body.get("object").asText()).isEqualTo("chat.completion");
      assertThat(body.get("id").asText()).startsWith("chatcmpl-");
      assertThat(body.get("model").asText()).as("the served model id").isEqualTo(tmp.resolve("tiny-q4.gguf").toString());
      assertThat(body.get("created").asLong()).isPositive();
      assertThat(body.at("/usage/completion_tokens").asInt()).isEqualTo(5);
      assertThat(body.at("/usage/total_tokens").asInt())
          .isEqualTo(body.at("/usage/prompt_tokens").asInt() + 5);
      assertThat(body.at("/timings/predicted_n").asInt()).isEqualTo(5);
    }
  }

  @Test
  void maxTokensCutsTheReplyWithFinishReasonLength() {
    JsonNode body = json(post(base, "/v1/chat/completions",
        "{\"model\":\"asked\",\"max_tokens\":2,\"messages\":[{\"role\":\"user\",\"content\":\"one two three\"}]}"));
    assertThat(body.at("/choices/0/message/content").asText()).isEqualTo("Fake llama");
    assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("length");
    assertThat(body.get("model").asText()).isEqualTo("asked");
  }

  @Test
  void streamingUsesLlamaServersSseFraming() throws Exception {
    HttpResponse<String> r = post(base, "/v1/chat/completions",
        "{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"stream me please\"}]}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("text/event-stream");
    String[] events = r.body().split("\n\n", -1);
    assertThat(events[events.length - 1]).isEmpty();
    assertThat(events[events.length - 2]).isEqualTo("data: [DONE]");
    List<JsonNode> chunks = new ArrayList<>();
    for (int i = 0; i < events.length - 2; i++) {
      assertThat(events[i]).startsWith("data: ").doesNotContain("\n");
      chunks.add(FakeHttpSupport.JSON.readTree(events[i].substring("data: ".length())));
    }
    assertThat(chunks).allSatisfy(c -> assertThat(c.get("object").asText()).isEqualTo("chat.completion.chunk"));
    assertThat(chunks.get(0).at("/choices/0/delta").toString()).isEqualTo("{\"role\":\"assistant\",\"content\":null}");
    JsonNode last = chunks.get(chunks.size() - 1);
    assertThat(last.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    assertThat(last.has("timings")).isTrue();
    StringBuilder content = new StringBuilder();
    for (JsonNode c : chunks.subList(1, chunks.size() - 1)) {
      assertThat(c.at("/choices/0/finish_reason").isNull()).isTrue();
      content.append(c.at("/choices/0/delta/content").asText());
    }
    assertThat(chunks.size() - 2).as("content chunks").isGreaterThan(3);
    assertThat(content.toString()).isEqualTo("Fake llama response: stream me please");
  }

  @Test
  void streamingWithIncludeUsageEndsWithAUsageChunk() throws Exception {
    String body = post(base, "/v1/chat/completions", "{\"stream\":true,\"stream_options\":{\"include_usage\":true},"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").body();
    String[] events = body.split("\n\n");
    JsonNode usage = FakeHttpSupport.JSON.readTree(events[events.length - 2].substring("data: ".length()));
    assertThat(usage.get("choices").size()).isZero();
    assertThat(usage.at("/usage/completion_tokens").asInt()).isEqualTo(4);
  }

  @Test
  void invalidJsonGetsAJsonErrorNotADroppedConnection() {
    HttpResponse<String> r = post(base, "/v1/chat/completions", "{not json");
    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(json(r).at("/error/type").asText()).isEqualTo("server_error");
    assertThat(json(r).at("/error/message").asText()).contains("parse error");
    HttpResponse<String> missing = post(base, "/v1/chat/completions", "{\"model\":\"x\"}");
    assertThat(missing.statusCode()).isEqualTo(400);
    assertThat(json(missing).at("/error/type").asText()).isEqualTo("invalid_request_error");
  }

  @Test
  void embeddingsAreDeterministicUnitVectorsAndNeedTheFlag() {
    JsonNode first = json(post(aliasedBase, "/v1/embeddings", "{\"input\":[\"alpha\",\"beta\"]}"));
    JsonNode again = json(post(aliasedBase, "/v1/embeddings", "{\"input\":\"alpha\"}"));
    assertThat(first.at("/object").asText()).isEqualTo("list");
    assertThat(first.get("data").size()).isEqualTo(2);
    JsonNode alpha = first.at("/data/0/embedding");
    assertThat(alpha).isEqualTo(again.at("/data/0/embedding"));
    assertThat(alpha).isNotEqualTo(first.at("/data/1/embedding"));
    double norm = 0;
    for (JsonNode v : alpha) {
      norm += v.asDouble() * v.asDouble();
    }
    assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
    HttpResponse<String> off = post(base, "/v1/embeddings", "{\"input\":\"alpha\"}");
    assertThat(off.statusCode()).isEqualTo(501);
    assertThat(json(off).at("/error/type").asText()).isEqualTo("not_supported_error");
  }
}
