package io.github.llamacppsdk.internal.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.InvalidBootSpecException;
import io.github.llamacppsdk.core.MemoryEstimate;
import io.github.llamacppsdk.gguf.GgufModel;
import io.github.llamacppsdk.testkit.GgufFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MemoryEstimatorTest {
  @TempDir
  Path dir;

  private final MemoryEstimator estimator = new MemoryEstimator();

  /** 3 layers, embedding 64, 4 heads (kv heads 4), training context 1024. */
  private Path model() {
    return GgufFiles.tinyModel().layers(3).embeddingLength(64).contextLength(1024).write(dir.resolve("m.gguf"));
  }

  private static long overhead(long weights, long kv) {
    return (32L << 20) + (weights + kv) * 5 / 100;
  }

  @Test
  void weightsAreTheTensorBytesAndTheKvCacheFollowsTheModelShapeAtF16() {
    Path m = model();
    long weights = GgufModel.read(m).tensorBytes();

    MemoryEstimate e = estimator.estimate(BootSpec.builder(m).build());

    long kv = 2L * 3 * 1024 * (64 / 4 * 4) * 2; // 2 x blocks x ctx (the model's) x kv dims x f16
    assertThat(e.source()).isEqualTo(MemoryEstimate.Source.MODEL_METADATA);
    assertThat(e.parts()).containsExactly(Map.entry("weights", weights), Map.entry("kv_cache", kv),
        Map.entry("overhead", overhead(weights, kv)));
    assertThat(e.bytes()).isEqualTo(weights + kv + overhead(weights, kv));
    assertThat(e.basis()).contains("the model's training context", "f16 + f16");
  }

  @Test
  void theSpecsContextSizeAndCacheTypesChangeTheKvCache() {
    Path m = model();
    long weights = GgufModel.read(m).tensorBytes();

    MemoryEstimate e = estimator.estimate(BootSpec.builder(m).ctxSize(4096)
        .extraArgs(List.of("-ctk", "q8_0", "--cache-type-v=f32")).build());

    long kv = 3L * 4096 * 64 * (34 + 128) / 32; // q8_0 is 34 bytes per 32 values, f32 is 4 bytes
    assertThat(e.parts().get("kv_cache")).isEqualTo(kv);
    assertThat(e.bytes()).isEqualTo(weights + kv + overhead(weights, kv));
    assertThat(e.basis()).contains("4096 ctx (ctx_size)", "q8_0 + f32");
  }

  @Test
  void aDeclaredEstimateReplacesTheMetadataAndIsNotPartOfIdentity() {
    Path m = model();
    BootSpec declared = BootSpec.fromMap(Map.of("model", m.toString(), "memory_estimate_bytes", 5_000_000_000L));
    BootSpec built = BootSpec.builder(m).memoryEstimateBytes(5_000_000_000L).build();

    assertThat(estimator.estimate(declared)).isEqualTo(MemoryEstimate.declared(5_000_000_000L,
        "memory_estimate_bytes"));
    assertThat(built.memoryEstimateBytes()).isEqualTo(OptionalLong.of(5_000_000_000L));
    assertThat(built).isEqualTo(BootSpec.builder(m).build());
    assertThat(built.instanceKey()).isEqualTo(BootSpec.builder(m).build().instanceKey());
    assertThat(built.toBuilder().build().memoryEstimateBytes()).isEqualTo(built.memoryEstimateBytes());
    assertThat(built.toString()).contains("memoryEstimateBytes=5000000000");
  }

  @Test
  void aNegativeOrNonNumericDeclarationIsRejected() {
    assertThatThrownBy(() -> BootSpec.fromMap(Map.of("model", "/m.gguf", "memory_estimate_bytes", -1)))
        .isInstanceOf(InvalidBootSpecException.class).hasMessageContaining("memory_estimate_bytes");
    assertThatThrownBy(() -> BootSpec.fromMap(Map.of("model", "/m.gguf", "memory_estimate_bytes", "lots")))
        .isInstanceOf(InvalidBootSpecException.class).hasMessageContaining("memory_estimate_bytes");
  }

  @Test
  void anUnreadableModelGivesAnUnknownEstimate() throws Exception {
    Path notGguf = Files.writeString(dir.resolve("x.gguf"), "hello, not a model");
    assertThat(estimator.estimate(BootSpec.builder(notGguf).build()).source())
        .isEqualTo(MemoryEstimate.Source.UNKNOWN);
    assertThat(estimator.estimate(BootSpec.builder(dir.resolve("missing.gguf")).build()).bytes()).isZero();
  }

  @Test
  void aRewrittenModelIsReadAgain() {
    Path m = model();
    long first = estimator.estimate(BootSpec.builder(m).build()).bytes();
    GgufFiles.tinyModel().layers(6).embeddingLength(64).contextLength(1024).write(m);
    assertThat(estimator.estimate(BootSpec.builder(m).build()).bytes()).isGreaterThan(first);
  }

  @Test
  void residentMemoryIsVmRssInBytes() {
    assertThat(ResidentMemory.parseVmRss("Name:\tx\nVmPeak:\t  999 kB\nVmRSS:\t   23088 kB\nRssAnon: 1 kB\n"))
        .isEqualTo(OptionalLong.of(23088L * 1024));
    assertThat(ResidentMemory.parseVmRss("Name:\tzombie\nState:\tZ\n")).isEmpty();
    assertThat(ResidentMemory.readNow(dir.resolve("no-such-status"))).isEmpty();
    if (Files.exists(Path.of("/proc/self/status"))) {
      assertThat(new ResidentMemory().read(ProcessHandle.current().pid()).orElseThrow()).isGreaterThan(1 << 20);
    }
  }
}
