package io.github.llamacppsdk.internal.fake;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The fault knobs of the fake server ({@code --fake-*} flags or {@code FAKE_LLAMA_*} variables):
 * what {@code /health} answers, delays, crashes after readiness, the ready stamp and the child
 * process. Thread-safe. Not API.
 */
final class FakeFaults {
  /** What one {@code /health} request answers once the model is loaded. */
  enum Health { OK, DEGRADED, UNAVAILABLE, LOADING }

  private final FakeConfig config;
  private final FakeLog log;
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong healthRequests = new AtomicLong();
  private volatile long readyNanos;

  FakeFaults(FakeConfig config, FakeLog log) {
    this.config = config;
    this.log = log;
  }

  /** {@return the simulated load time (default 200 ms)} */
  Duration loadTime() {
    return config.millis("--fake-load-ms").orElse(Duration.ofMillis(200));
  }

  Optional<Duration> progressEvery() {
    return config.millis("--fake-progress-every-ms").filter(d -> !d.isZero() && !d.isNegative());
  }

  Optional<String> stall() {
    return config.string("--fake-stall");
  }

  boolean ignoreSignals() {
    return config.flag("--fake-ignore-signals");
  }

  Optional<Duration> responseDelay() {
    return config.millis("--fake-response-delay-ms").filter(d -> !d.isZero() && !d.isNegative());
  }

  /** {@return the pause between streamed content chunks; zero means as fast as possible} */
  Duration tokenInterval() {
    int rate = config.integer("--fake-tokens-per-second", 0);
    return rate <= 0 ? Duration.ZERO : Duration.ofNanos(1_000_000_000L / rate);
  }

  /** {@return the id served by /v1/models: the knob's value, else the alias or file name} */
  String modelId() {
    return config.string("--fake-model-id").orElse(config.modelName());
  }

  /** {@return the answer of this /health request (file, then flapping, then timer, then fixed)} */
  Health health() {
    long n = healthRequests.incrementAndGet();
    Optional<String> file = config.string("--fake-health-file");
    if (file.isPresent()) {
      try {
        String content = Files.readString(Path.of(file.get()), StandardCharsets.UTF_8).trim().toLowerCase(Locale.ROOT);
        if (!content.isEmpty()) {
          return parse(content);
        }
      } catch (IOException e) {
        // a missing file means "no override"
      }
    }
    int flap = config.integer("--fake-health-flap-every", 0);
    if (flap > 0) {
      return ((n - 1) / flap) % 2 == 0 ? Health.OK : Health.UNAVAILABLE;
    }
    Optional<Duration> after = config.millis("--fake-unhealthy-after-ms");
    if (after.isPresent() && System.nanoTime() - readyNanos >= after.get().toNanos()) {
      return Health.UNAVAILABLE;
    }
    return parse(config.string("--fake-health").orElse("ok"));
  }

  private static Health parse(String text) {
    switch (text) {
      case "degraded":
        return Health.DEGRADED;
      case "unavailable":
        return Health.UNAVAILABLE;
      case "loading":
        return Health.LOADING;
      default:
        return Health.OK;
    }
  }

  /** Called the moment the server starts answering 200: records the time, writes the stamp, arms the timer. */
  /**
   * Exercises the stamp's file writing once before readiness (into the temp name, which the real
   * write replaces), so writing the real stamp at the ready moment costs microseconds, not the
   * milliseconds of a cold JVM's first file write.
   */
  void prepareReadyStamp() {
    config.string("--fake-ready-stamp").ifPresent(f -> {
      Path file = Path.of(f);
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      try {
        Files.writeString(tmp, "0", StandardCharsets.UTF_8);
        Files.move(tmp, tmp, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write ready stamp " + file, e);
      }
    });
  }

  private long pendingStamp = -1;

  /**
   * Records the ready moment; the file is written by {@link #flushReadyStamp()} after the ready log
   * lines, so the stamp costs the lines nothing, and before any exit, so it is never lost.
   */
  synchronized void stampReady(long nanos) {
    pendingStamp = nanos;
  }

  /** Writes a recorded ready stamp once (if asked for). Idempotent; safe from a signal handler. */
  synchronized void flushReadyStamp() {
    if (pendingStamp < 0) {
      return;
    }
    long nanos = pendingStamp;
    pendingStamp = -1;
    config.string("--fake-ready-stamp").ifPresent(f -> writeStamp(Path.of(f), nanos));
  }

  void onReady(long nanos) {
    readyNanos = nanos;
    config.millis("--fake-exit-after-ms").ifPresent(d -> {
      Thread t = new Thread(() -> {
        try {
          Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        crash("after " + d.toMillis() + " ms");
      }, "fake-exit-timer");
      t.setDaemon(true);
      t.start();
    });
  }

  /** Counts one answered request after readiness; exits when {@code --fake-exit-after-requests} is reached. */
  void afterRequest() {
    long n = requests.incrementAndGet();
    int limit = config.integer("--fake-exit-after-requests", 0);
    if (limit > 0 && n >= limit) {
      crash("after " + n + " requests");
    }
  }

  private void crash(String when) {
    int code = config.integer("--fake-exit-code", 1);
    log.raw('E', "fake: fault knob: exiting with status " + code + " " + when);
    System.out.flush();
    System.err.flush();
    Runtime.getRuntime().halt(code);
  }

  private static void writeStamp(Path file, long nanos) {
    try {
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(tmp, Long.toString(nanos), StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write ready stamp " + file, e);
    }
  }

  /** Spawns {@code sleep 3600} sharing this process's stdio (as a leaked grandchild would) and logs its pid. */
  void spawnChildIfAsked() {
    if (!config.flag("--fake-spawn-child")) {
      return;
    }
    try {
      Process child = new ProcessBuilder("sleep", "3600").inheritIO().start();
      log.info("main", "fake: spawned child process, pid = " + child.pid());
    } catch (IOException e) {
      log.error("main", "fake: cannot spawn child process: " + e.getMessage());
    }
  }
}
