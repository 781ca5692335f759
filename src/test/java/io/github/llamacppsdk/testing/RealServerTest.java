package io.github.llamacppsdk.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

/** When the real-server helper skips, fails or hands out the binary. */
class RealServerTest {
  @TempDir Path tmp;

  @Test
  void missingBinarySkipsWithHowToGetOne() {
    assertThatThrownBy(() -> RealServer.requireBinary(Optional.empty(), false))
        .isInstanceOf(TestAbortedException.class)
        .hasMessageContaining("real llama-server tests skipped")
        .hasMessageContaining("LLAMA_SERVER_BIN=$(../shared/tools/install-real-llama-server)");
  }

  @Test
  void missingBinaryFailsWhenRequired() {
    assertThatThrownBy(() -> RealServer.requireBinary(Optional.empty(), true))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("LLAMA_SERVER_BIN is not set")
        .hasMessageContaining("LLAMA_SERVER_REQUIRED=1");
  }

  @Test
  void nonExecutableBinaryCountsAsMissing() throws IOException {
    Path file = Files.writeString(tmp.resolve("llama-server"), "#!/bin/sh\n");
    Path dir = Files.createDirectory(tmp.resolve("d"));

    assertThatThrownBy(() -> RealServer.requireBinary(Optional.of(file), true))
        .isInstanceOf(AssertionError.class).hasMessageContaining("is not an executable file");
    assertThatThrownBy(() -> RealServer.requireBinary(Optional.of(dir), false))
        .isInstanceOf(TestAbortedException.class).hasMessageContaining("is not an executable file");
  }

  @Test
  void executableBinaryIsReturned() throws IOException {
    Path file = Files.writeString(tmp.resolve("llama-server"), "#!/bin/sh\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));

    assertThat(RealServer.requireBinary(Optional.of(file), true)).isEqualTo(file);
  }

  @Test
  void tinyModelIsWrittenIntoTheDirectory() throws IOException {
    Path model = RealServer.tinyModel(tmp);

    assertThat(model.getParent()).isEqualTo(tmp);
    assertThat(Files.size(model)).isGreaterThan(400_000);
  }
}
