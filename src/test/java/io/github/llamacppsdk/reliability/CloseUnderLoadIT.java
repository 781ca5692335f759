package io.github.llamacppsdk.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.core.ResolveOptions;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import io.github.llamacppsdk.testkit.FakeLlamaServer;
import io.github.llamacppsdk.testkit.GgufFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Item 10: {@code close()} while threads resolve (servers ready, starting and loading) stops every
 * server the backend started and returns; every later call fails with {@code CLOSED}; no process is left.
 */
@Timeout(120)
@ExtendWith(NoLeakedProcesses.class)
class CloseUnderLoadIT {
  static final int TRIALS = Integer.getInteger("reliability.close.trials", 3);
  static final int THREADS = 6;

  @TempDir Path tmp;

  @Test
  void closeUnderLoadStopsEverythingAndReturns() throws Exception {
    Path binary = FakeLlamaServer.install(tmp);
    Path model = GgufFiles.writeTinyModel(tmp.resolve("m.gguf"));
    List<Long> closeMs = new ArrayList<>();
    for (int trial = 0; trial < TRIALS; trial++) {
      List<BootSpec> specs = new ArrayList<>();
      for (int s = 0; s < 4; s++) { // two quick, two that load for a while (some close mid-load)
        specs.add(BootSpec.builder(model).binaryPath(binary).port(0).alias("close-" + s)
            .stopTimeout(Duration.ofSeconds(2)).extraArgs(List.of("--fake-load-ms", s < 2 ? "0" : "1500")).build());
      }
      LlamaCppBackend backend = LlamaCppBackend.create();
      ExecutorService pool = Executors.newFixedThreadPool(THREADS);
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger resolved = new AtomicInteger();
      Map<ErrorCode, Integer> failures = new ConcurrentHashMap<>();
      List<Throwable> unexpected = new CopyOnWriteArrayList<>();
      CompletableFuture<Void> firstResolved = new CompletableFuture<>();
      List<CompletableFuture<?>> workers = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        Random random = new Random(trial * 100L + t);
        workers.add(CompletableFuture.runAsync(() -> {
          List<Resolution> held = new ArrayList<>();
          while (!stop.get()) {
            try {
              held.add(backend.resolveEndpoint(specs.get(random.nextInt(specs.size())),
                  ResolveOptions.builder().awaitTimeout(Duration.ofSeconds(30)).build()));
              resolved.incrementAndGet();
              firstResolved.complete(null);
              if (held.size() > 3) {
                held.remove(0).close();
              }
            } catch (InferenceException e) {
              failures.merge(e.code(), 1, Integer::sum);
              if (e.code() == ErrorCode.CLOSED) {
                break;
              }
            } catch (RuntimeException | Error e) {
              unexpected.add(e);
            }
          }
          held.forEach(Resolution::close);
        }, pool));
      }
      assertThat(firstResolved).succeedsWithin(Duration.ofSeconds(60));
      // Close while quick servers are ready and slow ones are still loading.
      assertThat(Rel.await(Duration.ofSeconds(30), () -> Rel.fakeServers().size() >= 3)).isTrue();
      List<Long> pids = Rel.fakeServers().stream().map(ProcessHandle::pid).toList();

      long t0 = System.nanoTime();
      CompletableFuture<Void> closing = CompletableFuture.runAsync(backend::close);
      assertThat(closing).as("close() returns").succeedsWithin(Duration.ofSeconds(60));
      closeMs.add((System.nanoTime() - t0) / 1_000_000);

      // Every worker ends at its first CLOSED.
      assertThat(Rel.await(Duration.ofSeconds(10), () -> failures.getOrDefault(ErrorCode.CLOSED, 0) >= THREADS))
          .as("failures %s", failures).isTrue();
      stop.set(true);
      assertThat(CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new))).succeedsWithin(Duration.ofSeconds(60));
      pool.shutdown();

      assertThat(unexpected).as("only typed failures").isEmpty();
      assertThat(failures.keySet()).isSubsetOf(ErrorCode.CLOSED, ErrorCode.STOPPED);
      assertThatThrownBy(() -> backend.resolveEndpoint(specs.get(0), ResolveOptions.defaults()))
          .isInstanceOfSatisfying(InferenceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CLOSED));
      assertThat(backend.instances()).isEmpty();
      assertThat(pids).allSatisfy(pid -> assertThat(Rel.alive(pid)).as("server pid %d after close", pid).isFalse());
      assertThat(Rel.fakeServers()).isEmpty();
      Rel.figure("close under load, trial " + trial, resolved.get() + " resolutions, " + pids.size()
          + " servers running at close, close() took " + closeMs.get(closeMs.size() - 1) + " ms, failures " + failures);
    }
    Rel.figure("close under load", Rel.stats(closeMs));
  }
}
