package io.github.llamacppsdk.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * The benchmark suite (issue 7): runs every figure against a baseline in the same run and writes
 * {@code guides/benchmarks.md}. Not a test: nothing here asserts a timing.
 *
 * <p>Run: {@code mvn -q test-compile exec:exec@bench} from the repository root. Arguments (through
 * {@code -Dbench.args="..."}): {@code --quick} (small counts, for a smoke run), {@code --only-cold-start}
 * (figure 7 alone), {@code --real-only} (figure 8), {@code --scale-only N} (figure 6 at N instances),
 * {@code --poll-only N} (figure 6b), {@code --warm-only} (figures 4 and 5), {@code --out FILE} (default
 * {@code guides/benchmarks.md}; a partial run without it prints its figures instead).
 *
 * <p>Why not JMH: every figure but one measures child processes, HTTP and wall-clock events across
 * processes, which JMH's harness does not model; the one micro-benchmark (warm resolve) needs JMH's
 * annotation processor ({@code jmh-generator-annprocess}), which the build does not have. So a small
 * harness does it by hand: warm-up, many timed iterations, nearest-rank percentiles from the sorted
 * samples.
 */
public final class BenchmarkSuite {
  private BenchmarkSuite() {}

  /**
   * Runs the suite.
   *
   * @param args {@code --quick}, {@code --real-only}, {@code --only-cold-start}, {@code --scale-only N}, {@code
   *     --poll-only N}, {@code --warm-only}, {@code --out FILE}
   * @throws Exception if a figure cannot be measured
   */
  public static void main(String[] args) throws Exception {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    boolean quick = false;
    boolean realOnly = false;
    boolean coldOnly = false;
    int scaleOnly = 0;
    int pollOnly = 0;
    boolean warmOnly = false;
    Path out = null;
    List<String> argv = java.util.Arrays.stream(args).flatMap(a -> java.util.Arrays.stream(a.trim().split("\\s+")))
        .filter(a -> !a.isEmpty()).toList();
    for (int i = 0; i < argv.size(); i++) {
      switch (argv.get(i)) {
        case "--quick":
          quick = true;
          break;
        case "--real-only":
          realOnly = true;
          break;
        case "--only-cold-start":
          coldOnly = true;
          break;
        case "--scale-only":
          scaleOnly = Integer.parseInt(argv.get(++i));
          break;
        case "--poll-only":
          pollOnly = Integer.parseInt(argv.get(++i));
          break;
        case "--warm-only":
          warmOnly = true;
          break;
        case "--out":
          out = Path.of(argv.get(++i));
          break;
        default:
          throw new IllegalArgumentException("unknown argument " + argv.get(i)
              + " (known: --quick, --real-only, --only-cold-start, --scale-only N, --poll-only N, --warm-only, --out FILE)");
      }
    }
    long t0 = System.nanoTime();
    ZonedDateTime date = ZonedDateTime.now(ZoneOffset.UTC);
    Machine machine = Machine.current();
    System.out.println("llama-cpp-sdk benchmark suite on " + machine.describe() + (quick ? " (quick)" : ""));
    Report report = new Report();
    try (Fixture fx = new Fixture()) {
      String realBinary = System.getenv("LLAMA_SERVER_BIN");
      if (realOnly) {
        if (realBinary == null || realBinary.isBlank()) {
          throw new IllegalStateException("--real-only needs LLAMA_SERVER_BIN (the llama-server to measure)");
        }
        new RealServerBench(fx, Path.of(realBinary), report, quick ? 5 : 30).run();
      } else if (pollOnly > 0) { // figure 6b alone
        new PollBench(report).run(pollOnly, Duration.ofSeconds(quick ? 3 : 60), Duration.ofSeconds(quick ? 3 : 20));
      } else if (warmOnly) { // figures 4 and 5 alone
        ResolveBenches resolves = new ResolveBenches(fx, report);
        resolves.warmResolve(quick ? 2_000 : 20_000, quick ? 10_000 : 100_000, Duration.ofSeconds(quick ? 1 : 3));
        resolves.singleFlight(1_000);
      }
      boolean only = realOnly || coldOnly || pollOnly > 0 || warmOnly;
      if (!only) {
        // Scale first: its thread baseline is the JVM before the library created anything.
        new ScaleBench(fx, report).run(scaleOnly > 0 ? scaleOnly : quick ? 12 : 100, 5,
            Duration.ofSeconds(quick ? 3 : 20));
        new PollBench(report).run(scaleOnly > 0 ? scaleOnly : quick ? 12 : 100, Duration.ofSeconds(quick ? 3 : 60),
            Duration.ofSeconds(quick ? 3 : 20));
      }
      if (!only && scaleOnly == 0) { // --scale-only N: figure 6 alone, for iterating on it
        LifecycleBenches life = new LifecycleBenches(fx, report, quick ? 5 : 30);
        life.readiness();
        life.stop(quick ? 3 : 10, quick ? 1 : 3, Duration.ofSeconds(1));
        ResolveBenches resolves = new ResolveBenches(fx, report);
        resolves.warmResolve(quick ? 2_000 : 20_000, quick ? 10_000 : 100_000, Duration.ofSeconds(quick ? 1 : 3));
        resolves.singleFlight(1_000);
      }
      if (!realOnly && !warmOnly && scaleOnly == 0 && pollOnly == 0) {
        // Child JVMs, one at a time, with no server of this JVM running.
        new ColdStartBench(fx, report, quick ? 3 : 9).run();
        if (!coldOnly && realBinary != null && !realBinary.isBlank()) {
          new RealServerBench(fx, Path.of(realBinary), report, quick ? 5 : 30).run();
        } else if (!coldOnly) {
          report.note("Figure 8 (the real llama-server) was not run: set LLAMA_SERVER_BIN to run it.");
        }
      }
    } finally {
      reapLeftovers(report);
    }
    String command = "mvn -q test-compile exec:exec@bench" + (argv.isEmpty() ? "" : " -Dbench.args=\""
        + String.join(" ", argv) + "\"");
    report.note("Other work may share the machine; figures are from one run, not an average of runs.");
    report.note("Logging: SLF4J simple logger at WARN (the library's INFO lines and the servers' output are not "
        + "printed).");
    String results = report.render(command, date.format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'",
        Locale.ROOT)), machine, Report.num((System.nanoTime() - t0) / 1e9) + " s");
    boolean partial = realOnly || coldOnly || warmOnly || pollOnly > 0 || scaleOnly > 0;
    if (out == null && partial) { // a partial run does not replace the page's results unless asked to
      System.out.println(results);
      return;
    }
    Path target = out == null ? Path.of("guides", "benchmarks.md") : out;
    Report.write(target, results);
    System.out.println("wrote " + target.toAbsolutePath());
  }

  /** Every process the suite started must be gone; kills (and reports) any that is not. */
  private static void reapLeftovers(Report report) {
    List<ProcessHandle> alive = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList();
    for (ProcessHandle p : alive) {
      p.onExit().completeOnTimeout(p, 5, java.util.concurrent.TimeUnit.SECONDS).join();
    }
    List<ProcessHandle> left = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList();
    left.forEach(ProcessHandle::destroyForcibly);
    report.note("Processes left running at the end: " + left.size() + (left.isEmpty() ? " (all cleaned up)" : ""));
  }
}
