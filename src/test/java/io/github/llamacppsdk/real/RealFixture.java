package io.github.llamacppsdk.real;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.BootSpecBuilder;
import io.github.llamacppsdk.core.ResolveOptions;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The common start of every real-server test: the real binary from {@code LLAMA_SERVER_BIN} (via
 * {@link io.github.llamacppsdk.testing.RealServer#requireBinary()}: skipped without it, failed
 * without it under {@code LLAMA_SERVER_REQUIRED=1}) and the Java-written tiny model.
 */
final class RealFixture {
  /** The alias every spec of the suite serves, unless a test says otherwise. */
  static final String ALIAS = "tiny";
  /** How long a resolve may wait: the tiny model is ready in well under a second. */
  static final Duration AWAIT = Duration.ofSeconds(60);

  private RealFixture() {}

  /**
   * {@return a spec of the real server with the tiny model: any free port, alias {@value #ALIAS},
   * everything else at the library's defaults}
   *
   * @param binary the real llama-server
   * @param model the tiny model
   */
  static BootSpecBuilder spec(Path binary, Path model) {
    return BootSpec.builder(model).binaryPath(binary).port(0).alias(ALIAS);
  }

  /** {@return resolve options with an owner and a bounded wait} @param owner the owner ref */
  static ResolveOptions options(String owner) {
    return ResolveOptions.builder().ownerRef(owner).awaitTimeout(AWAIT).build();
  }
}
