package io.github.llamacppsdk.bench;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.core.Resolution;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;

/** Figure 6: many instances in one JVM: threads, and CPU spent on health polling. */
final class ScaleBench {
  private final Fixture fx;
  private final Report report;

  ScaleBench(Fixture fx, Report report) {
    this.fx = fx;
    this.report = report;
  }

  /** Thread names grouped: the library's own, the HTTP client's, the JDK's process reapers, the rest. */
  static String category(String name) {
    if (name.startsWith("llamacpp-output")) {
      return "llamacpp-output-* (output readers)";
    }
    if (name.startsWith("llamacpp-poll")) {
      return "llamacpp-poll (health ticks and polls)";
    }
    if (name.startsWith("llamacpp-")) {
      return "llamacpp-* (other)";
    }
    if (name.startsWith("HttpClient-")) {
      return "HttpClient-* (JDK HTTP client)";
    }
    if (name.startsWith("process reaper")) {
      return "process reaper (JDK, one per live child)";
    }
    if (name.startsWith("ForkJoinPool.co") || name.startsWith("CompletableFutu")) {
      return "common pool / CompletableFuture delayer (JDK)";
    }
    return "other";
  }

  static Map<String, Integer> threadCounts() {
    Map<String, Integer> m = new TreeMap<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      m.merge(category(t.getName()), 1, Integer::sum);
    }
    return m;
  }

  static int libraryThreads(Map<String, Integer> counts) {
    return counts.entrySet().stream().filter(e -> !e.getKey().equals("other")).mapToInt(Map.Entry::getValue).sum();
  }

  static int libraryNamed(Map<String, Integer> counts) {
    return counts.entrySet().stream().filter(e -> e.getKey().startsWith("llamacpp-")).mapToInt(Map.Entry::getValue)
        .sum();
  }

  /** {@return process CPU nanoseconds per wall second over a window of doing nothing on this thread} */
  static double cpuRate(Duration window) {
    long c0 = ProcStat.processCpuNanos();
    long t0 = System.nanoTime();
    long end = t0 + window.toNanos();
    long left;
    while ((left = end - System.nanoTime()) > 0) {
      LockSupport.parkNanos(left);
    }
    return (ProcStat.processCpuNanos() - c0) / ((System.nanoTime() - t0) / 1e9);
  }

  void run(int instances, int batch, Duration window) throws Exception {
    Map<String, Integer> before = threadCounts();
    double idle = cpuRate(Duration.ofSeconds(5));
    List<Resolution> held = new ArrayList<>();
    try (Fixture.Rig rig = fx.rig()) {
      Map<String, Integer> atTen = null;
      long s0 = System.nanoTime();
      for (int i = 0; i < instances; i += batch) {
        List<CompletableFuture<Resolution>> wave = new ArrayList<>();
        for (int j = i; j < Math.min(instances, i + batch); j++) {
          BootSpec spec = fx.spec("scale-" + j).healthInterval(Duration.ofSeconds(1)).readyTimeout(Duration.ofMinutes(10))
              .stallTimeout(Duration.ofMinutes(10))
              .extraArgs(List.of("--fake-load-ms", "0")).build();
          wave.add(rig.backend().resolveEndpointAsync(spec, io.github.llamacppsdk.core.ConsumerManifest
              .builder("bench").build(), Fixture.SLOW_OPTIONS));
        }
        wave.forEach(f -> held.add(f.join()));
        if (held.size() == 10) {
          atTen = threadCounts();
        }
      }
      double startAll = (System.nanoTime() - s0) / 1e9;
      Map<String, Integer> after = threadCounts();
      cpuRate(window.dividedBy(2)); // settle: let the JIT and GC finish with the start-up of the instances
      Map<String, Long> cpu0 = ProcStat.cpuByCategory();
      double polling = cpuRate(window);
      Map<String, Long> cpu1 = ProcStat.cpuByCategory();

      // Baseline: the seed's shape, one thread per instance polling GET /health every second, run next to
      // the library's own polling; its cost is the increase over the library-only window.
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      Map<String, Integer> beforePoller = threadCounts();
      int otherBefore = beforePoller.getOrDefault("other", 0);
      List<Thread> pollers = new ArrayList<>();
      for (Resolution r : held) {
        URI health = URI.create(r.endpoint().baseUrl().replaceFirst("/v1$", "") + "/health");
        Thread t = new Thread(() -> seedPoll(http, health), "seed-poller");
        t.setDaemon(true);
        pollers.add(t);
        t.start();
      }
      LockSupport.parkNanos(Duration.ofSeconds(2).toNanos()); // let every poller make its first request
      Map<String, Integer> withPoller = threadCounts();
      double both = cpuRate(window);
      pollers.forEach(Thread::interrupt);
      for (Thread t : pollers) {
        t.join();
      }
      int pollerThreads = withPoller.getOrDefault("other", 0) - otherBefore
          + withPoller.getOrDefault("HttpClient-* (JDK HTTP client)", 0)
          - beforePoller.getOrDefault("HttpClient-* (JDK HTTP client)", 0);
      held.forEach(Resolution::close);
      long c0 = System.nanoTime();
      rig.close();
      double stopAll = (System.nanoTime() - c0) / 1e9;

      int libAdded = libraryThreads(after) - libraryThreads(before);
      double perInstance = atTen == null ? Double.NaN
          : (libraryThreads(after) - libraryThreads(atTen)) / (double) (instances - 10);
      double libNamedPer = atTen == null ? Double.NaN : (libraryNamed(after) - libraryNamed(atTen))
          / (double) (instances - 10);
      double outPer = atTen == null ? Double.NaN : (after.getOrDefault("llamacpp-output-* (output readers)", 0)
          - atTen.getOrDefault("llamacpp-output-* (output readers)", 0)) / (double) (instances - 10);
      double libCpu = (polling - idle) / 1e6;
      double seedCpu = (both - polling) / 1e6;
      Report.Section s = report.section("6. Scale: " + instances + " instances in one JVM", instances
          + " fake servers (`--fake-load-ms 0`, port 0, `health_interval_ms` 1000) started in batches of " + batch
          + " through one backend. Threads are counted by name before the backend exists, at 10 instances and at "
          + instances + "; the per-instance figure is the slope between 10 and " + instances + ". CPU is the "
          + "library JVM's process CPU time (user + system time from `/proc/self/stat`) over a " + window.toSeconds()
          + " s window with every instance ready and polled (after " + window.dividedBy(2).toSeconds()
          + " s to settle), minus the same JVM's idle rate measured before "
          + "(5 s). Baseline: the seed's shape, one thread per instance sending `GET /health` with the JDK "
          + "`HttpClient` every second, run for the same window next to the library's polling; its cost is the "
          + "increase over the library-only window, and its threads are the threads it added. Targets (issue 13, "
          + "at 100 instances): polling ≤ 10 ms CPU per second in total, at most 2 threads per server.");
      s.row("threads added by the library (all " + instances + " instances)", libAdded, pollerThreads, "threads",
          "", null);
      s.row("library-named threads (`llamacpp-*`) per additional instance", libNamedPer, 0, "threads",
          "output reader only", Math.abs(libNamedPer - outPer) < 1e-9 && outPer <= 1.0 + 1e-9);
      String reaper = "process reaper (JDK, one per live child)";
      double perServer = atTen == null ? Double.NaN : (after.getOrDefault("llamacpp-output-* (output readers)", 0)
          + after.getOrDefault(reaper, 0) - atTen.getOrDefault("llamacpp-output-* (output readers)", 0)
          - atTen.getOrDefault(reaper, 0)) / (double) (instances - 10);
      s.row("threads per additional server (its output reader + the JDK's process reaper)", perServer,
          pollerThreads / (double) instances, "threads", "≤ 2", perServer <= 2.0 + 1e-9);
      s.row("all threads per additional instance (with shared pools that grow with start-up concurrency)",
          perInstance, pollerThreads / (double) instances, "threads", "", null);
      s.row("CPU on health polling (all " + instances + " instances)", libCpu, seedCpu, "ms CPU/s",
          instances >= 100 ? "≤ 10 ms/s" : "", instances >= 100 ? libCpu <= 10.0 : null);
      s.row("CPU per instance", libCpu / instances, seedCpu / instances, "ms CPU/s", "", null);
      s.detail("threads before: " + before + "; at 10 instances: " + atTen + "; at " + instances + ": " + after);
      s.detail("per additional instance: " + Report.num(perInstance) + " threads, of which output readers "
          + Report.num(outPer) + " (stderr merged into stdout: one reader) and the rest the JDK's `process reaper`, "
          + "which waits for the child's exit; health polls tick and are sent on one selector thread per backend (`llamacpp-poll`) over kept-alive connections");
      s.detail("process CPU: idle " + Report.num(idle / 1e6) + " ms/s; library polling " + Report.num(polling / 1e6)
          + " ms/s; library + seed-style pollers " + Report.num(both / 1e6) + " ms/s");
      Map<String, String> byThread = new TreeMap<>();
      cpu1.forEach((k, v) -> byThread.put(k, Report.num((v - cpu0.getOrDefault(k, 0L)) / 1e6
          / window.toSeconds()) + " ms/s"));
      s.detail("library window CPU by thread group: " + byThread);
      s.detail("start of all " + instances + " instances: " + Report.num(startAll) + " s; parallel stop of all "
          + "(backend close): " + Report.num(stopAll) + " s");
    }
  }

  static void seedPoll(HttpClient http, URI health) {
    HttpRequest request = HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(2)).GET().build();
    while (!Thread.currentThread().isInterrupted()) {
      try {
        http.send(request, HttpResponse.BodyHandlers.discarding());
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        return;
      } catch (java.io.IOException e) {
        // a failed poll is still a poll
      }
    }
  }
}
