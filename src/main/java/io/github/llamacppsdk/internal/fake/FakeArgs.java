package io.github.llamacppsdk.internal.fake;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Parses llama-server's command line (and the fake's own {@code --fake-*} knobs) the way llama.cpp's
 * {@code common/arg.cpp} does: long and short forms, {@code --flag value} and {@code --flag=value},
 * any order, unknown flags rejected with {@code error: invalid argument: X}, bad values rejected with
 * the usage text of that flag. Environment forms ({@code LLAMA_ARG_*}, {@code LLAMA_API_KEY},
 * {@code FAKE_LLAMA_*}) fill in flags that were not given. Not API.
 */
public final class FakeArgs {
  /** How a flag's value is checked. */
  enum Kind { FLAG, STRING, INT, CHOICE, GPU_LAYERS }

  /** One accepted flag: its names (the first is canonical), env form, kind, choices, help. */
  record Opt(List<String> names, String env, Kind kind, List<String> choices, String hint, String help) {}

  /** Thrown for a bad command line; the message is what llama-server prints on stderr. */
  static final class UsageError extends Exception {
    private static final long serialVersionUID = 1L;

    UsageError(String message) {
      super(message);
    }
  }

  private static final List<Opt> OPTS = new ArrayList<>();

  static {
    // llama-server's own flags (the boot-spec surface).
    str("LLAMA_ARG_MODEL", "FNAME", "model path to load", "-m", "--model");
    str("LLAMA_ARG_ALIAS", "STRING", "set model name aliases, comma-separated", "-a", "--alias");
    str("LLAMA_ARG_HOST", "HOST", "ip address to listen (default: 127.0.0.1)", "--host");
    num("LLAMA_ARG_PORT", "port to listen (default: 8080)", "--port");
    num("LLAMA_ARG_CTX_SIZE", "size of the prompt context (default: 0, 0 = loaded from model)", "-c", "--ctx-size");
    opt(new Opt(List.of("--gpu-layers", "-ngl", "--n-gpu-layers"), "LLAMA_ARG_N_GPU_LAYERS", Kind.GPU_LAYERS,
        List.of(), "N", "max. number of layers to store in VRAM, either an exact number, 'auto', or 'all' (default: auto)"));
    num("LLAMA_ARG_THREADS", "number of CPU threads to use during generation (default: -1)", "-t", "--threads");
    num("LLAMA_ARG_THREADS_BATCH", "number of threads to use during batch and prompt processing", "-tb", "--threads-batch");
    num("LLAMA_ARG_N_PARALLEL", "number of server slots (default: -1, -1 = auto)", "-np", "--parallel");
    opt(new Opt(List.of("--flash-attn", "-fa"), "LLAMA_ARG_FLASH_ATTN", Kind.CHOICE, List.of("on", "off", "auto"),
        "[on|off|auto]", "set Flash Attention use ('on', 'off', or 'auto', default: 'auto')"));
    flag("LLAMA_ARG_EMBEDDINGS", "restrict to only support embedding use case", "--embedding", "--embeddings");
    str("LLAMA_API_KEY", "KEY", "API key to use for authentication, multiple keys can be provided as a comma-separated list", "--api-key");
    str(null, "FNAME", "path to file containing API keys (default: none)", "--api-key-file");
    str("LLAMA_ARG_API_PREFIX", "PREFIX", "prefix path the server serves from, without the trailing slash", "--api-prefix");
    num("LLAMA_ARG_TIMEOUT", "server read/write timeout in seconds (default: 600)", "-to", "--timeout");
    num("LLAMA_ARG_THREADS_HTTP", "number of threads used to process HTTP requests (default: -1)", "--threads-http");
    opt(new Opt(List.of("--pooling"), "LLAMA_ARG_POOLING", Kind.CHOICE, List.of("none", "mean", "cls", "last", "rank"),
        "{none,mean,cls,last,rank}", "pooling type for embeddings, use model default if unspecified"));
    // Harmless real flags: accepted, mostly ignored.
    flag(null, "verbose logging", "-v", "--verbose", "--log-verbose");
    flag(null, "disable the Web UI", "--no-webui", "--no-ui");
    flag(null, "enable the Web UI", "--webui", "--ui");
    flag("LLAMA_ARG_ENDPOINT_METRICS", "enable prometheus compatible metrics endpoint", "--metrics");
    flag(null, "disable slots monitoring endpoint", "--no-slots");
    flag(null, "enable slots monitoring endpoint", "--slots");
    flag(null, "enable changing global properties via POST /props", "--props");
    flag(null, "log disable", "--log-disable");
    flag(null, "disable prefix in log messages", "--no-log-prefix");
    flag(null, "enable prefix in log messages", "--log-prefix");
    flag(null, "disable timestamps in log messages", "--no-log-timestamps");
    flag(null, "enable timestamps in log messages", "--log-timestamps");
    opt(new Opt(List.of("--log-colors"), "LLAMA_LOG_COLORS", Kind.CHOICE, List.of("on", "off", "auto"),
        "[on|off|auto]", "set coloring of logging"));
    num("LLAMA_LOG_VERBOSITY", "set the verbosity threshold", "-lv", "--log-verbosity");
    flag(null, "allow multiple sockets to bind to the same port", "--reuse-port");
    flag(null, "offline mode", "--offline");
    flag(null, "enable reranking endpoint", "--rerank", "--reranking");
    flag(null, "use jinja template for chat", "--jinja");
    flag(null, "skip warming up the model", "--no-warmup");
    flag(null, "disable memory-mapping the model", "--no-mmap");
    flag(null, "force the system to keep the model in RAM", "--mlock");
    flag(null, "enable continuous batching", "-cb", "--cont-batching");
    flag(null, "disable continuous batching", "-nocb", "--no-cont-batching");
    str(null, "STRING", "model tags, comma-separated", "--tags");
    num(null, "logical maximum batch size", "-b", "--batch-size");
    num(null, "physical maximum batch size", "-ub", "--ubatch-size");
    num(null, "RNG seed", "-s", "--seed");
    num(null, "number of tokens to predict", "-n", "--n-predict");
    num(null, "idle seconds before sleeping", "--sleep-idle-seconds");
    // The fake's own fault knobs (see FakeLlamaServer's Javadoc).
    num("FAKE_LLAMA_LOAD_MS", "simulated model load time in ms (default: 200)", "--fake-load-ms");
    num("FAKE_LLAMA_PROGRESS_EVERY_MS", "log a load progress line every N ms while loading", "--fake-progress-every-ms");
    opt(new Opt(List.of("--fake-stall"), "FAKE_LLAMA_STALL", Kind.CHOICE, List.of("loading", "before-bind"),
        "{loading,before-bind}", "hang forever without output: after binding (503 forever) or before binding"));
    num("FAKE_LLAMA_EXIT_CODE", "exit code used by --fake-exit-after-ms/-requests (default: 1)", "--fake-exit-code");
    num("FAKE_LLAMA_EXIT_AFTER_MS", "exit N ms after becoming ready", "--fake-exit-after-ms");
    num("FAKE_LLAMA_EXIT_AFTER_REQUESTS", "exit after answering N requests once ready", "--fake-exit-after-requests");
    flag("FAKE_LLAMA_IGNORE_SIGNALS", "ignore SIGTERM and SIGINT (only SIGKILL stops it)", "--fake-ignore-signals");
    opt(new Opt(List.of("--fake-health"), "FAKE_LLAMA_HEALTH", Kind.CHOICE,
        List.of("ok", "degraded", "unavailable", "loading"), "{ok,degraded,unavailable,loading}", "fixed /health answer once ready"));
    str("FAKE_LLAMA_HEALTH_FILE", "FILE", "file whose content (ok|degraded|unavailable|loading) decides each /health answer", "--fake-health-file");
    num("FAKE_LLAMA_HEALTH_FLAP_EVERY", "alternate /health between ok and unavailable every N health requests", "--fake-health-flap-every");
    num("FAKE_LLAMA_UNHEALTHY_AFTER_MS", "/health turns unavailable N ms after becoming ready", "--fake-unhealthy-after-ms");
    num("FAKE_LLAMA_RESPONSE_DELAY_MS", "delay every answer by N ms once ready", "--fake-response-delay-ms");
    num("FAKE_LLAMA_TOKENS_PER_SECOND", "streaming rate in content chunks per second (default: unlimited)", "--fake-tokens-per-second");
    flag("FAKE_LLAMA_SPAWN_CHILD", "spawn a child process (sleep 3600) and log its pid", "--fake-spawn-child");
    str("FAKE_LLAMA_MODEL_ID", "ID", "answer /v1/models with this id instead of the alias", "--fake-model-id");
    str("FAKE_LLAMA_READY_STAMP", "FILE", "write System.nanoTime() of the moment /health turns 200 to FILE", "--fake-ready-stamp");
  }

  private FakeArgs() {}

  private static void opt(Opt o) {
    OPTS.add(o);
  }

  private static void str(String env, String hint, String help, String... names) {
    opt(new Opt(List.of(names), env, Kind.STRING, List.of(), hint, help));
  }

  private static void num(String env, String help, String... names) {
    opt(new Opt(List.of(names), env, Kind.INT, List.of(), "N", help));
  }

  private static void flag(String env, String help, String... names) {
    opt(new Opt(List.of(names), env, Kind.FLAG, List.of(), "", help));
  }

  /** {@return every accepted option, for {@code --help}} */
  static List<Opt> options() {
    return List.copyOf(OPTS);
  }

  /**
   * Parses {@code args}, then fills unset options from {@code env}.
   *
   * @throws UsageError with llama-server's message for an unknown flag or a bad value
   */
  static FakeConfig parse(List<String> args, Map<String, String> env) throws UsageError {
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      String name = arg;
      Optional<String> inline = Optional.empty();
      int eq = arg.indexOf('=');
      if (arg.startsWith("-") && eq > 0) {
        name = arg.substring(0, eq);
        inline = Optional.of(arg.substring(eq + 1));
      }
      if (name.equals("-h") || name.equals("--help") || name.equals("--usage")) {
        values.put("--help", "true");
        continue;
      }
      Opt opt = find(name).orElseThrow(() -> new UsageError("error: invalid argument: " + arg));
      String canonical = opt.names().stream().filter(n -> n.startsWith("--")).findFirst().orElse(name);
      if (opt.kind() == Kind.FLAG) {
        values.put(canonical, "true");
        continue;
      }
      String value;
      if (inline.isPresent()) {
        value = inline.get();
      } else if (i + 1 < args.size()) {
        value = args.get(++i);
      } else {
        throw badValue(name, opt, "expected value for argument");
      }
      values.put(canonical, check(name, opt, value));
    }
    for (Opt opt : OPTS) {
      String canonical = opt.names().stream().filter(n -> n.startsWith("--")).findFirst().orElseThrow();
      if (opt.env() != null && !values.containsKey(canonical) && env.containsKey(opt.env())) {
        String value = env.get(opt.env());
        if (opt.kind() == Kind.FLAG) {
          if (isTruthy(value)) {
            values.put(canonical, "true");
          }
        } else {
          values.put(canonical, check(opt.env(), opt, value));
        }
      }
    }
    return new FakeConfig(values);
  }

  private static boolean isTruthy(String value) {
    return value.equals("1") || value.equalsIgnoreCase("true") || value.equalsIgnoreCase("on")
        || value.equalsIgnoreCase("enabled");
  }

  private static Optional<Opt> find(String name) {
    return OPTS.stream().filter(o -> o.names().contains(name)).findFirst();
  }

  private static String check(String name, Opt opt, String value) throws UsageError {
    switch (opt.kind()) {
      case INT:
        if (!value.matches("-?\\d{1,9}")) {
          throw badValue(name, opt, "stoi");
        }
        return value;
      case GPU_LAYERS:
        if (!value.equals("auto") && !value.equals("all") && !value.matches("-?\\d{1,9}")) {
          throw badValue(name, opt, "stoi");
        }
        return value;
      case CHOICE:
        if (!opt.choices().contains(value)) {
          throw badValue(name, opt, "unknown value for " + opt.names().get(0) + ": '" + value + "'");
        }
        return value;
      default:
        return value;
    }
  }

  private static UsageError badValue(String name, Opt opt, String why) {
    return new UsageError("error while handling argument \"" + name + "\": " + why + "\n\nusage:\n"
        + usage(opt) + "\n\nto show complete usage, run with -h");
  }

  /** {@return the usage lines of one option, in llama-server's help layout} */
  static String usage(Opt opt) {
    List<String> names = new ArrayList<>(opt.names());
    names.sort((a, b) -> Boolean.compare(a.startsWith("--"), b.startsWith("--")));
    String head = String.join(", ", names) + (opt.hint().isEmpty() ? "" : " " + opt.hint());
    StringBuilder sb = new StringBuilder(String.format("%-40s", head));
    if (head.length() >= 40) {
      sb.append('\n').append(" ".repeat(40));
    }
    sb.append(opt.help());
    if (opt.env() != null) {
      sb.append('\n').append(" ".repeat(40)).append("(env: ").append(opt.env()).append(')');
    }
    return sb.toString();
  }
}
