package io.github.llamacppsdk.core;

import java.util.Map;

/**
 * The SPI a backend implements to plug into the {@link InferenceCore}: llama.cpp is one, a vLLM
 * launcher or an attached Ollama would be others. The core knows nothing else about backends.
 *
 * <p>A backend takes its own spec type {@code S} (for llama.cpp a {@code BootSpec}): an {@link
 * InstanceSpec} made with {@link InstanceSpec#typed(String, StartupKind, Object)} carries one, and the core
 * checks it against {@link #specType()} and hands it over as it is. A map-shaped spec (its {@code
 * backendOptions}) is read once, at the edge, by {@link #specFromMap(Map)}. Everything after that is
 * typed: the plan, the start and the memory estimate receive {@code S}.
 *
 * <p>Implementations are thread-safe.
 *
 * @param <S> the backend's own spec type
 */
public interface Backend<S> {

  /** {@return the backend id, e.g. {@code llama_cpp_sdk}} */
  String id();

  /** {@return the static manifest: what this backend can offer} */
  BackendManifest manifest();

  /** {@return the type of this backend's own spec} */
  Class<S> specType();

  /**
   * Reads a map-shaped spec: the {@code backendOptions} of an {@link InstanceSpec} that carries no
   * typed spec. The default accepts none.
   *
   * @param options the backend options, with text keys
   * @return the spec
   * @throws InferenceException with {@link ErrorCode#INVALID_SPEC} when the map is no valid spec
   */
  default S specFromMap(Map<String, Object> options) {
    throw new InferenceException(ErrorCode.INVALID_SPEC, "backend '" + id() + "' takes a "
        + specType().getSimpleName() + " (InstanceSpec.typed(backend, kind, spec)), not a map");
  }

  /**
   * Validates a spec and returns the plan for it. Pure: it starts nothing. The core adds the request's
   * {@link InstanceSpec#metadata()} to the plan's metadata.
   *
   * @param spec the requested instance
   * @return the plan, whose {@link StartupPlan#instanceKey()} decides instance reuse
   * @throws InferenceException with {@link ErrorCode#INVALID_SPEC} when the spec is unusable
   */
  StartupPlan plan(S spec);

  /**
   * Starts the planned instance (spawns a process, or attaches to a running service) and returns at
   * once; readiness is reported through {@link ManagedInstance#ready()}.
   *
   * @param spec the requested instance
   * @param plan the plan returned by {@link #plan} for this spec
   * @param context the core's callbacks for this instance
   * @return the handle the core owns from now on
   * @throws InferenceException when the instance cannot even be launched
   */
  ManagedInstance start(S spec, StartupPlan plan, InstanceContext context);

  /**
   * Estimates the memory a new instance of the spec will take, for a {@link Capacity} memory budget.
   * Called once before a new instance is admitted (never for a reused one), on the resolving thread,
   * outside any lock: it may read files. It should not throw; a throw counts as {@link
   * MemoryEstimate.Source#UNKNOWN}. The default knows nothing (zero bytes).
   *
   * @param spec the requested instance
   * @param plan the plan returned by {@link #plan} for this spec
   * @return the estimate
   */
  default MemoryEstimate estimateMemory(S spec, StartupPlan plan) {
    return MemoryEstimate.unknown("backend '" + id() + "' gives no estimate");
  }
}
