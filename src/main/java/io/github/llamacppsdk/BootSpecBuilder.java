package io.github.llamacppsdk;

import static io.github.llamacppsdk.internal.spec.SpecKeys.*;

import io.github.llamacppsdk.internal.spec.SpecNormalizer;
import io.github.llamacppsdk.models.HuggingFaceModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link BootSpec}; get one from {@link BootSpec#builder(String)} or
 * {@link BootSpec#toBuilder()}.
 *
 * <p>Setters only record values; {@link #build()} validates everything at once, exactly as
 * {@link BootSpec#fromMap(Map)} does, and reports every bad field in one
 * {@link InvalidBootSpecException}. Passing {@code null} to a setter clears the field, so its
 * default applies. Not thread-safe: use one builder per thread.
 */
public final class BootSpecBuilder {
  private final Map<String, Object> values = new LinkedHashMap<>();

  BootSpecBuilder() {}

  static BootSpecBuilder from(BootSpec s) {
    BootSpecBuilder b = new BootSpecBuilder();
    b.set(BINARY_PATH, s.binaryPath()).set(LAUNCHER_ARGS, s.launcherArgs());
    if (s.huggingFace().isPresent()) {
      b.huggingFace(s.huggingFace().get());
    } else {
      b.set(MODEL, s.model());
    }
    if (!s.alias().equals(s.huggingFace().map(HuggingFaceModel::defaultAlias)
        .orElseGet(() -> SpecNormalizer.deriveAlias(s.model())))) {
      b.set(ALIAS, s.alias());
    }
    if (!s.modelIdentity().equals(s.alias())) {
      b.set(MODEL_IDENTITY, s.modelIdentity());
    }
    b.set(HOST, s.host()).set(PORT, s.port()).set(API_PREFIX, s.apiPrefix())
        .set(GPU_LAYERS, s.gpuLayers()).set(FLASH_ATTN, s.flashAttn()).set(EMBEDDINGS, s.embeddings())
        .set(API_KEY, s.apiKey().orElse(null)).set(API_KEY_FILE, s.apiKeyFile().orElse(null))
        .set(POOLING, s.pooling().orElse(null))
        .set(READY_TIMEOUT_MS, s.readyTimeout()).set(READINESS_INTERVAL_MS, s.readinessInterval())
        .set(HEALTH_INTERVAL_MS, s.healthInterval().orElse(Duration.ZERO))
        .set(STOP_TIMEOUT_MS, s.stopTimeout()).set(STALL_TIMEOUT_MS, s.stallTimeout())
        .set(IDLE_SHUTDOWN_MS, s.idleShutdown().orElse(null))
        .set(EXECUTION_SURFACE, s.executionSurface()).set(ENVIRONMENT, s.environment())
        .set(EXTRA_ARGS, s.extraArgs()).set(METADATA, s.metadata());
    s.ctxSize().ifPresent(n -> b.set(CTX_SIZE, n));
    s.threads().ifPresent(n -> b.set(THREADS, n));
    s.threadsBatch().ifPresent(n -> b.set(THREADS_BATCH, n));
    s.parallel().ifPresent(n -> b.set(PARALLEL, n));
    s.timeoutSeconds().ifPresent(n -> b.set(TIMEOUT_SECONDS, n));
    s.threadsHttp().ifPresent(n -> b.set(THREADS_HTTP, n));
    s.memoryEstimateBytes().ifPresent(n -> b.set(MEMORY_ESTIMATE_BYTES, n));
    return b;
  }

  private BootSpecBuilder set(String key, Object value) {
    if (value == null) {
      values.remove(key);
    } else {
      values.put(key, value);
    }
    return this;
  }

  /** Sets {@code binary_path}: the executable. */
  public BootSpecBuilder binaryPath(String v) { return set(BINARY_PATH, v); }

  /** Sets {@code binary_path}: the executable. */
  public BootSpecBuilder binaryPath(Path v) { return set(BINARY_PATH, v); }

  /** Sets {@code launcher_args}: arguments before the llama flags. */
  public BootSpecBuilder launcherArgs(List<String> v) { return set(LAUNCHER_ARGS, copy(v)); }

  /** Sets {@code model}: the GGUF path; clears a Hugging Face name (the last of the two wins). */
  public BootSpecBuilder model(String v) { clearName(); return set(MODEL, v); }

  /** Sets {@code model}: the GGUF path; clears a Hugging Face name (the last of the two wins). */
  public BootSpecBuilder model(Path v) { clearName(); return set(MODEL, v); }

  private void clearName() {
    values.remove(HF_REPO);
    values.remove(HF_FILE);
    values.remove(HF_REVISION);
  }

  /**
   * Names the model on the Hugging Face Hub instead of giving a path: {@code owner/repo} or {@code
   * owner/repo:QUANT} (llama-server's {@code -hf} syntax); sets {@code hf_repo} and clears {@code
   * hf_file} and {@code hf_revision}, and a {@code model} path (the last of the two wins). The
   * library pulls it into the Hugging Face cache before launch.
   */
  public BootSpecBuilder huggingFace(String v) {
    clearName();
    values.remove(MODEL);
    return set(HF_REPO, v);
  }

  /**
   * Names the model on the Hugging Face Hub: sets {@code hf_repo}, {@code hf_file} and {@code
   * hf_revision}, and clears a {@code model} path (the last of the two wins).
   */
  public BootSpecBuilder huggingFace(HuggingFaceModel v) {
    clearName();
    if (v == null) {
      return this;
    }
    values.remove(MODEL);
    set(HF_REPO, v.name()).set(HF_FILE, v.file().orElse(null));
    return set(HF_REVISION, v.revision().equals(HuggingFaceModel.DEFAULT_REVISION) ? null : v.revision());
  }

  /** Sets {@code hf_file}: the file inside the {@code hf_repo} repository, instead of a quantisation tag. */
  public BootSpecBuilder hfFile(String v) { return set(HF_FILE, v); }

  /** Sets {@code hf_revision}: the branch, tag or commit of {@code hf_repo} (default {@code main}). */
  public BootSpecBuilder hfRevision(String v) { return set(HF_REVISION, v); }

  /** Sets {@code alias}: the served model name. */
  public BootSpecBuilder alias(String v) { return set(ALIAS, v); }

  /** Sets {@code model_identity}: the name clients send. */
  public BootSpecBuilder modelIdentity(String v) { return set(MODEL_IDENTITY, v); }

  /** Sets {@code host}: the listen address ({@code [::1]} accepted). */
  public BootSpecBuilder host(String v) { return set(HOST, v); }

  /** Sets {@code port}: 1..65535, or 0 for a free port at launch. */
  public BootSpecBuilder port(int v) { return set(PORT, v); }

  /** Sets {@code api_prefix}: the route prefix, e.g. {@code /llama}. */
  public BootSpecBuilder apiPrefix(String v) { return set(API_PREFIX, v); }

  /** Sets {@code ctx_size}: the context size, or null. */
  public BootSpecBuilder ctxSize(Integer v) { return set(CTX_SIZE, v); }

  /** Sets {@code gpu_layers}: the GPU offload. */
  public BootSpecBuilder gpuLayers(GpuLayers v) { return set(GPU_LAYERS, v); }

  /** Sets {@code threads}: generation threads, or null. */
  public BootSpecBuilder threads(Integer v) { return set(THREADS, v); }

  /** Sets {@code threads_batch}: batch threads, or null. */
  public BootSpecBuilder threadsBatch(Integer v) { return set(THREADS_BATCH, v); }

  /** Sets {@code parallel}: server slots, or null. */
  public BootSpecBuilder parallel(Integer v) { return set(PARALLEL, v); }

  /** Sets {@code flash_attn}: the setting. */
  public BootSpecBuilder flashAttn(FlashAttn v) { return set(FLASH_ATTN, v); }

  /** Sets {@code embeddings}: whether to serve embeddings. */
  public BootSpecBuilder embeddings(boolean v) { return set(EMBEDDINGS, v); }

  /** Sets {@code api_key}: the key, or null. */
  public BootSpecBuilder apiKey(Secret v) { return set(API_KEY, v); }

  /** Sets {@code api_key}: the key, or null. */
  public BootSpecBuilder apiKey(String v) { return set(API_KEY, v); }

  /** Sets {@code api_key_file}: the key file, or null. */
  public BootSpecBuilder apiKeyFile(String v) { return set(API_KEY_FILE, v); }

  /** Sets {@code api_key_file}: the key file, or null. */
  public BootSpecBuilder apiKeyFile(Path v) { return set(API_KEY_FILE, v); }

  /** Sets {@code timeout_seconds}: the server's I/O timeout, or null. */
  public BootSpecBuilder timeoutSeconds(Integer v) { return set(TIMEOUT_SECONDS, v); }

  /** Sets {@code threads_http}: HTTP threads, or null. */
  public BootSpecBuilder threadsHttp(Integer v) { return set(THREADS_HTTP, v); }

  /** Sets {@code pooling}: the pooling type, or null. */
  public BootSpecBuilder pooling(Pooling v) { return set(POOLING, v); }

  /** Sets {@code ready_timeout_ms}: the readiness timeout. */
  public BootSpecBuilder readyTimeout(Duration v) { return set(READY_TIMEOUT_MS, v); }

  /** Sets {@code readiness_interval_ms}: the probe interval. */
  public BootSpecBuilder readinessInterval(Duration v) { return set(READINESS_INTERVAL_MS, v); }

  /** Sets {@code health_interval_ms}: the health probe interval; {@link Duration#ZERO} turns polling off. */
  public BootSpecBuilder healthInterval(Duration v) { return set(HEALTH_INTERVAL_MS, v); }

  /** Sets {@code stop_timeout_ms}: the SIGTERM grace. */
  public BootSpecBuilder stopTimeout(Duration v) { return set(STOP_TIMEOUT_MS, v); }

  /** Sets {@code stall_timeout_ms}: the no-progress limit. */
  public BootSpecBuilder stallTimeout(Duration v) { return set(STALL_TIMEOUT_MS, v); }

  /** Sets {@code idle_shutdown_ms}: the idle delay, or null to keep running. */
  public BootSpecBuilder idleShutdown(Duration v) { return set(IDLE_SHUTDOWN_MS, v); }

  /**
   * Sets {@code memory_estimate_bytes}: the memory the server will take, declared instead of the
   * estimate read from the model's metadata (what a capacity memory budget counts); null estimates it.
   */
  public BootSpecBuilder memoryEstimateBytes(Long v) { return set(MEMORY_ESTIMATE_BYTES, v); }

  /** Sets {@code execution_surface}: the surface map. */
  public BootSpecBuilder executionSurface(Map<String, ?> v) {
    return set(EXECUTION_SURFACE, v == null ? null : new LinkedHashMap<>(v));
  }

  /** Sets {@code environment}: variables for the child. */
  public BootSpecBuilder environment(Map<String, String> v) {
    return set(ENVIRONMENT, v == null ? null : new LinkedHashMap<>(v));
  }

  /** Sets {@code extra_args}: arguments after the managed flags. */
  public BootSpecBuilder extraArgs(List<String> v) { return set(EXTRA_ARGS, copy(v)); }

  /** Appends one argument to {@code extra_args}: the argument. */
  public BootSpecBuilder extraArg(String v) {
    Object current = values.get(EXTRA_ARGS);
    List<Object> args = current instanceof List ? new ArrayList<>((List<?>) current) : new ArrayList<>();
    args.add(v);
    return set(EXTRA_ARGS, args);
  }

  /** Sets {@code metadata}: caller data, not part of identity. */
  public BootSpecBuilder metadata(Map<String, ?> v) {
    return set(METADATA, v == null ? null : new LinkedHashMap<>(v));
  }

  /**
   * Validates and builds the spec; reads {@code api_key_file} when no {@code api_key} is set.
   *
   * @return the spec
   * @throws InvalidBootSpecException listing every bad field
   */
  public BootSpec build() {
    return SpecNormalizer.normalize(values, false);
  }

  private static List<Object> copy(List<?> v) {
    return v == null ? null : new ArrayList<>(v);
  }
}
