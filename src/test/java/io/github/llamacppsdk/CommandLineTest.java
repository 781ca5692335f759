package io.github.llamacppsdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Rendering a spec as argv + environment, and as a copy-pasteable shell line. */
@Timeout(10)
class CommandLineTest {

  @Test
  void rendersTheMinimalSpecWithTheAlwaysFlags() {
    assertThat(BootSpec.builder("/m/tiny.gguf").build().toCommandLine().argv()).containsExactly(
        "llama-server", "--model", "/m/tiny.gguf", "--alias", "tiny", "--host", "127.0.0.1",
        "--port", "8080", "--gpu-layers", "auto", "--flash-attn", "auto");
  }

  @Test
  void rendersEveryOptionalFlagInTheSeedOrder(@TempDir Path dir) throws Exception {
    String keyFile = Files.writeString(dir.resolve("key"), "k").toString();
    BootSpec spec = BootSpec.builder("/m/tiny.gguf").binaryPath("/opt/llama-server")
        .launcherArgs(List.of("taskset", "-c", "0")).host("[::1]").port(9001).ctxSize(512)
        .gpuLayers(GpuLayers.all()).threads(2).threadsBatch(3).parallel(4).flashAttn(FlashAttn.OFF)
        .embeddings(true).apiKeyFile(keyFile).apiPrefix("p/").timeoutSeconds(30).threadsHttp(5)
        .pooling(Pooling.LAST).extraArgs(List.of("--metrics")).build();

    assertThat(spec.toCommandLine().argv()).containsExactly("/opt/llama-server", "taskset", "-c", "0",
        "--model", "/m/tiny.gguf", "--alias", "tiny", "--host", "::1", "--port", "9001",
        "--ctx-size", "512", "--gpu-layers", "all", "--threads", "2", "--threads-batch", "3",
        "--parallel", "4", "--flash-attn", "off", "--embedding", "--api-key-file", keyFile,
        "--api-prefix", "/p", "--timeout", "30", "--threads-http", "5", "--pooling", "last",
        "--metrics");
    assertThat(spec.toCommandLine().environment()).isEmpty();
  }

  @Test
  void theInlineKeyTravelsInTheEnvironmentNeverInArgv() {
    CommandLine cl = BootSpec.builder("/m/tiny.gguf").apiKey("hunter2").build().toCommandLine();
    assertThat(cl.argv()).noneMatch(a -> a.contains("hunter2")).doesNotContain("--api-key");
    assertThat(cl.environment()).containsEntry("LLAMA_API_KEY", "hunter2");
    assertThat(cl.toString()).doesNotContain("hunter2").startsWith("LLAMA_API_KEY='****' llama-server ");
  }

  @Test
  void toStringIsAQuotedShellLineWithEnvironmentFirst() {
    CommandLine cl = BootSpec.builder("/models/my model's.gguf").alias("a b")
        .environment(Map.of("LLAMA_CACHE", "/var/cache", "HF_TOKEN", "t0k", "EMPTY", ""))
        .extraArgs(List.of("--chat-template", "{{x}}", "--hf-token=t0k2")).build().toCommandLine();

    assertThat(cl.toString()).isEqualTo("EMPTY='' HF_TOKEN='****' LLAMA_CACHE=/var/cache llama-server"
        + " --model '/models/my model'\\''s.gguf' --alias 'a b' --host 127.0.0.1 --port 8080"
        + " --gpu-layers auto --flash-attn auto --chat-template '{{x}}' '--hf-token=****'");
  }

  @Test
  void managedFlagsIncludeLongAndShortSpellings() {
    assertThat(BootSpec.managedFlags()).contains("--model", "-m", "--port", "--api-key", "-ngl",
        "--n-gpu-layers", "--embeddings", "-to").doesNotContain("--verbose", "--metrics");
  }

  @Test
  void flagsAreMaskedWhenTheirLastWordIsSecretAndVariablesWhenAnyWordIs() {
    CommandLine cl = BootSpec.builder("/m/tiny.gguf")
        .environment(Map.of("AWS_SECRET_ACCESS_KEY", "s1", "MY_APIKEY_VALUE", "s2", "LLAMA_CACHE", "/c"))
        .extraArgs(List.of("--hf-token", "t0k", "--fake-tokens-per-second", "25")).build().toCommandLine();

    assertThat(cl.toString()).contains("AWS_SECRET_ACCESS_KEY='****'", "MY_APIKEY_VALUE='****'", "LLAMA_CACHE=/c",
        "--hf-token '****'", "--fake-tokens-per-second 25").doesNotContain("s1", "s2", "t0k");
  }
}
