package io.github.llamacppsdk.internal.core;

import io.github.llamacppsdk.core.Backend;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.core.InstanceContext;
import io.github.llamacppsdk.core.InstanceSpec;
import io.github.llamacppsdk.core.ManagedInstance;
import io.github.llamacppsdk.core.MemoryEstimate;
import io.github.llamacppsdk.core.StartupPlan;
import io.github.llamacppsdk.internal.Log;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Not API. An instance spec bound to its backend: the backend's own spec, read once (checked against
 * {@link Backend#specType()}, or read from the map by {@link Backend#specFromMap}), and the calls the core
 * makes with it. A backend's throw becomes a typed {@link InferenceException}.
 *
 * @param <S> the backend's spec type
 */
public final class BoundSpec<S> {
  private static final Log log = Log.of(BoundSpec.class);

  private final Backend<S> backend;
  private final S spec;
  private final InstanceSpec request;

  private BoundSpec(Backend<S> backend, S spec, InstanceSpec request) {
    this.backend = backend;
    this.spec = spec;
    this.request = request;
  }

  /**
   * {@return the request bound to the backend}
   *
   * @param backend the backend registered under the request's backend id
   * @param request the request
   * @throws InferenceException {@code INVALID_SPEC} when the request carries another type of spec, or a map
   *     the backend cannot read
   */
  public static BoundSpec<?> bind(Backend<?> backend, InstanceSpec request) {
    return bindTyped(backend, request);
  }

  private static <S> BoundSpec<S> bindTyped(Backend<S> backend, InstanceSpec request) {
    Class<S> type = Objects.requireNonNull(backend.specType(), "specType");
    Object given = request.backendSpec().orElse(null);
    if (given != null) {
      if (!type.isInstance(given)) {
        throw new InferenceException(ErrorCode.INVALID_SPEC, "backend '" + backend.id() + "' takes a "
            + type.getSimpleName() + ", got a " + given.getClass().getSimpleName());
      }
      return new BoundSpec<>(backend, type.cast(given), request);
    }
    S read;
    try {
      read = backend.specFromMap(request.backendOptions());
    } catch (InferenceException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new InferenceException(ErrorCode.INTERNAL, "backend '" + backend.id() + "' specFromMap() threw: " + e, e);
    }
    return new BoundSpec<>(backend, Objects.requireNonNull(read, "specFromMap returned null"), request);
  }

  /** {@return the backend id} */
  public String backendId() {
    return backend.id();
  }

  /** {@return the request as the caller made it} */
  public InstanceSpec request() {
    return request;
  }

  /**
   * {@return the backend's plan, with the request's metadata under the backend's}
   *
   * @throws InferenceException the backend's, or {@code INTERNAL} for any other throw
   */
  public StartupPlan plan() {
    StartupPlan p;
    try {
      p = Objects.requireNonNull(backend.plan(spec), "plan");
    } catch (InferenceException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new InferenceException(ErrorCode.INTERNAL, "backend '" + backend.id() + "' plan() threw: " + e, e);
    }
    if (request.metadata().isEmpty()) {
      return p;
    }
    Map<String, Object> metadata = new LinkedHashMap<>(request.metadata());
    metadata.putAll(p.metadata());
    return new StartupPlan(p.instanceKey(), p.startupKind(), p.managementMode(), p.exclusiveResources(),
        p.capabilities(), p.idleShutdown(), metadata);
  }

  /**
   * {@return the handle of the started instance}
   *
   * @param plan the plan
   * @param context the core's callbacks
   */
  public ManagedInstance start(StartupPlan plan, InstanceContext context) {
    return backend.start(spec, plan, context);
  }

  /**
   * {@return the backend's memory estimate; unknown when it gives none or throws}
   *
   * @param plan the plan
   */
  public MemoryEstimate estimateMemory(StartupPlan plan) {
    try {
      MemoryEstimate e = backend.estimateMemory(spec, plan);
      return e == null ? MemoryEstimate.unknown("backend '" + backend.id() + "' returned no estimate") : e;
    } catch (RuntimeException e) {
      log.warn("backend {}: estimateMemory threw; the estimate is unknown", backend.id(), e);
      return MemoryEstimate.unknown("estimateMemory threw " + e);
    }
  }
}
