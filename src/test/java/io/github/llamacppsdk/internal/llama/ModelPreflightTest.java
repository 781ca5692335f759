package io.github.llamacppsdk.internal.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.ServerStartException;
import io.github.llamacppsdk.StartFailure;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.gguf.GgufModel;
import io.github.llamacppsdk.gguf.InvalidModelFileException;
import io.github.llamacppsdk.testkit.GgufFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model check before launch: what passes, what fails with which cause, what is not judged. */
class ModelPreflightTest {
  @TempDir Path tmp;

  private static BootSpec spec(Path model) {
    return BootSpec.builder(model).binaryPath("/opt/llama-server").port(8099).build();
  }

  @Test
  void aLoadableModelPassesWithItsFacts() {
    Path model = GgufFiles.writeLoadableModel(tmp.resolve("m.gguf"));

    GgufModel m = ModelPreflight.check(spec(model)).orElseThrow();

    assertThat(ModelPreflight.details(m))
        .containsEntry("model_architecture", "llama")
        .containsEntry("model_name", "tiny-test")
        .containsEntry("model_context_length", 512L)
        .containsEntry("model_block_count", 2L)
        .containsEntry("model_embedding_length", 64L)
        .containsEntry("model_head_count", 4L)
        .containsEntry("model_head_count_kv", 4L)
        .containsEntry("model_file_type", 0L)
        .containsEntry("model_tensor_count", 21L)
        .containsEntry("model_tensor_bytes", m.tensorBytes())
        .containsEntry("model_file_bytes", m.fileSize());
  }

  @Test
  void aHeaderOnlyModelPassesWithoutArchitectureFacts() {
    GgufModel m = ModelPreflight.check(spec(GgufFiles.writeTinyModel(tmp.resolve("h.gguf")))).orElseThrow();

    assertThat(ModelPreflight.details(m)).doesNotContainKey("model_architecture")
        .containsEntry("model_tensor_bytes", 0L);
  }

  @Test
  void aMissingModelIsModelFileMissingNamingThePath() {
    Path model = tmp.resolve("gone.gguf");

    ServerStartException e = failure(spec(model));

    assertThat(e.failure()).contains(StartFailure.MODEL_FILE_MISSING);
    assertThat(e.getMessage()).startsWith("LAUNCH_FAILED: the model file failed the check before launch")
        .contains(model + ": no such file").contains("cause MODEL_FILE_MISSING")
        .contains("command: /opt/llama-server --model " + model);
    assertThat(e.getCause()).isInstanceOf(InvalidModelFileException.class);
  }

  @Test
  void aDirectoryIsModelFileMissing() {
    assertThat(failure(spec(tmp)).failure()).contains(StartFailure.MODEL_FILE_MISSING);
  }

  @Test
  void textIsNotGguf() throws IOException {
    Path model = Files.writeString(tmp.resolve("t.gguf"), "hello, not a model");

    ServerStartException e = failure(spec(model));

    assertThat(e.failure()).contains(StartFailure.NOT_GGUF);
    assertThat(e.getMessage()).contains("not a GGUF file: it starts with 'hell'");
  }

  @Test
  void anIncompleteDownloadIsNotGguf() throws IOException {
    byte[] whole = Files.readAllBytes(GgufFiles.writeLoadableModel(tmp.resolve("w.gguf")));
    Path model = Files.write(tmp.resolve("cut.gguf"), Arrays.copyOf(whole, whole.length / 2));

    ServerStartException e = failure(spec(model));

    assertThat(e.failure()).contains(StartFailure.NOT_GGUF);
    assertThat(e.getMessage()).contains("incomplete download");
  }

  @Test
  void aNewerGgufVersionIsLeftToTheServer() throws IOException {
    byte[] header = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).put(new byte[] {'G', 'G', 'U', 'F'})
        .putInt(4).putLong(0).putLong(0).array();
    Path model = Files.write(tmp.resolve("v4.gguf"), header);

    assertThat(ModelPreflight.check(spec(model))).isEmpty();
  }

  @Test
  void aSpecWithALauncherIsNotJudged() {
    BootSpec spec = spec(tmp.resolve("inside-a-container.gguf")).toBuilder()
        .launcherArgs(List.of("podman", "run", "--rm", "llama")).build();

    assertThat(ModelPreflight.check(spec)).isEmpty();
  }

  private static ServerStartException failure(BootSpec spec) {
    Throwable[] thrown = new Throwable[1];
    assertThatThrownBy(() -> ModelPreflight.check(spec)).isInstanceOfSatisfying(ServerStartException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.LAUNCH_FAILED);
      assertThat(e.exit()).isEmpty();
      assertThat(e.outputTail()).isEmpty();
      assertThat(e.waited()).isEqualTo(Duration.ZERO);
      assertThat(e.port()).isEqualTo(8099);
      thrown[0] = e;
    });
    return (ServerStartException) thrown[0];
  }
}
