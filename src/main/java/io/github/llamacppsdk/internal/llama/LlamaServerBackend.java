package io.github.llamacppsdk.internal.llama;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.InvalidBootSpecException;
import io.github.llamacppsdk.core.Backend;
import io.github.llamacppsdk.core.BackendManifest;
import io.github.llamacppsdk.core.Capabilities;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.core.InstanceContext;
import io.github.llamacppsdk.core.InstanceSpec;
import io.github.llamacppsdk.core.ManagedInstance;
import io.github.llamacppsdk.core.MemoryEstimate;
import io.github.llamacppsdk.core.ManagementMode;
import io.github.llamacppsdk.core.Protocol;
import io.github.llamacppsdk.core.RuntimeKind;
import io.github.llamacppsdk.core.StartupKind;
import io.github.llamacppsdk.core.StartupPlan;
import io.github.llamacppsdk.gguf.GgufModel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Not API. The llama.cpp backend of the inference core, for spawned servers: its manifest, its
 * plan (instance key = the boot spec's identity; the fixed port is an exclusive
 * resource), and its start: the model file check ({@link ModelPreflight}), then {@link
 * LlamaServerInstance}.
 */
public final class LlamaServerBackend implements Backend<BootSpec> {
  /** The {@code backend_options} key of a map-shaped request that carries the boot spec (and the plan's metadata key). */
  public static final String BOOT_SPEC_KEY = "boot_spec";

  private final LlamaServices services;
  private final ModelFiles modelFiles = new ModelFiles(); // the estimate and the check share one read
  private final MemoryEstimator estimator = new MemoryEstimator(modelFiles);

  /** @param services shared services */
  public LlamaServerBackend(LlamaServices services) {
    this.services = Objects.requireNonNull(services, "services");
  }

  /** {@return the manifest of the llama backend} */
  public static BackendManifest manifestOfSpawned() {
    Map<String, Object> capabilities = LlamaEndpoints.capabilities(Capabilities.UNKNOWN);
    return new BackendManifest(InstanceSpec.CONTRACT_VERSION, LlamaEndpoints.BACKEND_ID, RuntimeKind.SERVICE,
        List.of(ManagementMode.JIDO_MANAGED), Optional.of(StartupKind.SPAWNED),
        List.of(Protocol.OPENAI_CHAT_COMPLETIONS), capabilities, List.of("local_subprocess"),
        Map.of("scheduler", "none", "placement", "model_dependent", "gpu", "optional"),
        Map.of("package", "llama_cpp_sdk", "ssh_exec", "future_additive"));
  }

  @Override
  public String id() {
    return LlamaEndpoints.BACKEND_ID;
  }

  @Override
  public BackendManifest manifest() {
    return manifestOfSpawned();
  }

  @Override
  public Class<BootSpec> specType() {
    return BootSpec.class;
  }

  @Override
  public StartupPlan plan(BootSpec boot) {
    boolean serverPulls = services.transport().capabilities().remote(); // a pod pulls by name itself (--hf-repo)
    if (boot.huggingFace().isPresent() && !serverPulls) {
      throw new InferenceException(ErrorCode.INVALID_SPEC, "hf_repo: the model " + boot.huggingFace().get()
          + " must be pulled before it reaches the core: LlamaCppBackend.resolveEndpoint pulls it, or pass the"
          + " spec LlamaCppBackend.resolveModel(spec) returns");
    }
    if (boot.huggingFace().isPresent()
        && !boot.huggingFace().get().revision().equals(io.github.llamacppsdk.models.HuggingFaceModel.DEFAULT_REVISION)) {
      throw new InferenceException(ErrorCode.INVALID_SPEC, "hf_revision: " + boot.huggingFace().get().revision()
          + " cannot be pulled by a remote llama-server: its --hf-repo always takes the branch main");
    }
    Map<String, Object> metadata = new LinkedHashMap<>(boot.metadata());
    metadata.put(BOOT_SPEC_KEY, Map.of("binary_path", boot.binaryPath(), "host", boot.host(), "port", boot.port(),
        "api_prefix", boot.apiPrefix(), "execution_surface", "local_subprocess"));
    Set<String> resources = boot.port() == 0 ? Set.of() : Set.of("tcp-port:" + boot.port());
    return new StartupPlan(boot.instanceKey(), StartupKind.SPAWNED, ManagementMode.JIDO_MANAGED, resources,
        Map.of(Capabilities.EMBEDDINGS, boot.embeddings()), boot.idleShutdown(), metadata);
  }

  /** {@return the spec's declared {@code memory_estimate_bytes}, else the estimate from the model's GGUF metadata} */
  @Override
  public MemoryEstimate estimateMemory(BootSpec boot, StartupPlan plan) {
    return estimator.estimate(boot);
  }

  @Override
  public ManagedInstance start(BootSpec boot, StartupPlan plan, InstanceContext context) {
    Map<String, Object> model = Map.of(); // a remote server's model path is the remote machine's: not checked here
    if (!services.transport().capabilities().remote()) {
      Optional<GgufModel> read = ModelPreflight.check(boot, modelFiles);
      if (read.isPresent()) {
        model = ModelPreflight.details(read.get());
      }
    }
    return LlamaServerInstance.start(boot, services, context, model);
  }

  /**
   * Reads a map-shaped request: a map under {@code boot_spec}, or the whole options map as boot-spec keys.
   *
   * @param options the backend options
   * @return the boot spec
   * @throws InvalidBootSpecException if the options do not describe a valid spec
   */
  @Override
  public BootSpec specFromMap(Map<String, Object> options) {
    Object value = options.get(BOOT_SPEC_KEY);
    if (value instanceof Map<?, ?> m) {
      return BootSpec.fromMap(stringKeys(m));
    }
    if (value == null && !options.isEmpty()) {
      return BootSpec.fromMap(options);
    }
    throw new InferenceException(ErrorCode.INVALID_SPEC,
        "backend_options.boot_spec must be a map of boot-spec keys (or pass the BootSpec itself with"
            + " InstanceSpec.typed), got " + typeOf(value));
  }

  /** {@return the map with every key turned into its string form (config maps may have other keys)} */
  static Map<String, Object> stringKeys(Map<?, ?> m) {
    Map<String, Object> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(String.valueOf(k), v));
    return out;
  }

  private static String typeOf(Object value) {
    return value == null ? "nothing" : value.getClass().getSimpleName();
  }
}
