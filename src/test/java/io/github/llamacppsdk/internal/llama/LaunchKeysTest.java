package io.github.llamacppsdk.internal.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.core.Secret;
import io.github.llamacppsdk.ServerStartException;
import io.github.llamacppsdk.StartFailure;
import io.github.llamacppsdk.core.ErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The key a launch uses: the spec's key, else its key file read at launch; a bad file is a typed start failure. */
@Timeout(10)
class LaunchKeysTest {
  @TempDir Path dir;

  private static BootSpec spec(Path keyFile) {
    return BootSpec.builder("/m/a.gguf").apiKeyFile(keyFile).build();
  }

  private static ServerStartException failure(Path keyFile) {
    BootSpec spec = spec(keyFile);
    ServerStartException e = catchThrowableOfType(ServerStartException.class,
        () -> LaunchKeys.read(spec, spec.toCommandLine()));
    assertThat(e.code()).isEqualTo(ErrorCode.LAUNCH_FAILED);
    assertThat(e.failure()).contains(StartFailure.API_KEY_FILE_UNREADABLE);
    assertThat(e.summary()).contains("api_key_file " + keyFile);
    assertThat(e.lastProbe()).contains("nothing was launched");
    return e;
  }

  @Test
  void theFirstLineOfTheKeyFileIsReadAtLaunchAsASecret() throws Exception {
    Path file = Files.writeString(dir.resolve("k"), "\n  first \nsecond\n");
    BootSpec spec = spec(file);

    assertThat(LaunchKeys.read(spec, spec.toCommandLine())).contains(Secret.of("first"));
    Files.writeString(file, "rotated\n");
    assertThat(LaunchKeys.read(spec, spec.toCommandLine())).contains(Secret.of("rotated"));
  }

  @Test
  void anInlineKeyWinsAndTheFileIsNotRead() {
    BootSpec spec = BootSpec.builder("/m/a.gguf").apiKey("inline").apiKeyFile(dir.resolve("missing")).build();
    assertThat(LaunchKeys.read(spec, spec.toCommandLine())).contains(Secret.of("inline"));
  }

  @Test
  void noKeyMeansNoKey() {
    BootSpec spec = BootSpec.builder("/m/a.gguf").build();
    assertThat(LaunchKeys.read(spec, spec.toCommandLine())).isEmpty();
  }

  @Test
  void aMissingKeyFileIsATypedStartFailureNamingTheFile() {
    assertThat(failure(dir.resolve("nope")).summary()).contains("does not exist");
  }

  @Test
  void aDirectoryIsNotAKeyFile() {
    assertThat(failure(dir).summary()).contains("is a directory");
  }

  @Test
  void aBlankKeyFileIsAStartFailure() throws Exception {
    assertThat(failure(Files.writeString(dir.resolve("k"), " \n\t\n")).summary()).contains("empty");
  }

  @Test
  void anUnreadableKeyFileIsAStartFailure() throws Exception {
    Path file = Files.writeString(dir.resolve("k"), "secret");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("---------"));
    assumeFalse(Files.isReadable(file), "running as root: every file is readable");
    assertThat(failure(file).summary()).contains("permission denied");
  }

  @Test
  void aDeviceIsNotAKeyFile() {
    assertThat(failure(Path.of("/dev/null")).summary()).contains("not a regular file");
  }

  @Test
  void theFailureNeverShowsTheKey() throws Exception {
    Path file = Files.writeString(dir.resolve("k"), "x".repeat(70_000));
    assertThat(failure(file).getMessage()).contains("larger than").doesNotContain("xxxxxxxx");
  }
}
