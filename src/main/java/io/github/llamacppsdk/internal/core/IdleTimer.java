package io.github.llamacppsdk.internal.core;

import io.github.llamacppsdk.internal.Log;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * Not API. The idle stop of one instance: armed when its last lease ends, cancelled by any new interest.
 * Each arming has a generation, so a timer that fires after it was cancelled (or re-armed) is told
 * apart. Guarded by the owning {@link InstanceRecord}'s monitor; every method is called with it held.
 */
final class IdleTimer {
  private static final Log log = Log.of(IdleTimer.class);

  private final String instanceId;
  private final ScheduledExecutorService scheduler;
  private long generation;
  private ScheduledFuture<?> task;

  IdleTimer(String instanceId, ScheduledExecutorService scheduler) {
    this.instanceId = instanceId;
    this.scheduler = scheduler;
  }

  /** {@return whether a stop is armed} */
  boolean isArmed() {
    return task != null;
  }

  /**
   * Arms a stop after {@code idle}: {@code fire} runs on the scheduler with the generation it was armed
   * with, to be checked with {@link #fires(long)} under the monitor.
   */
  void arm(Duration idle, LongConsumer fire) {
    long armed = ++generation;
    try {
      task = scheduler.schedule(() -> fire.accept(armed), idle.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RuntimeException e) {
      log.warn("instance {}: could not schedule idle stop", instanceId, e);
    }
  }

  /** Cancels an armed stop; a timer already firing is told apart by its generation. */
  void cancel() {
    generation++;
    if (task != null) {
      task.cancel(false);
      task = null;
    }
  }

  /** {@return whether a timer of this generation is still the armed one (it is then disarmed)} */
  boolean fires(long armed) {
    if (armed != generation) {
      return false;
    }
    task = null;
    return true;
  }
}
