package io.github.llamacppsdk.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * Figure 7: cold start. Fresh child JVMs ({@link ColdStartChild}) run {@code LlamaCppBackend.create()}
 * and a first {@code resolveEndpoint}, against the fake server and, when {@code LLAMA_SERVER_BIN} is
 * set, the real one. Baseline, in the same run and interleaved: the same server spawned directly by this
 * (warm) JVM and polled with {@code GET /health} (a new connection each time) every 1 ms until its first 200. Target (issue 16): the
 * median of create + first resolve within the baseline's median plus 150 ms. One more child runs with
 * {@code -Xlog:class+load} and a stamping transport for the breakdown.
 *
 * <p>Every child runs from jars, as an application that depends on the artifact does (the bench packs the
 * class directories of the build). A third series, interleaved with the two, runs the same child with a
 * class-data-sharing archive of that application: one training run with {@code
 * -XX:ArchiveClassesAtExit}, then every run with {@code -XX:SharedArchiveFile} (the recipe of the README's
 * "Cold start" section).
 *
 * <p>A fourth series, interleaved too, is the JVM floor ({@link ColdStartFloorChild}): a fresh JVM that spawns
 * the same server and polls it without the library, so the figure separates the JVM's own start-up cost from
 * the library's.
 */
final class ColdStartBench {
  static final long TARGET_MARGIN_NANOS = TimeUnit.MILLISECONDS.toNanos(150);
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  private final Fixture fx;
  private final Report report;
  private final int runs;
  private String jarClasspath; // built on first use

  ColdStartBench(Fixture fx, Report report, int runs) {
    this.fx = fx;
    this.report = report;
    this.runs = runs;
  }

  void run() throws IOException {
    measure("fake llama-server (itself a JVM)", fx.binary.toString(), fx.model.toString());
    Optional<String> real = Optional.ofNullable(System.getenv("LLAMA_SERVER_BIN")).filter(s -> !s.isBlank());
    if (real.isEmpty()) {
      report.note("Cold start against a real llama-server was not measured: LLAMA_SERVER_BIN is not set.");
      return;
    }
    Path model = loadableModel();
    if (model == null) {
      report.note("Cold start against a real llama-server was not measured: set LLAMA_MODEL to a GGUF file.");
      return;
    }
    measure("real llama-server (" + real.get() + ")", real.get(), model.toString());
  }

  /** LLAMA_MODEL, else a loadable tiny model from the testkit if this build has the writer. */
  private Path loadableModel() {
    String env = System.getenv("LLAMA_MODEL");
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    try {
      Class<?> gguf = Class.forName("io.github.llamacppsdk.testkit.GgufFiles");
      return (Path) gguf.getMethod("writeLoadableModel", Path.class).invoke(null, fx.dir.resolve("cold-tiny.gguf"));
    } catch (ReflectiveOperationException e) {
      return null;
    }
  }

  private void measure(String server, String binary, String model) throws IOException {
    child(binary, model, false); // warm the file cache; discarded
    List<String> cds = cdsArguments(binary, model);
    long[] cdsTotal = new long[runs];
    long[] total = new long[runs];
    long[] create = new long[runs];
    long[] resolve = new long[runs];
    long[] boot = new long[runs];
    long[] cpu = new long[runs];
    long[] base = new long[runs];
    long[] floor = new long[runs];
    List<String> floorArgs = List.of("-cp", jarClasspath());
    for (int i = 0; i < runs; i++) {
      Map<String, String> c = child(binary, model, false);
      long spawn = Long.parseLong(c.get("spawn"));
      long main = Long.parseLong(c.get("main"));
      long created = Long.parseLong(c.get("created"));
      long resolved = Long.parseLong(c.get("resolved"));
      boot[i] = main - spawn;
      create[i] = created - main;
      resolve[i] = resolved - created;
      total[i] = resolved - main;
      cpu[i] = Long.parseLong(c.get("cpu"));
      base[i] = spawnToFirst200(binary, model);
      Map<String, String> f = childOn(floorArgs, ColdStartFloorChild.class, binary, model);
      floor[i] = Long.parseLong(f.get("resolved")) - Long.parseLong(f.get("main"));
      Map<String, String> d = childOn(cds, binary, model);
      cdsTotal[i] = Long.parseLong(d.get("resolved")) - Long.parseLong(d.get("main"));
    }
    Stats withCds = Stats.of(cdsTotal);
    Stats t = Stats.of(total);
    Stats b = Stats.of(base);
    Stats jvmFloor = Stats.of(floor);
    long bound = b.p50() + TARGET_MARGIN_NANOS;
    Report.Section s = report.section("7. Cold start: " + server, "Fresh child JVMs (`ColdStartChild`, with what an "
        + "application depending on the artifact has on its classpath, as jars: the library, Jackson, the SLF4J API "
        + "and `slf4j-simple` at its default INFO) run `LlamaCppBackend.create()` and one `resolveEndpoint` "
        + "of a port-0 spec, " + runs + " times (after one discarded run that warms the file cache); timed inside the "
        + "child from the start of `main`. Baseline, interleaved with them: the same server binary and model spawned "
        + "by the suite's warm JVM and polled with `GET /health` (a new connection each time) every 1 ms until its first 200. Target (issue 16): "
        + "the median of create + first resolve within the baseline median + 150 ms.")
        .row("create + first resolve, p50", ms(t.p50()), ms(b.p50()), "ms",
            "≤ " + Report.num(ms(bound)) + " ms", t.p50() <= bound)
        .row("create + first resolve, max", ms(t.max()), ms(b.max()), "ms", "", null)
        .rowText("library's share: create + first resolve p50 − baseline p50", fmt(t.p50() - b.p50()), "—", "—",
            "≤ 150 ms", t.p50() - b.p50() <= TARGET_MARGIN_NANOS ? "yes" : "**no**")
        .row("with the application's CDS archive: create + first resolve, p50", ms(withCds.p50()), ms(b.p50()),
            "ms", "≤ " + Report.num(ms(bound)) + " ms", withCds.p50() <= bound)
        .row("JVM floor, no library (`ColdStartFloorChild`): fresh JVM spawns the server, polls to its first 200, p50",
            ms(jvmFloor.p50()), ms(b.p50()), "ms", "", null)
        .rowText("library's share over the JVM floor: create + first resolve p50 − floor p50",
            fmt(t.p50() - jvmFloor.p50()), "—", "—", "", "")
        .detail("`create()`: " + Stats.of(create).summary("ms"))
        .detail("first `resolveEndpoint` (spawn, readiness, publication, lease): " + Stats.of(resolve).summary("ms"))
        .detail("create + first resolve: " + t.summary("ms"))
        .detail("create + first resolve, with the application's CDS archive: " + withCds.summary("ms"))
        .detail("baseline, server spawn → first 200 (1 ms polling): " + b.summary("ms"))
        .detail("JVM floor (a fresh JVM without the library: port, spawn, 1 ms `/health` polling on plain sockets): "
            + jvmFloor.summary("ms"))
        .detail("JVM start (spawn of the child → `main`), not counted above: " + Stats.of(boot).summary("ms"))
        .detail("CPU time of the child JVM up to the resolve's return (all threads, JIT and GC included): "
            + Stats.of(cpu).summary("ms"));
    breakdown(s, binary, model);
  }

  /** One child run with a class-load log and a stamping transport: where the time and the classes go. */
  private void breakdown(Report.Section s, String binary, String model) throws IOException {
    Path log = fx.dir.resolve("cold-classes-" + System.nanoTime() + ".log");
    Map<String, String> c = child(binary, model, true, "-Dcold.breakdown=true",
        "-Xlog:class+load:file=" + log);
    long main = Long.parseLong(c.get("main"));
    long created = Long.parseLong(c.get("created"));
    long launched = Long.parseLong(c.get("launched"));
    long ready = Long.parseLong(c.get("ready"));
    long resolved = Long.parseLong(c.get("resolved"));
    s.detail("breakdown of one run: `create()` " + fmt(created - main) + "; resolve up to the launch call (spec, "
        + "plan, port, command line) " + fmt(launched - created) + "; launch call → READY event (the server's own "
        + "start, the probes, the watchdog sidecar's spawn overlapping it) " + fmt(ready - launched)
        + "; READY → return (lease, snapshot) " + fmt(resolved - ready));
    List<String> lines = Files.readAllLines(log);
    Map<String, List<String>> phases = new LinkedHashMap<>();
    String phase = "JVM start to `main`";
    for (String line : lines) {
      if (line.contains("ColdStartChild$Mark1")) {
        phase = "`create()`";
      } else if (line.contains("ColdStartChild$Mark2")) {
        phase = "first resolve";
      } else if (line.contains("ColdStartChild$Mark3")) {
        break;
      }
      phases.computeIfAbsent(phase, k -> new ArrayList<>()).add(line);
    }
    phases.forEach((name, loaded) -> {
      long archived = loaded.stream().filter(l -> l.contains("shared objects file")).count();
      Map<String, Long> groups = new HashMap<>();
      loaded.stream().filter(l -> !l.contains("shared objects file")).map(ColdStartBench::group)
          .forEach(g -> groups.merge(g, 1L, Long::sum));
      String top = groups.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(6)
          .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
      long lambdas = loaded.stream().filter(l -> l.contains("io.github.llamacppsdk.") && l.contains("$$Lambda")
          && !l.contains(".bench.")).count();
      s.detail("classes loaded during " + name + ": " + loaded.size() + " (" + archived + " from the JDK's CDS archive; "
          + lambdas + " the library's lambdas); others by package: " + top);
    });
    s.detail("threads alive at the resolve's return (digits as N): " + c.get("threads").replace('_', ' '));
  }

  /** The package of a class-load line, cut to a readable group. */
  private static String group(String line) {
    String[] f = line.trim().split("\\s+");
    String cls = f.length > 1 ? f[1] : line;
    int dollar = cls.indexOf('$');
    String name = dollar > 0 ? cls.substring(0, dollar) : cls;
    int dot = name.lastIndexOf('.');
    String pkg = dot > 0 ? name.substring(0, dot) : name;
    if (pkg.startsWith("io.github.llamacppsdk")) {
      return "`" + pkg.replace("io.github.llamacppsdk", "llamacppsdk") + "`";
    }
    String[] parts = pkg.split("\\.");
    return "`" + String.join(".", java.util.Arrays.copyOf(parts, Math.min(parts.length, 3))) + "`";
  }

  private Map<String, String> child(String binary, String model, boolean breakdown, String... jvmArgs)
      throws IOException {
    List<String> args = new ArrayList<>(List.of(jvmArgs));
    args.addAll(List.of("-cp", jarClasspath()));
    return childOn(args, binary, model);
  }

  /**
   * {@return {@link #appClasspath()} with its class directories packed into jars} Every series runs from jars,
   * as an application that depends on the artifact does (the JVM opens one file per jar rather than one per
   * class; a JDK 17 archive also takes classes from jars only).
   */
  private String jarClasspath() throws IOException {
    if (jarClasspath == null) {
      List<String> classpath = new ArrayList<>();
      for (String entry : appClasspath().split(java.io.File.pathSeparator)) {
        Path p = Path.of(entry);
        if (Files.isDirectory(p)) {
          Path jar = fx.dir.resolve("cold-" + classpath.size() + ".jar");
          jar(p, jar);
          classpath.add(jar.toString());
        } else {
          classpath.add(entry);
        }
      }
      jarClasspath = String.join(java.io.File.pathSeparator, classpath);
    }
    return jarClasspath;
  }

  /**
   * {@return the JVM arguments of the CDS series} Runs the training child once with {@code
   * -XX:ArchiveClassesAtExit} on the jars of {@link #jarClasspath()}.
   */
  private List<String> cdsArguments(String binary, String model) throws IOException {
    String cp = jarClasspath();
    Path archive = fx.dir.resolve("cold-app-" + System.nanoTime() + ".jsa");
    childOn(List.of("-XX:ArchiveClassesAtExit=" + archive, "-cp", cp), binary, model);
    if (!Files.isRegularFile(archive)) {
      throw new IllegalStateException("the training run wrote no CDS archive at " + archive);
    }
    return List.of("-XX:SharedArchiveFile=" + archive, "-Xshare:on", "-cp", cp);
  }

  /** Writes a directory of classes into a jar. */
  private static void jar(Path dir, Path jar) throws IOException {
    try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar));
        java.util.stream.Stream<Path> files = Files.walk(dir)) {
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
        out.putNextEntry(new java.util.jar.JarEntry(dir.relativize(f).toString().replace(java.io.File.separatorChar, '/')));
        Files.copy(f, out);
        out.closeEntry();
      }
    }
  }

  private Map<String, String> childOn(List<String> jvmArgs, String binary, String model) throws IOException {
    return childOn(jvmArgs, ColdStartChild.class, binary, model);
  }

  private Map<String, String> childOn(List<String> jvmArgs, Class<?> mainClass, String binary, String model)
      throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>(List.of(java));
    cmd.addAll(jvmArgs);
    cmd.addAll(List.of(mainClass.getName(), binary, model));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
    long spawn = System.nanoTime();
    Process p = pb.start();
    String cold = null;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("COLD ")) {
          cold = line;
        }
      }
    }
    try {
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("cold-start child did not finish");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IllegalStateException("interrupted", e);
    }
    if (cold == null) {
      throw new IllegalStateException("cold-start child printed no result (exit " + p.exitValue() + ")");
    }
    Map<String, String> m = new HashMap<>();
    for (String kv : cold.substring(5).split(" ")) {
      int eq = kv.indexOf('=');
      m.put(kv.substring(0, eq), kv.substring(eq + 1));
    }
    m.put("spawn", Long.toString(spawn));
    return m;
  }

  /**
   * {@return what a new application depending on the artifact has: the library's classes and its runtime
   * dependencies (Jackson, the SLF4J API) plus an SLF4J binding, and the bench's own classes} Not the whole
   * test classpath: its hundred jars (WireMock, langchain4j, JUnit) would be searched by every class lookup
   * and by SLF4J's provider scan, which says more about the test setup than about the library. Jackson 2 only
   * (the library's); the test classpath also has Jackson 3 jars (fabric8's mock server), which an application
   * does not.
   */
  private static String appClasspath() {
    return java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
        .filter(e -> e.endsWith("classes") || e.matches(".*/(slf4j-api|slf4j-simple)-[^/]*\\.jar")
            || e.matches(".*/com/fasterxml/jackson/.*/jackson-[a-z]+-[^/]*\\.jar"))
        .collect(Collectors.joining(java.io.File.pathSeparator));
  }

  /** The baseline: spawn the server directly and poll {@code GET /health} every 1 ms until 200. */
  private long spawnToFirst200(String binary, String model) throws IOException {
    int port = Fixture.freePort();
    ProcessBuilder pb = new ProcessBuilder(binary, "--model", model, "--host", "127.0.0.1", "--port",
        Integer.toString(port)).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.DISCARD);
    long t0 = System.nanoTime();
    Process p = pb.start();
    long deadline = t0 + TimeUnit.SECONDS.toNanos(120);
    String last = "nothing";
    try {
      while (System.nanoTime() < deadline) {
        try {
          int status = healthStatus(port);
          if (status == 200) {
            return System.nanoTime() - t0;
          }
          last = "status " + status;
        } catch (IOException e) {
          last = e.toString(); // not listening yet
        }
        if (!p.isAlive()) {
          throw new IllegalStateException("baseline server exited with " + p.exitValue());
        }
        LockSupport.parkNanos(POLL_NANOS);
      }
      throw new IllegalStateException("baseline server " + binary + " on port " + port
          + " not ready within 120 s; last: " + last);
    } finally {
      p.destroy();
      p.onExit().completeOnTimeout(p, 5, TimeUnit.SECONDS).join();
      p.destroyForcibly();
    }
  }

  /** One {@code GET /health} on a new connection ({@code Connection: close}); {@return its status} */
  private static int healthStatus(int port) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
      socket.setSoTimeout(2000);
      socket.getOutputStream().write(("GET /health HTTP/1.1\r\nHost: 127.0.0.1:" + port
          + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      String statusLine = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
          .readLine();
      if (statusLine == null || !statusLine.startsWith("HTTP/1.")) {
        throw new IOException("no HTTP answer: " + statusLine);
      }
      return Integer.parseInt(statusLine.split(" ")[1]);
    }
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  private static String fmt(long nanos) {
    return Report.num(nanos / 1e6) + " ms";
  }
}
