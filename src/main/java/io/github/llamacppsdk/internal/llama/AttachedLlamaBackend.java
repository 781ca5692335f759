package io.github.llamacppsdk.internal.llama;

import io.github.llamacppsdk.AttachSpec;
import io.github.llamacppsdk.core.Backend;
import io.github.llamacppsdk.core.BackendManifest;
import io.github.llamacppsdk.core.Capabilities;
import io.github.llamacppsdk.core.EndpointDescriptor;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.core.InstanceContext;
import io.github.llamacppsdk.core.InstanceSpec;
import io.github.llamacppsdk.core.ManagedInstance;
import io.github.llamacppsdk.core.ManagementMode;
import io.github.llamacppsdk.core.Protocol;
import io.github.llamacppsdk.core.RuntimeKind;
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
public final class AttachedLlamaBackend implements Backend {
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
  public StartupPlan plan(InstanceSpec spec) {
    AttachSpec attach = attachSpec(spec);
    Map<String, Object> metadata = new LinkedHashMap<>(spec.metadata());
    metadata.put("root_url", attach.rootUrl());
    metadata.put("api_prefix", attach.apiPrefix());
    return new StartupPlan(attach.instanceKey(), StartupKind.ATTACH_EXISTING_SERVICE,
        ManagementMode.EXTERNALLY_MANAGED, Set.of(), Map.of(), Optional.empty(), metadata);
  }

  @Override
  public ManagedInstance start(InstanceSpec spec, StartupPlan plan, InstanceContext context) {
    AttachSpec attach = attachSpec(spec);
    return new Attached(attach, services, context).start();
  }

  static AttachSpec attachSpec(InstanceSpec spec) {
    Object value = spec.backendOptions().get(ATTACH_SPEC_KEY);
    if (value instanceof AttachSpec a) {
      return a;
    }
    if (value instanceof Map<?, ?> m) {
      return AttachSpec.fromMap(LlamaServerBackend.stringKeys(m));
    }
    throw new InferenceException(ErrorCode.INVALID_SPEC,
        "backend_options.attach_spec must be an AttachSpec or a map of attach keys");
  }

  /** An attached server: watched, never stopped. */
  private static final class Attached implements ManagedInstance {
    private final AttachSpec spec;
    private final LlamaServices services;
    private final InstanceContext context;
    private final CompletableFuture<EndpointDescriptor> ready = new CompletableFuture<>();
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

    private EndpointDescriptor endpoint() {
      Map<String, Object> capabilities = LlamaEndpoints.capabilities(Capabilities.UNKNOWN);
      return EndpointDescriptor.builder(spec.baseUrl())
          .managementMode(ManagementMode.EXTERNALLY_MANAGED)
          .headers(spec.headers())
          .providerIdentity(LlamaEndpoints.BACKEND_ID)
          .modelIdentity(spec.modelIdentity())
          .sourceRuntime(LlamaEndpoints.BACKEND_ID)
          .sourceRuntimeRef(spec.rootUrl())
          .healthRef(spec.healthUrl())
          .capabilities(capabilities)
          .metadata(Map.of("root_url", spec.rootUrl(), "api_prefix", spec.apiPrefix(), "attached", true))
          .build();
    }

    @Override
    public CompletableFuture<EndpointDescriptor> ready() {
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
