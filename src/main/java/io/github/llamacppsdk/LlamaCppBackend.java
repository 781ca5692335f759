package io.github.llamacppsdk;

import io.github.llamacppsdk.core.BackendManifest;
import io.github.llamacppsdk.core.Capacity;
import io.github.llamacppsdk.core.CapacityExhaustedException;
import io.github.llamacppsdk.core.CompatibilityResult;
import io.github.llamacppsdk.core.ConsumerManifest;
import io.github.llamacppsdk.core.CoreListener;
import io.github.llamacppsdk.core.EndpointDescriptor;
import io.github.llamacppsdk.core.EnsureResult;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.IncompatibleConsumerException;
import io.github.llamacppsdk.core.InferenceCore;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.core.InstanceSnapshot;
import io.github.llamacppsdk.core.InstanceSpec;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.core.ResolveOptions;
import io.github.llamacppsdk.core.StartupKind;
import io.github.llamacppsdk.core.Subscription;
import io.github.llamacppsdk.internal.core.StopWaiter;
import io.github.llamacppsdk.internal.llama.AttachedLlamaBackend;
import io.github.llamacppsdk.internal.llama.BackendAssembly;
import io.github.llamacppsdk.internal.llama.BackendSettings;
import io.github.llamacppsdk.internal.llama.LlamaEndpoints;
import io.github.llamacppsdk.internal.models.SpecPuller;
import io.github.llamacppsdk.kubernetes.KubernetesPlacement;
import io.github.llamacppsdk.models.HubSettings;
import io.github.llamacppsdk.models.HuggingFaceModel;
import io.github.llamacppsdk.models.ModelPullException;
import io.github.llamacppsdk.models.ModelPuller;
import io.github.llamacppsdk.models.PullProgress;
import io.github.llamacppsdk.models.PulledModel;
import io.github.llamacppsdk.process.ProcessTransport;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

/**
 * The front door: turns a {@link BootSpec} into a running llama-server and an OpenAI-compatible
 * {@link EndpointDescriptor} with a lease.
 *
 * <pre>{@code
 * try (LlamaCppBackend backend = LlamaCppBackend.create()) {
 *   BootSpec spec = BootSpec.builder("/models/qwen3-8b-q4_k_m.gguf").port(0).ctxSize(8192).build();
 *   try (Resolution r = backend.resolveEndpoint(spec, ConsumerManifest.builder("my-app").build(),
 *       ResolveOptions.builder().ownerRef("run-1").ttl(Duration.ofMinutes(5)).build())) {
 *     String chat = r.endpoint().chatCompletionsUrl();      // send r.endpoint().headers() with it
 *   }                                                       // lease released; the server keeps running
 * }                                                         // every server this backend started is stopped
 * }</pre>
 *
 * <p>An instance moves through {@link io.github.llamacppsdk.core.LifecycleStatus} (STARTING → READY, with
 * RECOVERING while a restart runs, to STOPPING → STOPPED or FAILED); its {@link
 * io.github.llamacppsdk.core.HealthStatus} says more. Equal specs share one server (single flight); every
 * caller gets its own lease. A spec that names its model ({@code huggingFace("owner/repo:Q4_K_M")}) is
 * pulled first, so the readiness deadlines cover loading only ({@code guides/models.md}).
 *
 * <p>Thread-safe. Get one with {@link #create()} or {@link #builder()}; close it to stop every
 * server it started. Owns the {@link InferenceCore} and the {@link ProcessTransport} it created, and
 * never closes ones it was given.
 */
public final class LlamaCppBackend implements AutoCloseable {
  /** The backend id under which spawned servers are registered in the core. */
  public static final String BACKEND_ID = LlamaEndpoints.BACKEND_ID;
  /** The backend id under which attached servers are registered in the core. */
  public static final String ATTACHED_BACKEND_ID = AttachedLlamaBackend.ID;
  /** The library version. */
  public static final String VERSION = "0.1.0";

  private final BackendAssembly parts; // what it is made of and owns; closes it
  private final InferenceCore core;
  private final SpecPuller models;
  private final ConsumerManifest anyConsumer = ConsumerManifest.builder("llama_cpp_sdk_default").build();

  private LlamaCppBackend(BackendSettings settings) {
    this.parts = new BackendAssembly(settings);
    this.core = parts.core();
    this.models = parts.models();
  }

  /** {@return a ready backend: local transport, a fresh in-process core, the llama backends registered} */
  public static LlamaCppBackend create() {
    return builder().build();
  }

  /** {@return a builder for a backend with other collaborators or settings} */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Resolves an endpoint for a spec: checks the consumer's compatibility, starts the server (or
   * reuses the running one for an equal spec), waits until it is ready and serves the spec's alias,
   * and takes a lease.
   *
   * @param spec the server
   * @param consumer what the caller needs
   * @param options owner, lease TTL and how long to wait
   * @return the endpoint, the lease, a snapshot taken after the lease, the compatibility, and
   *     whether the server was reused
   * @throws IncompatibleConsumerException if the consumer cannot use llama.cpp (nothing is started)
   * @throws ServerStartException if the server exited, timed out, stalled, or is not ours
   * @throws ModelPullException if a named model could not be pulled (nothing is started)
   * @throws InferenceException for every other failure, with its code
   */
  public Resolution resolveEndpoint(BootSpec spec, ConsumerManifest consumer, ResolveOptions options) {
    return core.resolveEndpoint(instanceSpec(models.launchable(spec)), consumer, options);
  }

  /**
   * {@link #resolveEndpoint(BootSpec, ConsumerManifest, ResolveOptions)} for a consumer that accepts
   * any llama.cpp endpoint.
   *
   * @param spec the server
   * @param options owner, lease TTL and how long to wait
   * @return the resolution
   */
  public Resolution resolveEndpoint(BootSpec spec, ResolveOptions options) {
    return resolveEndpoint(spec, anyConsumer, options);
  }

  /**
   * The map-shaped call: every argument as a map of snake_case keys (configuration files, JSON).
   *
   * @param spec boot-spec keys ({@link BootSpec#fromMap(Map)})
   * @param consumer consumer-manifest keys ({@link ConsumerManifest#fromMap(Map)})
   * @param options {@code owner_ref}, {@code ttl_ms}, {@code await_timeout_ms}
   * @return the resolution
   * @throws InvalidBootSpecException listing every bad boot-spec field
   */
  public Resolution resolveEndpoint(Map<String, ?> spec, Map<String, ?> consumer, Map<String, ?> options) {
    return resolveEndpoint(BootSpec.fromMap(spec), ConsumerManifest.fromMap(consumer), ResolveOptions.fromMap(options));
  }

  /**
   * The asynchronous twin of {@link #resolveEndpoint(BootSpec, ConsumerManifest, ResolveOptions)}; the
   * future fails with the same typed exceptions.
   *
   * @param spec the server
   * @param consumer what the caller needs
   * @param options owner, lease TTL and how long to wait
   * @return the future resolution
   */
  public CompletableFuture<Resolution> resolveEndpointAsync(BootSpec spec, ConsumerManifest consumer,
      ResolveOptions options) {
    Objects.requireNonNull(spec, "spec");
    return models.launchableAsync(spec).thenCompose(s -> core.resolveEndpointAsync(instanceSpec(s), consumer, options));
  }

  /**
   * Starts (or reuses) the server without a lease.
   *
   * @param spec the server
   * @param waitTimeout how long to wait for readiness
   * @return the snapshot and whether it was reused
   */
  public EnsureResult ensureInstance(BootSpec spec, Duration waitTimeout) {
    return core.ensureInstance(instanceSpec(models.launchable(spec)), waitTimeout);
  }

  /**
   * {@link #preload(BootSpec, boolean)}, not pinned: under a {@link Capacity}, a resolve that needs its
   * room may evict it.
   *
   * @param spec the server
   * @return the snapshot and whether it was already running
   * @throws CapacityExhaustedException if it does not fit the capacity in time
   */
  public EnsureResult preload(BootSpec spec) {
    return preload(spec, false);
  }

  /**
   * Starts the server ahead of use without a lease (warm), waiting up to {@link
   * ResolveOptions#DEFAULT_AWAIT_TIMEOUT} for it to be ready; a pinned one is never evicted by the
   * {@link Capacity} (it still counts against it; {@link #stopInstance(String)} stops it).
   *
   * @param spec the server
   * @param pinned whether the capacity may never evict it
   * @return the snapshot and whether it was already running
   * @throws CapacityExhaustedException if it does not fit the capacity in time
   */
  public EnsureResult preload(BootSpec spec, boolean pinned) {
    return core.preload(instanceSpec(models.launchable(spec)), pinned, ResolveOptions.DEFAULT_AWAIT_TIMEOUT);
  }

  /**
   * Attaches to a llama-server started elsewhere: same readiness and identity checks, an {@code
   * externally_managed} endpoint, and the server is never stopped by this library.
   *
   * @param spec where the server is and which model it must serve
   * @param consumer what the caller needs; a manifest that names management modes must include {@code
   *     externally_managed} (one that names none, like {@code ConsumerManifest.builder("x").build()},
   *     accepts it)
   * @param options owner, lease TTL and how long to wait
   * @return the resolution
   * @throws ServerStartException if the server is not ready in time, serves another model, or rejects the key
   */
  public Resolution attach(AttachSpec spec, ConsumerManifest consumer, ResolveOptions options) {
    return core.resolveEndpoint(instanceSpec(spec), consumer, options);
  }

  /**
   * {@link #attach(AttachSpec, ConsumerManifest, ResolveOptions)} for a consumer that accepts any llama.cpp
   * endpoint, as {@link #resolveEndpoint(BootSpec, ResolveOptions)}.
   *
   * @param spec where the server is and which model it must serve
   * @param options owner, lease TTL and how long to wait
   * @return the resolution
   */
  public Resolution attach(AttachSpec spec, ResolveOptions options) {
    return attach(spec, anyConsumer, options);
  }

  /**
   * Pulls a named model into the cache without starting a server (warm-up at deploy time); progress
   * goes to the backend's pull listeners.
   *
   * @param model the model
   * @return where it is in the cache
   * @throws ModelPullException typed by its failure
   */
  public PulledModel pull(HuggingFaceModel model) {
    return pull(model, p -> { });
  }

  /**
   * {@link #pull(HuggingFaceModel)} with one more progress listener.
   *
   * @param model the model
   * @param progress receives this pull's progress (on the downloading thread; keep it fast)
   * @return where it is in the cache
   */
  public PulledModel pull(HuggingFaceModel model, Consumer<? super PullProgress> progress) {
    return models.pull(Objects.requireNonNull(model, "model"), Objects.requireNonNull(progress, "progress"));
  }

  /**
   * {@return the spec that launches {@code spec}'s model from the cache} For a spec that names its
   * model: pulls it (if needed) and returns the spec with {@code model} set to the cached file (alias
   * and identity kept, the name dropped); a spec with a path is returned as it is. Useful to show the
   * exact command line, or to hand a spec to the core directly.
   *
   * @param spec the spec
   * @throws ModelPullException if the model cannot be pulled
   */
  public BootSpec resolveModel(BootSpec spec) {
    return models.launchable(Objects.requireNonNull(spec, "spec"));
  }

  /** {@return the model puller this backend uses (created on first use unless one was given)} */
  public ModelPuller modelPuller() {
    return models.puller();
  }

  /**
   * {@return the core's instance spec for a boot spec} (backend {@code llama_cpp_sdk}, startup kind
   * {@code spawned}, carrying the boot spec itself, which the backend receives as it is) A spec that names its
   * model must go through {@link #resolveModel(BootSpec)} first: the core refuses it.
   *
   * @param spec the boot spec
   */
  public InstanceSpec instanceSpec(BootSpec spec) {
    Objects.requireNonNull(spec, "spec");
    return InstanceSpec.typed(BACKEND_ID, StartupKind.SPAWNED, spec).withExecutionSurface(spec.executionSurface());
  }

  /**
   * {@return the core's instance spec for an attached server}
   *
   * @param spec the attach spec
   */
  public InstanceSpec instanceSpec(AttachSpec spec) {
    Objects.requireNonNull(spec, "spec");
    return InstanceSpec.typed(ATTACHED_BACKEND_ID, StartupKind.ATTACH_EXISTING_SERVICE, spec);
  }

  /** {@return the manifest of spawned llama.cpp servers} */
  public BackendManifest manifest() {
    return parts.spawned().manifest();
  }

  /**
   * {@return whether a consumer can use spawned llama.cpp endpoints, and why}
   *
   * @param consumer the consumer
   */
  public CompatibilityResult compatibility(ConsumerManifest consumer) {
    return core.compatibility(BACKEND_ID, consumer);
  }

  /**
   * {@return the published endpoint of an instance (no lease)}
   *
   * @param instanceId the instance id
   */
  public EndpointDescriptor publishedEndpoint(String instanceId) {
    return core.publishedEndpoint(instanceId);
  }

  /**
   * {@return a snapshot of an instance, if it exists}
   *
   * @param instanceId the instance id
   */
  public Optional<InstanceSnapshot> instance(String instanceId) {
    return core.instance(instanceId);
  }

  /** {@return snapshots of every instance, sorted by id} */
  public List<InstanceSnapshot> instances() {
    return core.instances();
  }

  /**
   * Stops an instance (an attached one is only detached).
   *
   * @param instanceId the instance id
   * @return completes when the server is gone
   */
  public CompletableFuture<Void> stopInstance(String instanceId) {
    return core.stopInstance(instanceId);
  }

  /**
   * Stops an instance and waits until it is gone (an attached one is only detached). An unknown id
   * returns at once.
   *
   * @param instanceId the instance id
   * @param timeout how long to wait; the spec's {@code stop_timeout_ms} (SIGTERM grace) plus a little is
   *     enough for a spawned server
   * @throws InferenceException {@link ErrorCode#WAIT_TIMEOUT} if it is still stopping after {@code timeout}
   *     (the stop goes on), {@link ErrorCode#INTERRUPTED} if the thread is interrupted (flag restored)
   */
  public void stopInstance(String instanceId, Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    StopWaiter.await(stopInstance(instanceId), instanceId, timeout);
  }

  /**
   * Listens to instance, health and lease events.
   *
   * @param listener the listener
   * @return the subscription; close it to stop listening
   */
  public Subscription addListener(CoreListener listener) {
    return core.addListener(listener);
  }

  /**
   * Listens to instance, health and lease events on {@code executor}: in order and one at a time, never
   * on the library's threads (a health change is seen on the poll thread), so the listener may block.
   *
   * @param listener the listener
   * @param executor where its events run
   * @return the subscription; close it to stop listening
   */
  public Subscription addListener(CoreListener listener, Executor executor) {
    return core.addListener(listener, executor);
  }

  /** {@return {@code app}, {@code backend} and {@code version}, describing this library} */
  public Map<String, Object> metadata() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("app", "llama_cpp_sdk");
    m.put("backend", BACKEND_ID);
    m.put("version", VERSION);
    return m;
  }

  /**
   * Stops every server this backend started (SIGTERM, the spec's stop grace, SIGKILL of the whole
   * tree) and releases what it owns. Idempotent; never throws.
   */
  @Override
  public void close() {
    parts.close();
  }

  /** Builds a {@link LlamaCppBackend}. Mutable, single use, not thread-safe; a bad value throws at once. */
  public static final class Builder {
    private final BackendSettings settings = new BackendSettings();

    private Builder() {}

    /**
     * @param v where and how named models are pulled (default {@link HubSettings#fromEnvironment()},
     *     read when the first model is pulled)
     * @return this
     */
    public Builder hub(HubSettings v) { settings.hub(v); return this; }
    /** @param v the puller of named models (default: the library's, with {@link #hub}; yours is not closed)
     * @return this */
    public Builder modelPuller(ModelPuller v) { settings.modelPuller(v); return this; }
    /**
     * @param v receives the progress of every pull this backend makes (on the downloading thread;
     *     keep it fast; an exception it throws is logged once and ignored)
     * @return this
     */
    public Builder pullListener(Consumer<? super PullProgress> v) { settings.pullListener(v); return this; }
    /**
     * How many servers may run at once and how much estimated memory they may take, e.g. {@code
     * Capacity.maxInstances(2).and(Capacity.memoryBudget(16L << 30))}; default unlimited. Belongs to
     * the core this backend creates (with {@link #core(InferenceCore)}, set it on that core instead).
     *
     * @param v the capacity
     * @return this
     */
    public Builder capacity(Capacity v) { settings.capacity(v); return this; }
    /** @param v the process transport (default {@link ProcessTransport#local()}; yours is not closed)
     * @return this */
    public Builder transport(ProcessTransport v) { settings.transport(v); return this; }
    /**
     * Runs every spawned server as a pod on Kubernetes instead of a local subprocess (see
     * {@code guides/kubernetes.md}). Needs the optional fabric8 Kubernetes client on the class path.
     * Building the backend connects to the cluster and removes the pods of dead applications in the
     * namespace; it fails with {@code LAUNCH_FAILED} when it cannot. Anchors are stamped and judged
     * stale with {@link #clock(Clock)} when one is given. Ignored when a {@link
     * #transport(ProcessTransport)} is given.
     *
     * @param v where the pods run
     * @return this
     */
    public Builder kubernetes(KubernetesPlacement v) { settings.kubernetes(v); return this; }
    /** @param v the core to publish into (default: a new one; yours is not closed)
     * @return this */
    public Builder core(InferenceCore v) { settings.core(v); return this; }
    /** @param v the clock of a core this backend creates
     * @return this */
    public Builder clock(Clock v) { settings.clock(v); return this; }
    /** @param v the scheduler of a core this backend creates (not shut down by it)
     * @return this */
    public Builder scheduler(ScheduledExecutorService v) { settings.scheduler(v); return this; }
    /** @param v default idle shutdown after the last lease, for specs without {@code idle_shutdown_ms}
     * @return this */
    public Builder idleShutdown(Duration v) { settings.idleShutdown(v); return this; }
    /** @param v a listener of instance, health and lease events
     * @return this */
    public Builder listener(CoreListener v) { settings.listener(v); return this; }
    /** @param v what to do when a ready server crashes (default: never restart)
     * @return this */
    public Builder restartPolicy(RestartPolicy v) { settings.restartPolicy(v); return this; }
    /**
     * @param v consecutive agreeing health polls needed to change health (default 2; 1 = no hysteresis)
     * @return this
     * @throws IllegalArgumentException if {@code v < 1}
     */
    public Builder healthThreshold(int v) { settings.healthThreshold(v); return this; }
    /**
     * @param v the bound of each readiness or health request (default 2 s)
     * @return this
     * @throws IllegalArgumentException if {@code v} is not positive
     */
    public Builder probeTimeout(Duration v) { settings.probeTimeout(v); return this; }
    /**
     * Gives every spawned server whose spec sets no key ({@code api_key} or {@code api_key_file}) a
     * fresh random key of its own (256 bits from {@link java.security.SecureRandom}), kept for the
     * server's life, restarts included. The key reaches llama-server in its environment, is
     * published in the descriptor's headers and is masked everywhere else. Default off. Current
     * llama-server builds warn when they run with no key while CORS allows every origin: with this
     * on, another local program or a web page cannot use the server.
     *
     * @param v whether to key every spawned server
     * @return this
     */
    public Builder perInstanceKeys(boolean v) { settings.perInstanceKeys(v); return this; }

    /** {@return the backend} */
    public LlamaCppBackend build() {
      return new LlamaCppBackend(settings);
    }
  }
}
