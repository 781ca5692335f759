package io.github.llamacppsdk.internal.spec;

import static io.github.llamacppsdk.internal.spec.SpecKeys.*;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.FlashAttn;
import io.github.llamacppsdk.GpuLayers;
import io.github.llamacppsdk.InvalidBootSpecException;
import io.github.llamacppsdk.Pooling;
import io.github.llamacppsdk.Secret;
import io.github.llamacppsdk.Violation;
import io.github.llamacppsdk.models.HuggingFaceModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * Not API. Turns a raw boot-spec map (from {@code fromMap} or the builder) into a validated
 * {@link BootSpec}, collecting every violation (seed §2.1 with the Java port's fixes).
 */
public final class SpecNormalizer {
  private SpecNormalizer() {}

  /**
   * Normalises {@code raw}.
   *
   * @param raw the fields by snake_case key; {@code null} values are absent
   * @param checkKeys whether to reject unknown keys (the builder only writes known ones)
   * @return the spec
   * @throws InvalidBootSpecException listing every problem
   */
  public static BootSpec normalize(Map<String, ?> raw, boolean checkKeys) {
    FieldReader in = new FieldReader(raw);
    List<Violation> keyProblems = checkKeys ? unknownKeys(raw) : List.of();

    String binaryPath = in.string(BINARY_PATH, BootSpec.DEFAULT_BINARY, true);
    List<String> launcherArgs = in.stringList(LAUNCHER_ARGS);
    String model = in.string(MODEL, null, true);
    Optional<HuggingFaceModel> huggingFace = ModelNameFields.read(in);
    if (huggingFace.isPresent() && model != null) {
      in.fail(MODEL, model, "set either model (a path) or hf_repo (a Hugging Face name), not both.");
    } else if (huggingFace.isPresent()) {
      model = huggingFace.get().toString();
    } else if (model == null && !in.failedOn(MODEL) && !in.failedOn(HF_REPO) && !in.failedOn(HF_FILE)
        && !in.failedOn(HF_REVISION)) {
      in.fail(MODEL, null, "is required: the path of the GGUF model file (or set hf_repo to a Hugging Face name"
          + " such as owner/repo:Q4_K_M).");
    }
    String host = host(in);
    Long portValue = in.integer(PORT, 0, 65_535, "from 0 to 65535 (0 picks a free port at launch)");
    int port = portValue == null ? BootSpec.DEFAULT_PORT : portValue.intValue();
    String apiPrefix = apiPrefix(in);
    OptionalInt ctxSize = in.positiveInt(CTX_SIZE);
    GpuLayers gpuLayers = ValueParsers.gpuLayers(in);
    OptionalInt threads = in.positiveInt(THREADS);
    OptionalInt threadsBatch = in.positiveInt(THREADS_BATCH);
    OptionalInt parallel = in.positiveInt(PARALLEL);
    FlashAttn flashAttn = ValueParsers.flashAttn(in);
    boolean embeddings = ValueParsers.bool(in, EMBEDDINGS, false);
    Optional<Secret> apiKey = ValueParsers.apiKey(in);
    Optional<String> apiKeyFile = in.optionalString(API_KEY_FILE, true);
    Map<String, String> headers = new TreeMap<>();
    if (apiKey.isPresent()) {
      headers.put("authorization", "Bearer " + apiKey.get().reveal());
    } else if (apiKeyFile.isPresent()) {
      ApiKeyFiles.Outcome read = ApiKeyFiles.read(apiKeyFile.get());
      if (read.problem() != null) {
        in.fail(API_KEY_FILE, apiKeyFile.get(), read.problem());
      } else {
        headers.put("authorization", "Bearer " + read.token());
      }
    }
    OptionalInt timeoutSeconds = in.positiveInt(TIMEOUT_SECONDS);
    OptionalInt threadsHttp = in.positiveInt(THREADS_HTTP);
    Optional<Pooling> pooling = ValueParsers.pooling(in);
    Duration readyTimeout = in.millis(READY_TIMEOUT_MS, false).orElse(BootSpec.DEFAULT_READY_TIMEOUT);
    Duration readinessInterval =
        in.millis(READINESS_INTERVAL_MS, false).orElse(BootSpec.DEFAULT_READINESS_INTERVAL);
    Optional<Duration> healthInterval = in.millis(HEALTH_INTERVAL_MS, true)
        .or(() -> in.get(HEALTH_INTERVAL_MS) == null
            ? Optional.of(BootSpec.DEFAULT_HEALTH_INTERVAL) : Optional.empty())
        .filter(d -> !d.isZero());
    Duration stopTimeout = in.millis(STOP_TIMEOUT_MS, false).orElse(BootSpec.DEFAULT_STOP_TIMEOUT);
    Duration stallTimeout = in.millis(STALL_TIMEOUT_MS, false).orElse(BootSpec.DEFAULT_STALL_TIMEOUT);
    Optional<Duration> idleShutdown = in.millis(IDLE_SHUTDOWN_MS, false);
    Long memoryEstimate = in.integer(MEMORY_ESTIMATE_BYTES, 0, Long.MAX_VALUE,
        "of bytes, 0 or more (the memory the server will take, for a capacity budget)");
    Map<String, Object> surface = ValueParsers.executionSurface(in);
    Map<String, String> environment = ValueParsers.environment(in);
    List<String> extraArgs = extraArgs(in);
    Map<String, Object> metadata = ValueParsers.metadata(in);
    String alias = huggingFace.isPresent() && in.get(ALIAS) == null ? huggingFace.get().defaultAlias()
        : alias(in, model);
    String modelIdentity = in.string(MODEL_IDENTITY, alias, false);

    List<Violation> all = new ArrayList<>(keyProblems);
    all.addAll(in.violations());
    if (!all.isEmpty()) {
      throw new InvalidBootSpecException(all);
    }
    return new BootSpec(binaryPath, launcherArgs, model, alias, modelIdentity,
        SpecUrls.stripBrackets(host), port, apiPrefix, ctxSize, gpuLayers, threads, threadsBatch,
        parallel, flashAttn, embeddings, apiKey, apiKeyFile, timeoutSeconds, threadsHttp, pooling,
        readyTimeout, readinessInterval, healthInterval, stopTimeout, stallTimeout, idleShutdown,
        memoryEstimate == null ? OptionalLong.empty() : OptionalLong.of(memoryEstimate),
        surface, environment, extraArgs, metadata, headers, huggingFace);
  }

  private static List<Violation> unknownKeys(Map<String, ?> raw) {
    return unknownKeys(raw, SpecKeys.ALL, SpecKeys.DERIVED, "boot-spec");
  }

  /**
   * {@return a violation for every key of {@code raw} not in {@code known}, with "did you mean" for a likely
   * typo} The one rule for every spec map ({@code BootSpec.fromMap}, {@code AttachSpec.fromMap}).
   *
   * @param raw the map
   * @param known the accepted keys
   * @param derived keys that exist but are computed, so cannot be set
   * @param what e.g. {@code boot-spec}, for "is not a boot-spec key"
   */
  static List<Violation> unknownKeys(Map<String, ?> raw, List<String> known, java.util.Set<String> derived,
      String what) {
    List<Violation> out = new ArrayList<>();
    for (Object keyObject : raw.keySet()) {
      String key = String.valueOf(keyObject);
      if (keyObject instanceof String && known.contains(key)) {
        continue;
      }
      String reason;
      if (derived.contains(key)) {
        reason = "is derived from the other fields and cannot be set.";
      } else {
        reason = "is not " + (what.matches("[aeiou].*") ? "an " : "a ") + what + " key"
            + SpecKeys.closest(key, known).map(k -> "; did you mean \"" + k + "\"?").orElse(".");
      }
      String shownKey = key.length() > 120 ? key.substring(0, 120) + "..." : key;
      String shownValue = ShellText.mightBeSecret(key) ? ShellText.MASK : FieldReader.show("", raw.get(keyObject));
      out.add(new Violation(shownKey, shownValue, reason));
    }
    return out;
  }

  private static String host(FieldReader in) {
    String host = in.string(HOST, BootSpec.DEFAULT_HOST, false);
    String problem = SpecUrls.hostProblem(host);
    if (problem != null) {
      in.fail(HOST, host, problem);
      return BootSpec.DEFAULT_HOST;
    }
    return host;
  }

  static String apiPrefix(FieldReader in) {
    Object v = in.get(API_PREFIX);
    if (v == null) {
      return "";
    }
    if (!(v instanceof String)) {
      in.fail(API_PREFIX, v, "must be text such as /llama, got " + FieldReader.kind(v) + ".");
      return "";
    }
    String problem = SpecUrls.prefixProblem((String) v);
    if (problem != null) {
      in.fail(API_PREFIX, v, problem);
      return "";
    }
    return SpecUrls.normalisePrefix((String) v);
  }

  private static List<String> extraArgs(FieldReader in) {
    List<String> args = in.stringList(EXTRA_ARGS);
    for (String arg : args) {
      Optional<String> owner = LlamaServerFlags.managedBy(arg);
      if (owner.isPresent()) {
        String flag = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
        in.failText(EXTRA_ARGS, '"' + (arg.contains("=") && ShellText.looksSecret(flag) ? flag + "=" + ShellText.MASK : arg) + '"',
            "\"" + flag + "\" is managed by the spec (set \"" + owner.get()
                + "\" instead); a second copy would silently fight the library's probes.");
      }
    }
    return args;
  }

  private static String alias(FieldReader in, String model) {
    Optional<String> explicit = in.optionalString(ALIAS, false);
    if (explicit.isPresent() || in.failedOn(ALIAS) || model == null) {
      return explicit.orElse("invalid");
    }
    String derived = deriveAlias(model);
    if (derived.isEmpty()) {
      in.failText(ALIAS, "\"\"", "the alias derived from model \"" + model
          + "\" is empty (the file name is only an extension); set alias explicitly.");
      return "invalid";
    }
    return derived;
  }

  /** {@return the seed's alias derivation: last path component without its final extension} */
  public static String deriveAlias(String model) {
    int end = model.length();
    while (end > 1 && model.charAt(end - 1) == '/') {
      end--;
    }
    String base = model.substring(model.lastIndexOf('/', end - 1) + 1, end);
    int dot = base.lastIndexOf('.');
    return dot >= 0 && dot < base.length() - 1 ? base.substring(0, dot) : base;
  }

  /**
   * The checks the {@link BootSpec} constructor makes on values that did not come through
   * {@link #normalize}; a failure here is a programming error.
   */
  public static void checkInvariants(String binaryPath, String model, String alias,
      String modelIdentity, String host, int port, List<Duration> positive,
      Optional<Secret> apiKey, Map<String, String> headers) {
    for (String s : List.of(binaryPath, model, alias, modelIdentity, host)) {
      if (s.isBlank()) {
        throw new IllegalArgumentException("binaryPath, model, alias, modelIdentity and host must not be blank");
      }
    }
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port must be from 0 to 65535: " + port);
    }
    if (host.startsWith("[")) {
      throw new IllegalArgumentException("host is stored without IPv6 brackets: " + host);
    }
    for (Duration d : positive) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("timeouts and intervals must be positive: " + d);
      }
    }
    if (apiKey.isPresent()
        && !("Bearer " + apiKey.get().reveal()).equals(headers.get("authorization"))) {
      throw new IllegalArgumentException("headers must carry the bearer of apiKey");
    }
    headers.keySet().forEach(k -> {
      if (!k.equals(k.toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException("header names are lower case: " + k);
      }
    });
  }
}
