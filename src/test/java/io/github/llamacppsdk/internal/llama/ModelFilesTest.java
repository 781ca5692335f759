package io.github.llamacppsdk.internal.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.gguf.GgufModel;
import io.github.llamacppsdk.gguf.InvalidModelFileException;
import io.github.llamacppsdk.testkit.GgufFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One read of a model file per start: kept by path, size and time; a changed or failing file is read again. */
class ModelFilesTest {
  @TempDir Path tmp;

  @Test
  void anUnchangedFileIsReadOnce() {
    Path model = GgufFiles.writeLoadableModel(tmp.resolve("m.gguf"));
    ModelFiles files = new ModelFiles();

    GgufModel first = files.read(model);
    assertThat(files.read(model)).isSameAs(first);
  }

  @Test
  void aChangedFileIsReadAgain() throws Exception {
    Path model = GgufFiles.writeLoadableModel(tmp.resolve("m.gguf"));
    ModelFiles files = new ModelFiles();
    GgufModel first = files.read(model);

    GgufFiles.writeTinyModel(model); // another model under the same name
    Files.setLastModifiedTime(model, FileTime.fromMillis(Files.getLastModifiedTime(model).toMillis() + 5_000));
    GgufModel second = files.read(model);
    assertThat(second).isNotSameAs(first);
    assertThat(second.fileSize()).isEqualTo(Files.size(model));
  }

  @Test
  void aFileReplacedByAnotherOfTheSameSizeAndTimeIsReadAgain() throws Exception {
    Path model = GgufFiles.writeLoadableModel(tmp.resolve("m.gguf"));
    ModelFiles files = new ModelFiles();
    GgufModel first = files.read(model);

    Path copy = GgufFiles.writeLoadableModel(tmp.resolve("copy.gguf")); // the same bytes, another inode
    Files.setLastModifiedTime(copy, Files.getLastModifiedTime(model));
    Files.move(copy, model, java.nio.file.StandardCopyOption.REPLACE_EXISTING); // as rsync -a or cp -p would leave it
    assertThat(files.read(model)).isNotSameAs(first);
  }

  @Test
  void aFailureIsNotKept() {
    Path model = tmp.resolve("later.gguf");
    ModelFiles files = new ModelFiles();
    assertThatThrownBy(() -> files.read(model)).isInstanceOfSatisfying(InvalidModelFileException.class,
        e -> assertThat(e.problem()).isEqualTo(InvalidModelFileException.Problem.MISSING));

    GgufFiles.writeLoadableModel(model);
    assertThat(files.read(model).fileSize()).isPositive();
  }

  @Test
  void theEstimateAndTheCheckBeforeLaunchShareOneRead() {
    Path model = GgufFiles.writeLoadableModel(tmp.resolve("m.gguf"));
    ModelFiles files = new ModelFiles();
    BootSpec spec = BootSpec.builder(model).build();

    assertThat(new MemoryEstimator(files).estimate(spec).bytes()).isPositive();
    GgufModel kept = files.read(model);
    assertThat(ModelPreflight.check(spec, files)).containsSame(kept);
  }
}
