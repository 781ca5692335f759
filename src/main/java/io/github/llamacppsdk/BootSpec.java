package io.github.llamacppsdk;

import io.github.llamacppsdk.core.Secret;
import io.github.llamacppsdk.internal.spec.LlamaServerFlags;
import io.github.llamacppsdk.internal.spec.SpecIdentity;
import io.github.llamacppsdk.internal.spec.SpecMaps;
import io.github.llamacppsdk.internal.spec.SpecRules;
import io.github.llamacppsdk.internal.spec.SpecUrls;
import io.github.llamacppsdk.internal.spec.ShellText;
import io.github.llamacppsdk.models.HuggingFaceModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;

/**
 * One immutable, validated description of one llama-server: which binary and model, where it
 * listens, how it runs, and how long the library waits for it. The field-by-field reference is
 * {@code guides/boot_spec.md}.
 *
 * <p>Get one from {@link #builder(String)}, whose setters check each value where it is set, or from
 * {@link #fromMap(Map)}, which accepts snake_case keys so configuration files and JSON map straight
 * onto it and reports every bad field of the map at once; both apply the same rules and throw an
 * {@link InvalidBootSpecException}. Derive variants with {@link #toBuilder()}. Use the builder rather
 * than the canonical constructor: the constructor only checks basic invariants and does not derive
 * {@code alias} or {@code modelIdentity}. Building a spec touches no file: an {@code apiKeyFile} is
 * read each time the server is launched, and its key never becomes part of the spec.
 *
 * <p>Equal specs mean "the same server": {@link #equals(Object)}, {@link #hashCode()} and
 * {@link #instanceKey()} ignore {@code metadata} and every timing field.
 * {@link #toString()} masks the API key and shows environment keys only.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param binaryPath the llama-server executable (default {@code llama-server}, found on PATH)
 * @param launcherArgs arguments placed before every llama-server flag (e.g. a wrapper's options)
 * @param model the GGUF model path ({@code --model}); for a spec that names its model with {@code
 *     huggingFace}, that name ({@link HuggingFaceModel#toString()}) until the library pulls it and
 *     launches on the cached file; either a path or a name is required
 * @param alias the model name the server reports ({@code --alias}); default: the model file name
 *     without its last extension, or for a named model {@link HuggingFaceModel#defaultAlias()}
 *     ({@code owner/repo:QUANT}, as llama-server reports it)
 * @param modelIdentity the model name clients send; default: {@code alias}
 * @param host the listen address ({@code --host}), IPv6 without brackets; default {@code 127.0.0.1}
 * @param port the listen port; {@code 0} means "pick a free port at launch"; default {@code 8080}
 * @param apiPrefix the normalised route prefix ({@code --api-prefix}), {@code ""} for none
 * @param ctxSize the context size ({@code --ctx-size})
 * @param gpuLayers the GPU offload ({@code --gpu-layers}); default {@link GpuLayers#auto()}
 * @param threads generation threads ({@code --threads})
 * @param threadsBatch batch threads ({@code --threads-batch})
 * @param parallel server slots ({@code --parallel})
 * @param flashAttn flash attention ({@code --flash-attn}); default {@link FlashAttn#AUTO}
 * @param embeddings whether the embeddings endpoint is on ({@code --embedding}); default false
 * @param apiKey the API key; passed to the child as {@code LLAMA_API_KEY}, never on the command line
 * @param apiKeyFile a file holding the API key ({@code --api-key-file}); the library reads it when it
 *     launches the server, to authenticate its probes and to publish the key with the endpoint
 * @param timeoutSeconds the server's read/write timeout ({@code --timeout})
 * @param threadsHttp HTTP worker threads ({@code --threads-http})
 * @param pooling the embeddings pooling type ({@code --pooling})
 * @param readyTimeout how long a start may take before it fails; default 120 s
 * @param readinessInterval the pause between readiness probes; default 100 ms
 * @param healthInterval the pause between health probes once ready; empty turns polling off;
 *     default 1 s
 * @param stopTimeout how long a stop waits after SIGTERM before SIGKILL; default 10 s
 * @param stallTimeout how long a start may show no progress before it fails; default 60 s
 * @param memoryEstimateBytes the memory the server will take, in bytes, declared instead of the estimate
 *     read from the model's GGUF metadata (what a {@link io.github.llamacppsdk.core.Capacity} memory
 *     budget counts); empty (the default) estimates it; not part of identity
 * @param idleShutdown stop the server this long after its last lease ends; empty (the default)
 *     keeps it running
 * @param executionSurface where the process runs; only {@code surface_kind=local_subprocess}
 * @param environment variables added to the child's environment
 * @param extraArgs arguments appended after the managed flags; never a managed flag
 * @param metadata free-form caller data; not part of identity
 * @param huggingFace the Hugging Face model this spec names ({@code hf_repo}, {@code hf_file},
 *     {@code hf_revision}); {@link LlamaCppBackend} pulls it into the cache before launch
 */
public record BootSpec(
    String binaryPath,
    List<String> launcherArgs,
    String model,
    String alias,
    String modelIdentity,
    String host,
    int port,
    String apiPrefix,
    OptionalInt ctxSize,
    GpuLayers gpuLayers,
    OptionalInt threads,
    OptionalInt threadsBatch,
    OptionalInt parallel,
    FlashAttn flashAttn,
    boolean embeddings,
    Optional<Secret> apiKey,
    Optional<String> apiKeyFile,
    OptionalInt timeoutSeconds,
    OptionalInt threadsHttp,
    Optional<Pooling> pooling,
    Duration readyTimeout,
    Duration readinessInterval,
    Optional<Duration> healthInterval,
    Duration stopTimeout,
    Duration stallTimeout,
    Optional<Duration> idleShutdown,
    java.util.OptionalLong memoryEstimateBytes,
    Map<String, Object> executionSurface,
    Map<String, String> environment,
    List<String> extraArgs,
    Map<String, Object> metadata,
    Optional<HuggingFaceModel> huggingFace) {

  /** The default binary, looked up on PATH. */
  public static final String DEFAULT_BINARY = "llama-server";
  /** The default listen address. */
  public static final String DEFAULT_HOST = "127.0.0.1";
  /** The default port. */
  public static final int DEFAULT_PORT = 8080;
  /** The default readiness timeout: long enough to load a real model. */
  public static final Duration DEFAULT_READY_TIMEOUT = Duration.ofSeconds(120);
  /** The default pause between readiness probes. */
  public static final Duration DEFAULT_READINESS_INTERVAL = Duration.ofMillis(100);
  /** The default pause between health probes. */
  public static final Duration DEFAULT_HEALTH_INTERVAL = Duration.ofSeconds(1);
  /** The default grace between SIGTERM and SIGKILL. */
  public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(10);
  /** The default stall timeout: a start with no progress for this long fails. */
  public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofSeconds(60);

  /**
   * Checks basic invariants and makes immutable copies.
   *
   * @throws NullPointerException if a component is null
   * @throws IllegalArgumentException if a basic invariant does not hold
   */
  public BootSpec {
    Objects.requireNonNull(binaryPath, "binaryPath");
    launcherArgs = List.copyOf(launcherArgs);
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(alias, "alias");
    Objects.requireNonNull(modelIdentity, "modelIdentity");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(apiPrefix, "apiPrefix");
    Objects.requireNonNull(ctxSize, "ctxSize");
    Objects.requireNonNull(gpuLayers, "gpuLayers");
    Objects.requireNonNull(threads, "threads");
    Objects.requireNonNull(threadsBatch, "threadsBatch");
    Objects.requireNonNull(parallel, "parallel");
    Objects.requireNonNull(flashAttn, "flashAttn");
    Objects.requireNonNull(apiKey, "apiKey");
    Objects.requireNonNull(apiKeyFile, "apiKeyFile");
    Objects.requireNonNull(timeoutSeconds, "timeoutSeconds");
    Objects.requireNonNull(threadsHttp, "threadsHttp");
    Objects.requireNonNull(pooling, "pooling");
    Objects.requireNonNull(readyTimeout, "readyTimeout");
    Objects.requireNonNull(readinessInterval, "readinessInterval");
    Objects.requireNonNull(healthInterval, "healthInterval");
    Objects.requireNonNull(stopTimeout, "stopTimeout");
    Objects.requireNonNull(stallTimeout, "stallTimeout");
    Objects.requireNonNull(idleShutdown, "idleShutdown");
    Objects.requireNonNull(memoryEstimateBytes, "memoryEstimateBytes");
    executionSurface = Collections.unmodifiableMap(new LinkedHashMap<>(executionSurface));
    environment = Collections.unmodifiableMap(new TreeMap<>(environment));
    extraArgs = List.copyOf(extraArgs);
    metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    Objects.requireNonNull(huggingFace, "huggingFace");
    SpecRules.checkInvariants(binaryPath, model, alias, modelIdentity, host, port,
        List.of(readyTimeout, readinessInterval, stopTimeout, stallTimeout));
  }

  /**
   * Starts a builder with every field at its default; set {@code model} (a path) or {@code
   * huggingFace} (a name) before {@code build()}.
   *
   * @return a builder
   */
  public static BootSpecBuilder builder() {
    return new BootSpecBuilder();
  }

  /**
   * Starts a builder for a server of {@code model}; every other field has its default.
   *
   * @param model the GGUF model path
   * @return a builder
   */
  public static BootSpecBuilder builder(String model) {
    return new BootSpecBuilder().model(model);
  }

  /**
   * Starts a builder for a server of {@code model}; every other field has its default.
   *
   * @param model the GGUF model path
   * @return a builder
   */
  public static BootSpecBuilder builder(Path model) {
    return new BootSpecBuilder().model(model);
  }

  /**
   * Builds a spec from a map with snake_case keys (e.g. parsed JSON or YAML): each value is converted
   * to its field's type and checked by the builder's rule, and every violation of the map is reported
   * at once. A key mapped to {@code null} counts as absent, so its default applies. Reads no file.
   *
   * @param attrs the fields; keys as listed in {@code guides/boot_spec.md}
   * @return the validated spec
   * @throws InvalidBootSpecException listing every unknown key and every bad value
   */
  public static BootSpec fromMap(Map<String, ?> attrs) {
    return SpecMaps.bootSpec(Objects.requireNonNull(attrs, "attrs"));
  }

  /** {@return a builder holding this spec's explicit settings, to derive a variant} */
  public BootSpecBuilder toBuilder() {
    return BootSpecBuilder.from(this);
  }

  /**
   * {@return a copy listening on {@code newPort}} Used when port {@code 0} is resolved at launch.
   *
   * @param newPort the concrete port, 1 to 65535
   * @throws IllegalArgumentException if {@code newPort} is out of range
   */
  public BootSpec withPort(int newPort) {
    if (newPort < 1 || newPort > 65_535) {
      throw new IllegalArgumentException("port must be from 1 to 65535: " + newPort);
    }
    return new BootSpec(binaryPath, launcherArgs, model, alias, modelIdentity, host, newPort,
        apiPrefix, ctxSize, gpuLayers, threads, threadsBatch, parallel, flashAttn, embeddings, apiKey,
        apiKeyFile, timeoutSeconds, threadsHttp, pooling, readyTimeout, readinessInterval,
        healthInterval, stopTimeout, stallTimeout, idleShutdown, memoryEstimateBytes, executionSurface, environment,
        extraArgs, metadata, huggingFace);
  }

  /**
   * {@return {@code http://HOST:PORT}} IPv6 hosts appear in brackets; a wildcard host
   * ({@code 0.0.0.0}, {@code ::}) appears as its loopback address, which a client on this machine
   * can reach.
   */
  public String rootUrl() {
    return SpecUrls.rootUrl(host, port);
  }

  /** {@return the OpenAI base URL: root URL + api prefix + {@code /v1}} */
  public String baseUrl() {
    return rootUrl() + apiPrefix + "/v1";
  }

  /** {@return the health URL: root URL + api prefix + {@code /health} (a real server serves it only there)} */
  public String healthUrl() {
    return rootUrl() + apiPrefix + "/health";
  }

  /** {@return the models URL: base URL + {@code /models}} */
  public String modelsUrl() {
    return baseUrl() + "/models";
  }

  /**
   * {@return the identity of the server this spec describes: {@code llama_cpp_sdk:} + model
   * identity + {@code :} + an unpadded base64url HMAC-SHA-256 of the identity fields, keyed per JVM}
   * Equal specs have equal keys; the key is computed once per distinct spec.
   */
  public String instanceKey() {
    return SpecIdentity.instanceKey(this);
  }

  /**
   * {@return the command line that starts this server, in the syntax of current llama-server builds
   * (7553 and later); the API key is in its environment only} See {@link #toCommandLine(ServerBuild)}
   * for older builds. For a spec that names its model and is not pulled yet, the model appears as
   * llama-server's own {@code --hf-repo NAME} (and {@code --hf-file}); the library itself launches on
   * the pulled file ({@code --model PATH}), see {@link LlamaCppBackend#resolveModel(BootSpec)}.
   */
  public CommandLine toCommandLine() {
    return LlamaServerFlags.render(this);
  }

  /**
   * {@return the command line that starts this server on {@code build}} {@code auto}/{@code all} GPU
   * layers and {@code --flash-attn} values become what that build understands (a number, a bare
   * switch, or the option left out for the build's default). The library renders with the build it
   * detected when it launches a server.
   *
   * @param build the llama-server build that will run the spec
   * @throws ServerStartException with {@link StartFailure#UNSUPPORTED_OPTION} if the spec asks for an
   *     option that build does not have
   */
  public CommandLine toCommandLine(ServerBuild build) {
    try {
      return LlamaServerFlags.render(this, build);
    } catch (LlamaServerFlags.UnsupportedOption e) {
      throw ServerStartException.unsupportedOption(e.getMessage(), e.build(), toCommandLine().toString(), port());
    }
  }

  /**
   * {@return every llama-server flag spelling this spec manages, long and short (e.g.
   * {@code --port}, {@code -m}, {@code -ngl})} {@code extraArgs} may not contain them, with or
   * without {@code =value}.
   */
  public static Set<String> managedFlags() {
    return LlamaServerFlags.managedFlags().keySet();
  }

  /** {@return whether {@code other} describes the same server (metadata and timings ignored)} */
  @Override
  public boolean equals(Object other) {
    return other instanceof BootSpec && SpecIdentity.sameServer(this, (BootSpec) other);
  }

  /** {@return a hash of the fields {@link #equals(Object)} compares} */
  @Override
  public int hashCode() {
    return SpecIdentity.hash(this);
  }

  /** {@return a readable summary; the API key is masked and environment values are left out} */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("BootSpec[");
    sb.append(huggingFace.isPresent() ? "huggingFace=" : "model=").append(model).append(", alias=").append(alias)
        .append(", modelIdentity=").append(modelIdentity).append(", binaryPath=").append(binaryPath)
        .append(", host=").append(host).append(", port=").append(port);
    if (!apiPrefix.isEmpty()) {
      sb.append(", apiPrefix=").append(apiPrefix);
    }
    sb.append(", gpuLayers=").append(gpuLayers.wireValue()).append(", flashAttn=").append(flashAttn.wireValue());
    ctxSize.ifPresent(n -> sb.append(", ctxSize=").append(n));
    threads.ifPresent(n -> sb.append(", threads=").append(n));
    threadsBatch.ifPresent(n -> sb.append(", threadsBatch=").append(n));
    parallel.ifPresent(n -> sb.append(", parallel=").append(n));
    if (embeddings) {
      sb.append(", embeddings=true");
    }
    pooling.ifPresent(p -> sb.append(", pooling=").append(p.wireValue()));
    timeoutSeconds.ifPresent(n -> sb.append(", timeoutSeconds=").append(n));
    threadsHttp.ifPresent(n -> sb.append(", threadsHttp=").append(n));
    memoryEstimateBytes.ifPresent(n -> sb.append(", memoryEstimateBytes=").append(n));
    apiKey.ifPresent(k -> sb.append(", apiKey=").append(ShellText.MASK));
    apiKeyFile.ifPresent(f -> sb.append(", apiKeyFile=").append(f));
    if (!launcherArgs.isEmpty()) {
      sb.append(", launcherArgs=").append(ShellText.maskArgs(launcherArgs));
    }
    if (!extraArgs.isEmpty()) {
      sb.append(", extraArgs=").append(ShellText.maskArgs(extraArgs));
    }
    if (!environment.isEmpty()) {
      sb.append(", environment keys=").append(environment.keySet());
    }
    sb.append(", readyTimeout=").append(readyTimeout).append(", stopTimeout=").append(stopTimeout);
    if (!metadata.isEmpty()) {
      sb.append(", metadata keys=").append(metadata.keySet());
    }
    return sb.append(']').toString();
  }
}
