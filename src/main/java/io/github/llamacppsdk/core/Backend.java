package io.github.llamacppsdk.core;

/**
 * The SPI a backend implements to plug into the {@link InferenceCore}: llama.cpp is one, a vLLM
 * launcher or an attached Ollama would be others. The core knows nothing else about backends.
 *
 * <p>Implementations are thread-safe.
 */
public interface Backend {

  /** {@return the backend id, e.g. {@code llama_cpp_sdk}} */
  String id();

  /** {@return the static manifest: what this backend can offer} */
  BackendManifest manifest();

  /**
   * Validates an instance spec and returns the plan for it. Pure: it starts nothing.
   *
   * @param spec the requested instance
   * @return the plan, whose {@link StartupPlan#instanceKey()} decides instance reuse
   * @throws InferenceException with {@link ErrorCode#INVALID_SPEC} when the spec is unusable
   */
  StartupPlan plan(InstanceSpec spec);

  /**
   * Starts the planned instance (spawns a process, or attaches to a running service) and returns at
   * once; readiness is reported through {@link ManagedInstance#ready()}.
   *
   * @param spec the requested instance
   * @param plan the plan returned by {@link #plan(InstanceSpec)} for this spec
   * @param context the core's callbacks for this instance
   * @return the handle the core owns from now on
   * @throws InferenceException when the instance cannot even be launched
   */
  ManagedInstance start(InstanceSpec spec, StartupPlan plan, InstanceContext context);

  /**
   * Estimates the memory a new instance of the spec will take, for a {@link Capacity} memory budget.
   * Called once before a new instance is admitted (never for a reused one), on the resolving thread,
   * outside any lock: it may read files. It should not throw; a throw counts as {@link
   * MemoryEstimate.Source#UNKNOWN}. The default knows nothing (zero bytes).
   *
   * @param spec the requested instance
   * @param plan the plan returned by {@link #plan(InstanceSpec)} for this spec
   * @return the estimate
   */
  default MemoryEstimate estimateMemory(InstanceSpec spec, StartupPlan plan) {
    return MemoryEstimate.unknown("backend '" + id() + "' gives no estimate");
  }
}
