package io.github.llamacppsdk.internal.core;

import io.github.llamacppsdk.core.CoreEvent;
import io.github.llamacppsdk.core.CoreListener;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Not API. A listener run on the caller's executor: events are handed over in order, and delivered one
 * at a time and in order however many threads the executor has (one drain task at a time). An event the
 * executor refuses is logged at WARN and dropped. Thread-safe.
 */
final class ExecutorListener implements CoreListener {
  private static final Logger log = LoggerFactory.getLogger(ExecutorListener.class);

  private final CoreListener delegate;
  private final Executor executor;
  private final Queue<Runnable> pending = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean draining = new AtomicBoolean();

  ExecutorListener(CoreListener delegate, Executor executor) {
    this.delegate = Objects.requireNonNull(delegate, "listener");
    this.executor = Objects.requireNonNull(executor, "executor");
  }

  @Override
  public void onInstanceEvent(CoreEvent.InstanceEvent event) {
    hand(delegate::onInstanceEvent, event);
  }

  @Override
  public void onEndpointEvent(CoreEvent.EndpointEvent event) {
    hand(delegate::onEndpointEvent, event);
  }

  @Override
  public void onLeaseEvent(CoreEvent.LeaseEvent event) {
    hand(delegate::onLeaseEvent, event);
  }

  @Override
  public void onBackendEvent(CoreEvent.BackendEvent event) {
    hand(delegate::onBackendEvent, event);
  }

  @Override
  public void onCapacityEvent(CoreEvent.CapacityEvent event) {
    hand(delegate::onCapacityEvent, event);
  }

  private <E extends CoreEvent> void hand(Consumer<E> method, E event) {
    pending.add(() -> {
      try {
        method.accept(event);
      } catch (RuntimeException e) {
        log.warn("listener {} threw on {}", delegate, event, e);
      }
    });
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
      Runnable r;
      while ((r = pending.poll()) != null) {
        r.run();
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
