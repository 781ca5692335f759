package io.github.llamacppsdk.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.core.InstanceSnapshot;
import io.github.llamacppsdk.core.ServerProcess;
import io.github.llamacppsdk.core.Lease;
import io.github.llamacppsdk.core.LifecycleStatus;
import io.github.llamacppsdk.core.ResolveOptions;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import io.github.llamacppsdk.testkit.FakeLlamaServer;
import io.github.llamacppsdk.testkit.GgufFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Item 7: eight threads resolve, renew and release leases on three specs while servers crash
 * underneath (one spec crashes itself after a number of requests; a killer sends SIGKILL to random
 * servers). Throughout, a sampler counts live fake-server processes per alias: never two for one
 * spec. At the end of every round (all workers at a barrier, the killer paused), every instance's
 * lease count equals the number of active leases the workers hold on it.
 */
@Timeout(240)
@ExtendWith(NoLeakedProcesses.class)
class StressIT {
  static final int THREADS = Integer.getInteger("reliability.stress.threads", 8);
  static final int ROUNDS = Integer.getInteger("reliability.stress.rounds", 4);
  static final int OPS_PER_ROUND = Integer.getInteger("reliability.stress.ops", 25);
  static final long SEED = Long.getLong("reliability.stress.seed", 20250101L);

  @TempDir Path tmp;

  @Test
  void leaseCountsStayExactAndNoSpecEverHasTwoProcesses() throws Exception {
    Path binary = FakeLlamaServer.install(tmp);
    Path model = GgufFiles.writeTinyModel(tmp.resolve("m.gguf"));
    List<BootSpec> specs = List.of(
        spec(binary, model, "stress-a", List.of()),
        spec(binary, model, "stress-b", List.of()),
        spec(binary, model, "stress-crashy", List.of("--fake-exit-after-requests", "40")));
    Map<String, Integer> maxPerAlias = new ConcurrentHashMap<>();
    AtomicInteger kills = new AtomicInteger();
    AtomicInteger samples = new AtomicInteger();
    AtomicBoolean killerPaused = new AtomicBoolean();
    Map<String, AtomicInteger> ops = new ConcurrentHashMap<>();
    List<Throwable> unexpected = new CopyOnWriteArrayList<>();
    List<String> checks = new CopyOnWriteArrayList<>();
    ScheduledExecutorService side = Executors.newScheduledThreadPool(2);
    Random killRandom = new Random(SEED);

    try (LlamaCppBackend backend = LlamaCppBackend.create()) {
      side.scheduleWithFixedDelay(() -> {
        samples.incrementAndGet();
        Map<String, Integer> now = new HashMap<>();
        Rel.fakeServers().stream().filter(p -> Rel.running(p.pid()))
            .forEach(p -> Rel.alias(p).ifPresent(a -> now.merge(a, 1, Integer::sum)));
        now.forEach((a, n) -> maxPerAlias.merge(a, n, Math::max));
      }, 0, 20, TimeUnit.MILLISECONDS);
      side.scheduleWithFixedDelay(() -> {
        if (killerPaused.get()) {
          return;
        }
        List<ProcessHandle> servers = Rel.fakeServers();
        if (!servers.isEmpty() && servers.get(killRandom.nextInt(servers.size())).destroyForcibly()) {
          kills.incrementAndGet();
        }
      }, 500, 500, TimeUnit.MILLISECONDS);

      List<List<Lease>> held = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        held.add(new ArrayList<>());
      }
      CyclicBarrier roundEnd = new CyclicBarrier(THREADS + 1);
      CyclicBarrier roundStart = new CyclicBarrier(THREADS + 1);
      List<CompletableFuture<Void>> workers = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int me = t;
        Random random = new Random(SEED + t);
        workers.add(CompletableFuture.runAsync(() -> {
          try {
            for (int round = 0; round < ROUNDS; round++) {
              roundStart.await();
              for (int i = 0; i < OPS_PER_ROUND; i++) {
                step(backend, specs, held.get(me), random, ops, unexpected);
              }
              roundEnd.await();
            }
          } catch (Exception e) {
            unexpected.add(e);
          }
        }));
      }
      for (int round = 0; round < ROUNDS; round++) {
        killerPaused.set(false);
        roundStart.await(60, TimeUnit.SECONDS);
        roundEnd.await(120, TimeUnit.SECONDS);
        killerPaused.set(true);
        checks.add(checkLeaseCounts(backend, held));
      }
      assertThat(CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new))).succeedsWithin(Duration.ofSeconds(30));
      held.forEach(list -> list.forEach(Lease::release));
      side.shutdownNow();
      assertThat(side.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

      assertThat(unexpected).as("only typed failures").isEmpty();
      assertThat(backend.instances()).allSatisfy(s -> assertThat(s.leaseCount()).isZero());
      Rel.figure("stress", THREADS + " threads x " + ROUNDS + " rounds x " + OPS_PER_ROUND + " ops; ops "
          + new TreeMap<>(ops) + "; " + kills.get() + " SIGKILLs; " + samples.get() + " process samples, max per alias "
          + new TreeMap<>(maxPerAlias) + "; lease checks " + checks);
      assertThat(kills.get()).as("servers were killed underneath").isPositive();
      assertThat(maxPerAlias.values()).as("live processes per spec").allSatisfy(n -> assertThat(n).isEqualTo(1));
    } finally {
      side.shutdownNow();
    }
  }

  private static BootSpec spec(Path binary, Path model, String alias, List<String> knobs) {
    List<String> args = new ArrayList<>(List.of("--fake-load-ms", "100"));
    args.addAll(knobs);
    return BootSpec.builder(model).binaryPath(binary).port(0).alias(alias).healthInterval(Duration.ofMillis(50))
        .stopTimeout(Duration.ofSeconds(2)).extraArgs(args).build();
  }

  private static void step(LlamaCppBackend backend, List<BootSpec> specs, List<Lease> mine, Random random,
      Map<String, AtomicInteger> ops, List<Throwable> unexpected) {
    int what = random.nextInt(10);
    String op = what < 4 || mine.isEmpty() ? "resolve" : what < 7 ? "renew" : "release";
    try {
      switch (op) {
        case "resolve":
          mine.add(backend.resolveEndpoint(specs.get(random.nextInt(specs.size())), ResolveOptions.builder()
              .ownerRef(Thread.currentThread().getName()).ttl(Duration.ofMinutes(5))
              .awaitTimeout(Duration.ofSeconds(60)).build()).lease());
          break;
        case "renew": {
          Lease l = mine.get(random.nextInt(mine.size()));
          try {
            l.renew();
          } catch (InferenceException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.LEASE_NOT_ACTIVE);
            assertThat(l.isActive()).isFalse();
            mine.remove(l);
            op = "renew-ended";
          }
          break;
        }
        default:
          mine.remove(random.nextInt(mine.size())).release();
      }
      ops.computeIfAbsent(op, k -> new AtomicInteger()).incrementAndGet();
    } catch (InferenceException e) {
      ops.computeIfAbsent(op + "-" + e.code(), k -> new AtomicInteger()).incrementAndGet();
    } catch (RuntimeException | AssertionError e) {
      unexpected.add(e);
    }
  }

  /**
   * With every worker parked and the killer paused, compares each instance's lease count with the
   * active leases held on it. A crash of the self-crashing spec can still happen during the check;
   * then the instance changes under us and the check is repeated (bounded).
   */
  private static String checkLeaseCounts(LlamaCppBackend backend, List<List<Lease>> held) {
    for (int attempt = 0; attempt < 20; attempt++) {
      List<InstanceSnapshot> before = backend.instances();
      Map<String, Long> active = held.stream().flatMap(List::stream).filter(Lease::isActive)
          .collect(Collectors.groupingBy(Lease::instanceId, TreeMap::new, Collectors.counting()));
      List<InstanceSnapshot> after = backend.instances();
      if (!stable(before, after)) {
        continue;
      }
      Map<String, Long> counted = after.stream().filter(s -> s.lifecycle() == LifecycleStatus.READY)
          .collect(Collectors.toMap(InstanceSnapshot::instanceId, s -> (long) s.leaseCount(), (a, b) -> a, TreeMap::new));
      counted.values().removeIf(n -> n == 0);
      assertThat(counted).as("snapshot lease counts vs active leases held").isEqualTo(active);
      return active.values().toString();
    }
    throw new AssertionError("instances never stable for a lease-count check");
  }

  private static boolean stable(List<InstanceSnapshot> a, List<InstanceSnapshot> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      InstanceSnapshot x = a.get(i);
      InstanceSnapshot y = b.get(i);
      if (!x.instanceId().equals(y.instanceId()) || !x.insertedAt().equals(y.insertedAt())
          || x.lifecycle() != y.lifecycle() || x.leaseCount() != y.leaseCount()
          || !x.process().map(ServerProcess::pid).equals(y.process().map(ServerProcess::pid))) {
        return false;
      }
    }
    return true;
  }
}
