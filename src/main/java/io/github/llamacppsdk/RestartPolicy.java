package io.github.llamacppsdk;

import java.time.Duration;
import java.util.Objects;

/**
 * What to do when a ready llama-server crashes: nothing (the default: the instance ends and the next
 * resolve starts a fresh one), or restart it in place with exponential backoff and a budget. A
 * deterministic start-up failure (bad argument, missing model, port in use) is never retried.
 *
 * <p>Immutable.
 *
 * @param maxRestarts how many restarts an instance may use in its life; 0 disables restarting
 * @param initialBackoff the wait before the first restart; doubled for each further one
 * @param maxBackoff the cap of the wait
 */
public record RestartPolicy(int maxRestarts, Duration initialBackoff, Duration maxBackoff) {

  /** Validates the components. */
  public RestartPolicy {
    if (maxRestarts < 0) {
      throw new IllegalArgumentException("maxRestarts must be >= 0: " + maxRestarts);
    }
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException("need 0 <= initialBackoff <= maxBackoff");
    }
  }

  /** {@return the default: never restart} */
  public static RestartPolicy never() {
    return new RestartPolicy(0, Duration.ZERO, Duration.ZERO);
  }

  /**
   * {@return a policy with up to {@code maxRestarts} restarts, backing off from 1 s to 30 s}
   *
   * @param maxRestarts the restart budget
   */
  public static RestartPolicy upTo(int maxRestarts) {
    return new RestartPolicy(maxRestarts, Duration.ofSeconds(1), Duration.ofSeconds(30));
  }

  /** {@return whether restarting is on} */
  public boolean enabled() {
    return maxRestarts > 0;
  }

  /**
   * {@return the wait before restart number {@code attempt} (1-based)}
   *
   * @param attempt which restart
   */
  public Duration backoff(int attempt) {
    Duration d = initialBackoff;
    for (int i = 1; i < attempt && d.compareTo(maxBackoff) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(maxBackoff) > 0 ? maxBackoff : d;
  }
}
