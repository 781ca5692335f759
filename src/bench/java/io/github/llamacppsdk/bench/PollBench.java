package io.github.llamacppsdk.bench;

import io.github.llamacppsdk.core.HealthStatus;
import io.github.llamacppsdk.internal.probe.HealthMonitor;
import io.github.llamacppsdk.internal.probe.ProbeTarget;
import io.github.llamacppsdk.internal.probe.ReadinessProber;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Figure 6b: the health polling alone. Figure 6 polls 100 fake-server JVMs, which on a 2-core machine
 * keep it loaded by themselves; here the N servers are plain loopback HTTP servers in one child JVM, so
 * the library's polling cost is measured on a machine that is otherwise as quiet as it gets.
 */
final class PollBench {
  private final Report report;

  PollBench(Report report) {
    this.report = report;
  }

  /** {@return CPU nanoseconds so far by thread name, digits as N, from {@code /proc/self/task}} */
  static Map<String, Long> cpuByThreadName() {
    Map<String, Long> m = new TreeMap<>();
    try (java.nio.file.DirectoryStream<Path> tasks = java.nio.file.Files.newDirectoryStream(Path.of("/proc/self/task"))) {
      for (Path t : tasks) {
        try {
          String comm = java.nio.file.Files.readString(t.resolve("comm")).trim().replaceAll("[0-9]+", "N");
          String st = java.nio.file.Files.readString(t.resolve("stat"));
          String[] f = st.substring(st.lastIndexOf(')') + 2).split(" ");
          m.merge(comm, (Long.parseLong(f[11]) + Long.parseLong(f[12])) * ProcStat.TICK_NANOS, Long::sum);
        } catch (java.io.IOException | RuntimeException e) {
          // the thread ended while we looked
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return m;
  }

  void run(int n, Duration settle, Duration window) throws Exception {
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process servers = new ProcessBuilder(javaBin, "-Xmx64m", "-cp", System.getProperty("java.class.path"),
        LoopbackHealthServers.class.getName(), Integer.toString(n)).redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    try {
      String line = new BufferedReader(new InputStreamReader(servers.getInputStream(), StandardCharsets.UTF_8))
          .readLine();
      if (line == null) {
        throw new IllegalStateException("the loopback servers' JVM printed no ports");
      }
      List<Integer> ports = new ArrayList<>();
      for (String p : line.split(",")) {
        ports.add(Integer.parseInt(p.trim()));
      }
      double idle = ScaleBench.cpuRate(Duration.ofSeconds(5));

      ReadinessProber prober = ReadinessProber.create(Duration.ofSeconds(2));
      AtomicInteger changes = new AtomicInteger();
      List<HealthMonitor> monitors = new ArrayList<>();
      for (int port : ports) {
        ProbeTarget t = new ProbeTarget("http://127.0.0.1:" + port, "", Map.of(), "bench",
            new InetSocketAddress("127.0.0.1", port));
        HealthMonitor m = new HealthMonitor(prober, t, Duration.ofSeconds(1), 2,
            (HealthStatus s, String why) -> changes.incrementAndGet());
        monitors.add(m);
        m.start();
      }
      ScaleBench.cpuRate(settle); // the JIT compiles the polling path meanwhile
      Map<String, Long> cpu0 = ProcStat.cpuByCategory();
      Map<String, Long> named0 = cpuByThreadName();
      double library = ScaleBench.cpuRate(window);
      Map<String, Long> cpu1 = ProcStat.cpuByCategory();
      Map<String, Long> named1 = cpuByThreadName();
      monitors.forEach(HealthMonitor::stop);
      prober.close();

      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      List<Thread> pollers = new ArrayList<>();
      for (int port : ports) {
        URI health = URI.create("http://127.0.0.1:" + port + "/health");
        Thread t = new Thread(() -> ScaleBench.seedPoll(http, health), "seed-poller");
        t.setDaemon(true);
        pollers.add(t);
        t.start();
      }
      ScaleBench.cpuRate(settle);
      double seed = ScaleBench.cpuRate(window);
      pollers.forEach(Thread::interrupt);
      for (Thread t : pollers) {
        t.join();
      }

      double libCpu = (library - idle) / 1e6;
      double seedCpu = (seed - idle) / 1e6;
      Report.Section s = report.section("6b. Health polling alone: " + n + " loopback servers", n
          + " plain loopback HTTP servers (`com.sun.net.httpserver`, kept-alive, `{\"status\":\"ok\"}`) in one "
          + "child JVM, each watched by the library's `HealthMonitor` (interval 1 s, threshold 2) through one "
          + "prober, as a backend does. CPU is this JVM's process CPU time over a " + window.toSeconds()
          + " s window after " + settle.toSeconds() + " s to settle (the JIT compiles the polling path; steady state is what the target is about), minus its "
          + "idle rate measured before (5 s). Baseline: the seed's shape, one thread per server sending `GET "
          + "/health` with the JDK `HttpClient` every second, measured the same way after the library's monitors "
          + "stopped. Figure 6 measures the same polling next to " + "100 fake-server JVMs, which load a 2-core "
          + "machine by themselves; this one isolates the library's cost. Target (issue 13): ≤ 10 ms CPU per "
          + "second in total at 100 servers.");
      s.row("CPU on health polling (all " + n + " servers)", libCpu, seedCpu, "ms CPU/s", n >= 100 ? "≤ 10 ms/s" : "",
          n >= 100 ? libCpu <= 10.0 : null);
      s.row("CPU per server", libCpu / n, seedCpu / n, "ms CPU/s", "", null);
      Map<String, String> byThread = new TreeMap<>();
      cpu1.forEach((k, v) -> byThread.put(k, Report.num((v - cpu0.getOrDefault(k, 0L)) / 1e6
          / window.toSeconds()) + " ms/s"));
      s.detail("library window CPU by thread group: " + byThread);
      Map<String, String> others = new TreeMap<>();
      named1.forEach((k, v) -> {
        long d = v - named0.getOrDefault(k, 0L);
        if (d > 0 && ScaleBench.category(k).equals("other")) {
          others.put(k, Report.num(d / 1e6 / window.toSeconds()) + " ms/s");
        }
      });
      s.detail("of which `other` (the JVM's own threads: JIT compilers, GC, VM periodic tasks): " + others);
      s.detail("process CPU: idle " + Report.num(idle / 1e6) + " ms/s; library polling " + Report.num(library / 1e6)
          + " ms/s; seed-style pollers " + Report.num(seed / 1e6) + " ms/s; health changes seen: " + changes.get()
          + " (every server stayed healthy)");
    } finally {
      servers.getOutputStream().close();
      if (!servers.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        servers.destroyForcibly().waitFor();
      }
    }
  }
}
