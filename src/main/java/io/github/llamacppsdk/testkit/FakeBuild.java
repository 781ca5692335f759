package io.github.llamacppsdk.testkit;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Which llama.cpp build the {@link FakeLlamaServer} plays: its command-line syntax and errors, {@code
 * --version} and {@code --help} output, {@code /v1/health}, the models list, the key rules and the
 * log wording follow that build's thresholds (see {@code guides/testing_with_the_fake_server.md}).
 * Pass it to {@link FakeLlamaServer#install(java.nio.file.Path, FakeBuild)} or {@link
 * FakeLlamaServer#start(FakeBuild, List)}; on the command line it is {@code --fake-build N} (env
 * {@code FAKE_LLAMA_BUILD}) and {@code --fake-version-shape S} (env {@code FAKE_LLAMA_VERSION_SHAPE}).
 * Immutable.
 *
 * @param number the llama.cpp build number, 0 to 9,999,999
 * @param versionShape how {@code --version} prints the version line
 */
public record FakeBuild(int number, VersionShape versionShape) {
  /** The upstream tag b6000 (July 2025), built outside git. */
  public static final FakeBuild B6000 = of(6000);
  /** Upstream of May 2026 (about build 9400), built outside git. */
  public static final FakeBuild MAY_2026 = of(9400);
  /** Debian's {@code llama.cpp-tools} 0.7.0, build 11669 (October 2026): the fake's default. */
  public static final FakeBuild CURRENT = of(11669);

  /** The shapes of the first line llama-server's {@code --version} prints on stderr. */
  public enum VersionShape {
    /** {@code version: 0 (unknown)}: built outside git (source tarballs). */
    UNKNOWN,
    /** {@code version: 6000 (4762ad73)}: built inside git (build number, short commit). */
    GIT,
    /** {@code version: 0.7.0 (build 11669, commit Debian)}: Debian's package. */
    DEBIAN
  }

  /**
   * Validates.
   *
   * @throws IllegalArgumentException if {@code number} is negative or above 9,999,999
   * @throws NullPointerException if {@code versionShape} is {@code null}
   */
  public FakeBuild {
    if (number < 0 || number > 9_999_999) {
      throw new IllegalArgumentException("build number must be 0..9999999, got " + number);
    }
    Objects.requireNonNull(versionShape, "versionShape");
  }

  /**
   * {@return build {@code number} with the version shape the observed builds print: {@code DEBIAN}
   * for 11669, {@code UNKNOWN} for the others}
   *
   * @param number the llama.cpp build number
   * @throws IllegalArgumentException if it is out of range
   */
  public static FakeBuild of(int number) {
    return new FakeBuild(number, number == 11669 ? VersionShape.DEBIAN : VersionShape.UNKNOWN);
  }

  /** {@return the same build printing {@code shape} from {@code --version}}
   * @param shape the shape */
  public FakeBuild withVersionShape(VersionShape shape) {
    return new FakeBuild(number, shape);
  }

  /** {@return the fake's arguments that select this build: {@code --fake-build N --fake-version-shape S}} */
  public List<String> args() {
    return List.of("--fake-build", String.valueOf(number), "--fake-version-shape",
        versionShape.name().toLowerCase(Locale.ROOT));
  }
}
