package io.github.llamacppsdk.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.core.ResolveOptions;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import io.github.llamacppsdk.testkit.FakeLlamaServer;
import io.github.llamacppsdk.testkit.GgufFiles;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Item 6: hundreds of resolve / use / release / idle-stop cycles over two specs; afterwards no
 * process, thread, file descriptor or registry entry is left over.
 *
 * <p>Every cycle starts a server (the previous one of that spec was idle-stopped), checks it answers,
 * releases the lease and waits until the idle stop removed the instance and the process is gone.
 * Threads are compared by name with digits removed, so pooled threads that only got a new number
 * count once; the pools whose size is bounded by their configuration (the core's two scheduler
 * threads, the JDK's process reaper and HttpClient workers, which are cached for 60 s) are allowed to
 * be present at the end.
 */
@Timeout(400)
@ExtendWith(NoLeakedProcesses.class)
class SoakIT {
  static final int CYCLES = Integer.getInteger("reliability.soak.cycles", 200);
  /**
   * The cycles stop early after this long (but not before {@link #MIN_CYCLES}): each cycle starts a
   * fake server JVM, which takes seconds instead of half a second on a machine busy with other builds.
   */
  static final long BUDGET_SECONDS = Long.getLong("reliability.soak.seconds", 240);
  static final int MIN_CYCLES = 20;
  /** File descriptors the JVM may open lazily during the run (jar files, a selector, /dev/random). */
  static final int FD_TOLERANCE = 10;

  @TempDir Path tmp;

  @Test
  void hundredsOfCyclesLeaveNothingBehind() throws Exception {
    Path binary = FakeLlamaServer.install(tmp);
    Path model = GgufFiles.writeTinyModel(tmp.resolve("m.gguf"));
    List<BootSpec> specs = List.of("soak-a", "soak-b").stream().map(alias -> BootSpec.builder(model)
        .binaryPath(binary).port(0).alias(alias).idleShutdown(Duration.ofMillis(1))
        .healthInterval(Duration.ofMillis(200)).extraArgs(List.of("--fake-load-ms", "0")).build()).toList();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    ResolveOptions opts = ResolveOptions.builder().ownerRef("soak").ttl(Duration.ofSeconds(30))
        .awaitTimeout(Duration.ofSeconds(60)).build();

    try (LlamaCppBackend backend = LlamaCppBackend.create()) {
      Left[] left = new Left[2];
      for (int i = 0; i < 4; i++) { // warm up: class loading, pools, the watchdog
        left[i % 2] = cycle(backend, specs.get(i % 2), opts, http, left[i % 2]);
      }
      awaitIdleStop(backend, left[0]);
      awaitIdleStop(backend, left[1]);
      Map<String, Long> threadsBefore = threads();
      long fdsBefore = Rel.openFds();
      long t0 = System.nanoTime();

      left = new Left[2];
      long budgetEnd = t0 + java.util.concurrent.TimeUnit.SECONDS.toNanos(BUDGET_SECONDS);
      int cycles = 0;
      while (cycles < CYCLES && (cycles < MIN_CYCLES || System.nanoTime() < budgetEnd)) {
        left[cycles % 2] = cycle(backend, specs.get(cycles % 2), opts, http, left[cycles % 2]);
        cycles++;
      }
      awaitIdleStop(backend, left[0]);
      awaitIdleStop(backend, left[1]);
      long ms = (System.nanoTime() - t0) / 1_000_000;

      assertThat(backend.instances()).isEmpty();
      assertThat(Rel.fakeServers()).isEmpty();
      Map<String, Long> threadsAfter = threads();
      long fdsAfter = Rel.openFds();
      Map<String, Long> grown = new TreeMap<>();
      threadsAfter.forEach((name, n) -> {
        if (n > threadsBefore.getOrDefault(name, 0L) && !pooled(name)) {
          grown.put(name, n - threadsBefore.getOrDefault(name, 0L));
        }
      });
      Rel.figure("soak", cycles + " cycles (of " + CYCLES + ", time budget " + BUDGET_SECONDS + " s) in " + ms + " ms ("
          + ms / cycles + " ms/cycle); threads "
          + threadsBefore.values().stream().mapToLong(Long::longValue).sum() + " -> "
          + threadsAfter.values().stream().mapToLong(Long::longValue).sum() + "; fds " + fdsBefore + " -> " + fdsAfter);
      assertThat(grown).as("threads that grew (before %s, after %s)", threadsBefore, threadsAfter).isEmpty();
      assertThat(fdsAfter).as("open fds before %d", fdsBefore).isLessThanOrEqualTo(fdsBefore + FD_TOLERANCE);
    }
  }

  /** The instance and pid a cycle left to be idle-stopped. */
  private record Left(String id, long pid) {}

  /**
   * One cycle: waits until the previous cycle of this spec was idle-stopped (instance gone, process
   * gone), then resolves, uses and releases. The two specs alternate, so one spec's idle stop overlaps
   * the other's start.
   */
  private static Left cycle(LlamaCppBackend backend, BootSpec spec, ResolveOptions opts, HttpClient http,
      Left previous) throws IOException, InterruptedException {
    if (previous != null) {
      awaitIdleStop(backend, previous);
    }
    try (Resolution r = backend.resolveEndpoint(spec, opts)) {
      assertThat(r.reused()).as("the previous server of this spec was idle-stopped").isFalse();
      HttpResponse<Void> models = http.send(HttpRequest.newBuilder(URI.create(r.endpoint().baseUrl() + "/models"))
          .build(), HttpResponse.BodyHandlers.discarding());
      assertThat(models.statusCode()).isEqualTo(200);
      return new Left(r.instance().instanceId(), Rel.pid(r.instance()));
    }
  }

  private static void awaitIdleStop(LlamaCppBackend backend, Left left) {
    assertThat(Rel.await(Duration.ofSeconds(20), () -> backend.instance(left.id()).isEmpty()))
        .as("idle stop of %s", left.id()).isTrue();
    ProcessHandle.of(left.pid()).ifPresent(h -> assertThat(h.onExit()).succeedsWithin(Duration.ofSeconds(20)));
  }

  private static Map<String, Long> threads() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
        .collect(Collectors.groupingBy(t -> t.getName().replaceAll("\\d+", "N"), TreeMap::new, Collectors.counting()));
  }

  /**
   * Threads of pools that grow with concurrency and shrink when idle. The prober's answer pool
   * ({@code llamacpp-probe-N}) and the exit hand-off ({@code llamacpp-exit-N}) are cached pools whose
   * idle threads end after 60 s: two readiness probes (or exits) that overlap once leave a second
   * thread for a minute. A leak grows with the cycles, which the other names still catch.
   */
  private static boolean pooled(String name) {
    return name.startsWith("llamacpp-core-") || name.equals("process reaper") || name.startsWith("HttpClient-N-Worker")
        || name.startsWith("ForkJoinPool.commonPool-worker") || name.equals("CompletableFutureDelayScheduler")
        || name.equals("llamacpp-probe-N") || name.equals("llamacpp-exit-N");
  }
}
