package io.github.llamacppsdk.internal.spec;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.CommandLine;
import io.github.llamacppsdk.FlashAttn;
import io.github.llamacppsdk.GpuLayers;
import io.github.llamacppsdk.ServerBuild;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * Not API. Renders a {@link BootSpec} as a llama-server command line (never
 * {@code --api-key}: an inline key travels as {@code LLAMA_API_KEY} in the environment) and knows
 * which flags the spec manages.
 */
public final class LlamaServerFlags {
  /** The environment variable llama-server reads an API key from. */
  public static final String API_KEY_ENV = "LLAMA_API_KEY";

  /** What {@code all} GPU layers is on builds that take a number only: more layers than any model has. */
  static final String ALL_LAYERS = "999";

  /** Every spelling of a managed flag, mapped to the spec key that owns it. */
  private static final Map<String, String> MANAGED = managed();

  private LlamaServerFlags() {}

  private static Map<String, String> managed() {
    Map<String, String> m = new LinkedHashMap<>();
    put(m, SpecKeys.MODEL, "--model", "-m");
    put(m, SpecKeys.HF_REPO, "--hf-repo", "-hf", "-hfr");
    put(m, SpecKeys.HF_FILE, "--hf-file", "-hff");
    put(m, SpecKeys.ALIAS, "--alias", "-a");
    put(m, SpecKeys.HOST, "--host");
    put(m, SpecKeys.PORT, "--port");
    put(m, SpecKeys.API_KEY, "--api-key");
    put(m, SpecKeys.API_KEY_FILE, "--api-key-file");
    put(m, SpecKeys.API_PREFIX, "--api-prefix");
    put(m, SpecKeys.CTX_SIZE, "--ctx-size", "-c");
    put(m, SpecKeys.GPU_LAYERS, "--gpu-layers", "-ngl", "--n-gpu-layers");
    put(m, SpecKeys.THREADS, "--threads", "-t");
    put(m, SpecKeys.THREADS_BATCH, "--threads-batch", "-tb");
    put(m, SpecKeys.PARALLEL, "--parallel", "-np");
    put(m, SpecKeys.FLASH_ATTN, "--flash-attn", "-fa");
    put(m, SpecKeys.EMBEDDINGS, "--embedding", "--embeddings");
    put(m, SpecKeys.TIMEOUT_SECONDS, "--timeout", "-to");
    put(m, SpecKeys.THREADS_HTTP, "--threads-http");
    put(m, SpecKeys.POOLING, "--pooling");
    return Collections.unmodifiableMap(m);
  }

  private static void put(Map<String, String> m, String key, String... spellings) {
    for (String s : spellings) {
      m.put(s, key);
    }
  }

  /** {@return every managed flag spelling (long and short), mapped to the spec key that owns it} */
  public static Map<String, String> managedFlags() {
    return MANAGED;
  }

  /**
   * {@return the spec key that owns {@code arg} if it is a managed flag ({@code --port},
   * {@code --port=9000}, {@code -m}, ...), else empty}
   */
  public static Optional<String> managedBy(String arg) {
    if (!arg.startsWith("-")) {
      return Optional.empty();
    }
    int eq = arg.indexOf('=');
    String name = eq > 0 ? arg.substring(0, eq) : arg;
    return Optional.ofNullable(MANAGED.get(name));
  }

  /** {@return the command line that starts the server {@code spec} describes, in current builds' syntax} */
  public static CommandLine render(BootSpec spec) {
    return render(spec, ServerBuild.currentSyntax());
  }

  /**
   * Renders {@code spec} for {@code build}: {@code auto}/{@code all} GPU layers and {@code
   * --flash-attn} values become what the build understands (a number, a bare switch, or the option
   * left out for the build's own default), and an option the build's {@code --help} does not list
   * is refused.
   *
   * @param spec the spec
   * @param build the build that will run it
   * @return the command line
   * @throws UnsupportedOption if the spec asks for something this build cannot do
   */
  public static CommandLine render(BootSpec spec, ServerBuild build) {
    List<String> argv = new ArrayList<>();
    argv.add(spec.binaryPath());
    argv.addAll(spec.launcherArgs());
    if (spec.huggingFace().isPresent()) { // shown for a spec not pulled yet; the library launches on the file
      add(argv, "--hf-repo", spec.huggingFace().get().name());
      add(argv, "--hf-file", spec.huggingFace().get().file());
    } else {
      add(argv, "--model", spec.model());
    }
    add(argv, "--alias", spec.alias());
    add(argv, "--host", spec.host());
    add(argv, "--port", Integer.toString(spec.port()));
    add(argv, "--ctx-size", spec.ctxSize());
    add(argv, "--gpu-layers", gpuLayers(spec.gpuLayers(), build));
    add(argv, "--threads", spec.threads());
    add(argv, "--threads-batch", spec.threadsBatch());
    add(argv, "--parallel", spec.parallel());
    flashAttn(spec.flashAttn(), build, argv);
    if (spec.embeddings()) {
      argv.add("--embedding");
    }
    add(argv, "--api-key-file", spec.apiKeyFile());
    if (!spec.apiPrefix().isEmpty()) {
      add(argv, "--api-prefix", spec.apiPrefix());
    }
    add(argv, "--timeout", spec.timeoutSeconds());
    add(argv, "--threads-http", spec.threadsHttp());
    if (spec.pooling().isPresent()) {
      add(argv, "--pooling", spec.pooling().get().wireValue());
    }
    for (String arg : argv.subList(1 + spec.launcherArgs().size(), argv.size())) {
      if (arg.startsWith("--") && !build.accepts(arg)) {
        throw new UnsupportedOption(arg, build, "this llama-server (" + build + ") does not accept " + arg
            + " (it is not in its --help); remove the " + MANAGED.get(arg) + " setting or use a newer llama-server");
      }
    }
    argv.addAll(spec.extraArgs());

    Map<String, String> env = new TreeMap<>(spec.environment());
    if (spec.apiKey().isPresent()) {
      env.put(API_KEY_ENV, spec.apiKey().get().reveal());
    }
    return new CommandLine(argv, env);
  }

  private static Optional<String> gpuLayers(GpuLayers layers, ServerBuild build) {
    boolean named = build.gpuLayersSyntax() == ServerBuild.GpuLayersSyntax.NUMBER_AUTO_ALL;
    if (layers instanceof GpuLayers.Auto) {
      return named ? Optional.of(layers.wireValue()) : Optional.empty(); // the build's own default
    }
    if (layers instanceof GpuLayers.All) {
      return Optional.of(named ? layers.wireValue() : ALL_LAYERS);
    }
    return Optional.of(layers.wireValue());
  }

  private static void flashAttn(FlashAttn fa, ServerBuild build, List<String> argv) {
    switch (build.flashAttnSyntax()) {
      case VALUES -> add(argv, "--flash-attn", fa.wireValue());
      case SWITCH -> {
        if (fa == FlashAttn.ON) {
          argv.add("--flash-attn"); // off is this build's default, and it has no auto
        }
      }
      case ABSENT -> {
        if (fa == FlashAttn.ON) {
          throw new UnsupportedOption("--flash-attn", build, "this llama-server (" + build
              + ") has no --flash-attn, so flash_attn on cannot be honoured; use auto or off, or a newer llama-server");
        }
      }
      case UNKNOWN -> {
        if (fa != FlashAttn.AUTO) {
          add(argv, "--flash-attn", fa.wireValue());
        }
      }
    }
  }

  /** A spec asks for an option its llama-server build does not have. */
  public static final class UnsupportedOption extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String option;
    private final transient ServerBuild build;

    UnsupportedOption(String option, ServerBuild build, String message) {
      super(message, null, false, false);
      this.option = option;
      this.build = build;
    }

    /** {@return the option, e.g. {@code --api-prefix}} */
    public String option() {
      return option;
    }

    /** {@return the build that lacks it} */
    public ServerBuild build() {
      return build;
    }
  }

  private static void add(List<String> argv, String flag, String value) {
    argv.add(flag);
    argv.add(value);
  }

  private static void add(List<String> argv, String flag, Optional<String> value) {
    if (value.isPresent()) {
      add(argv, flag, value.get());
    }
  }

  private static void add(List<String> argv, String flag, OptionalInt value) {
    if (value.isPresent()) {
      add(argv, flag, Integer.toString(value.getAsInt()));
    }
  }
}
