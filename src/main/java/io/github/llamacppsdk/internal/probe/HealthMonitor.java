package io.github.llamacppsdk.internal.probe;

import io.github.llamacppsdk.core.HealthStatus;
import io.github.llamacppsdk.internal.Log;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;

/**
 * Not API. Watches a published server's health on the shared scheduler (no thread per instance): one
 * asynchronous {@code GET {prefix}/health} per interval, classified by {@link HealthClassifier}, with
 * hysteresis: a new state is reported only after {@code threshold} consecutive polls agree, so one slow
 * answer does not flap it.
 *
 * <p><b>Scale.</b> Polls go over the prober's kept-alive connections ({@link ReadinessProber#poll}),
 * and the monitor ticks on the same selector thread ({@link ReadinessProber#every}; one per backend, no
 * thread per instance), which sends each poll as it ticks. The first poll falls due on a grid of a
 * tenth of the interval (at most 100 ms), and the later ones at whole intervals after it, so the polls
 * of many servers with the same interval fall due together and that thread wakes once for a batch
 * rather than once per server.
 *
 * <p><b>Hangs.</b> Polls start at a fixed rate and never wait for one another: a poll that hangs (a
 * stopped or wedged server accepts the connection and never answers) runs into the probe timeout
 * while the next polls are already under way, so {@code threshold} timed-out polls, and with them
 * {@code UNAVAILABLE}, arrive about {@code interval x threshold + probe timeout} after the hang began.
 * At most {@code threshold} polls are in flight; a tick that finds that many is skipped, not queued.
 * Verdicts are applied in the order the polls started; a late answer of an older poll is dropped. A
 * {@code /health} that times out or is refused is not retried on {@code /v1/models}: that fallback is
 * for builds without {@code /health} (404).
 *
 * <p>Thread-safe. {@link #stop()} is idempotent.
 */
public final class HealthMonitor {
  private static final Log log = Log.of(HealthMonitor.class);

  /** Runs a task at a fixed rate; returns what cancels it. */
  @FunctionalInterface
  interface Ticker {
    Runnable every(Runnable task, long initialDelayNanos, long periodNanos);
  }

  /** One bounded GET that never fails (failures are in the answer). */
  @FunctionalInterface
  interface Getter {
    CompletableFuture<ReadinessProber.Answer> get(URI uri, Map<String, String> headers);
  }

  /** {@link System#nanoTime()}, the prober's time base. */
  private static final LongSupplier SYSTEM_NANOS = new SystemNanos();

  private final Getter http;
  private final LongSupplier nanoTime;
  private final Ticker ticker;
  private final ProbeTarget target;
  private final URI healthUri;
  private final Duration interval;
  private final int threshold;
  private final BiConsumer<HealthStatus, String> listener;

  private final Object lock = new Object();
  private HealthStatus current = HealthStatus.HEALTHY;
  private HealthStatus pending;
  private int pendingCount;
  private long issued;
  private long applied;
  private int inFlight;
  private Runnable cancelTicks;
  private boolean stopped;

  /**
   * @param prober sends the polls and runs the ticks (its selector thread)
   * @param target what to poll
   * @param interval time between the starts of two polls
   * @param threshold consecutive agreeing polls needed to change state (1 = no hysteresis); also the
   *     most polls in flight at once
   * @param listener told of every state change (new state, reason); called outside any lock
   */
  public HealthMonitor(ReadinessProber prober, ProbeTarget target, Duration interval, int threshold,
      BiConsumer<HealthStatus, String> listener) {
    this(new OnProber(Objects.requireNonNull(prober, "prober")), target, interval, threshold, listener);
  }

  private HealthMonitor(OnProber prober, ProbeTarget target, Duration interval, int threshold,
      BiConsumer<HealthStatus, String> listener) {
    this(prober, prober, SYSTEM_NANOS, target, interval, threshold, listener);
  }

  /**
   * A monitor ticking on a scheduler (tests drive it with a manual one).
   *
   * @param http sends one GET
   * @param nanoTime the scheduler's time base, for the grid
   * @param scheduler runs the ticks
   */
  HealthMonitor(Getter http, LongSupplier nanoTime, ScheduledExecutorService scheduler, ProbeTarget target,
      Duration interval, int threshold, BiConsumer<HealthStatus, String> listener) {
    this(http, onScheduler(Objects.requireNonNull(scheduler, "scheduler")), nanoTime, target, interval, threshold,
        listener);
  }

  private HealthMonitor(Getter http, Ticker ticker, LongSupplier nanoTime, ProbeTarget target, Duration interval,
      int threshold, BiConsumer<HealthStatus, String> listener) {
    this.http = Objects.requireNonNull(http, "http");
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    this.ticker = ticker;
    this.target = Objects.requireNonNull(target, "target");
    this.healthUri = target.healthUri(); // once: polled every interval
    this.interval = Objects.requireNonNull(interval, "interval");
    if (interval.isZero() || interval.isNegative()) {
      throw new IllegalArgumentException("interval must be > 0: " + interval);
    }
    if (threshold < 1) {
      throw new IllegalArgumentException("threshold must be >= 1: " + threshold);
    }
    this.threshold = threshold;
    this.listener = Objects.requireNonNull(listener, "listener");
  }

  /** Starts polling; the first poll runs one interval from now, rounded up to the grid. */
  public void start() {
    synchronized (lock) {
      if (stopped || cancelTicks != null) {
        return;
      }
      long nanos = interval.toNanos();
      try {
        cancelTicks = ticker.every(new Tick(), alignedDelayNanos(nanoTime.getAsLong(), nanos), nanos);
      } catch (RejectedExecutionException e) {
        stopped = true; // the scheduler is shutting down with the backend
      }
    }
  }

  /** Stops polling; answers still on their way are ignored. Idempotent. */
  public void stop() {
    synchronized (lock) {
      stopped = true;
      if (cancelTicks != null) {
        cancelTicks.run();
      }
    }
  }

  /** {@return the current (debounced) state} */
  public HealthStatus current() {
    synchronized (lock) {
      return current;
    }
  }

  private static Ticker onScheduler(ScheduledExecutorService scheduler) {
    return (task, initialDelayNanos, periodNanos) -> {
      ScheduledFuture<?> f = scheduler.scheduleAtFixedRate(task, initialDelayNanos, periodNanos, TimeUnit.NANOSECONDS);
      return () -> f.cancel(false);
    };
  }

  /**
   * {@return the delay to the first poll: at least the interval, rounded up to a grid of a tenth of it
   * (at most 100 ms)} With every later poll a whole interval after it, polls stay on the grid whenever the
   * interval is a multiple of the grid step (every interval up to 1 s, and whole tenths of a second above).
   *
   * @param nowNanos the scheduler's time now
   * @param intervalNanos the interval
   */
  static long alignedDelayNanos(long nowNanos, long intervalNanos) {
    long grid = Math.max(1, Math.min(intervalNanos / 10, 100_000_000L));
    long due = nowNanos + intervalNanos;
    return Math.floorDiv(due + grid - 1, grid) * grid - nowNanos;
  }

  /**
   * Polls once now, whatever is in flight, and applies the result (used by tests).
   *
   * @return the future of the classified verdict
   */
  public CompletableFuture<HealthClassifier.Verdict> pollOnce() {
    long seq;
    synchronized (lock) {
      seq = ++issued;
      inFlight++;
    }
    return poll(seq);
  }

  private void tick() {
    long seq;
    synchronized (lock) {
      if (stopped) {
        return;
      }
      if (inFlight >= threshold) {
        log.debug("health of {}: {} poll(s) still in flight; this tick is skipped", target.rootUrl(), inFlight);
        return;
      }
      seq = ++issued;
      inFlight++;
    }
    poll(seq).whenComplete((v, t) -> {
      if (t != null) {
        log.debug("health poll of {} failed", target.rootUrl(), t);
      }
    });
  }

  private CompletableFuture<HealthClassifier.Verdict> poll(long seq) {
    CompletableFuture<HealthClassifier.Verdict> verdict;
    try {
      verdict = http.get(healthUri, target.headers()).thenCompose(answer -> {
        HealthClassifier.Verdict v =
            HealthClassifier.classify(target.healthPath(), answer.status, answer.body, answer.failure);
        if (!v.fallbackToModels()) {
          return CompletableFuture.completedFuture(v);
        }
        return http.get(target.modelsUri(), target.headers()).thenApply(models -> models.status == 200
            ? new HealthClassifier.Verdict(HealthStatus.HEALTHY,
                v.reason() + "; GET " + target.modelsPath() + " -> 200", false)
            : new HealthClassifier.Verdict(HealthStatus.UNAVAILABLE, v.reason() + "; GET "
                + target.modelsPath() + " -> " + (models.failure != null ? models.failure : models.status), false));
      });
    } catch (RuntimeException e) {
      verdict = CompletableFuture.failedFuture(e);
    }
    return verdict.whenComplete((v, t) -> {
      synchronized (lock) {
        inFlight--;
      }
      if (v != null) {
        apply(seq, v);
      }
    });
  }

  private void apply(long seq, HealthClassifier.Verdict verdict) {
    HealthStatus changedTo = null;
    synchronized (lock) {
      if (stopped || seq <= applied) {
        return; // stopped, or a newer poll already answered
      }
      applied = seq;
      if (verdict.status() == current) {
        pending = null;
        pendingCount = 0;
      } else {
        if (verdict.status() == pending) {
          pendingCount++;
        } else {
          pending = verdict.status();
          pendingCount = 1;
        }
        if (pendingCount >= threshold) {
          current = verdict.status();
          changedTo = current;
          pending = null;
          pendingCount = 0;
        }
      }
    }
    if (changedTo != null) {
      try {
        listener.accept(changedTo, verdict.reason());
      } catch (RuntimeException e) {
        log.warn("health listener failed for {}", target.rootUrl(), e);
      }
    }
  }

  // named classes, not method references: a monitor is built at a fresh JVM's first publication, beside the
  // caller's return (benchmarks.md, figure 7)

  /** The prober's poll and its selector thread's ticks. */
  private static final class OnProber implements Getter, Ticker {
    private final ReadinessProber prober;

    OnProber(ReadinessProber prober) {
      this.prober = prober;
    }

    @Override
    public CompletableFuture<ReadinessProber.Answer> get(URI uri, Map<String, String> headers) {
      return prober.poll(uri, headers);
    }

    @Override
    public Runnable every(Runnable task, long initialDelayNanos, long periodNanos) {
      return prober.every(task, initialDelayNanos, periodNanos);
    }
  }

  private static final class SystemNanos implements LongSupplier {
    @Override
    public long getAsLong() {
      return System.nanoTime();
    }
  }

  private final class Tick implements Runnable {
    @Override
    public void run() {
      tick();
    }
  }
}
