package io.github.llamacppsdk.internal.core;

import io.github.llamacppsdk.core.CoreEvent;
import io.github.llamacppsdk.core.CoreListener;
import io.github.llamacppsdk.internal.Log;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Not API. A listener's events run on the caller's executor: events are handed over in order, and delivered one
 * at a time and in order however many threads the executor has (one drain task at a time). An event the
 * executor refuses is logged at WARN and dropped. Thread-safe.
 */
final class ExecutorListener implements Consumer<CoreEvent> {
  private static final Log log = Log.of(ExecutorListener.class);

  private final CoreListener delegate;
  private final Executor executor;
  private final Queue<CoreEvent> pending = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean draining = new AtomicBoolean();

  ExecutorListener(CoreListener delegate, Executor executor) {
    this.delegate = Objects.requireNonNull(delegate, "listener");
    this.executor = Objects.requireNonNull(executor, "executor");
  }

  /** Queues the event for the listener and makes sure a drain task runs on the executor. */
  @Override
  public void accept(CoreEvent event) {
    pending.add(event);
    schedule();
  }

  private void schedule() {
    if (pending.isEmpty() || !draining.compareAndSet(false, true)) {
      return;
    }
    try {
      executor.execute(this::drain);
    } catch (RejectedExecutionException e) {
      draining.set(false);
      int dropped = 0;
      while (pending.poll() != null) {
        dropped++;
      }
      log.warn("listener {}: its executor refused delivery; {} event(s) dropped", delegate, dropped, e);
    }
  }

  private void drain() {
    try {
      CoreEvent e;
      while ((e = pending.poll()) != null) {
        EventDispatcher.deliverTo(delegate, e);
      }
    } finally {
      draining.set(false);
      schedule(); // an event queued after the last poll and before the flag cleared
    }
  }

  @Override
  public String toString() {
    return delegate + " on " + executor;
  }
}
