package io.github.llamacppsdk.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The GGUF files of the testkit: header-only and loadable. */
class GgufFilesTest {
  private static final int VOCAB = 304;
  @TempDir Path tmp;

  /** F32 bytes of the default model's tensors: embeddings + output + norms + 2 layers (each 32-aligned already). */
  private static long tensorBytes(int embd, int layers, int ff) {
    long perLayer = 2L * embd + 4L * embd * embd + 3L * embd * ff;
    return 4L * (2L * embd * VOCAB + embd + layers * perLayer);
  }

  @Test
  void headerOnlyModelIsTheTwentyFourByteHeader() throws IOException {
    Path p = GgufFiles.writeTinyModel(tmp.resolve("sub/h.gguf"));

    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(b.remaining()).isEqualTo(24);
    assertThat(GgufFiles.hasGgufMagic(p)).isTrue();
    assertThat(b.getInt(4)).isEqualTo(3);
    assertThat(b.getLong(8)).isZero();
    assertThat(b.getLong(16)).isZero();
  }

  @Test
  void loadableModelHasTheHeaderCountsAndAlignedDataOfTheLlamaLayout() throws IOException {
    Path p = GgufFiles.writeLoadableModel(tmp.resolve("m.gguf"));

    byte[] bytes = Files.readAllBytes(p);
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(GgufFiles.hasGgufMagic(p)).isTrue();
    assertThat(b.getInt(4)).as("version").isEqualTo(3);
    assertThat(b.getLong(8)).as("tensors").isEqualTo(3 + 9 * 2);
    assertThat(b.getLong(16)).as("metadata entries").isEqualTo(22);
    long metaBytes = bytes.length - tensorBytes(64, 2, 128);
    assertThat(metaBytes).as("metadata part").isPositive();
    assertThat(metaBytes % 32).as("data section starts 32-aligned").isZero();
  }

  @Test
  void sameShapeGivesTheSameBytes() throws IOException {
    Path a = GgufFiles.writeLoadableModel(tmp.resolve("a.gguf"));
    Path b = GgufFiles.tinyModel().write(tmp.resolve("b.gguf"));

    assertThat(Files.mismatch(a, b)).isEqualTo(-1L);
  }

  @Test
  void optionsChangeTheShape() throws IOException {
    Path base = GgufFiles.writeLoadableModel(tmp.resolve("base.gguf"));
    Path wide = GgufFiles.tinyModel().feedForwardLength(4096).write(tmp.resolve("wide.gguf"));
    Path deep = GgufFiles.tinyModel().layers(3).embeddingLength(128).contextLength(2048).write(tmp.resolve("deep.gguf"));

    long baseMeta = Files.size(base) - tensorBytes(64, 2, 128);
    assertThat(Files.size(wide) - tensorBytes(64, 2, 4096)).isEqualTo(baseMeta);
    assertThat(Files.size(deep) - tensorBytes(128, 3, 256)).isGreaterThan(baseMeta); // 9 more tensor infos
    assertThat(ByteBuffer.wrap(Files.readAllBytes(deep)).order(ByteOrder.LITTLE_ENDIAN).getLong(8))
        .isEqualTo(3 + 9 * 3);
  }

  @Test
  void outOfRangeOptionsAreRejectedNamingTheOption() {
    assertThatThrownBy(() -> GgufFiles.tinyModel().embeddingLength(60))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("embeddingLength").hasMessageContaining("60");
    assertThatThrownBy(() -> GgufFiles.tinyModel().layers(0)).hasMessageContaining("layers");
    assertThatThrownBy(() -> GgufFiles.tinyModel().contextLength(4)).hasMessageContaining("contextLength");
    assertThatThrownBy(() -> GgufFiles.tinyModel().feedForwardLength(0)).hasMessageContaining("feedForwardLength");
    assertThatThrownBy(() -> GgufFiles.tinyModel().name(" ")).hasMessageContaining("name");
  }
}
