package io.github.llamacppsdk.internal.llama;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.CommandLine;
import io.github.llamacppsdk.core.Secret;
import io.github.llamacppsdk.ServerStartException;
import io.github.llamacppsdk.StartFailure;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.internal.spec.ApiKeyFiles;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Not API. The API key a launch uses, which the probes send and the endpoint publishes: the spec's
 * {@code apiKey}, else the first line of its {@code apiKeyFile}, read now (so a rotated file is picked
 * up by the next launch). The key stays a {@link Secret}; it never enters the spec.
 */
final class LaunchKeys {
  private LaunchKeys() {}

  /**
   * {@return the key for launching {@code spec}, if it has one}
   *
   * @param spec the spec about to be launched
   * @param commandLine its masked command line, for the failure
   * @throws ServerStartException with {@link StartFailure#API_KEY_FILE_UNREADABLE}, naming the file and
   *     what is wrong with it, when the key file cannot be used; nothing is launched
   */
  static Optional<Secret> read(BootSpec spec, CommandLine commandLine) {
    if (spec.apiKey().isPresent() || spec.apiKeyFile().isEmpty()) {
      return spec.apiKey();
    }
    String file = spec.apiKeyFile().get();
    ApiKeyFiles.Outcome read = ApiKeyFiles.read(file);
    if (read.problem() != null) {
      throw StartFailures.create(ErrorCode.LAUNCH_FAILED, "api_key_file " + file + " " + read.problem(), null,
          StartFailure.API_KEY_FILE_UNREADABLE, "none (nothing was launched)", List.of(), commandLine.toString(),
          Duration.ZERO, spec.port(), null, null);
    }
    return Optional.of(read.key());
  }
}
