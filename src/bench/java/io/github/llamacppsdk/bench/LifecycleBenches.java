package io.github.llamacppsdk.bench;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.testkit.FakeLlamaServer;
import io.github.llamacppsdk.testkit.FakeServerProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** Figures 1 to 3: readiness detection lag, resolve overhead, stop latency. */
final class LifecycleBenches {
  /** The fake's simulated model load: long enough that readiness is found by the loop, not the first probe. */
  static final String LOAD_MS = "250";
  private static final long SEED_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final Fixture fx;
  private final Report report;
  private final int starts;
  private final int warmups;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(1)).build();

  LifecycleBenches(Fixture fx, Report report, int starts) {
    this.fx = fx;
    this.report = report;
    this.starts = starts;
    this.warmups = 3;
  }

  void readiness() {
    long[] lagEvent = new long[starts];
    long[] lagReturn = new long[starts];
    long[] overhead = new long[starts];
    long[] serverStart = new long[starts];
    long[] toHint = new long[starts];
    long[] hintToReady = new long[starts];
    try (Fixture.Rig rig = fx.rig()) {
      for (int i = -warmups; i < starts; i++) {
        String name = "lag-" + (i + warmups);
        var stamp = fx.stampFile(name);
        BootSpec spec = fx.spec(name).extraArgs(List.of("--fake-load-ms", LOAD_MS,
            "--fake-ready-stamp", stamp.toString())).build();
        long t0 = System.nanoTime();
        Resolution r = rig.backend().resolveEndpoint(spec, Fixture.OPTIONS);
        long t1 = System.nanoTime();
        long launched = rig.transport().lastLaunchNanos();
        long hint = rig.transport().lastHintNanos();
        String id = r.instance().instanceId();
        r.close();
        rig.backend().stopInstance(id).join();
        long ready = Fixture.readStamp(stamp);
        if (i >= 0) {
          lagEvent[i] = rig.ready().readyAt(id) - ready;
          toHint[i] = hint == 0 ? 0 : hint - ready;
          hintToReady[i] = hint == 0 ? 0 : rig.ready().readyAt(id) - hint;
          lagReturn[i] = t1 - ready;
          serverStart[i] = ready - launched;
          overhead[i] = (t1 - t0) - serverStart[i];
        }
      }
    }
    long[] baseLag = new long[starts];
    long[] baseOverhead = new long[starts];
    for (int i = 0; i < starts; i++) {
      long[] b = seedStyleStart("base-" + i);
      baseLag[i] = b[0];
      baseOverhead[i] = b[1];
    }
    long[][] floor = roundTripFloor();
    Stats le = Stats.of(lagEvent);
    Stats lr = Stats.of(lagReturn);
    Stats bl = Stats.of(baseLag);
    report.section("1. Readiness detection lag", "From the fake server's first 200 (its `--fake-ready-stamp`, "
        + "`System.nanoTime()` in the server's JVM: CLOCK_MONOTONIC, comparable across processes) to publication "
        + "(the core's READY event, and the return of `resolveEndpoint`), over " + starts + " fresh starts of a "
        + "server that loads for " + LOAD_MS + " ms (after " + warmups + " discarded warm-up starts). Baseline: "
        + "the seed's prober, a loop that sends `GET /health` with the JDK `HttpClient` every 100 ms from the "
        + "launch of a fresh fake server until it answers 200, measured the same way.")
        .row("lag to READY event, p50", ms(le.p50()), ms(bl.p50()), "ms", "≤ 1 ms", ms(le.p50()) <= 1.0)
        .row("lag to READY event, p99", ms(le.p99()), ms(bl.p99()), "ms", "", null)
        .row("lag to `resolveEndpoint` return, p50", ms(lr.p50()), ms(bl.p50()), "ms", "", null)
        .row("lag to `resolveEndpoint` return, p99", ms(lr.p99()), ms(bl.p99()), "ms", "", null)
        .detail("library, to READY event: " + le.summary("ms"))
        .detail("library, to return: " + lr.summary("ms"))
        .detail("decomposition: first 200 → the server's `model loaded` line read by the library: "
            + Stats.of(toHint).summary("ms") + "; that line → READY event (a `GET /health` and a "
            + "`GET /v1/models` sent together to the just-ready server, then publication): "
            + Stats.of(hintToReady).summary("ms"))
        .detail("the floor on this machine: one loopback `GET /health` to an idle, warm fake server after "
            + "100 ms of quiet (what any HTTP-confirmed readiness must pay at least once): "
            + Stats.of(floor[0]).summary("ms") + "; `/health` and `/v1/models` together: "
            + Stats.of(floor[1]).summary("ms"))
        .detail("baseline (100 ms polling): " + bl.summary("ms"));
    Stats ov = Stats.of(overhead);
    Stats bo = Stats.of(baseOverhead);
    Stats ss = Stats.of(serverStart);
    report.section("2. Resolve overhead", "`resolveEndpoint` wall time minus the server's own start-to-ready "
        + "time (from the transport's launch call, recorded by a counting `ProcessTransport` decorator, to the "
        + "ready stamp), same runs as figure 1. It is what the library adds: spec planning, port pick, launch "
        + "call, readiness detection, publication, lease. Baseline: the seed-style loop's launch-to-200-seen "
        + "time minus the same server start-to-ready time.")
        .row("overhead, p50", ms(ov.p50()), ms(bo.p50()), "ms", "", null)
        .row("overhead, p99", ms(ov.p99()), ms(bo.p99()), "ms", "", null)
        .detail("library overhead: " + ov.summary("ms"))
        .detail("baseline overhead: " + bo.summary("ms"))
        .detail("server's own start-to-ready (JVM start + " + LOAD_MS + " ms load): " + ss.summary("ms"));
  }

  /**
   * What one HTTP round trip costs here when nobody is busy: against a warm, long-running fake,
   * after 100 ms of quiet (as a readiness probe meets a server that just turned ready).
   *
   * @return {single GET samples, health+models together samples}
   */
  private long[][] roundTripFloor() {
    int n = Math.max(10, starts);
    long[] one = new long[n];
    long[] two = new long[n];
    try (FakeServerProcess p = FakeLlamaServer.start(List.of("--model", fx.model.toString(), "--port", "0",
        "--fake-load-ms", "0"))) {
      URI base = p.baseUri().orElseThrow();
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      HttpRequest health = HttpRequest.newBuilder(base.resolve("/health")).build();
      HttpRequest models = HttpRequest.newBuilder(base.resolve("/v1/models")).build();
      for (int i = -5; i < n; i++) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        long t0 = System.nanoTime();
        http.sendAsync(health, HttpResponse.BodyHandlers.ofString()).join();
        long t1 = System.nanoTime();
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        long t2 = System.nanoTime();
        CompletableFuture.allOf(http.sendAsync(health, HttpResponse.BodyHandlers.ofString()),
            http.sendAsync(models, HttpResponse.BodyHandlers.ofString())).join();
        long t3 = System.nanoTime();
        if (i >= 0) {
          one[i] = t1 - t0;
          two[i] = t3 - t2;
        }
      }
    }
    return new long[][] {one, two};
  }

  /** One seed-style start: {lag from first 200 to 200 seen, launch-to-seen minus start-to-ready}. */
  private long[] seedStyleStart(String name) {
    int port = Fixture.freePort();
    var stamp = fx.stampFile(name);
    URI health = URI.create("http://127.0.0.1:" + port + "/health");
    long launched = System.nanoTime();
    try (FakeServerProcess p = FakeLlamaServer.launch(List.of("--model", fx.model.toString(), "--alias", name,
        "--port", Integer.toString(port), "--fake-load-ms", LOAD_MS, "--fake-ready-stamp", stamp.toString()),
        Map.of())) {
      long next = launched;
      long deadline = launched + TimeUnit.SECONDS.toNanos(60);
      long seen;
      while (true) {
        if (ok(health)) {
          seen = System.nanoTime();
          break;
        }
        if (!p.process().isAlive() || System.nanoTime() > deadline) {
          throw new IllegalStateException("baseline server " + name + " never answered 200: " + p.output());
        }
        next += SEED_POLL_NANOS;
        long wait;
        while ((wait = next - System.nanoTime()) > 0) {
          LockSupport.parkNanos(wait);
        }
      }
      long ready = Fixture.readStamp(stamp);
      return new long[] {seen - ready, (seen - launched) - (ready - launched)};
    }
  }

  private boolean ok(URI uri) {
    try {
      return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(1)).GET().build(),
          HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (java.io.IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  void stop(int cooperative, int ignoring, Duration grace) {
    long[] libCoop = new long[cooperative];
    long[] libCoopAfterExit = new long[cooperative];
    long[] libIgn = new long[ignoring];
    long[] libIgnAfterExit = new long[ignoring];
    try (Fixture.Rig rig = fx.rig()) {
      for (int i = 0; i < cooperative + ignoring; i++) {
        boolean ign = i >= cooperative;
        List<String> extra = ign ? List.of("--fake-load-ms", "0", "--fake-ignore-signals") : List.of("--fake-load-ms", "0");
        BootSpec spec = fx.spec("stop-" + i).extraArgs(extra).stopTimeout(grace).build();
        Resolution r = rig.backend().resolveEndpoint(spec, Fixture.OPTIONS);
        long pid = r.instance().process().orElseThrow().pid().orElseThrow();
        CompletableFuture<Long> exited = ProcessHandle.of(pid).orElseThrow().onExit().thenApply(h -> System.nanoTime());
        r.close();
        long t0 = System.nanoTime();
        rig.backend().stopInstance(r.instance().instanceId()).join();
        long t1 = System.nanoTime();
        long exit = exited.join();
        if (ign) {
          libIgn[i - cooperative] = t1 - t0;
          libIgnAfterExit[i - cooperative] = t1 - exit;
        } else {
          libCoop[i] = t1 - t0;
          libCoopAfterExit[i] = t1 - exit;
        }
      }
    }
    long[] baseCoop = new long[cooperative];
    long[] baseCoopAfterExit = new long[cooperative];
    long[] baseIgn = new long[ignoring];
    for (int i = 0; i < cooperative + ignoring; i++) {
      boolean ign = i >= cooperative;
      List<String> args = new java.util.ArrayList<>(List.of("--model", fx.model.toString(), "--port", "0",
          "--fake-load-ms", "0"));
      if (ign) {
        args.add("--fake-ignore-signals");
      }
      try (FakeServerProcess p = FakeLlamaServer.start(args)) {
        Process proc = p.process();
        CompletableFuture<Long> exited = proc.toHandle().onExit().thenApply(h -> System.nanoTime());
        long t0 = System.nanoTime();
        proc.destroy();
        if (ign) {
          try {
            if (!proc.waitFor(grace.toNanos(), TimeUnit.NANOSECONDS)) {
              proc.destroyForcibly();
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
          }
        }
        proc.onExit().join();
        long t1 = System.nanoTime();
        if (ign) {
          baseIgn[i - cooperative] = t1 - t0;
        } else {
          baseCoop[i] = t1 - t0;
          baseCoopAfterExit[i] = t1 - exited.join();
        }
      }
    }
    Stats lc = Stats.of(libCoop);
    Stats lca = Stats.of(libCoopAfterExit);
    Stats bc = Stats.of(baseCoop);
    Stats bca = Stats.of(baseCoopAfterExit);
    Stats li = Stats.of(libIgn);
    Stats lia = Stats.of(libIgnAfterExit);
    Stats bi = Stats.of(baseIgn);
    double graceMs = grace.toMillis();
    report.section("3. Stop latency", "`stopInstance(id).join()` on a ready instance: from the call to its "
        + "return, and from the moment the process actually exited (`ProcessHandle.onExit()` of its pid, as "
        + "the JDK's reaper sees it) to the return. Cooperative server: " + cooperative + " stops; "
        + "SIGTERM-ignoring server (`--fake-ignore-signals`, stop grace " + (long) graceMs + " ms): " + ignoring
        + " stops. Baseline: the bare JDK on a fake server launched directly: `Process.destroy()` then "
        + "`onExit().join()` (cooperative), and `destroy()`, `waitFor(grace)`, `destroyForcibly()` (ignoring).")
        .row("cooperative: stop call to return, p50", ms(lc.p50()), ms(bc.p50()), "ms", "", null)
        .row("cooperative: exit to return, p50", ms(lca.p50()), ms(bca.p50()), "ms", "≤ 5 ms", ms(lca.p50()) <= 5.0)
        .row("cooperative: exit to return, max", ms(lca.max()), ms(bca.max()), "ms", "≤ 5 ms", ms(lca.max()) <= 5.0)
        .row("SIGTERM-ignoring: stop call to return, p50", ms(li.p50()), ms(bi.p50()), "ms", "", null)
        .row("SIGTERM-ignoring: beyond the grace, p50", ms(li.p50()) - graceMs, ms(bi.p50()) - graceMs, "ms", "", null)
        .row("SIGTERM-ignoring: exit (after SIGKILL) to return, max", ms(lia.max()), 0, "ms", "≤ 5 ms",
            ms(lia.max()) <= 5.0)
        .detail("library cooperative, call to return: " + lc.summary("ms"))
        .detail("library cooperative, exit to return: " + lca.summary("ms"))
        .detail("baseline cooperative, call to return: " + bc.summary("ms"))
        .detail("library SIGTERM-ignoring, call to return: " + li.summary("ms") + "; exit to return: "
            + lia.summary("ms"))
        .detail("baseline SIGTERM-ignoring, call to return: " + bi.summary("ms"));
  }

  static double ms(long nanos) {
    return nanos / 1e6;
  }
}
