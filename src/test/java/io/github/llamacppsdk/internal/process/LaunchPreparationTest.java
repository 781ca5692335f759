package io.github.llamacppsdk.internal.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.process.LaunchRequest;
import io.github.llamacppsdk.process.ProcessLaunchException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(10)
class LaunchPreparationTest {
  private static final Map<String, String> PARENT = Map.of(
      "PATH", "/usr/bin:/bin",
      "HOME", "/home/u",
      "LLAMA_ARG_CTX_SIZE", "99",
      "LLAMA_ARG_PORT", "1234",
      "LLAMA_API_KEY", "inherited-secret",
      "LLAMA_ARGUMENT", "not-a-prefix-match?");

  @TempDir Path dir;

  private static LaunchRequest request(Map<String, String> env, boolean inherit, List<String> scrub) {
    return new LaunchRequest(List.of("x"), Optional.empty(), env, inherit, scrub, "t");
  }

  @Test
  void inheritedScrubbedByExactNameAndPrefix() {
    Map<String, String> env = LaunchPreparation.environment(PARENT,
        request(Map.of(), true, List.of("LLAMA_ARG_*", "LLAMA_API_KEY")));
    assertThat(env).containsOnlyKeys("PATH", "HOME", "LLAMA_ARGUMENT");
  }

  @Test
  void requestOverlayAlwaysWinsEvenForScrubbedNames() {
    Map<String, String> env = LaunchPreparation.environment(PARENT,
        request(Map.of("LLAMA_API_KEY", "mine", "HOME", "/other", "NEW", "1"), true, List.of("LLAMA_ARG_*", "LLAMA_API_KEY")));
    assertThat(env).containsEntry("LLAMA_API_KEY", "mine").containsEntry("HOME", "/other").containsEntry("NEW", "1")
        .doesNotContainKeys("LLAMA_ARG_CTX_SIZE", "LLAMA_ARG_PORT");
  }

  @Test
  void emptyEnvironmentOption() {
    Map<String, String> env = LaunchPreparation.environment(PARENT, request(Map.of("ONLY", "me"), false, List.of()));
    assertThat(env).containsExactlyEntriesOf(Map.of("ONLY", "me"));
  }

  @Test
  void noScrubbingKeepsEverything() {
    assertThat(LaunchPreparation.environment(PARENT, request(Map.of(), true, List.of()))).isEqualTo(PARENT);
  }

  private Path script(String name, boolean executable) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, "#!/bin/sh\nexit 0\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(executable ? "rwxr-xr-x" : "rw-r--r--"));
    return p;
  }

  @Test
  void absoluteAndRelativePaths() throws IOException {
    Path exe = script("server", true);
    assertThat(LaunchPreparation.resolveProgram(exe.toString(), Optional.empty(), Map.of(), Map.of())).isEqualTo(exe);
    assertThat(LaunchPreparation.resolveProgram("./server", Optional.of(dir), Map.of(), Map.of()))
        .isEqualTo(dir.resolve("./server"));
  }

  @Test
  void missingBinaryNamesIt() {
    String missing = dir.resolve("definitely_missing").toString();
    assertThatThrownBy(() -> LaunchPreparation.resolveProgram(missing, Optional.empty(), Map.of(), Map.of()))
        .isInstanceOfSatisfying(ProcessLaunchException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.LAUNCH_FAILED);
          assertThat(e.program()).isEqualTo(missing);
          assertThat(e.getMessage()).startsWith("LAUNCH_FAILED: ").contains("does not exist").contains(missing);
        });
  }

  @Test
  void nonExecutableAndDirectoryAreRejected() throws IOException {
    Path plain = script("plain", false);
    assertThatThrownBy(() -> LaunchPreparation.resolveProgram(plain.toString(), Optional.empty(), Map.of(), Map.of()))
        .isInstanceOf(ProcessLaunchException.class).hasMessageContaining("not executable").hasMessageContaining(plain.toString());
    assertThatThrownBy(() -> LaunchPreparation.resolveProgram(dir.toString() + "/", Optional.empty(), Map.of(), Map.of()))
        .isInstanceOf(ProcessLaunchException.class).hasMessageContaining("is a directory");
  }

  @Test
  void bareNameSearchesTheChildPathThenTheParentPath() throws IOException {
    Path bin = Files.createDirectory(dir.resolve("bin"));
    Path other = Files.createDirectory(dir.resolve("other"));
    Files.move(script("tool", true), bin.resolve("tool"));
    Files.writeString(other.resolve("tool"), "not executable");
    Map<String, String> child = Map.of("PATH", other + ":" + bin);
    assertThat(LaunchPreparation.resolveProgram("tool", Optional.empty(), child, Map.of())).isEqualTo(bin.resolve("tool"));
    assertThat(LaunchPreparation.resolveProgram("tool", Optional.empty(), Map.of(), Map.of("PATH", bin.toString())))
        .isEqualTo(bin.resolve("tool"));
    assertThatThrownBy(() -> LaunchPreparation.resolveProgram("tool", Optional.empty(), Map.of("PATH", other.toString()), Map.of()))
        .isInstanceOf(ProcessLaunchException.class).hasMessageContaining("tool is on PATH but not executable");
    assertThatThrownBy(() -> LaunchPreparation.resolveProgram("nope-xyz", Optional.empty(), child, Map.of()))
        .isInstanceOfSatisfying(ProcessLaunchException.class, e -> {
          assertThat(e.program()).isEqualTo("nope-xyz");
          assertThat(e.getMessage()).contains("nope-xyz not found on PATH");
        });
  }

  @Test
  void missingWorkingDirectory() {
    Path gone = dir.resolve("gone");
    LaunchPreparation.checkWorkingDirectory(Optional.empty());
    LaunchPreparation.checkWorkingDirectory(Optional.of(dir));
    assertThatThrownBy(() -> LaunchPreparation.checkWorkingDirectory(Optional.of(gone)))
        .isInstanceOfSatisfying(ProcessLaunchException.class, e -> {
          assertThat(e.program()).isEqualTo(gone.toString());
          assertThat(e.getMessage()).contains("working directory does not exist").contains(gone.toString());
        });
  }
}
