package io.github.llamacppsdk.core.support;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A deterministic scheduler: tasks run only when the test calls {@link #advance(Duration)} (which also
 * moves the {@link MutableClock}), on the test's thread, in due order. {@code execute} runs at once.
 */
public final class ManualScheduler extends AbstractExecutorService implements ScheduledExecutorService {
  private final MutableClock clock;
  private final List<Task<?>> tasks = new ArrayList<>();
  private final AtomicLong seq = new AtomicLong();
  private volatile boolean shutdown;

  public ManualScheduler(MutableClock clock) {
    this.clock = clock;
  }

  /** Moves time forward and runs every task that falls due, in order. */
  public void advance(Duration d) {
    Instant target = clock.instant().plus(d);
    while (true) {
      Task<?> next;
      synchronized (this) {
        next = tasks.stream().filter(t -> !t.isCancelled() && !t.due.isAfter(target))
            .min(Comparator.comparing((Task<?> t) -> t.due).thenComparingLong(t -> t.order)).orElse(null);
        if (next != null) {
          tasks.remove(next);
        }
      }
      if (next == null) {
        break;
      }
      Duration step = Duration.between(clock.instant(), next.due);
      if (!step.isNegative()) {
        clock.advance(step);
      }
      next.runTask();
    }
    Duration rest = Duration.between(clock.instant(), target);
    if (!rest.isNegative()) {
      clock.advance(rest);
    }
  }

  /** Runs tasks already due without moving time. */
  public void runDue() {
    advance(Duration.ZERO);
  }

  public synchronized int pendingTasks() {
    tasks.removeIf(FutureTask::isCancelled);
    return tasks.size();
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    return add(new Task<>(() -> {
      command.run();
      return null;
    }, delay(delay, unit), null));
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    return add(new Task<>(callable, delay(delay, unit), null));
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
    return add(new Task<>(() -> {
      command.run();
      return null;
    }, delay(initialDelay, unit), Duration.ofNanos(unit.toNanos(period))));
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
    return scheduleAtFixedRate(command, initialDelay, delay, unit);
  }

  private Instant delay(long delay, TimeUnit unit) {
    return clock.instant().plusNanos(unit.toNanos(Math.max(0, delay)));
  }

  private synchronized <V> Task<V> add(Task<V> t) {
    if (shutdown) {
      throw new java.util.concurrent.RejectedExecutionException("shut down");
    }
    tasks.add(t);
    return t;
  }

  @Override
  public void execute(Runnable command) {
    command.run();
  }

  @Override
  public void shutdown() {
    shutdown = true;
  }

  @Override
  public List<Runnable> shutdownNow() {
    shutdown = true;
    return List.of();
  }

  @Override
  public boolean isShutdown() {
    return shutdown;
  }

  @Override
  public boolean isTerminated() {
    return shutdown;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return shutdown;
  }

  private final class Task<V> extends FutureTask<V> implements ScheduledFuture<V> {
    private Instant due;
    private final Duration period;
    private final long order = seq.incrementAndGet();

    Task(Callable<V> c, Instant due, Duration period) {
      super(c);
      this.due = due;
      this.period = period;
    }

    void runTask() {
      if (period == null) {
        run();
      } else if (runAndReset()) {
        due = due.plus(period);
        synchronized (ManualScheduler.this) {
          tasks.add(this);
        }
      }
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(Duration.between(clock.instant(), due).toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed o) {
      return Long.compare(getDelay(TimeUnit.NANOSECONDS), o.getDelay(TimeUnit.NANOSECONDS));
    }
  }
}
