package io.github.llamacppsdk.testing;

import io.github.llamacppsdk.testkit.GgufFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * The real llama-server for tests that need one. The binary comes from env {@code
 * LLAMA_SERVER_BIN}; when it is not set the test is skipped with a message saying how to get one,
 * unless env {@code LLAMA_SERVER_REQUIRED=1} (CI sets it), in which case the test fails.
 */
public final class RealServer {
  /** The environment variable naming the real llama-server binary. */
  public static final String BIN_ENV = "LLAMA_SERVER_BIN";
  /** The environment variable that, set to {@code 1}, turns a missing binary into a failure. */
  public static final String REQUIRED_ENV = "LLAMA_SERVER_REQUIRED";

  static final String SKIP_MESSAGE =
      "real llama-server tests skipped: set LLAMA_SERVER_BIN=$(../shared/tools/install-real-llama-server)";

  private RealServer() {}

  /** {@return the binary named by {@code LLAMA_SERVER_BIN}, if the variable is set and not blank} */
  public static Optional<Path> binary() {
    String bin = System.getenv(BIN_ENV);
    return bin == null || bin.isBlank() ? Optional.empty() : Optional.of(Path.of(bin.trim()));
  }

  /**
   * {@return the real llama-server binary}; skips the calling test when there is none, or fails it
   * when {@code LLAMA_SERVER_REQUIRED=1}. A binary that is named but is not an executable file
   * counts as none.
   */
  public static Path requireBinary() {
    return requireBinary(binary(), "1".equals(System.getenv(REQUIRED_ENV)));
  }

  static Path requireBinary(Optional<Path> binary, boolean required) {
    String problem;
    if (binary.isEmpty()) {
      problem = BIN_ENV + " is not set; ";
    } else if (!Files.isRegularFile(binary.get()) || !Files.isExecutable(binary.get())) {
      problem = BIN_ENV + "=" + binary.get() + " is not an executable file; ";
    } else {
      return binary.get();
    }
    String message = problem + SKIP_MESSAGE;
    if (required) {
      throw new AssertionError(message + " (" + REQUIRED_ENV + "=1: a real llama-server is required)");
    }
    Assumptions.abort(message);
    throw new AssertionError("unreachable");
  }

  /**
   * Writes the loadable tiny model ({@link GgufFiles#writeLoadableModel}) into {@code dir}.
   *
   * @param dir the directory
   * @return the model file, {@code dir/tiny-llama.gguf}
   */
  public static Path tinyModel(Path dir) {
    return GgufFiles.writeLoadableModel(dir.resolve("tiny-llama.gguf"));
  }
}
