package io.github.llamacppsdk.core;

import io.github.llamacppsdk.internal.core.BackendTable;
import io.github.llamacppsdk.internal.core.CoreEngine;
import io.github.llamacppsdk.internal.core.InstanceRecord;
import io.github.llamacppsdk.internal.core.ReadyWaiter;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The in-process inference core: a registry of
 * {@link Backend}s and of the instances they run, single-flight instance start, compatibility checks,
 * published endpoints and leases with TTL, idle stop, and events.
 *
 * <p>Thread-safe. Every failure reaches the caller as an {@link InferenceException}. Each instance's
 * state changes are serialised by its own lock; no thread is created per instance or lease. The core
 * uses one {@link ScheduledExecutorService} (its own two daemon threads {@code llamacpp-core-N}, or
 * one you inject, which it never shuts down) for lease expiry, wait timeouts and idle stops, and hands
 * it to backends. {@link #close()} stops every instance it started, in parallel.
 *
 * <p>Instances are keyed by {@link StartupPlan#instanceKey()}: equal keys share one instance (one
 * {@link Backend#start} call however many callers race), different keys claiming the same {@link
 * StartupPlan#exclusiveResources()} entry are refused with {@link ErrorCode#PORT_CONFLICT}.
 *
 * <p>A {@link Capacity} ({@link Builder#capacity}) bounds how many spawned instances run at once and
 * how much estimated memory they take: a new instance that does not fit evicts idle ones (least
 * recently used first) or waits in line, and fails with {@link CapacityExhaustedException} when its
 * caller's wait runs out. {@link #preload} starts an instance without a lease, optionally pinned.
 */
public final class InferenceCore implements AutoCloseable {
  private final CoreEngine engine; // the workings; this class is the public face
  private final BackendTable backends;

  private InferenceCore(Builder b) {
    this.engine = new CoreEngine(b.clock, b.scheduler, b.closeTimeout, b.listeners, b.capacity, b.idleShutdown,
        b.leaseSweepInterval);
    this.backends = engine.backends();
  }

  /** {@return a core with the system clock, its own scheduler, no idle stop and no listeners} */
  public static InferenceCore create() {
    return builder().build();
  }

  /** {@return a builder; mutable, single use, not thread-safe} */
  public static Builder builder() {
    return new Builder();
  }

  // ---------------------------------------------------------------- backends

  /**
   * Registers a backend under its {@link Backend#id()}; a backend already registered under that id is
   * replaced (a {@link CoreEvent.BackendEvent.Kind#REPLACED} event; its running instances keep running
   * and stay stoppable).
   *
   * @param backend the backend; its manifest's {@code backend} must equal its id
   * @throws IllegalArgumentException if the id is blank or differs from the manifest's
   */
  public void registerBackend(Backend<?> backend) {
    backends.register(backend);
  }

  /**
   * Unregisters a backend and stops its instances.
   *
   * @param backendId the id
   * @return completes when its instances are stopped; already complete if it was not registered
   */
  public CompletableFuture<Void> unregisterBackend(String backendId) {
    List<InstanceRecord> doomed = backends.unregister(backendId);
    if (doomed == null) {
      return CompletableFuture.completedFuture(null);
    }
    return CompletableFuture.allOf(doomed.stream()
        .map(r -> r.stop(ErrorCode.STOPPED, "backend " + backendId + " unregistered"))
        .toArray(CompletableFuture[]::new));
  }

  /** {@return the registered backends' manifests, sorted by backend id} */
  public List<BackendManifest> backends() {
    return backends.manifests();
  }

  /**
   * {@return the manifest of a registered backend}
   *
   * @param backendId the id
   */
  public Optional<BackendManifest> manifest(String backendId) {
    return backends.manifest(backendId);
  }

  /**
   * Checks a consumer against a backend's static manifest.
   *
   * @param backendId the backend id
   * @param consumer the consumer
   * @return the result; {@link CompatibilityResult.Reason#BACKEND_UNREGISTERED} for an unknown id
   */
  public CompatibilityResult compatibility(String backendId, ConsumerManifest consumer) {
    Objects.requireNonNull(consumer, "consumer");
    return manifest(backendId)
        .map(m -> CompatibilityResult.evaluate(m, Optional.empty(), consumer))
        .orElseGet(() -> CompatibilityResult.unregistered(backendId));
  }

  /**
   * Checks a consumer against the instance a spec would get: the manifest overridden by the plan's
   * instance-level facts (startup kind, capabilities). Starts nothing.
   *
   * @param spec the spec
   * @param consumer the consumer
   * @return the result
   * @throws InferenceException {@link ErrorCode#INVALID_SPEC} if the backend rejects the spec
   */
  public CompatibilityResult compatibility(InstanceSpec spec, ConsumerManifest consumer) {
    return backends.compatibility(spec, consumer);
  }

  // ---------------------------------------------------------------- instances

  /**
   * Ensures the spec's instance runs and is ready, starting it if needed (single flight).
   *
   * @param spec the spec
   * @param waitTimeout how long to wait for readiness ({@link ErrorCode#WAIT_TIMEOUT} after it; the
   *     instance keeps starting); when the previous instance of the spec is still stopping, it runs from
   *     the call and covers that stop as well (which goes on, as does the start after it)
   * @return the ready instance and whether it already existed
   * @throws InferenceException typed: {@code BACKEND_UNREGISTERED}, {@code INVALID_SPEC}, {@code
   *     PORT_CONFLICT}, the start's own code, {@code WAIT_TIMEOUT}, {@code STOPPED}, {@code INTERRUPTED},
   *     {@code CLOSED}, {@code INTERNAL}
   */
  public EnsureResult ensureInstance(InstanceSpec spec, Duration waitTimeout) {
    BackendTable.Prepared p = backends.prepare(spec, null);
    return ReadyWaiter.join(engine.awaitEnsure(p, waitTimeout, false, "ensureInstance"), r -> { },
        "instance of backend " + spec.backend());
  }

  /**
   * The asynchronous twin of {@link #ensureInstance(InstanceSpec, Duration)}; never throws, the future
   * fails with the same typed errors. Cancelling it abandons the wait.
   *
   * @param spec the spec
   * @param waitTimeout how long to wait for readiness
   * @return the future result
   */
  public CompletableFuture<EnsureResult> ensureInstanceAsync(InstanceSpec spec, Duration waitTimeout) {
    try {
      return engine.awaitEnsure(backends.prepare(spec, null), waitTimeout, false, "ensureInstance");
    } catch (InferenceException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Resolves an endpoint for a consumer: checks compatibility (against the manifest overridden by the
   * plan's facts; an incompatible consumer gets {@link IncompatibleConsumerException} and nothing
   * starts), ensures the instance (single flight) and takes a lease.
   *
   * @param spec the spec
   * @param consumer the consumer
   * @param options owner, TTL and wait timeout
   * @return the resolution; close it to release the lease
   * @throws InferenceException typed, as {@link #ensureInstance(InstanceSpec, Duration)}, plus {@code
   *     INCOMPATIBLE}
   */
  public Resolution resolveEndpoint(InstanceSpec spec, ConsumerManifest consumer, ResolveOptions options) {
    Objects.requireNonNull(consumer, "consumer");
    Objects.requireNonNull(options, "options");
    BackendTable.Prepared p = backends.prepare(spec, consumer);
    return ReadyWaiter.join(engine.awaitResolve(p, options), CoreEngine.DISCARD_RESOLUTION,
        "endpoint of backend " + spec.backend());
  }

  /**
   * The asynchronous twin of {@link #resolveEndpoint(InstanceSpec, ConsumerManifest, ResolveOptions)};
   * never throws, the future fails with the same typed errors. Cancelling it abandons the wait (and
   * stops a still-starting instance nobody else waits for).
   *
   * @param spec the spec
   * @param consumer the consumer
   * @param options owner, TTL and wait timeout
   * @return the future resolution
   */
  public CompletableFuture<Resolution> resolveEndpointAsync(InstanceSpec spec, ConsumerManifest consumer,
      ResolveOptions options) {
    try {
      Objects.requireNonNull(consumer, "consumer");
      Objects.requireNonNull(options, "options");
      return engine.awaitResolve(backends.prepare(spec, consumer), options);
    } catch (InferenceException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Starts an instance ahead of use, without a lease (warm), and waits until it is ready. A pinned one
   * is never evicted by the {@link Capacity} (it still counts against it, and {@link
   * #stopInstance(String)} still stops it); preloading a running instance with {@code pinned} pins it.
   * An unpinned preloaded instance is idle, so the first resolve that needs its room may evict it.
   *
   * @param spec the spec
   * @param pinned whether the capacity may never evict it
   * @param waitTimeout how long to wait for readiness (and for capacity)
   * @return the ready instance and whether it already existed
   * @throws InferenceException typed, as {@link #ensureInstance(InstanceSpec, Duration)}, plus {@code
   *     CAPACITY_EXHAUSTED}
   */
  public EnsureResult preload(InstanceSpec spec, boolean pinned, Duration waitTimeout) {
    BackendTable.Prepared p = backends.prepare(spec, null);
    return ReadyWaiter.join(engine.awaitEnsure(p, waitTimeout, pinned, pinned ? "pinned preload" : "preload"), r -> { },
        "instance of backend " + spec.backend());
  }

  /**
   * The asynchronous twin of {@link #preload(InstanceSpec, boolean, Duration)}; never throws.
   *
   * @param spec the spec
   * @param pinned whether the capacity may never evict it
   * @param waitTimeout how long to wait for readiness (and for capacity)
   * @return the future result
   */
  public CompletableFuture<EnsureResult> preloadAsync(InstanceSpec spec, boolean pinned, Duration waitTimeout) {
    try {
      return engine.awaitEnsure(backends.prepare(spec, null), waitTimeout, pinned, pinned ? "pinned preload" : "preload");
    } catch (InferenceException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** {@return the capacity this core enforces ({@link Capacity#unlimited()} by default)} */
  public Capacity capacity() {
    return engine.capacity().capacity();
  }

  /**
   * Takes a lease on a ready instance.
   *
   * @param instanceId the instance
   * @param options owner and TTL (the wait timeout is ignored)
   * @return the lease
   * @throws InferenceException {@code NOT_FOUND} (no such instance) or {@code NOT_READY} (still starting)
   */
  public Lease lease(String instanceId, ResolveOptions options) {
    Objects.requireNonNull(options, "options");
    return engine.registry().get(Objects.requireNonNull(instanceId, "instanceId")).acquireLease(options);
  }

  /**
   * {@return the published endpoint (no lease ref) of a ready instance}
   *
   * @param instanceId the instance
   * @throws InferenceException {@code NOT_FOUND} or {@code NOT_READY}
   */
  public EndpointDescriptor publishedEndpoint(String instanceId) {
    return engine.registry().get(Objects.requireNonNull(instanceId, "instanceId")).publishedEndpoint();
  }

  /**
   * {@return a snapshot of the instance, if the registry holds it and it has not ended} An instance
   * that ended ({@code FAILED}, {@code STOPPED}) is not listed, even in the moment between its final
   * transition and its removal from the registry: its final event is queued under the instance's lock
   * and may be delivered by another thread's flush (the lease sweep, a health report, a release)
   * before the instance has left the table, and a listener told of the end must not find it still
   * there.
   *
   * @param instanceId the instance
   */
  public Optional<InstanceSnapshot> instance(String instanceId) {
    Objects.requireNonNull(instanceId, "instanceId");
    return engine.registry().find(instanceId).map(InstanceRecord::snapshot).filter(InferenceCore::listed);
  }

  /** {@return snapshots of every instance in the registry that has not ended, sorted by instance id} */
  public List<InstanceSnapshot> instances() {
    return engine.registry().records().stream().map(InstanceRecord::snapshot).filter(InferenceCore::listed).toList();
  }

  private static boolean listed(InstanceSnapshot s) {
    return !s.lifecycle().isFinal();
  }

  /**
   * Stops an instance: its leases end, waiters of a starting instance get {@code STOPPED}.
   *
   * @param instanceId the instance
   * @return completes when it is gone; already complete for an unknown id
   */
  public CompletableFuture<Void> stopInstance(String instanceId) {
    Objects.requireNonNull(instanceId, "instanceId");
    return engine.registry().find(instanceId).map(r -> r.stop(ErrorCode.STOPPED, "stop requested"))
        .orElseGet(() -> CompletableFuture.completedFuture(null));
  }

  /** {@return a future that completes when every instance is stopped; stops run in parallel} */
  public CompletableFuture<Void> stopAll() {
    return engine.stopEverything(ErrorCode.STOPPED, "stopAll requested");
  }

  /**
   * Ends every lease whose TTL has passed by the core's clock. The scheduler calls this periodically;
   * tests call it directly after moving a manual clock.
   *
   * @return how many leases expired
   */
  public int expireLeases() {
    return engine.expireLeases();
  }

  /**
   * Adds a listener.
   *
   * @param listener the listener
   * @return the subscription; close it to remove the listener
   */
  public Subscription addListener(CoreListener listener) {
    return engine.events().add(listener);
  }

  /**
   * Adds a listener whose events run on {@code executor}: still in order and one at a time, but never on
   * the core's threads (health polls, lease expiry, process exits), so the listener may block. An event
   * the executor refuses is logged and dropped.
   *
   * @param listener the listener
   * @param executor where its events run
   * @return the subscription; close it to remove the listener
   */
  public Subscription addListener(CoreListener listener, java.util.concurrent.Executor executor) {
    return engine.events().add(listener, executor);
  }

  /**
   * Stops every instance (in parallel, waiting up to the close timeout), then stops lease expiry and
   * shuts down the scheduler if the core created it. Idempotent; later operations fail with {@code
   * CLOSED}, and so do, at once, the calls still waiting for a previous instance of their spec to stop. An interrupt while waiting ends the wait early and restores the interrupt flag.
   */
  @Override
  public void close() {
    engine.close();
  }

  /** Builds an {@link InferenceCore}. Mutable, single use, not thread-safe. */
  public static final class Builder {
    private Clock clock = Clock.systemUTC();
    private ScheduledExecutorService scheduler;
    private Duration idleShutdown;
    private Duration leaseSweepInterval = Duration.ofMillis(250);
    private Duration closeTimeout = Duration.ofSeconds(60);
    private Capacity capacity = Capacity.unlimited();
    private final List<CoreListener> listeners = new ArrayList<>();

    private Builder() {}

    /**
     * @param v how many spawned instances may run at once, and how much estimated memory they may take
     *     (default {@link Capacity#unlimited()})
     * @return this
     */
    public Builder capacity(Capacity v) {
      capacity = Objects.requireNonNull(v, "capacity");
      return this;
    }

    /** @param v the clock for timestamps and lease expiry (default: system UTC)
     * @return this */
    public Builder clock(Clock v) {
      clock = Objects.requireNonNull(v, "clock");
      return this;
    }

    /** @param v a scheduler the core uses but never shuts down (default: its own, 2 daemon threads)
     * @return this */
    public Builder scheduler(ScheduledExecutorService v) {
      scheduler = Objects.requireNonNull(v, "scheduler");
      return this;
    }

    /** @param v stop an instance this long after its last lease ends, unless its plan says otherwise
     * @return this */
    public Builder idleShutdown(Duration v) {
      Objects.requireNonNull(v, "idleShutdown");
      if (v.isNegative()) {
        throw new IllegalArgumentException("idleShutdown must be >= 0: " + v);
      }
      idleShutdown = v;
      return this;
    }

    /** @param v how often the scheduler expires leases (default 250 ms)
     * @return this */
    public Builder leaseSweepInterval(Duration v) {
      Objects.requireNonNull(v, "leaseSweepInterval");
      if (v.isZero() || v.isNegative()) {
        throw new IllegalArgumentException("leaseSweepInterval must be > 0: " + v);
      }
      leaseSweepInterval = v;
      return this;
    }

    /** @param v how long {@link InferenceCore#close()} waits for instances to stop (default 60 s)
     * @return this */
    public Builder closeTimeout(Duration v) {
      Objects.requireNonNull(v, "closeTimeout");
      if (v.isNegative()) {
        throw new IllegalArgumentException("closeTimeout must be >= 0: " + v);
      }
      closeTimeout = v;
      return this;
    }

    /** @param v a listener registered from the start
     * @return this */
    public Builder listener(CoreListener v) {
      listeners.add(Objects.requireNonNull(v, "listener"));
      return this;
    }

    /** {@return the core} */
    public InferenceCore build() {
      return new InferenceCore(this);
    }
  }
}
