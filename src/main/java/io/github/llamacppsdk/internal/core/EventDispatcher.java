package io.github.llamacppsdk.internal.core;

import io.github.llamacppsdk.core.CoreEvent;
import io.github.llamacppsdk.core.CoreListener;
import io.github.llamacppsdk.core.Subscription;
import io.github.llamacppsdk.internal.Log;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Delivers {@link CoreEvent}s to listeners in order, one at a time, without a thread of its own:
 * events are queued (under the caller's lock, which fixes their order) and drained by whichever thread
 * calls {@link #flush()} after releasing its lock. Thread-safe. Not API.
 */
public final class EventDispatcher {
  private static final Log log = Log.of(EventDispatcher.class);

  private final List<Consumer<CoreEvent>> listeners = new CopyOnWriteArrayList<>();
  private final Queue<CoreEvent> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean draining = new AtomicBoolean();

  /**
   * Adds a listener.
   *
   * @param listener the listener
   * @return its subscription
   */
  public Subscription add(CoreListener listener) {
    Objects.requireNonNull(listener, "listener");
    return subscribe(new Direct(listener));
  }

  private Subscription subscribe(Consumer<CoreEvent> sink) {
    listeners.add(sink);
    return new Handle(sink);
  }

  /** One listener's subscription: closing it removes the listener, once. */
  private final class Handle implements Subscription {
    private final Consumer<CoreEvent> sink;
    private final AtomicBoolean closed = new AtomicBoolean();

    Handle(Consumer<CoreEvent> sink) {
      this.sink = sink;
    }

    @Override
    public void close() {
      if (closed.compareAndSet(false, true)) {
        listeners.remove(sink);
      }
    }
  }

  /**
   * Adds a listener whose events run on an executor, in order, one at a time.
   *
   * @param listener the listener
   * @param executor where its events run
   * @return its subscription
   */
  public Subscription add(CoreListener listener, java.util.concurrent.Executor executor) {
    return subscribe(new ExecutorListener(listener, executor));
  }

  /**
   * Queues an event; call {@link #flush()} once no lock is held.
   *
   * @param event the event
   */
  public void emit(CoreEvent event) {
    queue.add(event);
  }

  /** Delivers queued events unless another thread is already delivering (it will take them). */
  public void flush() {
    while (!queue.isEmpty() && draining.compareAndSet(false, true)) {
      try {
        CoreEvent e;
        while ((e = queue.poll()) != null) {
          deliver(e);
        }
      } finally {
        draining.set(false);
      }
    }
  }

  private void deliver(CoreEvent event) {
    for (Consumer<CoreEvent> l : listeners) {
      l.accept(event);
    }
  }

  /**
   * Hands one event to the listener's method for its kind; a listener that throws is logged at WARN and
   * never breaks the core (a {@link VirtualMachineError} is rethrown).
   *
   * @param l the listener
   * @param event the event
   */
  static void deliverTo(CoreListener l, CoreEvent event) {
    try {
      if (event instanceof CoreEvent.InstanceEvent ie) {
        l.onInstanceEvent(ie);
      } else if (event instanceof CoreEvent.EndpointEvent ee) {
        l.onEndpointEvent(ee);
      } else if (event instanceof CoreEvent.LeaseEvent le) {
        l.onLeaseEvent(le);
      } else if (event instanceof CoreEvent.BackendEvent be) {
        l.onBackendEvent(be);
      } else if (event instanceof CoreEvent.CapacityEvent ce) {
        l.onCapacityEvent(ce);
      }
    } catch (RuntimeException | Error ex) {
      if (ex instanceof VirtualMachineError vme) {
        throw vme;
      }
      log.warn("listener {} threw on {}", l, event, ex);
    }
  }

  /** A listener called on the flushing thread. */
  private record Direct(CoreListener listener) implements Consumer<CoreEvent> {
    @Override
    public void accept(CoreEvent event) {
      deliverTo(listener, event);
    }
  }
}
