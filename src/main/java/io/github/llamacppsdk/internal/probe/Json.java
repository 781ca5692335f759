package io.github.llamacppsdk.internal.probe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Not API. The library's private JSON reading of llama-server's answers; never throws. */
final class Json {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  static Optional<JsonNode> parse(String body) {
    if (body == null || body.isBlank()) {
      return Optional.empty();
    }
    try {
      JsonNode node = MAPPER.readTree(body);
      return Optional.ofNullable(node);
    } catch (Exception e) { // malformed JSON is an observation, not an error
      return Optional.empty();
    }
  }

  /** The {@code error.message} of llama-server's error JSON, if present. */
  static Optional<String> errorMessage(String body) {
    return parse(body).map(n -> n.path("error").path("message"))
        .filter(JsonNode::isTextual).map(JsonNode::asText);
  }

  /** The {@code status} of a health body such as {@code {"status":"ok"}}, if present. */
  static Optional<String> status(String body) {
    return parse(body).map(n -> n.path("status")).filter(JsonNode::isTextual).map(JsonNode::asText);
  }

  /**
   * The model ids of a {@code /v1/models} body: OpenAI-style {@code data[].id}, else Ollama-style
   * {@code models[].model}/{@code models[].name}; empty if the body is not such a document.
   */
  static Optional<List<String>> modelIds(String body) {
    Optional<JsonNode> root = parse(body);
    if (root.isEmpty() || !root.get().isObject()) {
      return Optional.empty();
    }
    List<String> ids = new ArrayList<>();
    JsonNode data = root.get().path("data");
    if (data.isArray()) {
      data.forEach(m -> {
        if (m.path("id").isTextual()) {
          ids.add(m.path("id").asText());
        }
      });
      return Optional.of(ids);
    }
    JsonNode models = root.get().path("models");
    if (models.isArray()) {
      models.forEach(m -> {
        JsonNode id = m.path("model").isTextual() ? m.path("model") : m.path("name");
        if (id.isTextual()) {
          ids.add(id.asText());
        }
      });
      return Optional.of(ids);
    }
    return Optional.empty();
  }
}
