package io.github.llamacppsdk.internal.llama;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.RestartPolicy;
import io.github.llamacppsdk.ServerStartException;
import io.github.llamacppsdk.StartFailure;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.core.InstanceContext;
import io.github.llamacppsdk.core.ServedEndpoint;
import io.github.llamacppsdk.internal.Log;
import io.github.llamacppsdk.internal.Scan;
import io.github.llamacppsdk.internal.llama.ServerLaunches.Attempt;
import io.github.llamacppsdk.internal.llama.ServerLaunches.Reason;
import io.github.llamacppsdk.process.LaunchedProcess;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Not API. The relaunch policy of one {@link LlamaServerInstance}: what a launch that did not become
 * ready means for its kind of attempt (a bind retry of a port-0 start on a new port, a failed start, or
 * a restart that ends the instance or goes on), and what a crash means under the {@link RestartPolicy}
 * (the next restart after its backoff, or the end of the instance). The relaunch itself goes through the
 * instance's one launch path, on the scheduler; the restart count is kept by the instance, under its
 * lock. Holds no state of its own.
 */
final class Relaunches {
  private static final Log log = Log.of(LlamaServerInstance.class); // the instance's log

  private final LlamaServerInstance instance;
  private final BootSpec requested;
  private final LlamaServices services;
  private final InstanceContext context;
  private final CompletableFuture<ServedEndpoint> ready;

  Relaunches(LlamaServerInstance instance, BootSpec requested, LlamaServices services, InstanceContext context,
      CompletableFuture<ServedEndpoint> ready) {
    this.instance = instance;
    this.requested = requested;
    this.services = services;
    this.context = context;
    this.ready = ready;
  }

  /**
   * A launch that did not become ready: the process is stopped first (it may still hold the port), then a
   * port-0 start that lost its port to another process is retried on a new one, a first start fails, and a
   * restart either ends the instance (a deterministic failure) or goes on under the restart policy.
   */
  void onLaunchFailed(InferenceException failure, LaunchedProcess p, Attempt attempt) {
    p.stop(requested.stopTimeout()).whenComplete((exit, t) -> {
      if (attempt.reason() == Reason.RESTART) {
        boolean deterministic = failure instanceof ServerStartException s
            && s.failure().map(StartFailure::isDeterministic).orElse(false);
        if (deterministic) {
          context.reportExited(attempt.describe() + " failed: " + failure.getMessage());
        } else {
          restartOrEnd(attempt.describe() + " failed: " + Scan.firstLine(failure.getMessage()), "");
        }
        return;
      }
      boolean retry = requested.port() == 0 && attempt.n() < LlamaServerInstance.BIND_ATTEMPTS
          && instance.isStopNotRequested()
          && failure instanceof ServerStartException s && (s.failure().orElse(null) == StartFailure.PORT_IN_USE
          || s.code() == ErrorCode.FOREIGN_SERVER);
      if (!retry) {
        ready.completeExceptionally(failure);
        return;
      }
      log.info("{}: the picked port was taken before llama-server bound it; retrying with a new port ({}/{})",
          requested.alias(), attempt.n() + 1, LlamaServerInstance.BIND_ATTEMPTS);
      if (!relaunchLater(new Attempt(Reason.BIND_RETRY, attempt.n() + 1), 0)) {
        ready.completeExceptionally(new InferenceException(ErrorCode.CLOSED, "no retry: the scheduler is shut down"));
      }
    });
  }

  /**
   * The one way on after a crash (or a failed restart): the next restart under the policy, reported as
   * such, or the end of the instance with the reason (no policy, or the budget is spent).
   */
  void restartOrEnd(String lastExit, String evidence) {
    RestartPolicy policy = services.restartPolicy();
    int attempt = instance.claimRestart(policy);
    if (attempt == 0) {
      return; // a stop was requested
    }
    if (!policy.enabled()) {
      context.reportExited(lastExit + evidence);
      return;
    }
    if (attempt > policy.maxRestarts()) {
      context.reportExited(lastExit + "; restart budget spent (" + policy.maxRestarts() + " of "
          + policy.maxRestarts() + " restarts used)" + evidence);
      return;
    }
    Duration backoff = policy.backoff(attempt);
    context.reportRestarting(attempt, policy.maxRestarts(), lastExit, "restart " + attempt + " of "
        + policy.maxRestarts() + " in " + backoff.toMillis() + " ms");
    if (!relaunchLater(new Attempt(Reason.RESTART, attempt), backoff.toMillis())) {
      context.reportExited(lastExit + "; no restart: the scheduler is shut down");
    }
  }

  /**
   * Runs the instance's launch path on the scheduler after {@code delayMillis} (never on the JDK's
   * process-reaper thread that completed a stop); a launch that throws fails the start, or ends a
   * restarting instance.
   *
   * @return false when the scheduler refused it (the core is closing and stops this instance itself)
   */
  private boolean relaunchLater(Attempt attempt, long delayMillis) {
    Runnable relaunch = () -> {
      if (!instance.isStopNotRequested()) {
        return;
      }
      try {
        instance.launchAndWatch(attempt);
      } catch (RuntimeException e) {
        if (attempt.reason() != Reason.RESTART) {
          ready.completeExceptionally(e);
        } else if (instance.isStopNotRequested()) {
          context.reportExited(attempt.describe() + " failed: " + e.getMessage());
        }
      }
    };
    try {
      context.scheduler().schedule(relaunch, delayMillis, TimeUnit.MILLISECONDS);
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }
}
