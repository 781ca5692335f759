package io.github.llamacppsdk.internal.fake;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The parsed command line of the fake server, keyed by each flag's canonical long name; values were
 * validated by {@link FakeArgs}. Immutable. Not API.
 */
public final class FakeConfig {
  /** The training context of the pretend model, used when {@code --ctx-size} is 0 or absent. */
  static final int N_CTX_TRAIN = 4096;

  private final Map<String, String> values;
  private final FakeBuildRules rules;

  FakeConfig(Map<String, String> values, FakeBuildRules rules) {
    this.values = Map.copyOf(values);
    this.rules = rules;
  }

  /** {@return the behaviour of the build this fake plays} */
  FakeBuildRules rules() {
    return rules;
  }

  /** {@return this configuration with {@code --model} set (the file a {@code --hf-repo} pull gave)} */
  FakeConfig withModel(java.nio.file.Path model) {
    Map<String, String> v = new java.util.LinkedHashMap<>(values);
    v.put("--model", model.toString());
    return new FakeConfig(v, rules);
  }

  Optional<String> string(String name) {
    return Optional.ofNullable(values.get(name));
  }

  int integer(String name, int fallback) {
    return string(name).map(Integer::parseInt).orElse(fallback);
  }

  /** {@return whether a flag was turned on (by any of its names or its variable)} */
  boolean flag(String name) {
    return "true".equals(values.get(name));
  }

  /** {@return whether a flag was turned off ({@code --no-x} or a falsy variable)} */
  boolean off(String name) {
    return "false".equals(values.get(name));
  }

  Optional<Duration> millis(String name) {
    return string(name).map(v -> Duration.ofMillis(Long.parseLong(v)));
  }

  Optional<Path> model() {
    return string("--model").map(Path::of);
  }

  String host() {
    return string("--host").orElse("127.0.0.1");
  }

  int port() {
    return integer("--port", 8080);
  }

  /** {@return the aliases in sorted order, as llama-server keeps them in a std::set} */
  List<String> aliases() {
    TreeSet<String> set = new TreeSet<>();
    string("--alias").ifPresent(a -> {
      for (String s : a.split(",")) {
        if (!s.isEmpty()) {
          set.add(s);
        }
      }
    });
    return List.copyOf(set);
  }

  /**
   * {@return the model id: the first alias, else the {@code --model} argument as given, or its file
   * name with the extension on builds that use the file name}
   */
  String modelName() {
    List<String> aliases = aliases();
    if (!aliases.isEmpty()) {
      return aliases.get(0);
    }
    if (!rules.modelIdIsFileName()) {
      return string("--model").orElse("");
    }
    return model().map(p -> p.getFileName() == null ? p.toString() : p.getFileName().toString()).orElse("");
  }

  int slots() {
    int n = integer("--parallel", -1);
    return n <= 0 ? 4 : n;
  }

  int contextSize() {
    int n = integer("--ctx-size", 0);
    return n <= 0 ? N_CTX_TRAIN : n;
  }

  String prefix() {
    String p = string("--api-prefix").orElse("");
    return p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
  }

  boolean embeddings() {
    return flag("--embedding");
  }

  /**
   * {@return the API keys: {@code --api-key} (comma list, or {@code LLAMA_API_KEY}) plus every
   * non-empty line of {@code --api-key-file}, untrimmed as in llama-server}
   *
   * @throws FakeArgs.UsageError if the key file cannot be read
   */
  List<String> apiKeys() throws FakeArgs.UsageError {
    List<String> keys = new ArrayList<>();
    string("--api-key").ifPresent(k -> {
      for (String s : k.split(",")) {
        if (!s.isEmpty()) {
          keys.add(s);
        }
      }
    });
    Optional<String> file = string("--api-key-file");
    if (file.isPresent()) {
      try {
        for (String line : Files.readString(Path.of(file.get()), StandardCharsets.UTF_8).split("\n")) {
          if (!line.isEmpty()) {
            keys.add(line);
          }
        }
      } catch (IOException e) {
        throw new FakeArgs.UsageError("error while handling argument \"--api-key-file\": error: failed to open file '"
            + file.get() + "'");
      }
    }
    return List.copyOf(keys);
  }
}
