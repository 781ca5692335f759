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
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One caller waiting for an instance to serve: joins the record (counted as interest), waits on the
 * record's serving gate (its first readiness, or the end of an outage while it is {@code RECOVERING}),
 * races it against its own wait timeout (scheduled on the core's scheduler, armed only when the caller
 * actually has to wait) and cancellation, and leaves the record exactly once. When the result cannot
 * be built because the instance stopped serving again in between ({@link ErrorCode#NOT_READY}), it
 * waits for the next gate. A caller whose join has to wait for the previous instance of its spec to
 * stop has to wait from the start: its timeout runs from the call and covers that stop as well as the
 * new start. A timed-out waiter leaves the instance starting (or recovering, or stopping and then
 * starting) for others; a cancelled (or interrupted) waiter that was the last one interested stops a
 * still-starting instance. Not API.
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
   * @param joining completes when the caller has joined a record (counted as a waiter); not yet
   *     complete when the previous instance of the spec is still stopping
   * @param instanceKey the instance key, for the message of a wait that ran out before the join
   * @param scheduler the core's scheduler, for the timeout
   * @param timeout how long to wait, from the moment the caller first has to (the call itself when
   *     {@code joining} is not complete yet)
   * @param onReady builds the result (e.g. takes a lease); may throw an {@link InferenceException}
   * @param discard undoes a result nobody will receive (e.g. releases its lease)
   * @return the result future; cancelling it abandons the wait
   */
  public static <T> CompletableFuture<T> await(CompletableFuture<Joined> joining, String instanceKey,
      ScheduledExecutorService scheduler, Duration timeout, Function<Joined, T> onReady, Consumer<T> discard) {
    Call<T> call = new Call<>(instanceKey, scheduler, timeout, onReady, discard);
    CompletableFuture<T> result = call.result;
    if (!joining.isDone()) { // the previous instance is still stopping: the caller waits from now
      InferenceException refused = call.timer.arm();
      if (refused != null) {
        result.completeExceptionally(refused);
      }
    }
    joining.whenComplete(call);
    result.whenComplete(new Finish<>(call));
    return result;
  }

  // named classes, not lambdas: these run in a fresh JVM's first start (benchmarks.md, figure 7)

  /**
   * One call's wait, before and after it joins: the timer's expiry and the join's completion. Thread-safe.
   */
  private static final class Call<T> implements Runnable, BiConsumer<Joined, Throwable> {
    private final String instanceKey;
    private final Duration timeout;
    private final Function<Joined, T> onReady;
    private final Consumer<T> discard;
    private final CompletableFuture<T> result = new CompletableFuture<>();
    private final Timer timer;
    private final AtomicReference<Wait<T>> waitRef = new AtomicReference<>();

    Call(String instanceKey, ScheduledExecutorService scheduler, Duration timeout, Function<Joined, T> onReady,
        Consumer<T> discard) {
      this.instanceKey = instanceKey;
      this.timeout = timeout;
      this.onReady = onReady;
      this.discard = discard;
      this.timer = new Timer(scheduler, timeout, result, this);
    }

    /** The wait timed out. */
    @Override
    public void run() {
      Wait<T> w = waitRef.get();
      if (w != null) {
        w.fail(w.joined.record().waitTimedOut(timeout));
      } else { // the join is still waiting for the previous instance to stop; it joins later and leaves
        result.completeExceptionally(InstanceFacts.previousStillStopping(instanceKey, timeout));
      }
    }

    /** The join completed. */
    @Override
    public void accept(Joined j, Throwable ex) {
      if (ex != null) {
        result.completeExceptionally(Failures.toInference(ex, "joining the instance"));
        return;
      }
      Wait<T> w = new Wait<>(j, result, timer, onReady, discard);
      waitRef.set(w);
      if (result.isDone()) { // cancelled, timed out or refused before we joined
        w.leave(result.isCancelled()); // only a cancellation abandons; a timeout leaves it starting
        return;
      }
      w.awaitGate();
    }

    /** The result completed, however: the timer stops, and a cancelled caller abandons its record. */
    void finished(Throwable ex) {
      timer.cancel();
      Wait<T> w = waitRef.get();
      if (w != null && ex instanceof CancellationException) {
        w.leave(true);
      }
    }
  }

  /** Hands a call's completed result to {@link Call#finished}. */
  private static final class Finish<T> implements BiConsumer<T, Throwable> {
    private final Call<T> call;

    Finish(Call<T> call) {
      this.call = call;
    }

    @Override
    public void accept(T value, Throwable ex) {
      call.finished(ex);
    }
  }

  /** The caller's one wait timer: armed once, when the caller first has to wait. Thread-safe. */
  private static final class Timer {
    private final ScheduledExecutorService scheduler;
    private final Duration timeout;
    private final CompletableFuture<?> result;
    private final Runnable onExpiry;
    private final AtomicBoolean armed = new AtomicBoolean();
    private final AtomicReference<ScheduledFuture<?>> scheduled = new AtomicReference<>();

    Timer(ScheduledExecutorService scheduler, Duration timeout, CompletableFuture<?> result, Runnable onExpiry) {
      this.scheduler = scheduler;
      this.timeout = timeout;
      this.result = result;
      this.onExpiry = onExpiry;
    }

    /** {@return null once armed (now or before), else why the scheduler refused it} */
    InferenceException arm() {
      if (!armed.compareAndSet(false, true)) {
        return null;
      }
      try {
        scheduled.set(scheduler.schedule(onExpiry, TimeUnit.NANOSECONDS.convert(timeout), TimeUnit.NANOSECONDS));
        if (result.isDone()) {
          cancel();
        }
        return null;
      } catch (RuntimeException e) {
        return new InferenceException(ErrorCode.CLOSED, "the core's scheduler refused the wait timer (closed?)", e);
      }
    }

    void cancel() {
      ScheduledFuture<?> t = scheduled.get();
      if (t != null) {
        t.cancel(false);
      }
    }
  }

  /** One joined wait, and the completion of each gate it waits on. Thread-safe: its gates complete on any thread. */
  private static final class Wait<T> implements BiConsumer<Void, Throwable> {
    private final Joined joined;
    private final CompletableFuture<T> result;
    private final Timer timer;
    private final Function<Joined, T> onReady;
    private final Consumer<T> discard;
    private final AtomicBoolean left = new AtomicBoolean();

    Wait(Joined joined, CompletableFuture<T> result, Timer timer, Function<Joined, T> onReady, Consumer<T> discard) {
      this.joined = joined;
      this.result = result;
      this.timer = timer;
      this.onReady = onReady;
      this.discard = discard;
    }

    void leave(boolean abandon) {
      if (left.compareAndSet(false, true)) {
        joined.record().leave(abandon);
      }
    }

    /** Waits on the record's current gate; a serving instance needs no timer, even with a zero wait. */
    void awaitGate() {
      CompletableFuture<Void> gate = joined.record().serving();
      if (!gate.isDone()) {
        InferenceException refused = timer.arm();
        if (refused != null) {
          fail(refused);
          return;
        }
      }
      gate.whenComplete(this);
    }

    /** The gate completed. */
    @Override
    public void accept(Void v, Throwable gateFailure) {
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

    void fail(InferenceException e) {
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
