package io.github.llamacppsdk.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Why a published instance does not serve now ({@link LifecycleStatus#RECOVERING}): since when, what it
 * is doing, the restart under way (if any), how its server last exited and what the last probe saw.
 * Found in {@link InstanceSnapshot#outage()} and {@link NotServingException#outage()}.
 *
 * <p>Immutable. Never holds secrets.
 *
 * @param since when the endpoint stopped serving (the start of the outage)
 * @param doing what the instance is doing now, in words (the latest report, e.g. {@code restart 2 of 3 in
 *     2000 ms} or {@code GET /health -> 503 Loading model})
 * @param restart the restart attempt under way, if the server exited and is being restarted
 * @param lastExit how the server last exited during this outage, if it did
 * @param lastProbe what the last health or readiness probe saw during this outage, if any ran
 */
public record Outage(Instant since, String doing, Optional<Restart> restart, Optional<String> lastExit,
    Optional<String> lastProbe) {

  /** Validates the components. */
  public Outage {
    Objects.requireNonNull(since, "since");
    Objects.requireNonNull(doing, "doing");
    Objects.requireNonNull(restart, "restart");
    Objects.requireNonNull(lastExit, "lastExit");
    Objects.requireNonNull(lastProbe, "lastProbe");
  }

  /**
   * A restart under way.
   *
   * @param attempt which restart this is (1-based) in the instance's life
   * @param maxAttempts the restart budget
   * @param since when this attempt began (the exit it answers)
   */
  public record Restart(int attempt, int maxAttempts, Instant since) {
    /** Validates the components. */
    public Restart {
      if (attempt < 1 || maxAttempts < attempt) {
        throw new IllegalArgumentException("need 1 <= attempt <= maxAttempts: " + attempt + " of " + maxAttempts);
      }
      Objects.requireNonNull(since, "since");
    }
  }

  /**
   * {@return the outage in one line, e.g. {@code down since 2026-01-01T00:00:00Z (for 3200 ms); restart
   * attempt 2 of 3 since 2026-01-01T00:00:02Z; last exit: ...; last probe: ...; now: ...}}
   *
   * @param now the current time, for the duration
   */
  public String describe(Instant now) {
    StringBuilder b = new StringBuilder("down since ").append(since).append(" (for ")
        .append(Math.max(0, Duration.between(since, now).toMillis())).append(" ms)");
    restart.ifPresent(r -> b.append("; restart attempt ").append(r.attempt()).append(" of ").append(r.maxAttempts())
        .append(" since ").append(r.since()));
    lastExit.ifPresent(e -> b.append("; last exit: ").append(e));
    lastProbe.ifPresent(p -> b.append("; last probe: ").append(p));
    return b.append("; now: ").append(doing).toString();
  }
}
