package io.github.llamacppsdk.internal.probe;

import io.github.llamacppsdk.core.HealthStatus;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Not API. Watches a published server's health on the shared scheduler (no thread per instance):
 * one asynchronous probe per interval (its due time rounded up to a grid, so many servers' polls are
 * batched), classified by {@link HealthClassifier}, with hysteresis: a
 * new state is reported only after {@code threshold} consecutive polls agree, so one slow answer does
 * not flap it.
 *
 * <p>Thread-safe. {@link #stop()} is idempotent.
 */
public final class HealthMonitor {
  private static final Logger log = LoggerFactory.getLogger(HealthMonitor.class);

  private final ReadinessProber prober;
  private final ScheduledExecutorService scheduler;
  private final ProbeTarget target;
  private final Duration interval;
  private final int threshold;
  private final BiConsumer<HealthStatus, String> listener;

  private final Object lock = new Object();
  private HealthStatus current = HealthStatus.HEALTHY;
  private HealthStatus pending;
  private int pendingCount;
  private ScheduledFuture<?> next;
  private boolean stopped;

  /**
   * @param prober shares its HTTP client and request timeout
   * @param scheduler the shared scheduler
   * @param target what to poll
   * @param interval time between the end of one poll and the start of the next
   * @param threshold consecutive agreeing polls needed to change state (1 = no hysteresis)
   * @param listener told of every state change (new state, reason); called outside any lock
   */
  public HealthMonitor(ReadinessProber prober, ScheduledExecutorService scheduler, ProbeTarget target,
      Duration interval, int threshold, BiConsumer<HealthStatus, String> listener) {
    this.prober = Objects.requireNonNull(prober, "prober");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.target = Objects.requireNonNull(target, "target");
    this.interval = Objects.requireNonNull(interval, "interval");
    if (threshold < 1) {
      throw new IllegalArgumentException("threshold must be >= 1: " + threshold);
    }
    this.threshold = threshold;
    this.listener = Objects.requireNonNull(listener, "listener");
  }

  /** Starts polling; the first poll runs one interval from now. */
  public void start() {
    scheduleNext();
  }

  /** Stops polling. Idempotent. */
  public void stop() {
    synchronized (lock) {
      stopped = true;
      if (next != null) {
        next.cancel(false);
      }
    }
  }

  /** {@return the current (debounced) state} */
  public HealthStatus current() {
    synchronized (lock) {
      return current;
    }
  }

  /**
   * Polls once now and applies the result (used by tests and by the scheduler).
   *
   * @return the future of the classified verdict
   */
  public CompletableFuture<HealthClassifier.Verdict> pollOnce() {
    return prober.poll(target.healthUri(), target.headers()).thenCompose(answer -> {
      HealthClassifier.Verdict verdict =
          HealthClassifier.classify(target.healthPath(), answer.status, answer.body, answer.failure);
      if (!verdict.fallbackToModels()) {
        return CompletableFuture.completedFuture(verdict);
      }
      return prober.poll(target.modelsUri(), target.headers()).thenApply(models -> models.status == 200
          ? new HealthClassifier.Verdict(HealthStatus.HEALTHY,
              verdict.reason() + "; GET " + target.modelsPath() + " -> 200", false)
          : new HealthClassifier.Verdict(HealthStatus.UNAVAILABLE, verdict.reason() + "; GET "
              + target.modelsPath() + " -> " + (models.failure != null ? models.failure : models.status), false));
    }).thenApply(verdict -> {
      apply(verdict);
      return verdict;
    });
  }

  private void apply(HealthClassifier.Verdict verdict) {
    HealthStatus changedTo = null;
    synchronized (lock) {
      if (stopped) {
        return;
      }
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

  private void scheduleNext() {
    synchronized (lock) {
      if (stopped) {
        return;
      }
      try {
        next = scheduler.schedule(this::tick, alignedDelayNanos(System.nanoTime(), interval.toNanos()),
            TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        stopped = true; // the scheduler is shutting down with the backend
      }
    }
  }

  /**
   * {@return the delay to the next poll: at least the interval, rounded up to a grid of a tenth of it
   * (at most 100 ms)} Polls of many servers then fall due together, so the scheduler and the poller
   * thread wake once for a batch instead of once per server.
   *
   * @param nowNanos {@link System#nanoTime()}
   * @param intervalNanos the interval
   */
  static long alignedDelayNanos(long nowNanos, long intervalNanos) {
    long grid = Math.max(1, Math.min(intervalNanos / 10, 100_000_000L));
    long due = nowNanos + intervalNanos;
    long aligned = Math.floorDiv(due + grid - 1, grid) * grid;
    return aligned - nowNanos;
  }

  private void tick() {
    pollOnce().whenComplete((v, t) -> {
      if (t != null) {
        log.debug("health poll of {} failed", target.rootUrl(), t);
      }
      scheduleNext();
    });
  }
}
