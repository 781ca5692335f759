package io.github.llamacppsdk;

import io.github.llamacppsdk.core.Secret;
import static io.github.llamacppsdk.internal.spec.SpecKeys.*;

import io.github.llamacppsdk.internal.spec.FieldChecks;
import io.github.llamacppsdk.internal.spec.SpecRules;
import io.github.llamacppsdk.models.HuggingFaceModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Builds a {@link BootSpec}; get one from {@link BootSpec#builder(String)} or
 * {@link BootSpec#toBuilder()}.
 *
 * <p>Every setter checks its value where it is set: a bad value throws an
 * {@link InvalidBootSpecException} naming the field (by its map key, e.g. {@code ctx_size}) and the
 * reason, the same reason {@link BootSpec#fromMap(Map)} gives for it. {@link #build()} checks only
 * what spans fields (a model path or name is required; {@code hf_file} needs {@code hf_repo}; an alias
 * can be derived). Passing {@code null} to a setter clears the field, so its default applies. No setter
 * and not {@link #build()} touches the file system: an {@code api_key_file} is read when the server is
 * launched. Not thread-safe: use one builder per thread.
 */
public final class BootSpecBuilder {
  private static final FieldChecks CHECKS = FieldChecks.BOOT_SPEC;

  private String binaryPath = BootSpec.DEFAULT_BINARY;
  private List<String> launcherArgs = List.of();
  private String model;
  private String hfRepo;
  private String hfFile;
  private String hfRevision;
  private String alias;
  private String modelIdentity;
  private String host = BootSpec.DEFAULT_HOST;
  private int port = BootSpec.DEFAULT_PORT;
  private String apiPrefix = "";
  private Integer ctxSize;
  private GpuLayers gpuLayers = GpuLayers.auto();
  private Integer threads;
  private Integer threadsBatch;
  private Integer parallel;
  private FlashAttn flashAttn = FlashAttn.AUTO;
  private boolean embeddings;
  private Secret apiKey;
  private String apiKeyFile;
  private Integer timeoutSeconds;
  private Integer threadsHttp;
  private Pooling pooling;
  private Duration readyTimeout = BootSpec.DEFAULT_READY_TIMEOUT;
  private Duration readinessInterval = BootSpec.DEFAULT_READINESS_INTERVAL;
  private Duration healthInterval = BootSpec.DEFAULT_HEALTH_INTERVAL; // ZERO: polling off
  private Duration stopTimeout = BootSpec.DEFAULT_STOP_TIMEOUT;
  private Duration stallTimeout = BootSpec.DEFAULT_STALL_TIMEOUT;
  private Duration idleShutdown;
  private Long memoryEstimateBytes;
  private Map<String, Object> executionSurface = Map.of(SpecRules.SURFACE_KIND, SpecRules.LOCAL_SUBPROCESS);
  private Map<String, String> environment = Map.of();
  private List<String> extraArgs = List.of();
  private Map<String, Object> metadata = Map.of();

  BootSpecBuilder() {}

  static BootSpecBuilder from(BootSpec s) {
    BootSpecBuilder b = new BootSpecBuilder();
    b.binaryPath = s.binaryPath();
    b.launcherArgs = s.launcherArgs();
    if (s.huggingFace().isPresent()) {
      b.huggingFace(s.huggingFace().get());
    } else {
      b.model = s.model();
    }
    String derived = s.huggingFace().isPresent() ? s.huggingFace().get().defaultAlias()
        : SpecRules.deriveAlias(s.model());
    if (!s.alias().equals(derived)) {
      b.alias = s.alias(); // explicit only: a derived alias follows a new model
    }
    if (!s.modelIdentity().equals(s.alias())) {
      b.modelIdentity = s.modelIdentity();
    }
    b.host = s.host();
    b.port = s.port();
    b.apiPrefix = s.apiPrefix();
    b.ctxSize = boxed(s.ctxSize());
    b.gpuLayers = s.gpuLayers();
    b.threads = boxed(s.threads());
    b.threadsBatch = boxed(s.threadsBatch());
    b.parallel = boxed(s.parallel());
    b.flashAttn = s.flashAttn();
    b.embeddings = s.embeddings();
    b.apiKey = s.apiKey().orElse(null);
    b.apiKeyFile = s.apiKeyFile().orElse(null);
    b.timeoutSeconds = boxed(s.timeoutSeconds());
    b.threadsHttp = boxed(s.threadsHttp());
    b.pooling = s.pooling().orElse(null);
    b.readyTimeout = s.readyTimeout();
    b.readinessInterval = s.readinessInterval();
    b.healthInterval = s.healthInterval().orElse(Duration.ZERO);
    b.stopTimeout = s.stopTimeout();
    b.stallTimeout = s.stallTimeout();
    b.idleShutdown = s.idleShutdown().orElse(null);
    b.memoryEstimateBytes = s.memoryEstimateBytes().isPresent() ? s.memoryEstimateBytes().getAsLong() : null;
    b.executionSurface = s.executionSurface();
    b.environment = s.environment();
    b.extraArgs = s.extraArgs();
    b.metadata = s.metadata();
    return b;
  }

  /** Sets {@code binary_path}: the executable (not checked for existence until launch). */
  public BootSpecBuilder binaryPath(String v) {
    binaryPath = v == null ? BootSpec.DEFAULT_BINARY : CHECKS.check(BINARY_PATH, v, SpecRules.pathProblem(v));
    return this;
  }

  /** Sets {@code binary_path}: the executable (not checked for existence until launch). */
  public BootSpecBuilder binaryPath(Path v) { return binaryPath(v == null ? null : v.toString()); }

  /** Sets {@code launcher_args}: arguments before the llama flags. */
  public BootSpecBuilder launcherArgs(List<String> v) {
    if (v == null) {
      launcherArgs = List.of();
    } else {
      List<Violation> out = SpecRules.violations();
      SpecRules.checkArgs(LAUNCHER_ARGS, v, out);
      launcherArgs = List.copyOf(CHECKS.checked(v, out)); // checked first: a null element is a violation
    }
    return this;
  }

  /** Sets {@code model}: the GGUF path; clears a Hugging Face name (the last of the two wins). */
  public BootSpecBuilder model(String v) {
    if (v != null) {
      CHECKS.check(MODEL, v, SpecRules.pathProblem(v));
      clearName();
    }
    model = v;
    return this;
  }

  /** Sets {@code model}: the GGUF path; clears a Hugging Face name (the last of the two wins). */
  public BootSpecBuilder model(Path v) { return model(v == null ? null : v.toString()); }

  private void clearName() {
    hfRepo = null;
    hfFile = null;
    hfRevision = null;
  }

  /**
   * Names the model on the Hugging Face Hub instead of giving a path: {@code owner/repo} or {@code
   * owner/repo:QUANT} (llama-server's {@code -hf} syntax); sets {@code hf_repo} and clears {@code
   * hf_file} and {@code hf_revision}, and a {@code model} path (the last of the two wins). The
   * library pulls it into the Hugging Face cache before launch.
   */
  public BootSpecBuilder huggingFace(String v) {
    if (v != null) {
      CHECKS.check(HF_REPO, v, SpecRules.hfRepoProblem(v));
      model = null;
    }
    clearName();
    hfRepo = v;
    return this;
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
    model = null;
    hfRepo = v.name();
    hfFile = v.file().orElse(null);
    hfRevision = v.revision().equals(HuggingFaceModel.DEFAULT_REVISION) ? null : v.revision();
    return this;
  }

  /** Sets {@code hf_file}: the file inside the {@code hf_repo} repository, instead of a quantisation tag. */
  public BootSpecBuilder hfFile(String v) {
    hfFile = v == null ? null : CHECKS.check(HF_FILE, v, SpecRules.hfFileProblem(v));
    return this;
  }

  /** Sets {@code hf_revision}: the branch, tag or commit of {@code hf_repo} (default {@code main}). */
  public BootSpecBuilder hfRevision(String v) {
    hfRevision = v == null ? null : CHECKS.check(HF_REVISION, v, SpecRules.hfRevisionProblem(v));
    return this;
  }

  /** Sets {@code alias}: the served model name. */
  public BootSpecBuilder alias(String v) {
    alias = v == null ? null : CHECKS.check(ALIAS, v, SpecRules.textProblem(v));
    return this;
  }

  /** Sets {@code model_identity}: the name clients send. */
  public BootSpecBuilder modelIdentity(String v) {
    modelIdentity = v == null ? null : CHECKS.check(MODEL_IDENTITY, v, SpecRules.textProblem(v));
    return this;
  }

  /** Sets {@code host}: the listen address ({@code [::1]} accepted, stored without brackets). */
  public BootSpecBuilder host(String v) {
    host = v == null ? BootSpec.DEFAULT_HOST : SpecRules.stripBrackets(CHECKS.check(HOST, v, SpecRules.hostProblem(v)));
    return this;
  }

  /** Sets {@code port}: 1..65535, or 0 for a free port at launch. */
  public BootSpecBuilder port(int v) {
    CHECKS.check(PORT, v, SpecRules.portProblem(v));
    port = v;
    return this;
  }

  /** Sets {@code api_prefix}: the route prefix, e.g. {@code /llama} (normalised to a leading {@code /}). */
  public BootSpecBuilder apiPrefix(String v) {
    apiPrefix = v == null ? "" : SpecRules.normalisePrefix(CHECKS.check(API_PREFIX, v, SpecRules.apiPrefixProblem(v)));
    return this;
  }

  /** Sets {@code ctx_size}: the context size, or null. */
  public BootSpecBuilder ctxSize(Integer v) { ctxSize = CHECKS.positive(CTX_SIZE, v); return this; }

  /** Sets {@code gpu_layers}: the GPU offload. */
  public BootSpecBuilder gpuLayers(GpuLayers v) { gpuLayers = v == null ? GpuLayers.auto() : v; return this; }

  /** Sets {@code threads}: generation threads, or null. */
  public BootSpecBuilder threads(Integer v) { threads = CHECKS.positive(THREADS, v); return this; }

  /** Sets {@code threads_batch}: batch threads, or null. */
  public BootSpecBuilder threadsBatch(Integer v) { threadsBatch = CHECKS.positive(THREADS_BATCH, v); return this; }

  /** Sets {@code parallel}: server slots, or null. */
  public BootSpecBuilder parallel(Integer v) { parallel = CHECKS.positive(PARALLEL, v); return this; }

  /** Sets {@code flash_attn}: the setting. */
  public BootSpecBuilder flashAttn(FlashAttn v) { flashAttn = v == null ? FlashAttn.AUTO : v; return this; }

  /** Sets {@code embeddings}: whether to serve embeddings. */
  public BootSpecBuilder embeddings(boolean v) { embeddings = v; return this; }

  /** Sets {@code api_key}: the key, or null. */
  public BootSpecBuilder apiKey(Secret v) {
    apiKey = v == null ? null : CHECKS.check(API_KEY, v, SpecRules.apiKeyProblem(v.reveal()));
    return this;
  }

  /** Sets {@code api_key}: the key, or null. */
  public BootSpecBuilder apiKey(String v) {
    return apiKey(v == null ? null : Secret.of(CHECKS.check(API_KEY, v, SpecRules.apiKeyProblem(v))));
  }

  /**
   * Sets {@code api_key_file}: a file holding the key, or null. Only the path is checked here; the
   * file is read each time the server is launched.
   */
  public BootSpecBuilder apiKeyFile(String v) {
    apiKeyFile = v == null ? null : CHECKS.check(API_KEY_FILE, v, SpecRules.pathProblem(v));
    return this;
  }

  /** Sets {@code api_key_file}: a file holding the key, or null; read when the server is launched. */
  public BootSpecBuilder apiKeyFile(Path v) { return apiKeyFile(v == null ? null : v.toString()); }

  /** Sets {@code timeout_seconds}: the server's I/O timeout, or null. */
  public BootSpecBuilder timeoutSeconds(Integer v) { timeoutSeconds = CHECKS.positive(TIMEOUT_SECONDS, v); return this; }

  /** Sets {@code threads_http}: HTTP threads, or null. */
  public BootSpecBuilder threadsHttp(Integer v) { threadsHttp = CHECKS.positive(THREADS_HTTP, v); return this; }

  /** Sets {@code pooling}: the pooling type, or null. */
  public BootSpecBuilder pooling(Pooling v) { pooling = v; return this; }

  /** Sets {@code ready_timeout_ms}: the readiness timeout, positive, at most 365 days. */
  public BootSpecBuilder readyTimeout(Duration v) {
    readyTimeout = CHECKS.duration(READY_TIMEOUT_MS, v, BootSpec.DEFAULT_READY_TIMEOUT, false);
    return this;
  }

  /** Sets {@code readiness_interval_ms}: the probe interval, positive, at most 365 days. */
  public BootSpecBuilder readinessInterval(Duration v) {
    readinessInterval = CHECKS.duration(READINESS_INTERVAL_MS, v, BootSpec.DEFAULT_READINESS_INTERVAL, false);
    return this;
  }

  /** Sets {@code health_interval_ms}: the health probe interval; {@link Duration#ZERO} turns polling off. */
  public BootSpecBuilder healthInterval(Duration v) {
    healthInterval = CHECKS.duration(HEALTH_INTERVAL_MS, v, BootSpec.DEFAULT_HEALTH_INTERVAL, true);
    return this;
  }

  /** Sets {@code stop_timeout_ms}: the SIGTERM grace, positive, at most 365 days. */
  public BootSpecBuilder stopTimeout(Duration v) {
    stopTimeout = CHECKS.duration(STOP_TIMEOUT_MS, v, BootSpec.DEFAULT_STOP_TIMEOUT, false);
    return this;
  }

  /** Sets {@code stall_timeout_ms}: the no-progress limit, positive, at most 365 days. */
  public BootSpecBuilder stallTimeout(Duration v) {
    stallTimeout = CHECKS.duration(STALL_TIMEOUT_MS, v, BootSpec.DEFAULT_STALL_TIMEOUT, false);
    return this;
  }

  /** Sets {@code idle_shutdown_ms}: the idle delay, or null to keep running. */
  public BootSpecBuilder idleShutdown(Duration v) {
    idleShutdown = CHECKS.duration(IDLE_SHUTDOWN_MS, v, null, false);
    return this;
  }

  /**
   * Sets {@code memory_estimate_bytes}: the memory the server will take, declared instead of the
   * estimate read from the model's metadata (what a capacity memory budget counts); null estimates it.
   */
  public BootSpecBuilder memoryEstimateBytes(Long v) {
    memoryEstimateBytes = v == null ? null
        : CHECKS.check(MEMORY_ESTIMATE_BYTES, v, v < 0 ? "must be a whole number of bytes, 0 or more." : null);
    return this;
  }

  /** Sets {@code execution_surface}: the surface map ({@code surface_kind} absent or {@code local_subprocess}). */
  public BootSpecBuilder executionSurface(Map<String, ?> v) {
    if (v == null) {
      executionSurface = Map.of(SpecRules.SURFACE_KIND, SpecRules.LOCAL_SUBPROCESS);
    } else {
      List<Violation> out = SpecRules.violations();
      executionSurface = CHECKS.checked(SpecRules.checkExecutionSurface(v, out), out);
    }
    return this;
  }

  /** Sets {@code environment}: variables for the child (never {@code LLAMA_API_KEY}). */
  public BootSpecBuilder environment(Map<String, String> v) {
    if (v == null) {
      environment = Map.of();
    } else {
      List<Violation> out = SpecRules.violations();
      environment = CHECKS.checked(SpecRules.checkEnvironment(v, out), out);
    }
    return this;
  }

  /** Sets {@code extra_args}: arguments after the managed flags (never a managed flag). */
  public BootSpecBuilder extraArgs(List<String> v) {
    if (v == null) {
      extraArgs = List.of();
    } else {
      List<Violation> out = SpecRules.violations();
      SpecRules.checkExtraArgs(v, out);
      extraArgs = List.copyOf(CHECKS.checked(v, out)); // checked first: a null element is a violation
    }
    return this;
  }

  /** Appends one argument to {@code extra_args}: the argument (never a managed flag). */
  public BootSpecBuilder extraArg(String v) {
    List<String> args = new ArrayList<>(extraArgs);
    args.add(v);
    return extraArgs(args);
  }

  /** Sets {@code metadata}: caller data, not part of identity; {@code null} values are dropped. */
  public BootSpecBuilder metadata(Map<String, ?> v) {
    if (v == null) {
      metadata = Map.of();
    } else {
      List<Violation> out = SpecRules.violations();
      metadata = CHECKS.checked(SpecRules.checkMetadata(v, out), out);
    }
    return this;
  }

  /**
   * Checks what spans fields and builds the spec. Reads no file.
   *
   * @return the spec
   * @throws InvalidBootSpecException listing every violation: no model path or name, {@code hf_file}
   *     or {@code hf_revision} without {@code hf_repo}, {@code hf_file} beside a quantisation tag, an
   *     alias that cannot be derived
   */
  public BootSpec build() {
    List<Violation> out = SpecRules.violations();
    Optional<HuggingFaceModel> name = SpecRules.huggingFace(hfRepo, hfFile, hfRevision, out);
    String path = name.isPresent() ? name.get().toString() : model;
    if (path == null && out.isEmpty()) {
      out.add(new Violation(MODEL, "null", "is required: the path of the GGUF model file (or set hf_repo to a"
          + " Hugging Face name such as owner/repo:Q4_K_M)."));
    }
    String a = alias;
    if (a == null) {
      a = name.isPresent() ? name.get().defaultAlias() : path == null ? null : SpecRules.deriveAlias(path);
    }
    if (a != null && a.isEmpty()) {
      out.add(new Violation(ALIAS, "\"\"", "the alias derived from model \"" + path
          + "\" is empty (the file name is only an extension); set alias explicitly."));
    }
    if (!out.isEmpty()) {
      throw new InvalidBootSpecException(out);
    }
    return new BootSpec(binaryPath, launcherArgs, path, a, modelIdentity != null ? modelIdentity : a, host, port,
        apiPrefix, unboxed(ctxSize), gpuLayers, unboxed(threads), unboxed(threadsBatch), unboxed(parallel),
        flashAttn, embeddings, Optional.ofNullable(apiKey), Optional.ofNullable(apiKeyFile), unboxed(timeoutSeconds),
        unboxed(threadsHttp), Optional.ofNullable(pooling), readyTimeout, readinessInterval,
        healthInterval.isZero() ? Optional.empty() : Optional.of(healthInterval), stopTimeout, stallTimeout,
        Optional.ofNullable(idleShutdown),
        memoryEstimateBytes == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(memoryEstimateBytes),
        executionSurface, environment, extraArgs, metadata, name);
  }

  private static Integer boxed(OptionalInt v) {
    return v.isPresent() ? v.getAsInt() : null;
  }

  private static OptionalInt unboxed(Integer v) {
    return v == null ? OptionalInt.empty() : OptionalInt.of(v);
  }
}
