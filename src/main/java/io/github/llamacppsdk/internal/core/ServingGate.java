package io.github.llamacppsdk.internal.core;

import io.github.llamacppsdk.core.HealthStatus;
import io.github.llamacppsdk.core.Outage;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Not API. Whether one instance serves, for the resolves that wait on it: a gate (a future that is
 * complete while the instance serves, and replaced by a fresh one when it stops serving) and the
 * {@link Outage} that says since when it is down and what it is doing. The first gate is the
 * instance's first readiness.
 *
 * <p>Not thread-safe on its own: every method is called with the owning {@link InstanceRecord}'s
 * monitor held; the futures it returns are completed by the record after releasing it, so waiters
 * never run under the record's lock.
 */
final class ServingGate {
  private CompletableFuture<Void> gate;
  private Outage outage; // null while serving (or before the first readiness)

  ServingGate(CompletableFuture<Void> firstReadiness) {
    this.gate = firstReadiness;
  }

  /** {@return the current gate: complete while serving, pending while starting or recovering} */
  CompletableFuture<Void> gate() {
    return gate;
  }

  /** {@return the outage under way, if the instance is recovering} */
  Optional<Outage> outage() {
    return Optional.ofNullable(outage);
  }

  /**
   * The server exited and is being restarted: starts an outage, or updates it.
   *
   * @param now the time
   * @param attempt which restart
   * @param maxAttempts the budget
   * @param lastExit how it exited
   * @param doing what happens next
   */
  void restarting(Instant now, int attempt, int maxAttempts, String lastExit, String doing) {
    begin(now);
    outage = new Outage(outage.since(), doing, Optional.of(new Outage.Restart(attempt, maxAttempts, now)),
        Optional.of(lastExit), outage.lastProbe());
  }

  /**
   * The server does not serve by health (it stopped answering, or answers badly), or a relaunched
   * server makes progress: starts an outage, or updates it.
   *
   * @param now the time
   * @param status the reported status
   * @param reason what was seen
   */
  void progress(Instant now, HealthStatus status, String reason) {
    begin(now);
    boolean probed = status == HealthStatus.LOADING || status == HealthStatus.UNAVAILABLE;
    outage = new Outage(outage.since(), reason, outage.restart(), outage.lastExit(),
        probed ? Optional.of(reason) : outage.lastProbe());
  }

  /**
   * The instance serves again: the outage ends.
   *
   * @return the gate to complete once the record's lock is released
   */
  CompletableFuture<Void> serving() {
    outage = null;
    CompletableFuture<Void> waited = gate;
    // a completed gate at once: an outage that begins before the caller completes the old one gets a
    // fresh gate, so nobody mistakes the old one for "serving now"
    gate = CompletableFuture.completedFuture(null);
    return waited;
  }

  /** {@return the gate if resolves are waiting on it (to fail it when the instance ends), else null} */
  CompletableFuture<Void> pending() {
    return gate.isDone() ? null : gate;
  }

  private void begin(Instant now) {
    if (outage == null) {
      outage = new Outage(now, "", Optional.empty(), Optional.empty(), Optional.empty());
    }
    if (gate.isDone()) {
      gate = new CompletableFuture<>();
    }
  }
}
