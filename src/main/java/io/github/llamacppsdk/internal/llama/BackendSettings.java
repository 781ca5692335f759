package io.github.llamacppsdk.internal.llama;

import io.github.llamacppsdk.RestartPolicy;
import io.github.llamacppsdk.core.Capacity;
import io.github.llamacppsdk.core.CoreListener;
import io.github.llamacppsdk.core.InferenceCore;
import io.github.llamacppsdk.kubernetes.KubernetesPlacement;
import io.github.llamacppsdk.models.HubSettings;
import io.github.llamacppsdk.models.ModelPuller;
import io.github.llamacppsdk.models.PullProgress;
import io.github.llamacppsdk.process.ProcessTransport;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

/**
 * Not API. What a {@code LlamaCppBackend.Builder} was told, each value checked when it is set (a bad
 * one throws from the builder's setter at once); {@link BackendAssembly} reads them. A null means
 * "not given": the assembly then creates its own. Mutable, single use, not thread-safe, like the
 * builder that holds it.
 */
public final class BackendSettings {
  ProcessTransport transport;
  KubernetesPlacement kubernetes;
  InferenceCore core;
  Clock clock;
  ScheduledExecutorService scheduler;
  Duration idleShutdown;
  final List<CoreListener> listeners = new ArrayList<>();
  RestartPolicy restartPolicy = RestartPolicy.never();
  int healthThreshold = 2;
  Duration probeTimeout = Duration.ofSeconds(2);
  HubSettings hub;
  ModelPuller modelPuller;
  final List<Consumer<? super PullProgress>> pullListeners = new ArrayList<>();
  boolean perInstanceKeys;
  Capacity capacity;

  /** @param v the Hub settings of a created puller */
  public void hub(HubSettings v) {
    hub = Objects.requireNonNull(v, "hub");
  }

  /** @param v the puller of named models (not closed by the backend) */
  public void modelPuller(ModelPuller v) {
    modelPuller = Objects.requireNonNull(v, "modelPuller");
  }

  /** @param v one more receiver of every pull's progress */
  public void pullListener(Consumer<? super PullProgress> v) {
    pullListeners.add(Objects.requireNonNull(v, "pullListener"));
  }

  /** @param v the capacity of a core the backend creates */
  public void capacity(Capacity v) {
    capacity = Objects.requireNonNull(v, "capacity");
  }

  /** @param v the process transport (not closed by the backend) */
  public void transport(ProcessTransport v) {
    transport = Objects.requireNonNull(v, "transport");
  }

  /** @param v where pods run, when no transport is given */
  public void kubernetes(KubernetesPlacement v) {
    kubernetes = Objects.requireNonNull(v, "kubernetes");
  }

  /** @param v the core to publish into (not closed by the backend) */
  public void core(InferenceCore v) {
    core = Objects.requireNonNull(v, "core");
  }

  /** @param v the clock of a created core and of the Kubernetes anchors */
  public void clock(Clock v) {
    clock = Objects.requireNonNull(v, "clock");
  }

  /** @param v the scheduler of a created core */
  public void scheduler(ScheduledExecutorService v) {
    scheduler = Objects.requireNonNull(v, "scheduler");
  }

  /** @param v the default idle shutdown of a created core */
  public void idleShutdown(Duration v) {
    idleShutdown = Objects.requireNonNull(v, "idleShutdown");
  }

  /** @param v one more listener of instance, health and lease events */
  public void listener(CoreListener v) {
    listeners.add(Objects.requireNonNull(v, "listener"));
  }

  /** @param v what to do when a ready server crashes */
  public void restartPolicy(RestartPolicy v) {
    restartPolicy = Objects.requireNonNull(v, "restartPolicy");
  }

  /**
   * @param v consecutive agreeing health polls needed to change health
   * @throws IllegalArgumentException if below 1
   */
  public void healthThreshold(int v) {
    if (v < 1) {
      throw new IllegalArgumentException("healthThreshold must be >= 1: " + v);
    }
    healthThreshold = v;
  }

  /**
   * @param v the bound of each readiness or health request
   * @throws IllegalArgumentException if not positive
   */
  public void probeTimeout(Duration v) {
    Objects.requireNonNull(v, "probeTimeout");
    if (v.isZero() || v.isNegative()) {
      throw new IllegalArgumentException("probeTimeout must be > 0: " + v);
    }
    probeTimeout = v;
  }

  /** @param v whether every spawned server without a key gets a random one */
  public void perInstanceKeys(boolean v) {
    perInstanceKeys = v;
  }
}
