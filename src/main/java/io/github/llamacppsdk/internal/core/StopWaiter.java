package io.github.llamacppsdk.internal.core;

import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waits, bounded, for an instance's stop on the caller's thread; the stop itself goes on regardless. Not API. */
public final class StopWaiter {
  private StopWaiter() {}

  /**
   * Waits until {@code stopping} completes.
   *
   * @param stopping the stop, as the core's {@code stopInstance} returned it
   * @param instanceId the instance, for the messages
   * @param timeout how long to wait (a negative one is zero)
   * @throws InferenceException {@link ErrorCode#WAIT_TIMEOUT} if it is still stopping after {@code
   *     timeout}, {@link ErrorCode#INTERRUPTED} if the thread is interrupted (flag restored), else the
   *     stop's own failure as {@link Failures#toInference} types it
   */
  public static void await(CompletableFuture<Void> stopping, String instanceId, Duration timeout) {
    try {
      stopping.get(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new InferenceException(ErrorCode.WAIT_TIMEOUT,
          "instance " + instanceId + " is still stopping after " + timeout.toMillis() + " ms; the stop goes on");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InferenceException(ErrorCode.INTERRUPTED,
          "interrupted while waiting for instance " + instanceId + " to stop; the stop goes on", e);
    } catch (ExecutionException e) {
      throw Failures.toInference(e.getCause(), "stopping instance " + instanceId);
    }
  }
}
