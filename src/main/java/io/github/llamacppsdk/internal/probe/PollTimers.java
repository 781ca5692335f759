package io.github.llamacppsdk.internal.probe;

import io.github.llamacppsdk.internal.Log;
import java.util.Comparator;
import java.util.Iterator;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Not API. The fixed-rate tasks of a {@link KeepAlivePoller}, run on its selector thread: the grid the
 * health monitors tick on. Tasks are added from any thread ({@link #add}); everything else is called by
 * the selector thread only. Missed runs are skipped, not caught up, so tasks with the same period fall
 * due together and cost one wake-up per grid step.
 */
final class PollTimers {
  private static final Log log = Log.of(PollTimers.class);

  private final ConcurrentLinkedQueue<Timer> added = new ConcurrentLinkedQueue<>();
  // selector thread only
  private final PriorityQueue<Timer> timers = new PriorityQueue<>(new ByDue());

  /** A fixed-rate task; {@link #due} on {@link System#nanoTime()}'s clock. */
  private static final class Timer {
    final Runnable task;
    final long period;
    long due; // selector thread only (set before it is handed over)
    volatile boolean cancelled;

    Timer(Runnable task, long due, long period) {
      this.task = task;
      this.due = due;
      this.period = period;
    }
  }

  /**
   * Adds a task; any thread. The caller wakes the selector thread.
   *
   * @param task what to run
   * @param initialDelayNanos delay to the first run
   * @param periodNanos time between runs, positive
   * @return cancels it (idempotent; a run already under way finishes)
   */
  Runnable add(Runnable task, long initialDelayNanos, long periodNanos) {
    if (periodNanos <= 0) {
      throw new IllegalArgumentException("period must be > 0: " + periodNanos);
    }
    Timer t = new Timer(task, System.nanoTime() + initialDelayNanos, periodNanos);
    added.add(t);
    return new Cancel(t);
  }

  /** {@return whether tasks were added that the selector thread has not taken yet} Any thread. */
  boolean hasAdded() {
    return !added.isEmpty();
  }

  /** Takes the added tasks and runs those that are due, each at most once. */
  void runDue() {
    Timer t;
    while ((t = added.poll()) != null) {
      timers.add(t);
    }
    long now = System.nanoTime();
    while (!timers.isEmpty() && timers.peek().due - now <= 0) {
      t = timers.poll();
      if (t.cancelled) {
        continue;
      }
      try {
        t.task.run();
      } catch (RuntimeException e) {
        log.warn("a poll timer's task failed", e);
      }
      do {
        t.due += t.period;
      } while (t.due - now <= 0);
      timers.add(t);
    }
  }

  /**
   * {@return nanoseconds to the next live task, or {@code none} if there is none}
   *
   * @param now the time now
   * @param none what to answer when no task is live
   */
  long nanosToNext(long now, long none) {
    while (!timers.isEmpty() && timers.peek().cancelled) {
      timers.poll();
    }
    return timers.isEmpty() ? none : Math.max(0, timers.peek().due - now);
  }

  /** {@return whether any task is live} Drops cancelled ones. */
  boolean any() {
    Iterator<Timer> it = timers.iterator(); // not removeIf with a lambda: a fresh JVM's first probe runs this
    while (it.hasNext()) {
      if (it.next().cancelled) {
        it.remove();
      }
    }
    return !timers.isEmpty();
  }

  /** Hands the taken tasks back as added ones, for the next selector thread to take over. */
  void handOver() {
    added.addAll(timers);
    timers.clear();
  }

  // named classes, not lambdas: these run in a fresh JVM's first start (benchmarks.md, figure 7)

  /** Orders timers by due time, overflow-safe on {@link System#nanoTime()}'s clock. */
  private static final class ByDue implements Comparator<Timer> {
    @Override
    public int compare(Timer a, Timer b) {
      return Long.compare(a.due - b.due, 0);
    }
  }

  /** Cancels one timer; idempotent. */
  private static final class Cancel implements Runnable {
    private final Timer timer;

    Cancel(Timer timer) {
      this.timer = timer;
    }

    @Override
    public void run() {
      timer.cancelled = true;
    }
  }
}
