package io.github.llamacppsdk.internal.core;

import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One caller waiting for an instance to serve: joins the record (counted as interest), waits on the
 * record's serving gate (its first readiness, or the end of an outage while it is {@code RECOVERING}),
 * races it against its own wait timeout (scheduled on the core's scheduler, armed only when the caller
 * actually has to wait) and cancellation, and leaves the record exactly once. When the result cannot
 * be built because the instance stopped serving again in between ({@link ErrorCode#NOT_READY}), it
 * waits for the next gate. A timed-out waiter leaves the instance starting (or recovering) for others;
 * a cancelled (or interrupted) waiter that was the last one interested stops a still-starting instance.
 * Not API.
 */
public final class ReadyWaiter {
  private ReadyWaiter() {}

  /** A joined record and whether this caller created it.
   * @param record the record
   * @param created creator */
  public record Joined(InstanceRecord record, boolean created) {}

  /**
   * Waits until the instance serves, then maps the record to a result.
   *
   * @param <T> the result type
   * @param joining completes when the caller has joined a record (counted as a waiter)
   * @param scheduler the core's scheduler, for the timeout
   * @param timeout how long to wait, from the moment the caller first has to
   * @param onReady builds the result (e.g. takes a lease); may throw an {@link InferenceException}
   * @param discard undoes a result nobody will receive (e.g. releases its lease)
   * @return the result future; cancelling it abandons the wait
   */
  public static <T> CompletableFuture<T> await(CompletableFuture<Joined> joining, ScheduledExecutorService scheduler,
      Duration timeout, Function<Joined, T> onReady, Consumer<T> discard) {
    CompletableFuture<T> result = new CompletableFuture<>();
    AtomicReference<Wait<T>> waitRef = new AtomicReference<>();
    joining.whenComplete((j, ex) -> {
      if (ex != null) {
        result.completeExceptionally(Failures.toInference(ex, "joining the instance"));
        return;
      }
      Wait<T> w = new Wait<>(j, result, scheduler, timeout, onReady, discard);
      waitRef.set(w);
      if (result.isDone()) { // cancelled before we joined
        w.leave(true);
        return;
      }
      w.awaitGate();
    });
    result.whenComplete((v, ex) -> {
      Wait<T> w = waitRef.get();
      if (w != null) {
        w.cancelTimer();
        if (ex instanceof CancellationException) {
          w.leave(true);
        }
      }
    });
    return result;
  }

  /** One joined wait. Thread-safe: its gates complete on any thread. */
  private static final class Wait<T> {
    private final Joined joined;
    private final CompletableFuture<T> result;
    private final ScheduledExecutorService scheduler;
    private final Duration timeout;
    private final Function<Joined, T> onReady;
    private final Consumer<T> discard;
    private final AtomicBoolean left = new AtomicBoolean();
    private final AtomicBoolean timerArmed = new AtomicBoolean();
    private final AtomicReference<ScheduledFuture<?>> timer = new AtomicReference<>();

    Wait(Joined joined, CompletableFuture<T> result, ScheduledExecutorService scheduler, Duration timeout,
        Function<Joined, T> onReady, Consumer<T> discard) {
      this.joined = joined;
      this.result = result;
      this.scheduler = scheduler;
      this.timeout = timeout;
      this.onReady = onReady;
      this.discard = discard;
    }

    void leave(boolean abandon) {
      if (left.compareAndSet(false, true)) {
        joined.record().leave(abandon);
      }
    }

    void cancelTimer() {
      ScheduledFuture<?> t = timer.get();
      if (t != null) {
        t.cancel(false);
      }
    }

    /** Waits on the record's current gate; a serving instance needs no timer, even with a zero wait. */
    void awaitGate() {
      CompletableFuture<Void> gate = joined.record().serving();
      if (!gate.isDone() && !armTimer()) {
        return;
      }
      gate.whenComplete((v, ex) -> onGate(ex));
    }

    private boolean armTimer() {
      if (!timerArmed.compareAndSet(false, true)) {
        return true;
      }
      try {
        timer.set(scheduler.schedule(() -> fail(joined.record().waitTimedOut(timeout)),
            TimeUnit.NANOSECONDS.convert(timeout), TimeUnit.NANOSECONDS));
        if (result.isDone()) {
          cancelTimer();
        }
        return true;
      } catch (RuntimeException e) {
        fail(new InferenceException(ErrorCode.CLOSED, "the core's scheduler refused the wait timer (closed?)", e));
        return false;
      }
    }

    private void onGate(Throwable gateFailure) {
      if (result.isDone()) {
        return;
      }
      if (gateFailure != null) {
        fail(Failures.toInference(gateFailure, "instance " + joined.record().id()));
        return;
      }
      T value;
      try {
        value = onReady.apply(joined);
      } catch (InferenceException e) {
        if (e.code() == ErrorCode.NOT_READY) { // it stopped serving again in between: wait for the next gate
          awaitGate();
        } else {
          fail(e);
        }
        return;
      } catch (RuntimeException e) {
        fail(Failures.toInference(e, "instance " + joined.record().id()));
        return;
      }
      if (result.complete(value)) {
        leave(false);
      } else {
        discard.accept(value);
      }
    }

    private void fail(InferenceException e) {
      if (result.completeExceptionally(e)) {
        leave(false);
      }
    }
  }

  /**
   * Blocks for a result. An interrupt cancels the wait (which may stop a still-starting instance),
   * restores the interrupt flag and throws {@link ErrorCode#INTERRUPTED}; failures are rethrown typed,
   * re-created on the caller's thread with the shared original as cause.
   *
   * @param <T> the result type
   * @param future the result future
   * @param discard undoes a result that arrived after the interrupt
   * @param what what the caller waited for, for messages
   * @return the result
   */
  public static <T> T join(CompletableFuture<T> future, Consumer<T> discard, String what) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      if (!future.cancel(false) && future.isDone() && !future.isCompletedExceptionally()) {
        discard.accept(future.join());
      }
      Thread.currentThread().interrupt();
      throw new InferenceException(ErrorCode.INTERRUPTED, "interrupted while waiting for " + what, e);
    } catch (ExecutionException e) {
      throw Failures.forCaller(Failures.toInference(e, what));
    }
  }
}
