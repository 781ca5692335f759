package io.github.llamacppsdk.internal.fake;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.LockSupport;
import sun.misc.Signal;

/**
 * The start-up sequence of the fake server, in llama-server's order: parse the command line (with
 * the syntax of the build it plays), bind the port (503 on every route from then on), "load" the
 * model (header check, simulated load time), then mark ready and log {@code model loaded} and the
 * build's listening line(s). {@code --version} and {@code --help} print and exit 0. Signals log
 * {@code cleaning up before exit...} and exit 0. Not API.
 */
public final class FakeServerRuntime {
  private FakeServerRuntime() {}

  /**
   * Runs the fake server; returns once it is ready (the HTTP threads keep the JVM alive), or exits
   * the JVM on failure with status 1 as llama-server does.
   *
   * @param args llama-server's command line plus {@code --fake-*} knobs
   */
  public static void run(String[] args) {
    long start = System.nanoTime();
    FakeConfig config;
    List<String> keys;
    FakeBuildRules rules;
    try {
      rules = FakeBuildRules.from(List.of(args), System.getenv());
      config = FakeArgs.parse(List.of(args), System.getenv(), rules);
      if (config.flag("--version")) {
        rules.versionLines().forEach(System.err::println); // llama-server prints these on stderr
        System.err.flush();
        System.exit(0);
      }
      if (config.flag("--help")) {
        System.out.print(FakeOptions.help(FakeOptions.of(rules))); // the usage goes to stdout
        System.out.flush();
        System.exit(0);
      }
      keys = config.apiKeys();
    } catch (FakeArgs.UsageError e) {
      System.err.println(e.getMessage());
      System.exit(1);
      return;
    }
    String main = rules.serverFunction();
    FakeLog log = FakeLog.stderr(start, config);
    FakeFaults faults = new FakeFaults(config, log);
    installSignalHandlers(log, faults.ignoreSignals(), faults::flushReadyStamp);
    if (config.model().isEmpty() && config.string("--hf-repo").isPresent()) {
      config = config.withModel(FakeHubPull.pull(config, System.getenv(), log, main)); // exits 1 on failure
    }
    Optional<Path> model = config.model();
    if (model.isEmpty()) {
      log.raw('E', "fake-llama-server: --model is required (router mode is not faked)");
      System.exit(1);
    }
    if (faults.stall().filter("before-bind"::equals).isPresent()) {
      parkForever();
    }
    log.raw('I', "build: " + rules.build() + " (fake) with java " + Runtime.version() + " for "
        + System.getProperty("os.name"));
    log.info(main, "initializing ...");
    int threads = config.integer("--threads-http", -1);
    int httpThreads = threads > 0 ? threads : Math.max(config.slots() + 4, Runtime.getRuntime().availableProcessors() - 1);
    log.info("init", "using " + httpThreads + " threads for HTTP server");
    if (!keys.isEmpty()) {
      log.info(main, "api_keys: " + keys.size() + " key(s) configured, values masked");
    } else if (rules.securityWarning()) {
      log.warn(main, "security: no API key is set and CORS allows all origins "
          + "(see https://github.com/ggml-org/llama.cpp/pull/25655)");
    }
    log.info("start", "binding port with default address family");
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 128);
    } catch (IOException e) {
      log.error("start", "couldn't bind HTTP server socket, hostname: " + config.host() + ", port: " + config.port());
      log.error(main, "exiting due to HTTP server error");
      System.exit(1);
      return;
    }
    int port = server.getAddress().getPort();
    FakeHttp http = new FakeHttp(config, log, faults, new FakeBodies(config, faults.modelId(), size(model.get())), keys);
    server.createContext("/", http);
    ExecutorService pool = Executors.newFixedThreadPool(httpThreads, r -> {
      Thread t = new Thread(r, "fake-http");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(pool);
    server.start();
    log.info(main, "HTTP server is listening, hostname: " + config.host() + ", port: " + port
        + ", http threads: " + httpThreads);
    log.info(main, "loading model");
    log.info("load_model", "loading model '" + model.get() + "'");
    checkModel(log, main, model.get());
    if (faults.stall().filter("loading"::equals).isPresent()) {
      parkForever();
    }
    if (config.string("--fake-ready-stamp").isPresent()) {
      http.warmUpOverHttp(port, 300); // benchmark mode: measure the launcher, not a cold fake
    }
    simulateLoad(log, faults.loadTime(), faults.progressEvery());
    log.info("load_model", "initializing slots, n_slots = " + config.slots());
    faults.spawnChildIfAsked();
    http.warmUp();
    faults.prepareReadyStamp();
    long readyAt = System.nanoTime();
    http.markReady();
    faults.stampReady(readyAt);
    log.info(main, "model loaded"); // like llama-server: ready first, then these lines at once
    rules.listeningLines("http://" + config.host() + ":" + port).forEach(line -> log.info(main, line));
    if (!rules.securityWarning()) {
      log.info("update_slots", "all slots are idle"); // b11669 no longer logs this at start
    }
    faults.flushReadyStamp();
    faults.onReady(readyAt);
  }

  /** Fails like llama.cpp's GGUF loader when the model file is missing or not GGUF. */
  private static void checkModel(FakeLog log, String main, Path model) {
    String reason = null;
    if (!Files.exists(model)) {
      reason = "failed to open GGUF file '" + model + "' (No such file or directory)";
      log.raw('E', "gguf_init_from_file: " + reason);
    } else if (Files.isDirectory(model)) {
      log.raw('E', "gguf_init_from_file: failed to open GGUF file '" + model + "' (Is a directory)");
      reason = "directory";
    } else {
      byte[] magic = new byte[4];
      int n;
      try (InputStream in = Files.newInputStream(model)) {
        n = in.readNBytes(magic, 0, 4);
      } catch (IOException e) {
        log.raw('E', "gguf_init_from_file: failed to open GGUF file '" + model + "' (Permission denied)");
        n = -1;
      }
      String read = n < 0 ? "" : new String(magic, 0, n, StandardCharsets.ISO_8859_1);
      if (n >= 0 && n < 4) {
        log.raw('E', "gguf_init_from_file_impl: failed to read magic");
      } else if (n == 4 && !read.equals("GGUF")) {
        log.raw('E', "gguf_init_from_file_ptr: invalid magic characters: '" + read + "', expected 'GGUF'");
      }
      if (n != 4 || !read.equals("GGUF")) {
        reason = "bad header";
      }
    }
    if (reason != null) {
      log.raw('E', "llama_model_load: error loading model: llama_model_loader: failed to load model from " + model);
      log.raw('E', "llama_model_load_from_file_impl: failed to load model");
      log.error("load_model", "failed to load model, '" + model + "'");
      log.error(main, "exiting due to model loading error");
      System.exit(1);
    }
  }

  private static void simulateLoad(FakeLog log, Duration total, Optional<Duration> every) {
    long end = System.nanoTime() + total.toNanos();
    long step = every.map(Duration::toNanos).orElse(Long.MAX_VALUE);
    long now;
    while ((now = System.nanoTime()) < end) {
      long wait = Math.min(end - now, step);
      LockSupport.parkNanos(wait);
      if (every.isPresent()) {
        long done = total.isZero() ? 100 : 100 - Math.max(0, end - System.nanoTime()) * 100 / total.toNanos();
        log.raw('I', "load_tensors: loading model tensors, " + done + "% done");
      }
    }
  }

  private static long size(Path model) {
    try {
      return Files.size(model);
    } catch (IOException e) {
      return 0;
    }
  }

  private static void installSignalHandlers(FakeLog log, boolean ignore, Runnable beforeExit) {
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(name), sig -> {
        if (ignore) {
          log.warn("operator()", "fake: ignoring SIG" + sig.getName() + " (fault knob)");
          return;
        }
        log.info("operator()", "cleaning up before exit...");
        beforeExit.run();
        System.err.flush();
        Runtime.getRuntime().halt(0);
      });
    }
  }

  private static void parkForever() {
    while (true) {
      LockSupport.park();
    }
  }
}
