package io.github.llamacppsdk;

import io.github.llamacppsdk.core.Secret;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.llamacppsdk.core.ErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The seed's BootSpec tests (§16.1, 1-6), adapted where the Java port fixes the seed. */
@Timeout(10)
class BootSpecSeedTest {

  static Map<String, Object> quickStart() {
    Map<String, Object> m = new HashMap<>();
    m.put("model", "/models/demo.gguf");
    m.put("alias", "demo-model");
    m.put("host", "0.0.0.0");
    m.put("port", 8088);
    m.put("ctx_size", 16384);
    m.put("gpu_layers", 99);
    m.put("threads", 8);
    m.put("threads_batch", 4);
    m.put("parallel", 3);
    m.put("flash_attn", "auto");
    m.put("embeddings", true);
    m.put("api_key", "fixture-token");
    m.put("api_prefix", "/proxy");
    m.put("timeout_seconds", 120);
    m.put("extra_args", List.of("--verbose", "--no-webui"));
    m.put("environment", Map.of("LLAMA_CACHE", "/var/lib/llama-cache"));
    return m;
  }

  @Test
  void seed1NormalisesTheQwenSpec() {
    Map<String, Object> m = new HashMap<>();
    m.put("model", "/models/Qwen3-14B-Instruct-Q4_K_M.gguf");
    m.put("port", 8091);
    m.put("ctx_size", 8192);
    m.put("gpu_layers", "all");
    m.put("threads", 6);
    m.put("parallel", 2);
    m.put("flash_attn", true);
    m.put("embeddings", true);
    m.put("api_key", "local-token");
    m.put("api_prefix", "/llama");
    m.put("environment", Map.of("LLAMA_CACHE", "/tmp/llama-cache"));
    m.put("metadata", Map.of("owner", "test"));

    BootSpec spec = BootSpec.fromMap(m);

    assertThat(spec.binaryPath()).isEqualTo("llama-server");
    assertThat(spec.launcherArgs()).isEmpty();
    assertThat(spec.alias()).isEqualTo("Qwen3-14B-Instruct-Q4_K_M");
    assertThat(spec.modelIdentity()).isEqualTo("Qwen3-14B-Instruct-Q4_K_M");
    assertThat(spec.host()).isEqualTo("127.0.0.1");
    assertThat(spec.gpuLayers()).isEqualTo(GpuLayers.all());
    assertThat(spec.flashAttn()).isEqualTo(FlashAttn.ON);
    assertThat(spec.executionSurface()).containsExactly(Map.entry("surface_kind", "local_subprocess"));
    assertThat(spec.rootUrl()).isEqualTo("http://127.0.0.1:8091");
    assertThat(spec.baseUrl()).isEqualTo("http://127.0.0.1:8091/llama/v1");
    // The fix: a real llama-server serves /health under the prefix only.
    assertThat(spec.healthUrl()).isEqualTo("http://127.0.0.1:8091/llama/health");
    assertThat(spec.apiKey()).contains(Secret.of("local-token"));
    assertThat(spec.environment()).containsExactly(Map.entry("LLAMA_CACHE", "/tmp/llama-cache"));
    assertThat(spec.metadata()).containsExactly(Map.entry("owner", "test"));
  }

  @Test
  void seed2KeepsTheKeyFileForLaunch(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("key"), "file-token\n");

    BootSpec spec = BootSpec.fromMap(Map.of("model", "/m/a.gguf", "api_key_file", file.toString()));

    assertThat(spec.apiKeyFile()).contains(file.toString());
    assertThat(spec.apiKey()).isEmpty();
    assertThat(spec.toString()).doesNotContain("file-token");
  }

  @Test
  void seed3RendersTheQuickStartSpecWithTheKeyInTheEnvironment() {
    CommandLine cl = BootSpec.fromMap(quickStart()).toCommandLine();

    assertThat(cl.argv()).containsExactly("llama-server",
        "--model", "/models/demo.gguf", "--alias", "demo-model", "--host", "0.0.0.0",
        "--port", "8088", "--ctx-size", "16384", "--gpu-layers", "99", "--threads", "8",
        "--threads-batch", "4", "--parallel", "3", "--flash-attn", "auto", "--embedding",
        "--api-prefix", "/proxy", "--timeout", "120", "--verbose", "--no-webui");
    assertThat(cl.program()).isEqualTo("llama-server");
    assertThat(cl.environment()).containsExactly(
        Map.entry("LLAMA_API_KEY", "fixture-token"),
        Map.entry("LLAMA_CACHE", "/var/lib/llama-cache"));
  }

  @Test
  void seed4MetadataDoesNotChangeIdentityButThePortDoes() {
    Map<String, Object> a = Map.of("model", "/m/x.gguf", "alias", "x", "port", 8092,
        "metadata", Map.of("deployment", "a"));
    Map<String, Object> b = Map.of("model", "/m/x.gguf", "alias", "x", "port", 8092,
        "metadata", Map.of("deployment", "b"));
    Map<String, Object> c = Map.of("model", "/m/x.gguf", "alias", "x", "port", 8093);

    assertThat(BootSpec.fromMap(a).instanceKey()).isEqualTo(BootSpec.fromMap(b).instanceKey());
    assertThat(BootSpec.fromMap(a)).isEqualTo(BootSpec.fromMap(b));
    assertThat(BootSpec.fromMap(a).instanceKey()).isNotEqualTo(BootSpec.fromMap(c).instanceKey());
    assertThat(BootSpec.fromMap(a)).isNotEqualTo(BootSpec.fromMap(c));
  }

  @Test
  void seed5RejectsUnixSocketHosts() {
    InvalidBootSpecException e = catchThrowableOfType(InvalidBootSpecException.class,
        () -> BootSpec.fromMap(Map.of("model", "/m/x.gguf", "host", "/tmp/llama.sock")));

    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SPEC);
    assertThat(e.violations()).singleElement().satisfies(v -> {
      assertThat(v.field()).isEqualTo("host");
      assertThat(v.value()).isEqualTo("\"/tmp/llama.sock\"");
      assertThat(v.reason()).contains("Unix-socket hosts are not supported");
    });
  }

  @Test
  void seed6RejectsTheSshSurface() {
    assertThatThrownBy(() -> BootSpec.fromMap(Map.of("model", "/m/x.gguf",
        "execution_surface", Map.of("surface_kind", "ssh_exec"))))
        .isInstanceOfSatisfying(InvalidBootSpecException.class, e ->
            assertThat(e.violations()).singleElement().satisfies(v -> {
              assertThat(v.field()).isEqualTo("execution_surface");
              assertThat(v.value()).isEqualTo("\"ssh_exec\"");
              assertThat(v.reason()).contains("not supported yet");
            }));
  }
}
