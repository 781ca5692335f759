package io.github.llamacppsdk.core.support;

import io.github.llamacppsdk.core.Backend;
import io.github.llamacppsdk.core.BackendManifest;
import io.github.llamacppsdk.core.Capabilities;
import io.github.llamacppsdk.core.InstanceContext;
import io.github.llamacppsdk.core.InstanceSpec;
import io.github.llamacppsdk.core.ManagedInstance;
import io.github.llamacppsdk.core.ManagementMode;
import io.github.llamacppsdk.core.Protocol;
import io.github.llamacppsdk.core.RuntimeKind;
import io.github.llamacppsdk.core.ServedEndpoint;
import io.github.llamacppsdk.core.StartupKind;
import io.github.llamacppsdk.core.StartupPlan;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A backend the test controls. Spec {@code backend_options}: {@code model} (identity, part of the key),
 * optional {@code port} (claims {@code tcp:127.0.0.1:<port>}), {@code embeddings} (instance capability),
 * {@code idle_ms} (plan idle shutdown). Each start creates a {@link FakeInstance} whose ready future
 * the test completes (or, with {@link #readyAtOnce}, completes at start).
 */
public class FakeBackend implements Backend<FakeBackend.Options> {
  public final String id;
  public final List<FakeInstance> started = new CopyOnWriteArrayList<>();
  public volatile boolean readyAtOnce;
  public volatile Function<Options, StartupPlan> planOverride;
  public volatile RuntimeException startThrows;
  private final BackendManifest manifest;

  public FakeBackend(String id) {
    this(id, manifest(id, List.of(ManagementMode.JIDO_MANAGED), StartupKind.SPAWNED));
  }

  public FakeBackend(String id, BackendManifest manifest) {
    this.id = id;
    this.manifest = manifest;
  }

  public static BackendManifest manifest(String id, List<ManagementMode> modes, StartupKind startup) {
    return new BackendManifest(InstanceSpec.CONTRACT_VERSION, id, RuntimeKind.SERVICE, modes,
        Optional.ofNullable(startup), List.of(Protocol.OPENAI_CHAT_COMPLETIONS),
        Map.of(Capabilities.STREAMING, true, Capabilities.TOOL_CALLING, Capabilities.UNKNOWN,
            Capabilities.EMBEDDINGS, Capabilities.UNKNOWN),
        List.of("local_subprocess"), Map.of(), Map.of());
  }

  public InstanceSpec spec(String model) {
    return InstanceSpec.of(id, StartupKind.SPAWNED, Map.of("model", model));
  }

  public InstanceSpec spec(String model, int port) {
    return InstanceSpec.of(id, StartupKind.SPAWNED, Map.of("model", model, "port", port));
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public BackendManifest manifest() {
    return manifest;
  }

  /** The fake's own spec: the options map of the request. */
  public record Options(Map<String, Object> values) {
    public Object get(String key) {
      return values.get(key);
    }
  }

  @Override
  public Class<Options> specType() {
    return Options.class;
  }

  @Override
  public Options specFromMap(Map<String, Object> options) {
    return new Options(options);
  }

  @Override
  public StartupPlan plan(Options spec) {
    if (planOverride != null) {
      return planOverride.apply(spec);
    }
    Map<String, Object> o = spec.values();
    Object port = o.get("port");
    Object idle = o.get("idle_ms");
    return new StartupPlan(id + ":" + o.get("model") + (port == null ? "" : ":" + port), StartupKind.SPAWNED,
        ManagementMode.JIDO_MANAGED, port == null ? Set.of() : Set.of("tcp:127.0.0.1:" + port),
        o.containsKey("embeddings") ? Map.of(Capabilities.EMBEDDINGS, o.get("embeddings")) : Map.of(),
        idle == null ? Optional.empty() : Optional.of(Duration.ofMillis(((Number) idle).longValue())),
        Map.of("model", String.valueOf(o.get("model"))));
  }

  /** Spec option {@code memory} (bytes) is the estimate; without it the estimate is unknown. */
  @Override
  public io.github.llamacppsdk.core.MemoryEstimate estimateMemory(Options spec, StartupPlan plan) {
    Object m = spec.get("memory");
    return m == null ? io.github.llamacppsdk.core.MemoryEstimate.unknown("fake")
        : io.github.llamacppsdk.core.MemoryEstimate.declared(((Number) m).longValue(), "the fake's memory option");
  }

  public InstanceSpec withMemory(String model, long memory) {
    return InstanceSpec.of(id, StartupKind.SPAWNED, Map.of("model", model, "memory", memory));
  }

  @Override
  public ManagedInstance start(Options spec, StartupPlan plan, InstanceContext context) {
    if (startThrows != null) {
      throw startThrows;
    }
    FakeInstance i = new FakeInstance(plan, context, started.size() + 1);
    started.add(i);
    if (readyAtOnce) {
      i.becomeReady();
    }
    return i;
  }

  public FakeInstance last() {
    return started.get(started.size() - 1);
  }

  /** A started instance the test drives. */
  public static final class FakeInstance implements ManagedInstance {
    public final StartupPlan plan;
    public final InstanceContext context;
    public final int port;
    public final CompletableFuture<ServedEndpoint> ready = new CompletableFuture<>();
    public final CompletableFuture<Void> stopFuture = new CompletableFuture<>();
    public volatile int stopCalls;
    /** When false, stop() leaves {@link #stopFuture} for the test to complete. */
    public volatile boolean stopCompletesAtOnce = true;
    /** Stops that fail with {@code STOP_FAILED} (the server may still run) before one works, as a pod whose deletion is refused. */
    public volatile int failingStops;
    /** What {@link #isAlive()} answers: false plays a process that died before its exit is reported. */
    public volatile boolean alive = true;

    FakeInstance(StartupPlan plan, InstanceContext context, int n) {
      this.plan = plan;
      this.context = context;
      this.port = 40000 + n;
    }

    public ServedEndpoint endpoint() {
      return ServedEndpoint.builder("http://127.0.0.1:" + port + "/v1")
          .headers(Map.of("authorization", "Bearer secret-key")).modelIdentity(String.valueOf(plan.metadata()
              .get("model"))).healthUrl("http://127.0.0.1:" + port + "/health")
          .rootUrl("http://127.0.0.1:" + port).build();
    }

    public void becomeReady() {
      ready.complete(endpoint());
    }

    @Override
    public CompletableFuture<ServedEndpoint> ready() {
      return ready;
    }

    @Override
    public synchronized CompletableFuture<Void> stop() {
      stopCalls++;
      ready.completeExceptionally(new io.github.llamacppsdk.core.InferenceException(
          io.github.llamacppsdk.core.ErrorCode.STOPPED, "fake stopped"));
      if (failingStops > 0) {
        failingStops--;
        return CompletableFuture.failedFuture(new io.github.llamacppsdk.core.InferenceException(
            io.github.llamacppsdk.core.ErrorCode.STOP_FAILED, "fake could not be stopped"));
      }
      if (stopCompletesAtOnce) {
        stopFuture.complete(null);
      }
      return stopFuture;
    }

    @Override
    public boolean isAlive() {
      return alive;
    }

    @Override
    public Map<String, Object> details() {
      return Map.of("port", port);
    }
  }
}
