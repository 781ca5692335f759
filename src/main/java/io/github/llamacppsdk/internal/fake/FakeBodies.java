package io.github.llamacppsdk.internal.fake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds the JSON bodies of the fake server in llama-server's shapes: errors, models, props, slots,
 * chat completions (whole and streamed as chunks) and embeddings. Stateless; thread-safe. Not API.
 */
final class FakeBodies {
  static final ObjectMapper JSON = new ObjectMapper();
  static final int N_VOCAB = 32000;
  static final int N_EMBD = 64;
  static final long N_PARAMS = 4_600_000L;
  private static final Pattern TOKEN = Pattern.compile("\\s*\\S+");

  private final FakeConfig config;
  private final String modelId;
  private final long modelSize;

  FakeBodies(FakeConfig config, String modelId, long modelSize) {
    this.config = config;
    this.modelId = modelId;
    this.modelSize = modelSize;
  }

  /**
   * {@return llama-server's error body: {@code {"error":{"message":..,"type":..,"code":..}}}, or
   * ordered {@code code, message, type} on builds before {@link FakeBuildRules#MAY_2026}}
   */
  ObjectNode error(int code, String message, String type) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode error = root.putObject("error");
    if (config.rules().errorMessageFirst()) {
      error.put("message", message).put("type", type).put("code", code);
    } else {
      error.put("code", code).put("message", message).put("type", type);
    }
    return root;
  }

  /** {@return the 503 body served while the model loads} */
  ObjectNode loading() {
    return error(503, "Loading model", "unavailable_error");
  }

  /** {@return the 401 body for a missing or wrong key} */
  ObjectNode invalidKey() {
    return error(401, "Invalid API Key", "authentication_error");
  }

  static ObjectNode status(String status) {
    return JSON.createObjectNode().put("status", status);
  }

  /**
   * {@return the models list: Ollama-style {@code models} and OpenAI-style {@code data}, whose entry
   * carries {@code aliases} and {@code tags} (from {@link FakeBuildRules#MAY_2026}) and {@code
   * architecture} (from {@link FakeBuildRules#LLAMA_SERVER_ERA}) in llama-server's member order}
   */
  ObjectNode models() {
    FakeBuildRules rules = config.rules();
    ObjectNode root = JSON.createObjectNode();
    ObjectNode ollama = root.putArray("models").addObject();
    ollama.put("name", modelId).put("model", modelId).put("modified_at", "").put("size", "")
        .put("digest", "").put("type", "model").put("description", "");
    ollama.putArray("tags").add("");
    ollama.putArray("capabilities").add("completion");
    ollama.put("parameters", "");
    ollama.putObject("details").put("parent_model", "").put("format", "gguf").put("family", "")
        .put("parameter_size", "").put("quantization_level", "").putArray("families").add("");
    root.put("object", "list");
    ObjectNode data = root.putArray("data").addObject();
    data.put("id", modelId);
    if (rules.modelAliasesAndTags()) {
      ArrayNode aliases = data.putArray("aliases");
      List<String> given = config.aliases();
      (given.isEmpty() ? List.of(modelId) : given).forEach(aliases::add);
      ArrayNode tags = data.putArray("tags");
      config.string("--tags").ifPresent(t -> List.of(t.split(",")).forEach(tags::add));
    }
    data.put("object", "model");
    if (rules.modelArchitecture()) {
      ObjectNode architecture = data.putObject("architecture");
      architecture.putArray("input_modalities").add("text");
      architecture.putArray("output_modalities").add("text");
    }
    data.put("created", nowSeconds()).put("owned_by", "llamacpp");
    data.putObject("meta").put("vocab_type", 1).put("n_vocab", N_VOCAB).put("n_ctx", config.contextSize())
        .put("n_ctx_train", FakeConfig.N_CTX_TRAIN).put("n_embd", N_EMBD).put("n_params", N_PARAMS)
        .put("size", modelSize);
    return root;
  }

  ObjectNode props() {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode settings = root.putObject("default_generation_settings");
    settings.put("id", 0).put("id_task", -1).put("n_ctx", config.contextSize()).put("is_processing", false);
    settings.putObject("params").put("n_predict", -1).put("temperature", 0.8).put("seed", -1);
    root.put("total_slots", config.slots()).put("model_alias", config.modelName())
        .put("model_path", config.model().map(Object::toString).orElse(""));
    root.putObject("modalities").put("vision", false).put("audio", false);
    root.put("endpoint_slots", !config.off("--slots")).put("endpoint_props", config.flag("--props"))
        .put("endpoint_metrics", config.flag("--metrics"))
        .put("chat_template", "{% for message in messages %}{{ message.content }}{% endfor %}")
        .put("bos_token", "<s>").put("eos_token", "</s>").put("build_info", "b" + config.rules().build() + "-fake")
        .put("is_sleeping", false);
    return root;
  }

  ArrayNode slots() {
    ArrayNode slots = JSON.createArrayNode();
    for (int i = 0; i < config.slots(); i++) {
      ObjectNode slot = slots.addObject();
      slot.put("id", i).put("id_task", -1).put("n_ctx", config.contextSize()).put("speculative", false)
          .put("is_processing", false);
      slot.putObject("params").put("n_predict", -1).put("temperature", 0.8);
    }
    return slots;
  }

  /** A chat completion decided from the request: the reply text split into tokens. */
  record Reply(String id, String model, List<String> tokens, String finishReason, int promptTokens) {
    String text() {
      return String.join("", tokens);
    }
  }

  /**
   * {@return the deterministic reply to a chat request: {@code Fake llama response: <last user text>},
   * cut to {@code max_tokens} (finish reason {@code length}) if that is smaller}
   *
   * @throws IllegalArgumentException if the request has no {@code messages} array
   */
  Reply reply(JsonNode request) {
    JsonNode messages = request.path("messages");
    if (!messages.isArray()) {
      throw new IllegalArgumentException("'messages' is required");
    }
    String lastUser = "";
    int promptTokens = 0;
    for (JsonNode m : messages) {
      String text = text(m.path("content"));
      promptTokens += tokens(text).size() + 4;
      if ("user".equals(m.path("role").asText()) && !text.isBlank()) {
        lastUser = text;
      }
    }
    List<String> tokens = tokens("Fake llama response: " + lastUser);
    String finish = "stop";
    int max = request.path("max_tokens").asInt(request.path("max_completion_tokens").asInt(request.path("n_predict").asInt(-1)));
    if (max > 0 && max < tokens.size()) {
      tokens = tokens.subList(0, max);
      finish = "length";
    }
    String model = request.path("model").isTextual() ? request.path("model").asText() : config.modelName();
    return new Reply("chatcmpl-" + Integer.toHexString((lastUser + promptTokens).hashCode() & 0x7fffffff) + "fake",
        model, List.copyOf(tokens), finish, Math.max(1, promptTokens));
  }

  private static String text(JsonNode content) {
    if (content.isTextual()) {
      return content.asText();
    }
    StringBuilder sb = new StringBuilder();
    for (JsonNode part : content) {
      if ("text".equals(part.path("type").asText())) {
        sb.append(part.path("text").asText());
      }
    }
    return sb.toString();
  }

  /** {@return the text split into word tokens, each keeping its leading whitespace} */
  static List<String> tokens(String text) {
    List<String> out = new ArrayList<>();
    Matcher m = TOKEN.matcher(text);
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }

  ObjectNode completion(Reply reply) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode choice = root.putArray("choices").addObject();
    choice.put("finish_reason", reply.finishReason()).put("index", 0);
    choice.putObject("message").put("role", "assistant").put("content", reply.text());
    root.put("created", nowSeconds()).put("model", reply.model()).put("system_fingerprint", fingerprint())
        .put("object", "chat.completion");
    usage(root, reply);
    root.put("id", reply.id());
    timings(root, reply);
    return root;
  }

  /** {@return the stream of chunks: role, one per token, finish (with timings), optional usage} */
  List<ObjectNode> chunks(Reply reply, boolean includeUsage) {
    List<ObjectNode> out = new ArrayList<>();
    long created = nowSeconds();
    ObjectNode first = chunk(reply, created, null);
    ((ObjectNode) first.get("choices").get(0).get("delta")).put("role", "assistant").putNull("content");
    out.add(first);
    for (String token : reply.tokens()) {
      ObjectNode c = chunk(reply, created, null);
      ((ObjectNode) c.get("choices").get(0).get("delta")).put("content", token);
      out.add(c);
    }
    out.add(chunk(reply, created, reply.finishReason()));
    if (includeUsage) {
      ObjectNode u = JSON.createObjectNode();
      u.putArray("choices");
      u.put("created", created).put("id", reply.id()).put("model", reply.model())
          .put("system_fingerprint", fingerprint()).put("object", "chat.completion.chunk");
      usage(u, reply);
      out.add(u);
    }
    timings(out.get(out.size() - 1), reply);
    return out;
  }

  private ObjectNode chunk(Reply reply, long created, String finish) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode choice = root.putArray("choices").addObject();
    if (finish == null) {
      choice.putNull("finish_reason");
    } else {
      choice.put("finish_reason", finish);
    }
    choice.put("index", 0).putObject("delta");
    root.put("created", created).put("id", reply.id()).put("model", reply.model())
        .put("system_fingerprint", fingerprint()).put("object", "chat.completion.chunk");
    return root;
  }

  private static void usage(ObjectNode root, Reply reply) {
    root.putObject("usage").put("completion_tokens", reply.tokens().size())
        .put("prompt_tokens", reply.promptTokens())
        .put("total_tokens", reply.tokens().size() + reply.promptTokens());
  }

  private static void timings(ObjectNode root, Reply reply) {
    int n = reply.tokens().size();
    root.putObject("timings").put("cache_n", 0).put("prompt_n", reply.promptTokens()).put("prompt_ms", 1.0)
        .put("prompt_per_token_ms", 1.0 / reply.promptTokens()).put("prompt_per_second", 1000.0 * reply.promptTokens())
        .put("predicted_n", n).put("predicted_ms", (double) n).put("predicted_per_token_ms", 1.0)
        .put("predicted_per_second", 1000.0);
  }

  /**
   * {@return an OpenAI embeddings answer with one deterministic unit vector per input string}
   *
   * @throws IllegalArgumentException if {@code input} is missing
   */
  ObjectNode embeddings(JsonNode request) {
    JsonNode input = request.has("input") ? request.get("input") : request.path("content");
    List<String> inputs = new ArrayList<>();
    if (input.isTextual()) {
      inputs.add(input.asText());
    } else if (input.isArray()) {
      input.forEach(i -> inputs.add(i.asText()));
    } else {
      throw new IllegalArgumentException("\"input\" must be provided");
    }
    ObjectNode root = JSON.createObjectNode();
    root.put("model", request.path("model").asText(config.modelName())).put("object", "list");
    int tokens = 0;
    ArrayNode data = root.putArray("data");
    for (int i = 0; i < inputs.size(); i++) {
      tokens += Math.max(1, tokens(inputs.get(i)).size());
      ObjectNode item = data.addObject();
      ArrayNode vector = item.putArray("embedding");
      for (double v : vector(inputs.get(i))) {
        vector.add(v);
      }
      item.put("index", i).put("object", "embedding");
    }
    root.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
    return root;
  }

  /** {@return a deterministic unit vector of {@link #N_EMBD} dimensions derived from the text} */
  static double[] vector(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    long state = 1125899906842597L;
    for (byte b : bytes) {
      state = 31 * state + b;
    }
    double[] v = new double[N_EMBD];
    double norm = 0;
    for (int i = 0; i < N_EMBD; i++) {
      state = state * 6364136223846793005L + 1442695040888963407L;
      v[i] = ((state >>> 11) / (double) (1L << 53)) * 2 - 1;
      norm += v[i] * v[i];
    }
    norm = Math.sqrt(norm);
    for (int i = 0; i < N_EMBD; i++) {
      v[i] /= norm;
    }
    return v;
  }

  private String fingerprint() {
    return "b" + config.rules().build() + "-fake";
  }

  private static long nowSeconds() {
    return System.currentTimeMillis() / 1000;
  }
}
