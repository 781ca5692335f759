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
 * One caller waiting for an instance to become ready: joins the record (counted as interest), races
 * readiness against its own wait timeout (scheduled on the core's scheduler) and cancellation, and
 * leaves the record exactly once. A timed-out waiter leaves the instance starting for others; a
 * cancelled (or interrupted) waiter that was the last one interested stops a still-starting instance.
 * Not API.
 */
public final class ReadyWaiter {
  private ReadyWaiter() {}

  /** A joined record and whether this caller created it. @param record the record @param created creator */
  public record Joined(InstanceRecord record, boolean created) {}

  /**
   * Waits for readiness, then maps the ready record to a result.
   *
   * @param <T> the result type
   * @param joining completes when the caller has joined a record (counted as a waiter)
   * @param scheduler the core's scheduler, for the timeout
   * @param timeout how long to wait
   * @param onReady builds the result (e.g. takes a lease); may throw an {@link InferenceException}
   * @param discard undoes a result nobody will receive (e.g. releases its lease)
   * @return the result future; cancelling it abandons the wait
   */
  public static <T> CompletableFuture<T> await(CompletableFuture<Joined> joining, ScheduledExecutorService scheduler,
      Duration timeout, Function<Joined, T> onReady, Consumer<T> discard) {
    CompletableFuture<T> result = new CompletableFuture<>();
    AtomicReference<Joined> joinedRef = new AtomicReference<>();
    AtomicBoolean left = new AtomicBoolean();
    Consumer<Boolean> leave = abandon -> {
      Joined j = joinedRef.get();
      if (j != null && left.compareAndSet(false, true)) {
        j.record().leave(abandon);
      }
    };
    joining.whenComplete((j, ex) -> {
      if (ex != null) {
        result.completeExceptionally(Failures.toInference(ex, "joining the instance"));
        return;
      }
      joinedRef.set(j);
      if (result.isDone()) { // cancelled before we joined
        leave.accept(Boolean.TRUE);
        return;
      }
      ScheduledFuture<?> timer = null;
      try {
        if (!j.record().ready().isDone()) { // a ready instance needs no timer, even with a zero wait
          timer = scheduler.schedule(() -> {
          if (!result.isDone() && result.completeExceptionally(j.record().waitTimedOut(timeout))) {
            leave.accept(Boolean.FALSE);
          }
          }, TimeUnit.NANOSECONDS.convert(timeout), TimeUnit.NANOSECONDS);
        }
      } catch (RuntimeException e) {
        if (result.completeExceptionally(new InferenceException(ErrorCode.CLOSED, "the core's scheduler refused "
            + "the wait timer (closed?)", e))) {
          leave.accept(Boolean.FALSE);
        }
        return;
      }
      ScheduledFuture<?> armed = timer;
      j.record().ready().whenComplete((v, readyEx) -> {
        if (armed != null) {
          armed.cancel(false);
        }
        if (result.isDone()) {
          return;
        }
        if (readyEx != null) {
          if (result.completeExceptionally(Failures.toInference(readyEx, "instance " + j.record().id()))) {
            leave.accept(Boolean.FALSE);
          }
          return;
        }
        T value;
        try {
          value = onReady.apply(j);
        } catch (RuntimeException e) {
          if (result.completeExceptionally(Failures.toInference(e, "instance " + j.record().id()))) {
            leave.accept(Boolean.FALSE);
          }
          return;
        }
        if (result.complete(value)) {
          leave.accept(Boolean.FALSE);
        } else {
          discard.accept(value);
        }
      });
    });
    result.whenComplete((v, ex) -> {
      if (ex instanceof CancellationException) {
        leave.accept(Boolean.TRUE);
      }
    });
    return result;
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
