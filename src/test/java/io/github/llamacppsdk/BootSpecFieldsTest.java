package io.github.llamacppsdk;

import io.github.llamacppsdk.core.Secret;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every field of {@link BootSpec}: defaults, each valid form, each invalid form. */
@Timeout(10)
class BootSpecFieldsTest {
  private static final String MODEL = "/models/tiny.gguf";

  static BootSpec spec(String key, Object value) {
    Map<String, Object> m = new HashMap<>();
    m.put("model", MODEL);
    m.put(key, value);
    return BootSpec.fromMap(m);
  }

  static List<Violation> violations(String key, Object value) {
    return catchThrowableOfType(InvalidBootSpecException.class, () -> spec(key, value)).violations();
  }

  private static Arguments v(String key, Object input, Function<BootSpec, Object> read, Object expected) {
    return arguments(key, input, read, expected);
  }

  static Stream<Arguments> defaults() {
    return Stream.of(
        v("binary_path", null, BootSpec::binaryPath, "llama-server"),
        v("launcher_args", null, BootSpec::launcherArgs, List.of()),
        v("alias", null, BootSpec::alias, "tiny"),
        v("model_identity", null, BootSpec::modelIdentity, "tiny"),
        v("host", null, BootSpec::host, "127.0.0.1"),
        v("port", null, BootSpec::port, 8080),
        v("api_prefix", null, BootSpec::apiPrefix, ""),
        v("ctx_size", null, BootSpec::ctxSize, OptionalInt.empty()),
        v("gpu_layers", null, BootSpec::gpuLayers, GpuLayers.auto()),
        v("threads", null, BootSpec::threads, OptionalInt.empty()),
        v("threads_batch", null, BootSpec::threadsBatch, OptionalInt.empty()),
        v("parallel", null, BootSpec::parallel, OptionalInt.empty()),
        v("flash_attn", null, BootSpec::flashAttn, FlashAttn.AUTO),
        v("embeddings", null, BootSpec::embeddings, false),
        v("api_key", null, BootSpec::apiKey, Optional.empty()),
        v("api_key_file", null, BootSpec::apiKeyFile, Optional.empty()),
        v("timeout_seconds", null, BootSpec::timeoutSeconds, OptionalInt.empty()),
        v("threads_http", null, BootSpec::threadsHttp, OptionalInt.empty()),
        v("pooling", null, BootSpec::pooling, Optional.empty()),
        v("ready_timeout_ms", null, BootSpec::readyTimeout, Duration.ofSeconds(120)),
        v("readiness_interval_ms", null, BootSpec::readinessInterval, Duration.ofMillis(100)),
        v("health_interval_ms", null, BootSpec::healthInterval, Optional.of(Duration.ofSeconds(1))),
        v("stop_timeout_ms", null, BootSpec::stopTimeout, Duration.ofSeconds(10)),
        v("stall_timeout_ms", null, BootSpec::stallTimeout, Duration.ofSeconds(60)),
        v("idle_shutdown_ms", null, BootSpec::idleShutdown, Optional.empty()),
        v("execution_surface", null, BootSpec::executionSurface, Map.of("surface_kind", "local_subprocess")),
        v("environment", null, BootSpec::environment, Map.of()),
        v("extra_args", null, BootSpec::extraArgs, List.of()),
        v("metadata", null, BootSpec::metadata, Map.of()));
  }

  @ParameterizedTest(name = "{0} absent or null -> default")
  @MethodSource("defaults")
  void explicitNullMeansAbsent(String key, Object input, Function<BootSpec, Object> read, Object expected) {
    assertThat(read.apply(BootSpec.fromMap(Map.of("model", MODEL)))).isEqualTo(expected);
    if (!key.equals("headers")) {
      assertThat(read.apply(spec(key, null))).isEqualTo(expected);
    }
  }

  static Stream<Arguments> validForms() {
    return Stream.of(
        v("binary_path", "/opt/llama/llama-server", BootSpec::binaryPath, "/opt/llama/llama-server"),
        v("binary_path", Path.of("/opt/bin/ls"), BootSpec::binaryPath, "/opt/bin/ls"),
        v("launcher_args", List.of("nice", "-n", "5"), BootSpec::launcherArgs, List.of("nice", "-n", "5")),
        v("alias", "my model", BootSpec::alias, "my model"),
        v("alias", "qwen", BootSpec::modelIdentity, "qwen"),
        v("model_identity", "org/qwen", BootSpec::modelIdentity, "org/qwen"),
        v("host", "localhost", BootSpec::host, "localhost"),
        v("host", "::1", BootSpec::host, "::1"),
        v("host", "[::1]", BootSpec::host, "::1"),
        v("host", "[::1]", BootSpec::rootUrl, "http://[::1]:8080"),
        v("host", "::1", BootSpec::rootUrl, "http://[::1]:8080"),
        v("host", "0.0.0.0", BootSpec::host, "0.0.0.0"),
        v("host", "0.0.0.0", BootSpec::baseUrl, "http://127.0.0.1:8080/v1"),
        v("host", "::", BootSpec::healthUrl, "http://[::1]:8080/health"),
        v("host", "[::]", BootSpec::host, "::"),
        v("host", "192.168.1.5", BootSpec::rootUrl, "http://192.168.1.5:8080"),
        v("port", 0, BootSpec::port, 0),
        v("port", 1, BootSpec::port, 1),
        v("port", 65535L, BootSpec::port, 65535),
        v("port", BigInteger.valueOf(9000), BootSpec::port, 9000),
        v("port", (short) 8081, BootSpec::port, 8081),
        v("api_prefix", "", BootSpec::apiPrefix, ""),
        v("api_prefix", "/", BootSpec::apiPrefix, ""),
        v("api_prefix", "llama/", BootSpec::apiPrefix, "/llama"),
        v("api_prefix", "/proxy", BootSpec::apiPrefix, "/proxy"),
        v("api_prefix", "/a/b///", BootSpec::apiPrefix, "/a/b"),
        v("api_prefix", "/p", BootSpec::healthUrl, "http://127.0.0.1:8080/p/health"),
        v("api_prefix", "/p", BootSpec::modelsUrl, "http://127.0.0.1:8080/p/v1/models"),
        v("ctx_size", 8192, BootSpec::ctxSize, OptionalInt.of(8192)),
        v("ctx_size", (long) Integer.MAX_VALUE, BootSpec::ctxSize, OptionalInt.of(Integer.MAX_VALUE)),
        v("gpu_layers", "auto", BootSpec::gpuLayers, GpuLayers.auto()),
        v("gpu_layers", "all", BootSpec::gpuLayers, GpuLayers.all()),
        v("gpu_layers", 0, BootSpec::gpuLayers, GpuLayers.count(0)),
        v("gpu_layers", 99, BootSpec::gpuLayers, GpuLayers.count(99)),
        v("gpu_layers", GpuLayers.all(), BootSpec::gpuLayers, GpuLayers.all()),
        v("threads", 6, BootSpec::threads, OptionalInt.of(6)),
        v("threads_batch", 4, BootSpec::threadsBatch, OptionalInt.of(4)),
        v("parallel", 2, BootSpec::parallel, OptionalInt.of(2)),
        v("flash_attn", true, BootSpec::flashAttn, FlashAttn.ON),
        v("flash_attn", false, BootSpec::flashAttn, FlashAttn.OFF),
        v("flash_attn", "on", BootSpec::flashAttn, FlashAttn.ON),
        v("flash_attn", "off", BootSpec::flashAttn, FlashAttn.OFF),
        v("flash_attn", "auto", BootSpec::flashAttn, FlashAttn.AUTO),
        v("flash_attn", FlashAttn.OFF, BootSpec::flashAttn, FlashAttn.OFF),
        v("embeddings", true, BootSpec::embeddings, true),
        v("embeddings", false, BootSpec::embeddings, false),
        v("api_key", " spaced key ", BootSpec::apiKey, Optional.of(Secret.of(" spaced key "))),
        v("api_key", Secret.of("s"), BootSpec::apiKey, Optional.of(Secret.of("s"))),
        v("timeout_seconds", 120, BootSpec::timeoutSeconds, OptionalInt.of(120)),
        v("threads_http", 3, BootSpec::threadsHttp, OptionalInt.of(3)),
        v("pooling", "none", BootSpec::pooling, Optional.of(Pooling.NONE)),
        v("pooling", "mean", BootSpec::pooling, Optional.of(Pooling.MEAN)),
        v("pooling", "cls", BootSpec::pooling, Optional.of(Pooling.CLS)),
        v("pooling", "last", BootSpec::pooling, Optional.of(Pooling.LAST)),
        v("pooling", "rank", BootSpec::pooling, Optional.of(Pooling.RANK)),
        v("ready_timeout_ms", 500, BootSpec::readyTimeout, Duration.ofMillis(500)),
        v("ready_timeout_ms", Duration.ofMinutes(3), BootSpec::readyTimeout, Duration.ofMinutes(3)),
        v("readiness_interval_ms", 25, BootSpec::readinessInterval, Duration.ofMillis(25)),
        v("health_interval_ms", 250, BootSpec::healthInterval, Optional.of(Duration.ofMillis(250))),
        v("health_interval_ms", 0, BootSpec::healthInterval, Optional.empty()),
        v("stop_timeout_ms", 3000L, BootSpec::stopTimeout, Duration.ofSeconds(3)),
        v("stall_timeout_ms", 1000, BootSpec::stallTimeout, Duration.ofSeconds(1)),
        v("idle_shutdown_ms", 30000, BootSpec::idleShutdown, Optional.of(Duration.ofSeconds(30))),
        v("execution_surface", Map.of("surface_kind", "local_subprocess", "x", List.of(1)),
            BootSpec::executionSurface, Map.of("surface_kind", "local_subprocess", "x", List.of(1))),
        v("execution_surface", Map.of("target_id", "t"), BootSpec::executionSurface,
            Map.of("surface_kind", "local_subprocess", "target_id", "t")),
        v("environment", Map.of("A", "x", "N", 3, "B", true, "F", 1.5, "L", 5_000_000_000L),
            BootSpec::environment, Map.of("A", "x", "N", "3", "B", "true", "F", "1.5", "L", "5000000000")),
        v("extra_args", List.of("--verbose", "--metrics", "--no-webui"), BootSpec::extraArgs,
            List.of("--verbose", "--metrics", "--no-webui")),
        v("extra_args", List.of("--model-url", "u", "-mg", "0"), BootSpec::extraArgs,
            List.of("--model-url", "u", "-mg", "0")),
        v("metadata", Map.of("deployment", "a", "n", List.of(1, 2)), BootSpec::metadata,
            Map.of("deployment", "a", "n", List.of(1, 2))));
  }

  @ParameterizedTest(name = "{0} = {1}")
  @MethodSource("validForms")
  void acceptsValidForms(String key, Object input, Function<BootSpec, Object> read, Object expected) {
    assertThat(read.apply(spec(key, input))).isEqualTo(expected);
  }

  static Stream<Arguments> invalidForms() {
    return Stream.of(
        arguments("binary_path", "", "\"\"", "empty"),
        arguments("binary_path", "  ", "\"  \"", "blank"),
        arguments("binary_path", 5, "5", "must be a path"),
        arguments("launcher_args", "nice", "\"nice\"", "list of strings"),
        arguments("launcher_args", Arrays.asList("a", null), "null", "element 1 must be a string"),
        arguments("launcher_args", List.of("a", 3), "3", "element 1 must be a string"),
        arguments("model", "", "\"\"", "empty"),
        arguments("model", 12, "12", "must be a path"),
        arguments("alias", "", "\"\"", "empty"),
        arguments("alias", 7, "7", "must be text"),
        arguments("model_identity", "", "\"\"", "empty"),
        arguments("model_identity", List.of(), "[]", "must be text"),
        arguments("host", "", "\"\"", "empty"),
        arguments("host", 127, "127", "must be text"),
        arguments("host", "/tmp/llama.sock", "\"/tmp/llama.sock\"", "Unix-socket"),
        arguments("host", "http://localhost", "\"http://localhost\"", "not a URL or path"),
        arguments("host", "a b", "\"a b\"", "not a URL or path"),
        arguments("host", "[::1", "\"[::1\"", "brackets"),
        arguments("host", "[localhost]", "\"[localhost]\"", "brackets"),
        arguments("host", "llama_box", "\"llama_box\"", "no '_'"),
        arguments("host", "localhost:8080", "\"localhost:8080\"", "not a host name a URL can carry"),
        arguments("port", -1, "-1", "from 0 to 65535"),
        arguments("port", 70000, "70000", "from 0 to 65535"),
        arguments("port", "8080", "\"8080\"", "got text"),
        arguments("port", 8080.0, "8080.0", "fraction"),
        arguments("port", new BigInteger("99999999999999999999"), "99999999999999999999", "from 0 to 65535"),
        arguments("api_prefix", 5, "5", "must be text"),
        arguments("api_prefix", "/a b", "\"/a b\"", "plain URL path"),
        arguments("api_prefix", "/a?x", "\"/a?x\"", "plain URL path"),
        arguments("ctx_size", 0, "0", "from 1 to"),
        arguments("ctx_size", -5, "-5", "from 1 to"),
        arguments("ctx_size", 1L << 40, Long.toString(1L << 40), "from 1 to"),
        arguments("ctx_size", "8192", "\"8192\"", "got text"),
        arguments("gpu_layers", -1, "-1", "\"auto\", \"all\""),
        arguments("gpu_layers", "99", "\"99\"", "not text"),
        arguments("gpu_layers", "max", "\"max\"", "\"auto\", \"all\""),
        arguments("gpu_layers", 1.5, "1.5", "\"auto\", \"all\""),
        arguments("threads", 0, "0", "from 1 to"),
        arguments("threads_batch", -1, "-1", "from 1 to"),
        arguments("parallel", true, "true", "got a boolean"),
        arguments("flash_attn", "yes", "\"yes\"", "\"on\", \"off\""),
        arguments("flash_attn", 1, "1", "\"on\", \"off\""),
        arguments("embeddings", "true", "\"true\"", "true or false"),
        arguments("embeddings", 1, "1", "true or false"),
        arguments("api_key", "", "\"\"", "must not be empty"),
        arguments("api_key", 42, "****", "must be text"),
        arguments("api_key", "a\nb", "****", "line breaks"),
        arguments("api_key_file", "", "\"\"", "empty"),
        arguments("api_key_file", 3, "3", "must be a path"),
        arguments("timeout_seconds", 0, "0", "from 1 to"),
        arguments("threads_http", -2, "-2", "from 1 to"),
        arguments("pooling", "max", "\"max\"", "\"none\", \"mean\""),
        arguments("pooling", "MEAN", "\"MEAN\"", "\"none\", \"mean\""),
        arguments("ready_timeout_ms", 0, "0", "> 0"),
        arguments("ready_timeout_ms", -100, "-100", "> 0"),
        arguments("ready_timeout_ms", "5000", "\"5000\"", "got text"),
        arguments("ready_timeout_ms", Duration.ZERO, "0", "> 0"),
        arguments("readiness_interval_ms", 0, "0", "> 0"),
        arguments("health_interval_ms", -1, "-1", ">= 0"),
        arguments("stop_timeout_ms", 0, "0", "> 0"),
        arguments("stall_timeout_ms", 2.5, "2.5", "fraction"),
        arguments("idle_shutdown_ms", 0, "0", "> 0"),
        arguments("execution_surface", "local_subprocess", "\"local_subprocess\"", "must be a map"),
        arguments("execution_surface", Map.of("surface_kind", "guest_bridge"), "\"guest_bridge\"", "not supported yet"),
        arguments("execution_surface", Map.of("surface_kind", "carrier_pigeon"), "\"carrier_pigeon\"", "only supported"),
        arguments("execution_surface", Map.of("opts", new Object()), null, "JSON-like"),
        arguments("environment", List.of("A=b"), "[A=b]", "must be a map"),
        arguments("environment", Map.of("LLAMA_API_KEY", "k"), "LLAMA_API_KEY", "set api_key"),
        arguments("environment", Map.of("X", List.of()), "X", "text, a number or a boolean"),
        arguments("environment", Map.of("A=B", "c"), "\"A=B\"", "without '='"),
        arguments("extra_args", "--verbose", "\"--verbose\"", "list of strings"),
        arguments("extra_args", List.of("--verbose", 1), "1", "element 1 must be a string"),
        arguments("metadata", List.of(), "[]", "must be a map"),
        arguments("metadata", Map.of(1, "x"), "1", "keys must be text"));
  }

  @ParameterizedTest(name = "{0} = {1} is rejected")
  @MethodSource("invalidForms")
  void rejectsInvalidForms(String key, Object input, String shownValue, String reasonPart) {
    assertThat(violations(key, input)).singleElement().satisfies(v -> {
      assertThat(v.field()).isEqualTo(key);
      if (shownValue != null) {
        assertThat(v.value()).isEqualTo(shownValue);
      }
      assertThat(v.reason()).contains(reasonPart);
    });
  }

  static Stream<Arguments> managedExtraArgs() {
    return Stream.of(
        arguments("--model", "model"), arguments("-m", "model"), arguments("--alias", "alias"),
        arguments("-a", "alias"), arguments("--host", "host"), arguments("--port", "port"),
        arguments("--port=9000", "port"), arguments("--api-key", "api_key"),
        arguments("--api-key-file", "api_key_file"), arguments("--api-prefix", "api_prefix"),
        arguments("--ctx-size", "ctx_size"), arguments("-c", "ctx_size"),
        arguments("--gpu-layers", "gpu_layers"), arguments("-ngl", "gpu_layers"),
        arguments("--n-gpu-layers=10", "gpu_layers"), arguments("--threads", "threads"),
        arguments("-t", "threads"), arguments("--threads-batch", "threads_batch"),
        arguments("-tb", "threads_batch"), arguments("--parallel", "parallel"),
        arguments("-np", "parallel"), arguments("--flash-attn", "flash_attn"),
        arguments("-fa", "flash_attn"), arguments("--embedding", "embeddings"),
        arguments("--embeddings", "embeddings"), arguments("--timeout", "timeout_seconds"),
        arguments("-to", "timeout_seconds"), arguments("--threads-http", "threads_http"),
        arguments("--pooling=mean", "pooling"));
  }

  @ParameterizedTest(name = "extra_args {0} fights {1}")
  @MethodSource("managedExtraArgs")
  void rejectsExtraArgsThatRepeatAManagedFlag(String arg, String owner) {
    assertThat(violations("extra_args", List.of("--verbose", arg, "x"))).singleElement().satisfies(v -> {
      assertThat(v.field()).isEqualTo("extra_args");
      assertThat(v.reason()).contains("set \"" + owner + "\" instead");
    });
    assertThat(BootSpec.managedFlags()).contains(arg.replaceFirst("=.*", ""));
  }

  @Test
  void aSecretInAConflictingExtraArgIsMasked() {
    assertThat(violations("extra_args", List.of("--api-key=hunter2"))).singleElement()
        .satisfies(v -> assertThat(v.value()).isEqualTo("\"--api-key=****\""));
  }

  @Test
  void modelIsRequired() {
    List<Violation> vs = catchThrowableOfType(InvalidBootSpecException.class,
        () -> BootSpec.fromMap(Map.of("port", 9000))).violations();
    assertThat(vs).singleElement().satisfies(v -> {
      assertThat(v.field()).isEqualTo("model");
      assertThat(v.value()).isEqualTo("null");
      assertThat(v.reason()).contains("required");
    });
  }

  @ParameterizedTest(name = "model {0} -> alias {1}")
  @MethodSource("aliases")
  void derivesTheAliasFromTheModelFileName(String model, String alias) {
    assertThat(BootSpec.fromMap(Map.of("model", model)).alias()).isEqualTo(alias);
  }

  static Stream<Arguments> aliases() {
    return Stream.of(
        arguments("/models/Qwen3-14B-Instruct-Q4_K_M.gguf", "Qwen3-14B-Instruct-Q4_K_M"),
        arguments("demo.gguf", "demo"), arguments("a.b.gguf", "a.b"), arguments("noext", "noext"),
        arguments("model.", "model."), arguments("/models/dir/", "dir"));
  }

  @Test
  void anEmptyDerivedAliasIsAClearViolation() {
    assertThat(catchThrowableOfType(InvalidBootSpecException.class,
        () -> BootSpec.fromMap(Map.of("model", "/models/.gguf"))).violations())
        .singleElement().satisfies(v -> {
          assertThat(v.field()).isEqualTo("alias");
          assertThat(v.reason()).contains("/models/.gguf").contains("set alias explicitly");
        });
    assertThat(BootSpec.fromMap(Map.of("model", "/models/.gguf", "alias", "x")).alias()).isEqualTo("x");
  }
}
