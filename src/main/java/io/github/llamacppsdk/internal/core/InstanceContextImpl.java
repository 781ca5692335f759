package io.github.llamacppsdk.internal.core;

import io.github.llamacppsdk.core.HealthStatus;
import io.github.llamacppsdk.core.InstanceContext;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;

/** The {@link InstanceContext} the core hands a backend for one instance. Thread-safe. Not API. */
final class InstanceContextImpl implements InstanceContext {
  private final InstanceLifecycle record; // the backend-driven side of the instance
  private final CoreRuntime rt;

  InstanceContextImpl(InstanceLifecycle record, CoreRuntime rt) {
    this.record = record;
    this.rt = rt;
  }

  @Override
  public String instanceId() {
    return record.id();
  }

  @Override
  public Clock clock() {
    return rt.clock();
  }

  @Override
  public ScheduledExecutorService scheduler() {
    return rt.scheduler();
  }

  @Override
  public void reportHealth(HealthStatus status, String reason) {
    try {
      record.reportHealth(Objects.requireNonNull(status, "status"), String.valueOf(reason));
    } catch (RuntimeException e) {
      InstanceRecord.logSwallowed("reportHealth", e);
    }
  }

  @Override
  public void reportRestarting(int attempt, int maxAttempts, String lastExit, String reason) {
    try {
      record.reportRestarting(attempt, maxAttempts, String.valueOf(lastExit), String.valueOf(reason));
    } catch (RuntimeException e) {
      InstanceRecord.logSwallowed("reportRestarting", e);
    }
  }

  @Override
  public void reportStopped(String reason) {
    try {
      record.reportStopped(String.valueOf(reason));
    } catch (RuntimeException e) {
      InstanceRecord.logSwallowed("reportStopped", e);
    }
  }

  @Override
  public void reportExited(String reason) {
    try {
      record.reportExited(String.valueOf(reason));
    } catch (RuntimeException e) {
      InstanceRecord.logSwallowed("reportExited", e);
    }
  }
}
