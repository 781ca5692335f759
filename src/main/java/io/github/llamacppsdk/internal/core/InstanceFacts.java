package io.github.llamacppsdk.internal.core;

import io.github.llamacppsdk.core.CapacityExhaustedException;
import io.github.llamacppsdk.core.EndpointDescriptor;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.core.LifecycleStatus;
import io.github.llamacppsdk.core.ManagedInstance;
import io.github.llamacppsdk.core.MemoryEstimate;
import io.github.llamacppsdk.core.NotServingException;
import io.github.llamacppsdk.core.Outage;
import io.github.llamacppsdk.core.RuntimeKind;
import io.github.llamacppsdk.core.ServedEndpoint;
import io.github.llamacppsdk.core.ServerProcess;
import io.github.llamacppsdk.core.StartupPlan;
import io.github.llamacppsdk.core.TargetClass;
import io.github.llamacppsdk.internal.Log;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Not API. What {@link InstanceRecord} derives from its state without changing it: the descriptor it
 * publishes, what the backend says for a snapshot, the typed failures of a handout or a wait, and what
 * holds capacity. Stateless; every method is a function of its arguments.
 */
final class InstanceFacts {
  private static final Log log = Log.of(InstanceFacts.class);

  private InstanceFacts() {}

  /** {@return the descriptor of what the backend serves, with the ids and kinds the core owns} */
  static EndpointDescriptor publish(String id, String backendId, StartupPlan plan, ServedEndpoint ep) {
    String runtime = ep.runtime().isBlank() ? backendId : ep.runtime();
    return EndpointDescriptor.builder(ep.baseUrl()).endpointId(id + ":endpoint").runtimeKind(RuntimeKind.SERVICE)
        .managementMode(plan.managementMode()).targetClass(TargetClass.SELF_HOSTED_ENDPOINT).protocol(ep.protocol())
        .headers(ep.headers()).providerIdentity(runtime).sourceRuntime(runtime)
        .modelIdentity(ep.modelIdentity().isBlank() ? id : ep.modelIdentity()).sourceRuntimeRef(ep.rootUrl())
        .healthRef(ep.healthUrl()).boundaryRef(ep.boundaryRef().orElse(null)).capabilities(ep.capabilities())
        .metadata(ep.metadata()).build();
  }

  /** What the backend says about a running instance, for a snapshot; a backend that throws says nothing. */
  record BackendReads(Map<String, Object> metadata, OptionalLong resident, Optional<ServerProcess> process) {
    /** {@return the plan's metadata with the backend's details, its resident memory and process facts} */
    static BackendReads of(String id, StartupPlan plan, ManagedInstance h) {
      Map<String, Object> metadata = new LinkedHashMap<>(plan.metadata());
      if (h == null) {
        return new BackendReads(metadata, OptionalLong.empty(), Optional.empty());
      }
      try {
        metadata.putAll(h.details());
      } catch (RuntimeException e) {
        log.warn("instance {}: backend details() threw", id, e);
      }
      OptionalLong resident = OptionalLong.empty();
      try {
        resident = Objects.requireNonNullElse(h.residentMemoryBytes(), OptionalLong.empty());
      } catch (RuntimeException e) {
        log.warn("instance {}: backend residentMemoryBytes() threw", id, e);
      }
      Optional<ServerProcess> process = Optional.empty();
      try {
        process = Objects.requireNonNullElse(h.process(), Optional.empty());
      } catch (RuntimeException e) {
        log.warn("instance {}: backend process() threw", id, e);
      }
      return new BackendReads(metadata, resident, process);
    }
  }

  /** {@return null if the endpoint may be handed out now, else why not, typed} */
  static InferenceException notServing(String id, LifecycleStatus lifecycle, Optional<Outage> outage, Instant now) {
    if (lifecycle == LifecycleStatus.STARTING) {
      return new InferenceException(ErrorCode.NOT_READY, "instance " + id + " has not published an endpoint yet");
    }
    if (lifecycle == LifecycleStatus.RECOVERING) {
      return new NotServingException(ErrorCode.NOT_READY, "instance " + id + " does not serve now; it is RECOVERING: "
          + outage.map(o -> o.describe(now)).orElse("?"), id, lifecycle, outage);
    }
    if (lifecycle != LifecycleStatus.READY) {
      return new InferenceException(ErrorCode.NOT_FOUND, "instance " + id + " is " + lifecycle);
    }
    return null;
  }

  /** {@return the failure of a wait for a starting or recovering instance that ran out} */
  static InferenceException waitedOut(String id, LifecycleStatus lifecycle, Optional<Outage> outage, Instant now,
      Duration timeout) {
    if (lifecycle == LifecycleStatus.RECOVERING) {
      return new NotServingException(ErrorCode.WAIT_TIMEOUT, "instance " + id + " did not serve again within "
          + timeout + "; it is RECOVERING: " + outage.map(o -> o.describe(now)).orElse("?"), id, lifecycle, outage);
    }
    return new InferenceException(ErrorCode.WAIT_TIMEOUT, "instance " + id + " was not ready within " + timeout
        + "; it keeps starting for other callers");
  }

  /**
   * {@return the failure of a wait that ran out before the caller could join: the previous instance of
   * its spec is still stopping ({@code WAIT_TIMEOUT})}
   *
   * @param id the instance key
   * @param timeout the wait that ran out
   */
  static InferenceException previousStillStopping(String id, Duration timeout) {
    return new InferenceException(ErrorCode.WAIT_TIMEOUT, "instance " + id + " was not ready within " + timeout
        + ": it was waiting for the previous instance of this spec to stop, which is still stopping; the stop"
        + " goes on, and the new instance starts after it");
  }

  /** The facts of an instance that decide why it holds capacity. */
  record Holding(String id, LifecycleStatus lifecycle, boolean pinned, int leases, List<String> owners, int waiters,
      Instant readyAt) {}

  /** {@return what holds capacity in an instance, for {@link CapacityExhaustedException}} */
  static CapacityExhaustedException.Holder holder(Holding h, MemoryEstimate est, Instant now, Duration minResidency,
      boolean evicting) {
    String why;
    if (evicting || h.lifecycle() == LifecycleStatus.STOPPING || h.lifecycle().isFinal()) {
      why = "stopping; its room is free once its process is gone";
    } else if (h.pinned()) {
      why = "pinned";
    } else if (h.lifecycle() == LifecycleStatus.STARTING) {
      why = "starting";
    } else if (h.leases() > 0) {
      why = "leased";
    } else if (h.waiters() > 0) {
      why = h.waiters() + " caller(s) waiting for it";
    } else if (h.readyAt() != null && h.readyAt().plus(minResidency).isAfter(now)) {
      why = "ready for " + Duration.between(h.readyAt(), now) + " of its minimum residency " + minResidency;
    } else {
      why = "idle, but evicting it would not make enough room";
    }
    return new CapacityExhaustedException.Holder(h.id(), h.lifecycle(), est, h.owners(), h.pinned(), why);
  }
}
