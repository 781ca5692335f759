package io.github.llamacppsdk.internal.core;

import io.github.llamacppsdk.core.Backend;
import io.github.llamacppsdk.core.BackendManifest;
import io.github.llamacppsdk.core.CompatibilityResult;
import io.github.llamacppsdk.core.ConsumerManifest;
import io.github.llamacppsdk.core.CoreEvent;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.IncompatibleConsumerException;
import io.github.llamacppsdk.core.InferenceCore;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.core.InstanceSpec;
import io.github.llamacppsdk.core.StartupPlan;
import io.github.llamacppsdk.internal.Log;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The core's registered {@link Backend}s by id: registering, unregistering (with their events),
 * manifests, compatibility, and turning a request into a {@link Prepared} start (its backend, bound spec,
 * validated plan and compatibility). Thread-safe. Not API.
 */
public final class BackendTable {
  private static final Log log = Log.of(InferenceCore.class); // the core's own lines

  private final Map<String, Backend<?>> backends = new ConcurrentHashMap<>();
  private final Object lock = new Object();
  private final InstanceRegistry registry;
  private final EventDispatcher events;
  private final Clock clock;

  /** A request ready to join or start: the bound spec, its plan, and the consumer's compatibility (or null). */
  public record Prepared(BoundSpec<?> spec, StartupPlan plan, CompatibilityResult compatibility) {}

  /**
   * @param registry the core's instances (checked open; searched when a backend leaves)
   * @param events the core's dispatcher
   * @param clock the core's clock
   */
  public BackendTable(InstanceRegistry registry, EventDispatcher events, Clock clock) {
    this.registry = registry;
    this.events = events;
    this.clock = clock;
  }

  /** Registers or replaces a backend, as {@link InferenceCore#registerBackend} documents.
   * @param backend the backend */
  public void register(Backend<?> backend) {
    Objects.requireNonNull(backend, "backend");
    String id = backend.id();
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("backend id must not be blank");
    }
    BackendManifest m = manifestOf(backend);
    if (!id.equals(m.backend())) {
      throw new IllegalArgumentException("backend id '" + id + "' differs from its manifest's '" + m.backend() + "'");
    }
    Backend<?> old;
    synchronized (lock) {
      registry.checkOpen();
      old = backends.put(id, backend);
      events.emit(new CoreEvent.BackendEvent(old == null ? CoreEvent.BackendEvent.Kind.REGISTERED
          : CoreEvent.BackendEvent.Kind.REPLACED, id, clock.instant()));
    }
    log.debug("backend {} {}", id, old == null ? "registered" : "re-registered (replaced)");
    events.flush();
  }

  /**
   * Unregisters a backend.
   *
   * @param backendId the id
   * @return its instances, to stop; null if it was not registered
   */
  public List<InstanceRecord> unregister(String backendId) {
    Objects.requireNonNull(backendId, "backendId");
    List<InstanceRecord> doomed = new ArrayList<>();
    synchronized (lock) {
      if (backends.remove(backendId) == null) {
        return null;
      }
      events.emit(new CoreEvent.BackendEvent(CoreEvent.BackendEvent.Kind.UNREGISTERED, backendId, clock.instant()));
      registry.records().stream().filter(r -> r.backendId().equals(backendId)).forEach(doomed::add);
    }
    events.flush();
    return doomed;
  }

  /** {@return the registered backends' manifests, sorted by backend id} */
  public List<BackendManifest> manifests() {
    return backends.values().stream().map(BackendTable::manifestOf)
        .sorted(Comparator.comparing(BackendManifest::backend)).toList();
  }

  /** {@return the manifest of a registered backend}
   * @param backendId the id */
  public Optional<BackendManifest> manifest(String backendId) {
    return Optional.ofNullable(backends.get(Objects.requireNonNull(backendId, "backendId")))
        .map(BackendTable::manifestOf);
  }

  /**
   * {@return the consumer checked against the instance the spec would get} Starts nothing.
   *
   * @param spec the spec
   * @param consumer the consumer
   */
  public CompatibilityResult compatibility(InstanceSpec spec, ConsumerManifest consumer) {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(consumer, "consumer");
    Backend<?> b = backends.get(spec.backend());
    if (b == null) {
      return CompatibilityResult.unregistered(spec.backend());
    }
    return CompatibilityResult.evaluate(manifestOf(b), Optional.of(BoundSpec.bind(b, spec).plan()), consumer);
  }

  /**
   * {@return the request bound, planned, checked against the consumer (if any) and validated}
   *
   * @param spec the spec
   * @param consumer the consumer, or null for a start without one
   */
  public Prepared prepare(InstanceSpec spec, ConsumerManifest consumer) {
    Objects.requireNonNull(spec, "spec");
    registry.checkOpen();
    Backend<?> b = backends.get(spec.backend());
    if (b == null) {
      throw new InferenceException(ErrorCode.BACKEND_UNREGISTERED, "no backend registered under '"
          + spec.backend() + "' (registered: " + new TreeMap<>(backends).keySet() + ")");
    }
    BackendManifest m = manifestOf(b);
    BoundSpec<?> bound = BoundSpec.bind(b, spec);
    StartupPlan plan = bound.plan();
    CompatibilityResult compat = null;
    if (consumer != null) {
      compat = CompatibilityResult.evaluate(m, Optional.of(plan), consumer);
      if (!compat.compatible()) {
        throw new IncompatibleConsumerException(b.id(), consumer.consumer(), compat);
      }
    }
    PlanValidator.validate(m, spec, plan);
    return new Prepared(bound, plan, compat);
  }

  private static BackendManifest manifestOf(Backend<?> b) {
    try {
      return Objects.requireNonNull(b.manifest(), "manifest");
    } catch (InferenceException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new InferenceException(ErrorCode.INTERNAL, "backend '" + b.id() + "' manifest() threw: " + e, e);
    }
  }
}
