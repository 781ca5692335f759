package io.github.llamacppsdk.bench;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.core.ConsumerManifest;
import io.github.llamacppsdk.core.Resolution;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/** Figures 4 and 5: warm resolve (latency, throughput) and single flight. */
final class ResolveBenches {
  private final Fixture fx;
  private final Report report;

  ResolveBenches(Fixture fx, Report report) {
    this.fx = fx;
    this.report = report;
  }

  /** One warm-resolve implementation: takes a lease and returns something that releases it. */
  interface Op {
    AutoCloseable resolve() throws Exception;
  }

  /**
   * The floor: what any registry with leases must do at least: a {@link ConcurrentHashMap} lookup of
   * the published endpoint, a lease object with a random ref and a timestamp, put in and removed from a
   * lease map.
   */
  static final class FloorRegistry {
    record Lease(String ref, String endpoint, Instant at) {}

    final Map<String, String> endpoints = new ConcurrentHashMap<>();
    final Map<String, Lease> leases = new ConcurrentHashMap<>();

    AutoCloseable resolve(String key) {
      String ep = endpoints.get(key);
      Lease l = new Lease(UUID.randomUUID().toString(), ep, Instant.now());
      leases.put(l.ref(), l);
      return () -> leases.remove(l.ref());
    }
  }

  void warmResolve(int warmupOps, int measuredOps, Duration throughputWindow) throws Exception {
    try (Fixture.Rig rig = fx.rig()) {
      BootSpec spec = fx.spec("warm").extraArgs(List.of("--fake-load-ms", "0")).build();
      Resolution holder = rig.backend().resolveEndpoint(spec, Fixture.OPTIONS);
      Op library = () -> rig.backend().resolveEndpoint(spec, Fixture.OPTIONS);
      FloorRegistry floor = new FloorRegistry();
      String key = spec.instanceKey();
      floor.endpoints.put(key, holder.endpoint().baseUrl());
      Op baseline = () -> floor.resolve(key);
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      URI health = URI.create(holder.endpoint().baseUrl().replaceFirst("/v1$", "") + "/health");
      Op seed = () -> {
        AutoCloseable lease = floor.resolve(key);
        int status = http.send(HttpRequest.newBuilder(health).GET().build(), HttpResponse.BodyHandlers.discarding())
            .statusCode();
        if (status != 200) {
          throw new IllegalStateException("health " + status);
        }
        return lease;
      };

      Stats lib = latency(library, warmupOps, measuredOps);
      Stats base = latency(baseline, warmupOps, measuredOps);
      Stats seedStats = latency(seed, 500, 2_000);
      double lib1 = throughput(library, 1, throughputWindow);
      double base1 = throughput(baseline, 1, throughputWindow);
      double lib2 = throughput(library, 2, throughputWindow);
      double base2 = throughput(baseline, 2, throughputWindow);
      holder.close();
      report.section("4. Warm resolve", "`resolveEndpoint` of a spec equal to a ready instance's (a new lease "
          + "on it), each lease released right after. Hand-rolled harness on the caller's thread: "
          + warmupOps + " warm-up operations, then " + measuredOps + " timed one by one with `System.nanoTime()` "
          + "(about 25 ns of its own), percentiles from the sorted array; throughput is resolve+release cycles "
          + "completed in " + throughputWindow.toSeconds() + " s with 1 and 2 threads (after the latency runs "
          + "warmed the code). Baseline (the floor): a `ConcurrentHashMap` lookup of the endpoint plus a lease "
          + "object (random UUID ref, timestamp) put in and removed from a lease map. For scale, the seed-style "
          + "alternative (the same lookup plus one `GET /health` per resolve, as a per-resolve readiness check "
          + "would do) is shown in the details.")
          .row("latency p50", us(lib.p50()), us(base.p50()), "µs", "", null)
          .row("latency p99", us(lib.p99()), us(base.p99()), "µs", "< 50 µs", us(lib.p99()) < 50)
          .row("throughput, 1 thread", lib1, base1, "ops/s", "", null)
          .row("throughput, 2 threads", lib2, base2, "ops/s", "", null)
          .detail("library latency: " + lib.summary("us"))
          .detail("floor latency: " + base.summary("us"))
          .detail("seed-style latency (lookup + one GET /health): " + seedStats.summary("us")
              + "; library p99 is " + Report.ratio(us(lib.p99()), us(seedStats.p99())) + " of it");
    }
  }

  private static Stats latency(Op op, int warmup, int measured) throws Exception {
    for (int i = 0; i < warmup; i++) {
      op.resolve().close();
    }
    long[] samples = new long[measured];
    for (int i = 0; i < measured; i++) {
      long t0 = System.nanoTime();
      AutoCloseable lease = op.resolve();
      samples[i] = System.nanoTime() - t0;
      lease.close();
    }
    return Stats.of(samples);
  }

  private static double throughput(Op op, int threads, Duration window) throws Exception {
    AtomicLong done = new AtomicLong();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    long[] span = new long[2];
    for (int t = 0; t < threads; t++) {
      Thread w = new Thread(() -> {
        try {
          go.await();
          long end = span[1];
          long n = 0;
          while (System.nanoTime() < end) {
            op.resolve().close();
            n++;
          }
          done.addAndGet(n);
        } catch (Throwable e) {
          failures.add(e);
        }
      }, "bench-throughput-" + t);
      workers.add(w);
      w.start();
    }
    span[0] = System.nanoTime();
    span[1] = span[0] + window.toNanos();
    go.countDown();
    for (Thread w : workers) {
      w.join();
    }
    if (!failures.isEmpty()) {
      throw new IllegalStateException("throughput run failed", failures.get(0));
    }
    return done.get() / (window.toNanos() / 1e9);
  }

  void singleFlight(int callers) {
    try (Fixture.Rig rig = fx.rig()) {
      BootSpec single = fx.spec("sf-single").extraArgs(List.of("--fake-load-ms", "0")).build();
      long s0 = System.nanoTime();
      Resolution one = rig.backend().resolveEndpoint(single, Fixture.OPTIONS);
      long s1 = System.nanoTime();
      one.close();
      rig.backend().stopInstance(one.instance().instanceId()).join();
      int before = rig.transport().launches();

      BootSpec spec = fx.spec("sf").extraArgs(List.of("--fake-load-ms", "0")).build();
      List<CompletableFuture<Resolution>> all = new ArrayList<>(callers);
      ConsumerManifest consumer = ConsumerManifest.builder("bench").build();
      long t0 = System.nanoTime();
      for (int i = 0; i < callers; i++) {
        all.add(rig.backend().resolveEndpointAsync(spec, consumer, Fixture.OPTIONS));
      }
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
      long t1 = System.nanoTime();
      int launches = rig.transport().launches() - before;
      Set<String> ids = new HashSet<>();
      long fresh = 0;
      for (CompletableFuture<Resolution> f : all) {
        Resolution r = f.join();
        ids.add(r.instance().instanceId());
        fresh += r.reused() ? 0 : 1;
        r.close();
      }
      double wall = (t1 - t0) / 1e6;
      double wallOne = (s1 - s0) / 1e6;
      report.section("5. Single flight", callers + " concurrent `resolveEndpointAsync` calls of one spec, issued "
          + "from one thread as fast as it can, then joined; processes counted by a counting `ProcessTransport` "
          + "decorator around `ProcessTransport.local()`. Baseline: one `resolveEndpoint` of an equal-shaped "
          + "spec by a single caller (1 process), so the ratio shows what the other " + (callers - 1)
          + " callers cost.")
          .row("processes started", launches, 1, "", "1", launches == 1)
          .row("wall time, first call to all resolved", wall, wallOne, "ms", "", null)
          .detail("distinct instances: " + ids.size() + "; resolutions that started the instance (not reused): "
              + fresh + "; leases taken and released: " + callers);
    }
  }

  static double us(long nanos) {
    return nanos / 1e3;
  }
}
