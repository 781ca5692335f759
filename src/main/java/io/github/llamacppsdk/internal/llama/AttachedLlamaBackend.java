package io.github.llamacppsdk.internal.llama;

import io.github.llamacppsdk.AttachSpec;
import io.github.llamacppsdk.core.Backend;
import io.github.llamacppsdk.core.BackendManifest;
import io.github.llamacppsdk.core.Capabilities;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.core.InstanceContext;
import io.github.llamacppsdk.core.InstanceSpec;
import io.github.llamacppsdk.core.ManagedInstance;
import io.github.llamacppsdk.core.ManagementMode;
import io.github.llamacppsdk.core.Protocol;
import io.github.llamacppsdk.core.RuntimeKind;
import io.github.llamacppsdk.core.ServedEndpoint;
import io.github.llamacppsdk.core.StartupKind;
import io.github.llamacppsdk.core.StartupPlan;
import io.github.llamacppsdk.internal.core.Failures;
import io.github.llamacppsdk.internal.probe.HealthMonitor;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Not API. The llama.cpp backend for servers started elsewhere ({@code attach_existing_service},
 * {@code externally_managed}): same readiness and identity checks and the same health watch as a
 * spawned server, and a stop that only stops watching.
 */
public final class AttachedLlamaBackend implements Backend<AttachSpec> {
  /** The backend id. */
  public static final String ID = "llama_cpp_sdk_attached";
  /** The {@code backend_options} key that carries the attach spec. */
  public static final String ATTACH_SPEC_KEY = "attach_spec";

  private final LlamaServices services;

  /** @param services shared services */
  public AttachedLlamaBackend(LlamaServices services) {
    this.services = Objects.requireNonNull(services, "services");
  }

  @Override
  public String id() {
    return ID;
  }

  @Override
  public BackendManifest manifest() {
    Map<String, Object> capabilities = LlamaEndpoints.capabilities(Capabilities.UNKNOWN);
    return new BackendManifest(InstanceSpec.CONTRACT_VERSION, ID, RuntimeKind.SERVICE,
        List.of(ManagementMode.EXTERNALLY_MANAGED), Optional.of(StartupKind.ATTACH_EXISTING_SERVICE),
        List.of(Protocol.OPENAI_CHAT_COMPLETIONS), capabilities, List.of("local_subprocess"),
        Map.of("scheduler", "externally_managed", "placement", "existing_service", "gpu", "provider_managed"),
        Map.of("package", "llama_cpp_sdk"));
  }

  @Override
  public Class<AttachSpec> specType() {
    return AttachSpec.class;
  }

  @Override
  public StartupPlan plan(AttachSpec attach) {
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("root_url", attach.rootUrl());
    metadata.put("api_prefix", attach.apiPrefix());
    return new StartupPlan(attach.instanceKey(), StartupKind.ATTACH_EXISTING_SERVICE,
        ManagementMode.EXTERNALLY_MANAGED, Set.of(), Map.of(), Optional.empty(), metadata);
  }

  @Override
  public ManagedInstance start(AttachSpec attach, StartupPlan plan, InstanceContext context) {
    return new Attached(attach, services, context).start();
  }

  /** Reads a map-shaped request: the attach keys under {@code attach_spec}. */
  @Override
  public AttachSpec specFromMap(Map<String, Object> options) {
    Object value = options.get(ATTACH_SPEC_KEY);
    if (value instanceof Map<?, ?> m) {
      return AttachSpec.fromMap(LlamaServerBackend.stringKeys(m));
    }
    throw new InferenceException(ErrorCode.INVALID_SPEC,
        "backend_options.attach_spec must be a map of attach keys (or pass the AttachSpec itself with"
            + " InstanceSpec.typed)");
  }

  /** An attached server: watched, never stopped. */
  private static final class Attached implements ManagedInstance {
    private final AttachSpec spec;
    private final LlamaServices services;
    private final InstanceContext context;
    private final CompletableFuture<ServedEndpoint> ready = new CompletableFuture<>();
    private volatile StartupWatch watch;
    private HealthMonitor monitor; // guarded by this
    private boolean detached; // guarded by this

    Attached(AttachSpec spec, LlamaServices services, InstanceContext context) {
      this.spec = spec;
      this.services = services;
      this.context = context;
    }

    Attached start() {
      StartupWatch.Settings settings = new StartupWatch.Settings(
          LlamaEndpoints.target(spec.rootUrl(), spec.apiPrefix(), spec.headers(), spec.alias()),
          spec.readyTimeout(), spec.readyTimeout(), Duration.ofMillis(250), "(attached) " + spec.baseUrl(),
          java.net.URI.create(spec.rootUrl()).getPort(), null);
      watch = new StartupWatch(services.prober(), context.scheduler(), null, settings, context::reportHealth);
      watch.start().whenComplete((r, t) -> {
        if (t != null) {
          ready.completeExceptionally(Failures.unwrap(t));
          return;
        }
        HealthMonitor m = spec.healthInterval().map(interval -> new HealthMonitor(services.prober(),
            settings.target(), interval, services.healthThreshold(), context::reportHealth))
            .orElse(null);
        synchronized (this) {
          if (detached) {
            return; // stop() won the race: never start watching a detached server
          }
          monitor = m;
        }
        if (m != null) {
          m.start();
        }
        ready.complete(endpoint());
      });
      return this;
    }

    private ServedEndpoint endpoint() {
      Map<String, Object> capabilities = LlamaEndpoints.capabilities(Capabilities.UNKNOWN);
      return ServedEndpoint.builder(spec.baseUrl())
          .headers(spec.headers())
          .runtime(LlamaEndpoints.BACKEND_ID)
          .modelIdentity(spec.modelIdentity())
          .rootUrl(spec.rootUrl())
          .healthUrl(spec.healthUrl())
          .capabilities(capabilities)
          .metadata(Map.of("root_url", spec.rootUrl(), "api_prefix", spec.apiPrefix(), "attached", true))
          .build();
    }

    @Override
    public CompletableFuture<ServedEndpoint> ready() {
      return ready;
    }

    @Override
    public CompletableFuture<Void> stop() {
      HealthMonitor m;
      synchronized (this) {
        detached = true;
        m = monitor;
      }
      StartupWatch w = watch;
      if (w != null) {
        w.cancel("detached while waiting for readiness");
      }
      if (m != null) {
        m.stop();
      }
      return CompletableFuture.completedFuture(null);
    }
  }
}
