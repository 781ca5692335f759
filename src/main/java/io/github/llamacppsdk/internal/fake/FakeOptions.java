package io.github.llamacppsdk.internal.fake;

import java.util.ArrayList;
import java.util.List;

/**
 * The options the fake accepts for one build, with llama-server's help texts (copied from the real
 * {@code --help} of build 11669, and of build 6000 for {@code --flash-attn} and {@code --gpu-layers}),
 * and their rendering in llama-server's help layout ({@code common/arg.cpp}'s {@code to_string}):
 * names in declaration order, a short first name padded to 7, the help at column 40 wrapped at 70
 * characters, then {@code (env: X)}. Immutable. Not API.
 */
final class FakeOptions {
  /** How a flag's value is checked. */
  enum Kind { FLAG, STRING, INT, CHOICE, GPU_LAYERS, FLASH_ATTN, HELP, VERSION }

  /** The help section an option is listed under. */
  enum Section {
    COMMON("common params"),
    SAMPLING("sampling params"),
    SERVER("example-specific params"),
    FAKE("fake-llama-server params");

    private final String title;

    Section(String title) {
      this.title = title;
    }
  }

  /**
   * One accepted option.
   *
   * @param section where {@code --help} lists it
   * @param names its names in llama-server's order
   * @param negatives the names among them that turn a flag off ({@code --no-x})
   * @param env its environment variable, or {@code null}
   * @param kind how its value is checked
   * @param choices the accepted values of a {@link Kind#CHOICE}
   * @param hint the value hint ({@code N}, {@code FNAME}, ...), or {@code ""}
   * @param help the help text
   * @param badChoice the error of a bad {@link Kind#CHOICE} value, or {@code null} for llama-server's
   *     usual {@code error: unknown value for --x: 'v'}
   */
  record Opt(Section section, List<String> names, List<String> negatives, String env, Kind kind,
      List<String> choices, String hint, String help, String badChoice) {

    /** {@return the first long name that does not turn a flag off: the key of its value} */
    String canonical() {
      return names.stream().filter(n -> n.startsWith("--") && !negatives.contains(n)).findFirst()
          .orElse(names.get(0));
    }
  }

  private static final int HELP_COLUMN = 40;
  private static final int HELP_WIDTH = 70;

  private final List<Opt> opts = new ArrayList<>();

  private FakeOptions(FakeBuildRules rules) {
    common(rules);
    sampling();
    server();
    fake();
  }

  /** {@return every option build {@code rules} accepts, in {@code --help} order} */
  static List<Opt> of(FakeBuildRules rules) {
    return List.copyOf(new FakeOptions(rules).opts);
  }

  private void common(FakeBuildRules rules) {
    Section s = Section.COMMON;
    add(s, Kind.HELP, null, "", "print usage and exit", "-h", "--help", "--usage");
    add(s, Kind.VERSION, null, "", "show version and build info", "--version");
    add(s, Kind.INT, "LLAMA_ARG_THREADS", "N",
        "number of CPU threads to use during generation (default: <num_cpus>)", "-t", "--threads");
    add(s, Kind.INT, null, "N",
        "number of threads to use during batch and prompt processing (default: same as --threads)",
        "-tb", "--threads-batch");
    add(s, Kind.INT, "LLAMA_ARG_CTX_SIZE", "N", "size of the prompt context (default: 0, 0 = loaded from model)",
        "-c", "--ctx-size");
    add(s, Kind.INT, "LLAMA_ARG_N_PREDICT", "N", "number of tokens to predict (default: -1, -1 = infinity)",
        "-n", "--predict", "--n-predict");
    add(s, Kind.INT, "LLAMA_ARG_BATCH", "N", "logical maximum batch size (default: 2048)", "-b", "--batch-size");
    add(s, Kind.INT, "LLAMA_ARG_UBATCH", "N", "physical maximum batch size (default: 512)", "-ub", "--ubatch-size");
    if (rules.flashAttnTakesValue()) {
      add(s, Kind.FLASH_ATTN, "LLAMA_ARG_FLASH_ATTN", "[on|off|auto]",
          "set Flash Attention use ('on', 'off', or 'auto', default: 'auto')", "-fa", "--flash-attn");
    } else {
      add(s, Kind.FLAG, "LLAMA_ARG_FLASH_ATTN", "", "enable Flash Attention (default: disabled)", "-fa", "--flash-attn");
    }
    if (rules.gpuLayersAutoAll()) {
      add(s, Kind.GPU_LAYERS, "LLAMA_ARG_N_GPU_LAYERS", "N",
          "max. number of layers to store in VRAM, either an exact number, 'auto', or 'all' (default: auto)",
          "-ngl", "--gpu-layers", "--n-gpu-layers");
    } else {
      add(s, Kind.INT, "LLAMA_ARG_N_GPU_LAYERS", "N", "number of layers to store in VRAM",
          "-ngl", "--gpu-layers", "--n-gpu-layers");
    }
    add(s, Kind.STRING, "LLAMA_ARG_MODEL", "FNAME", "model path to load", "-m", "--model");
    add(s, Kind.STRING, "LLAMA_ARG_HF_REPO", "<user>/<model>[:quant]",
        "Hugging Face model repository; quant is optional, case-insensitive, default to Q4_K_M, or falls back to the"
            + " first file in the repo if Q4_K_M doesn't exist.", "-hf", "-hfr", "--hf-repo");
    add(s, Kind.STRING, "LLAMA_ARG_HF_FILE", "FILE", "Hugging Face model file. If specified, it will override the quant"
        + " in --hf-repo (default: unused)", "-hff", "--hf-file");
    add(s, Kind.FLAG, null, "", "Log disable", "--log-disable");
    opts.add(new Opt(s, List.of("--log-colors"), List.of(), "LLAMA_ARG_LOG_COLORS", Kind.CHOICE,
        List.of("on", "off", "auto"), "[on|off|auto]",
        "Set colored logging ('on', 'off', or 'auto', default: 'auto')\n'auto' enables colors when output is to a terminal",
        null));
    add(s, Kind.FLAG, null, "", "Set verbosity level to infinity (i.e. log all messages, useful for debugging)",
        "-v", "--verbose", "--log-verbose");
    add(s, Kind.FLAG, "LLAMA_ARG_OFFLINE", "", "Offline mode: forces use of cache, prevents network access",
        "--offline");
    add(s, Kind.INT, "LLAMA_ARG_LOG_VERBOSITY", "N",
        "Set the verbosity threshold. Messages with a higher verbosity will be ignored. (default: 3)",
        "-lv", "--verbosity", "--log-verbosity");
    toggle(s, "LLAMA_ARG_LOG_PREFIX", "Enable prefix in log messages", "--log-prefix", "--no-log-prefix");
    toggle(s, "LLAMA_ARG_LOG_TIMESTAMPS", "Enable timestamps in log messages", "--log-timestamps",
        "--no-log-timestamps");
    toggle(s, null, "whether to perform warmup with an empty run (default: enabled)", "--warmup", "--no-warmup");
  }

  private void sampling() {
    add(Section.SAMPLING, Kind.INT, null, "SEED", "RNG seed (default: -1, use random seed for -1)", "-s", "--seed");
  }

  private void server() {
    Section s = Section.SERVER;
    opts.add(new Opt(s, List.of("--pooling"), List.of(), "LLAMA_ARG_POOLING", Kind.CHOICE,
        List.of("none", "mean", "cls", "last", "rank"), "{none,mean,cls,last,rank}",
        "pooling type for embeddings, use model default if unspecified", "invalid value"));
    add(s, Kind.INT, "LLAMA_ARG_N_PARALLEL", "N", "number of server slots (default: -1, -1 = auto)", "-np", "--parallel");
    opts.add(new Opt(s, List.of("-cb", "--cont-batching", "-nocb", "--no-cont-batching"),
        List.of("-nocb", "--no-cont-batching"), "LLAMA_ARG_CONT_BATCHING", Kind.FLAG, List.of(), "",
        "whether to enable continuous batching (a.k.a dynamic batching) (default: enabled)", null));
    add(s, Kind.STRING, "LLAMA_ARG_ALIAS", "STRING", "set model name aliases, comma-separated (to be used by API)",
        "-a", "--alias");
    add(s, Kind.STRING, "LLAMA_ARG_TAGS", "STRING",
        "set model tags, comma-separated (informational, not used for routing)", "--tags");
    add(s, Kind.STRING, "LLAMA_ARG_HOST", "HOST", "ip address to listen (default: 127.0.0.1)", "--host");
    add(s, Kind.INT, "LLAMA_ARG_PORT", "PORT", "port to listen (default: 8080)", "--port");
    add(s, Kind.FLAG, "LLAMA_ARG_REUSE_PORT", "",
        "allow multiple sockets to bind to the same port (default: disabled)", "--reuse-port");
    add(s, Kind.STRING, "LLAMA_ARG_API_PREFIX", "PREFIX",
        "prefix path the server serves from, without the trailing slash (default: )", "--api-prefix");
    opts.add(new Opt(s, List.of("--ui", "--webui", "--no-ui", "--no-webui"), List.of("--no-ui", "--no-webui"),
        "LLAMA_ARG_UI", Kind.FLAG, List.of(), "", "whether to enable the Web UI (default: enabled)", null));
    add(s, Kind.FLAG, "LLAMA_ARG_EMBEDDINGS", "",
        "restrict to only support embedding use case; use only with dedicated embedding models (default: disabled)",
        "--embedding", "--embeddings");
    add(s, Kind.FLAG, "LLAMA_ARG_RERANKING", "", "enable reranking endpoint on server (default: disabled)",
        "--rerank", "--reranking");
    add(s, Kind.STRING, "LLAMA_API_KEY", "KEY",
        "API key to use for authentication, multiple keys can be provided as a comma-separated list (default: none)",
        "--api-key");
    add(s, Kind.STRING, null, "FNAME", "path to file containing API keys, one per line (default: none)",
        "--api-key-file");
    add(s, Kind.INT, "LLAMA_ARG_TIMEOUT", "N", "server read/write timeout in seconds (default: 3600)", "-to", "--timeout");
    add(s, Kind.INT, "LLAMA_ARG_THREADS_HTTP", "N", "number of threads used to process HTTP requests (default: -1)",
        "--threads-http");
    add(s, Kind.FLAG, "LLAMA_ARG_ENDPOINT_METRICS", "",
        "enable prometheus compatible metrics endpoint (default: disabled)", "--metrics");
    add(s, Kind.FLAG, "LLAMA_ARG_ENDPOINT_PROPS", "",
        "enable changing global properties via POST /props (default: disabled)", "--props");
    toggle(s, "LLAMA_ARG_ENDPOINT_SLOTS", "expose slots monitoring endpoint (default: enabled)", "--slots", "--no-slots");
    toggle(s, "LLAMA_ARG_JINJA", "whether to use jinja template engine for chat (default: enabled)", "--jinja",
        "--no-jinja");
    add(s, Kind.INT, null, "SECONDS",
        "number of seconds of idleness after which the server will sleep (default: -1; -1 = disabled)",
        "--sleep-idle-seconds");
  }

  private void fake() {
    Section s = Section.FAKE;
    add(s, Kind.INT, "FAKE_LLAMA_BUILD", "N",
        "behave like this llama.cpp build (default: " + FakeBuildRules.CURRENT + ")", "--fake-build");
    opts.add(new Opt(s, List.of("--fake-version-shape"), List.of(), "FAKE_LLAMA_VERSION_SHAPE", Kind.CHOICE,
        List.of("unknown", "git", "debian"), "{unknown,git,debian}",
        "--version line shape (default: debian for build " + FakeBuildRules.CURRENT + ", else unknown)", null));
    add(s, Kind.INT, "FAKE_LLAMA_LOAD_MS", "N", "simulated model load time in ms (default: 200)", "--fake-load-ms");
    add(s, Kind.INT, "FAKE_LLAMA_PROGRESS_EVERY_MS", "N", "log a load progress line every N ms while loading",
        "--fake-progress-every-ms");
    opts.add(new Opt(s, List.of("--fake-stall"), List.of(), "FAKE_LLAMA_STALL", Kind.CHOICE,
        List.of("loading", "before-bind"), "{loading,before-bind}",
        "hang forever without output: after binding (503 forever) or before binding", null));
    add(s, Kind.INT, "FAKE_LLAMA_EXIT_CODE", "N", "exit code used by --fake-exit-after-ms/-requests (default: 1)",
        "--fake-exit-code");
    add(s, Kind.INT, "FAKE_LLAMA_EXIT_AFTER_MS", "N", "exit N ms after becoming ready", "--fake-exit-after-ms");
    add(s, Kind.INT, "FAKE_LLAMA_EXIT_AFTER_REQUESTS", "N", "exit after answering N requests once ready",
        "--fake-exit-after-requests");
    add(s, Kind.FLAG, "FAKE_LLAMA_IGNORE_SIGNALS", "", "ignore SIGTERM and SIGINT (only SIGKILL stops it)",
        "--fake-ignore-signals");
    opts.add(new Opt(s, List.of("--fake-health"), List.of(), "FAKE_LLAMA_HEALTH", Kind.CHOICE,
        List.of("ok", "degraded", "unavailable", "loading"), "{ok,degraded,unavailable,loading}",
        "fixed /health answer once ready", null));
    add(s, Kind.STRING, "FAKE_LLAMA_HEALTH_FILE", "FILE",
        "file whose content (ok|degraded|unavailable|loading) decides each /health answer", "--fake-health-file");
    add(s, Kind.INT, "FAKE_LLAMA_HEALTH_FLAP_EVERY", "N",
        "alternate /health between ok and unavailable every N health requests", "--fake-health-flap-every");
    add(s, Kind.INT, "FAKE_LLAMA_UNHEALTHY_AFTER_MS", "N", "/health turns unavailable N ms after becoming ready",
        "--fake-unhealthy-after-ms");
    add(s, Kind.INT, "FAKE_LLAMA_RESPONSE_DELAY_MS", "N", "delay every answer by N ms once ready",
        "--fake-response-delay-ms");
    add(s, Kind.INT, "FAKE_LLAMA_TOKENS_PER_SECOND", "N",
        "streaming rate in content chunks per second (default: unlimited)", "--fake-tokens-per-second");
    add(s, Kind.FLAG, "FAKE_LLAMA_SPAWN_CHILD", "", "spawn a child process (sleep 3600) and log its pid",
        "--fake-spawn-child");
    add(s, Kind.STRING, "FAKE_LLAMA_MODEL_ID", "ID", "answer /v1/models with this id instead of the alias",
        "--fake-model-id");
    add(s, Kind.STRING, "FAKE_LLAMA_READY_STAMP", "FILE",
        "write System.nanoTime() of the moment /health turns 200 to FILE", "--fake-ready-stamp");
  }

  private void add(Section section, Kind kind, String env, String hint, String help, String... names) {
    opts.add(new Opt(section, List.of(names), List.of(), env, kind, List.of(), hint, help, null));
  }

  private void toggle(Section section, String env, String help, String on, String off) {
    opts.add(new Opt(section, List.of(on, off), List.of(off), env, Kind.FLAG, List.of(), "", help, null));
  }

  /** {@return the whole {@code --help} text: each section's options, as llama-server prints them} */
  static String help(List<Opt> opts) {
    StringBuilder sb = new StringBuilder();
    for (Section section : Section.values()) {
      sb.append(sb.length() == 0 ? "" : "\n\n").append("----- ").append(section.title).append(" -----\n\n");
      opts.stream().filter(o -> o.section() == section).forEach(o -> sb.append(usage(o)));
    }
    return sb.toString();
  }

  /** {@return the usage lines of one option, each ending with a newline, in llama-server's layout} */
  static String usage(Opt opt) {
    StringBuilder head = new StringBuilder();
    List<String> names = opt.names();
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      if (i == 0 && names.size() > 1) {
        String first = name + ", ";
        head.append(first).append(" ".repeat(Math.max(0, 7 - first.length())));
      } else {
        head.append(name).append(i < names.size() - 1 ? ", " : "");
      }
    }
    if (!opt.hint().isEmpty()) {
      head.append(' ').append(opt.hint());
    }
    String indent = " ".repeat(HELP_COLUMN);
    StringBuilder sb = new StringBuilder(head);
    if (head.length() > HELP_COLUMN - 3) {
      sb.append('\n').append(indent);
    } else {
      sb.append(" ".repeat(HELP_COLUMN - head.length()));
    }
    List<String> lines = wrap(opt.help());
    for (int i = 0; i < lines.size(); i++) {
      sb.append(i == 0 ? "" : indent).append(lines.get(i)).append('\n');
    }
    if (opt.env() != null) {
      sb.append(indent).append("(env: ").append(opt.env()).append(")\n");
    }
    return sb.toString();
  }

  /** Breaks each line of {@code text} at words to at most {@value #HELP_WIDTH} characters, as llama.cpp does. */
  private static List<String> wrap(String text) {
    List<String> out = new ArrayList<>();
    for (String line : text.split("\n", -1)) {
      if (line.length() <= HELP_WIDTH) {
        out.add(line);
        continue;
      }
      StringBuilder current = new StringBuilder();
      for (String word : line.trim().split("\\s+")) {
        if (current.length() + (current.length() > 0 ? 1 : 0) + word.length() > HELP_WIDTH) {
          if (current.length() > 0) {
            out.add(current.toString());
          }
          current = new StringBuilder(word);
        } else {
          current.append(current.length() > 0 ? " " : "").append(word);
        }
      }
      if (current.length() > 0) {
        out.add(current.toString());
      }
    }
    return out;
  }
}
