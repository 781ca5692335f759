package io.github.llamacppsdk.internal.fake;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What the fake does differently per llama.cpp build number ({@code --fake-build N}, env {@code
 * FAKE_LLAMA_BUILD}; default {@value #CURRENT}), from {@code llama-server-versions.md}: one threshold
 * per observed difference. Where upstream's change log names the build, that build is the threshold;
 * where only the observed builds (6000, about 9400, 11669) bracket a change, the threshold is a
 * documented choice ({@link #MAY_2026}, {@link #LLAMA_SERVER_ERA}). Immutable. Not API.
 */
final class FakeBuildRules {
  /** Debian's llama.cpp-tools 0.7.0, build 11669 (October 2026): the default. */
  static final int CURRENT = 11669;
  /** {@code --flash-attn} takes {@code on|off|auto} from this build (upstream, August 2025). */
  static final int FLASH_ATTN_VALUES = 6325;
  /** {@code --flash-attn} also takes {@code 1|0|-1} (and the other truthy/falsy words) from this build. */
  static final int FLASH_ATTN_NUMBERS = 6358;
  /** {@code --gpu-layers} takes {@code auto|all} from this build (upstream, December 2025). */
  static final int GPU_LAYERS_AUTO = 7553;
  /** {@code /v1/health} exists from this build (upstream PR #16461, merged 2025-10-07). */
  static final int V1_HEALTH = 6700;
  /**
   * The May 2026 build (about 9400): {@code data[]} gains {@code aliases, tags}, the model id
   * without {@code --alias} is the file name, error bodies are ordered {@code message, type, code},
   * the listening line is split in two, {@code built with GNU ...}. Observed on 2026-05, not on
   * b6000; the real change points are in between and unknown, so they are placed here.
   */
  static final int MAY_2026 = 9400;
  /**
   * The b11669 rows (models list needs the key, {@code architecture}, id as given, the {@code
   * llama_server:} log wording, the security warning) switch on from this build: observed on 11669,
   * not on about 9400; 10500 is the chosen boundary (about the middle).
   */
  static final int LLAMA_SERVER_ERA = 10500;

  /** How {@code --version} prints the version line. */
  enum VersionShape {
    /** {@code version: 0 (unknown)}: a build made outside git. */
    UNKNOWN,
    /** {@code version: N (abcdef12)}: a build made inside git. */
    GIT,
    /** {@code version: 0.7.0 (build N, commit Debian)}: Debian's package. */
    DEBIAN
  }

  private static final Map<Integer, String> COMMITS = Map.of(6000, "4762ad73");

  private final int build;
  private final VersionShape shape;

  FakeBuildRules(int build, Optional<VersionShape> shape) {
    this.build = build;
    this.shape = shape.orElse(build == CURRENT ? VersionShape.DEBIAN : VersionShape.UNKNOWN);
  }

  /**
   * Reads the build knobs before the rest of the command line (whose syntax depends on them): the
   * last {@code --fake-build} / {@code --fake-version-shape} in {@code args} (either form), else the
   * environment, else the defaults.
   *
   * @throws FakeArgs.UsageError for a value that is not a build number or a shape
   */
  static FakeBuildRules from(List<String> args, Map<String, String> env) throws FakeArgs.UsageError {
    String build = knob(args, "--fake-build").orElse(env.get("FAKE_LLAMA_BUILD"));
    String shape = knob(args, "--fake-version-shape").orElse(env.get("FAKE_LLAMA_VERSION_SHAPE"));
    int number = CURRENT;
    if (build != null) {
      if (!build.matches("\\d{1,7}")) {
        throw new FakeArgs.UsageError("error while handling argument \"--fake-build\": stoi");
      }
      number = Integer.parseInt(build);
    }
    Optional<VersionShape> parsed = Optional.empty();
    if (shape != null) {
      try {
        parsed = Optional.of(VersionShape.valueOf(shape.toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new FakeArgs.UsageError("error while handling argument \"--fake-version-shape\": "
            + "error: unknown value for --fake-version-shape: '" + shape + "'\n");
      }
    }
    return new FakeBuildRules(number, parsed);
  }

  private static Optional<String> knob(List<String> args, String name) {
    String found = null;
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (arg.equals(name) && i + 1 < args.size()) {
        found = args.get(++i);
      } else if (arg.startsWith(name + "=")) {
        found = arg.substring(name.length() + 1);
      }
    }
    return Optional.ofNullable(found);
  }

  int build() {
    return build;
  }

  boolean flashAttnTakesValue() {
    return build >= FLASH_ATTN_VALUES;
  }

  boolean flashAttnNumbers() {
    return build >= FLASH_ATTN_NUMBERS;
  }

  boolean gpuLayersAutoAll() {
    return build >= GPU_LAYERS_AUTO;
  }

  boolean v1Health() {
    return build >= V1_HEALTH;
  }

  /** {@return whether {@code data[]} entries carry {@code aliases} and {@code tags}} */
  boolean modelAliasesAndTags() {
    return build >= MAY_2026;
  }

  /** {@return whether {@code data[]} entries carry {@code architecture}} */
  boolean modelArchitecture() {
    return build >= LLAMA_SERVER_ERA;
  }

  /** {@return whether {@code /models} and {@code /v1/models} need the key when one is set} */
  boolean modelsNeedKey() {
    return build >= LLAMA_SERVER_ERA;
  }

  /** {@return whether the model id without {@code --alias} is the file name (else the path as given)} */
  boolean modelIdIsFileName() {
    return build >= MAY_2026 && build < LLAMA_SERVER_ERA;
  }

  /** {@return whether error bodies are ordered {@code message, type, code} (else {@code code, message, type})} */
  boolean errorMessageFirst() {
    return build >= MAY_2026;
  }

  /** {@return the function name of the server's main lines: {@code llama_server} or {@code main}} */
  String serverFunction() {
    return build >= LLAMA_SERVER_ERA ? "llama_server" : "main";
  }

  /** {@return whether a start without a key warns that CORS allows all origins} */
  boolean securityWarning() {
    return build >= LLAMA_SERVER_ERA;
  }

  /** {@return the ready lines after {@code model loaded}, as this build words them} */
  List<String> listeningLines(String url) {
    if (build >= LLAMA_SERVER_ERA) {
      return List.of("listening on " + url);
    }
    if (build >= MAY_2026) {
      return List.of("server is listening on " + url, "starting the main loop...");
    }
    return List.of("server is listening on " + url + " - starting the main loop");
  }

  /** {@return the two lines {@code --version} prints on stderr} */
  List<String> versionLines() {
    String version;
    switch (shape) {
      case GIT:
        version = "version: " + build + " (" + commit() + ")";
        break;
      case DEBIAN:
        version = "version: 0.7.0 (build " + build + ", commit Debian)";
        break;
      default:
        version = "version: 0 (unknown)";
        break;
    }
    String builtWith;
    if (build < MAY_2026) {
      builtWith = "built with cc (Debian 12.2.0-14+deb12u1) 12.2.0 for x86_64-linux-gnu";
    } else if (build < LLAMA_SERVER_ERA) {
      builtWith = "built with GNU 12.2.0 for Linux x86_64";
    } else {
      builtWith = "built with GNU 16.2.0 for Linux x86_64";
    }
    return List.of(version, builtWith);
  }

  /** {@return the short commit of the git shape: the real one where known, else derived from the number} */
  String commit() {
    return COMMITS.getOrDefault(build, String.format("%08x", (build * 2654435761L) & 0xffffffffL));
  }
}
