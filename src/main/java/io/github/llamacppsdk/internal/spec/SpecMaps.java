package io.github.llamacppsdk.internal.spec;

import static io.github.llamacppsdk.internal.spec.SpecKeys.*;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.BootSpecBuilder;
import io.github.llamacppsdk.FlashAttn;
import io.github.llamacppsdk.GpuLayers;
import io.github.llamacppsdk.InvalidBootSpecException;
import io.github.llamacppsdk.Pooling;
import io.github.llamacppsdk.core.Secret;
import io.github.llamacppsdk.Violation;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Not API. {@code BootSpec.fromMap}: an adapter from snake_case maps onto {@link BootSpecBuilder}. Each
 * value is converted to its field's type ({@link FieldReader}) and handed to the builder's setter, which
 * applies the field's rule; every violation of the map (unknown keys, wrong types, the setters' and
 * {@code build()}'s) is collected and reported at once.
 */
public final class SpecMaps {
  private static final Set<String> MODEL_FIELDS = Set.of(MODEL, HF_REPO, HF_FILE, HF_REVISION);
  /** The order violations are reported in (after unknown keys): the order the fields are read. */
  private static final List<String> ORDER = List.of(BINARY_PATH, LAUNCHER_ARGS, MODEL, HF_REPO, HF_FILE, HF_REVISION,
      HOST, PORT, API_PREFIX, CTX_SIZE, GPU_LAYERS, THREADS, THREADS_BATCH, PARALLEL, FLASH_ATTN, EMBEDDINGS, API_KEY,
      API_KEY_FILE, TIMEOUT_SECONDS, THREADS_HTTP, POOLING, READY_TIMEOUT_MS, READINESS_INTERVAL_MS,
      HEALTH_INTERVAL_MS, STOP_TIMEOUT_MS, STALL_TIMEOUT_MS, IDLE_SHUTDOWN_MS, MEMORY_ESTIMATE_BYTES,
      EXECUTION_SURFACE, ENVIRONMENT, EXTRA_ARGS, METADATA, ALIAS, MODEL_IDENTITY);

  private SpecMaps() {}

  /**
   * {@return the spec {@code raw} describes}
   *
   * @param raw the fields by snake_case key; {@code null} values are absent
   * @throws InvalidBootSpecException listing every problem
   */
  public static BootSpec bootSpec(Map<String, ?> raw) {
    FieldReader in = new FieldReader(raw);
    List<Violation> unknown = FieldReader.unknownKeys(raw, SpecKeys.ALL, SpecKeys.DERIVED, "boot-spec");
    BootSpecBuilder b = BootSpec.builder();
    apply(in, () -> in.text(BINARY_PATH, true).ifPresent(b::binaryPath));
    apply(in, () -> b.launcherArgs(in.stringList(LAUNCHER_ARGS)));
    if (raw.get(MODEL) != null && raw.get(HF_REPO) != null) {
      in.fail(MODEL, raw.get(MODEL), "set either model (a path) or hf_repo (a Hugging Face name), not both.");
    } else {
      apply(in, () -> in.text(MODEL, true).ifPresent(b::model));
    }
    apply(in, () -> in.text(HF_REPO, false).ifPresent(b::huggingFace));
    apply(in, () -> in.text(HF_FILE, false).ifPresent(b::hfFile));
    apply(in, () -> in.text(HF_REVISION, false).ifPresent(b::hfRevision));
    apply(in, () -> in.text(HOST, false).ifPresent(b::host));
    apply(in, () -> in.wholeInt(PORT, SpecRules.PORT).ifPresent(b::port));
    apply(in, () -> apiPrefix(in).ifPresent(b::apiPrefix));
    apply(in, () -> in.wholeInt(CTX_SIZE, SpecRules.POSITIVE_INT).ifPresent(b::ctxSize));
    apply(in, () -> gpuLayers(in).ifPresent(b::gpuLayers));
    apply(in, () -> in.wholeInt(THREADS, SpecRules.POSITIVE_INT).ifPresent(b::threads));
    apply(in, () -> in.wholeInt(THREADS_BATCH, SpecRules.POSITIVE_INT).ifPresent(b::threadsBatch));
    apply(in, () -> in.wholeInt(PARALLEL, SpecRules.POSITIVE_INT).ifPresent(b::parallel));
    apply(in, () -> flashAttn(in).ifPresent(b::flashAttn));
    apply(in, () -> bool(in, EMBEDDINGS).ifPresent(b::embeddings));
    apply(in, () -> apiKey(in).ifPresent(b::apiKey));
    apply(in, () -> in.text(API_KEY_FILE, true).ifPresent(b::apiKeyFile));
    apply(in, () -> in.wholeInt(TIMEOUT_SECONDS, SpecRules.POSITIVE_INT).ifPresent(b::timeoutSeconds));
    apply(in, () -> in.wholeInt(THREADS_HTTP, SpecRules.POSITIVE_INT).ifPresent(b::threadsHttp));
    apply(in, () -> pooling(in).ifPresent(b::pooling));
    apply(in, () -> in.millis(READY_TIMEOUT_MS, false).ifPresent(b::readyTimeout));
    apply(in, () -> in.millis(READINESS_INTERVAL_MS, false).ifPresent(b::readinessInterval));
    apply(in, () -> in.millis(HEALTH_INTERVAL_MS, true).ifPresent(b::healthInterval));
    apply(in, () -> in.millis(STOP_TIMEOUT_MS, false).ifPresent(b::stopTimeout));
    apply(in, () -> in.millis(STALL_TIMEOUT_MS, false).ifPresent(b::stallTimeout));
    apply(in, () -> in.millis(IDLE_SHUTDOWN_MS, false).ifPresent(b::idleShutdown));
    apply(in, () -> in.whole(MEMORY_ESTIMATE_BYTES, "must be a whole number of bytes, 0 or more.")
        .ifPresent(b::memoryEstimateBytes));
    apply(in, () -> in.map(EXECUTION_SURFACE, "a map such as {surface_kind: local_subprocess}")
        .ifPresent(m -> b.executionSurface(textKeys(m))));
    apply(in, () -> environment(in).ifPresent(b::environment));
    apply(in, () -> b.extraArgs(in.stringList(EXTRA_ARGS)));
    apply(in, () -> in.map(METADATA, "a map").ifPresent(m -> b.metadata(textKeys(m))));
    apply(in, () -> in.text(ALIAS, false).ifPresent(b::alias));
    apply(in, () -> in.text(MODEL_IDENTITY, false).ifPresent(b::modelIdentity));

    List<Violation> fields = new ArrayList<>(in.violations());
    try {
      BootSpec spec = b.build();
      if (unknown.isEmpty() && fields.isEmpty()) {
        return spec;
      }
    } catch (InvalidBootSpecException e) {
      boolean modelFailed = fields.stream().anyMatch(v -> MODEL_FIELDS.contains(v.field()));
      for (Violation v : e.violations()) { // what spans fields, unless a field it spans was already reported
        if (!in.failedOn(v.field()) && !(modelFailed && MODEL_FIELDS.contains(v.field()))) {
          fields.add(v);
        }
      }
    }
    fields.sort(java.util.Comparator.comparingInt(v -> ORDER.indexOf(v.field()))); // stable: a field's own order stays
    List<Violation> all = new ArrayList<>(unknown);
    all.addAll(fields);
    throw new InvalidBootSpecException(all);
  }

  /** Runs one setter; its violations join the map's. */
  private static void apply(FieldReader in, Runnable setter) {
    try {
      setter.run();
    } catch (InvalidBootSpecException e) {
      e.violations().forEach(v -> in.failText(v.field(), v.value(), v.reason()));
    }
  }

  /** {@code api_prefix}: text, possibly empty (no prefix). */
  static Optional<String> apiPrefix(FieldReader in) {
    Object v = in.get(API_PREFIX);
    if (v != null && !(v instanceof String)) {
      in.fail(API_PREFIX, v, "must be text such as /llama, got " + FieldReader.kind(v) + ".");
      return Optional.empty();
    }
    return Optional.ofNullable((String) v);
  }

  /** {@code api_key}: text or a {@link Secret}. */
  static Optional<Secret> apiKey(FieldReader in) {
    Object v = in.get(API_KEY);
    if (v == null || v instanceof Secret) {
      return Optional.ofNullable((Secret) v);
    }
    if (!(v instanceof String)) {
      in.fail(API_KEY, v, "must be text (the API key), got " + FieldReader.kind(v) + ".");
      return Optional.empty();
    }
    String problem = SpecRules.apiKeyProblem((String) v); // before it becomes a Secret, which may not be empty
    if (problem != null) {
      in.failText(API_KEY, ((String) v).isEmpty() ? "\"\"" : ShellText.MASK, problem);
      return Optional.empty();
    }
    return Optional.of(Secret.of((String) v));
  }

  private static Optional<GpuLayers> gpuLayers(FieldReader in) {
    Object v = in.get(GPU_LAYERS);
    if (v == null || v instanceof GpuLayers) {
      return Optional.ofNullable((GpuLayers) v);
    }
    if ("auto".equals(v)) {
      return Optional.of(GpuLayers.auto());
    }
    if ("all".equals(v)) {
      return Optional.of(GpuLayers.all());
    }
    BigInteger n = FieldReader.asInteger(v);
    if (n != null && n.signum() >= 0 && n.compareTo(BigInteger.valueOf(Integer.MAX_VALUE)) <= 0) {
      return Optional.of(GpuLayers.count(n.intValue()));
    }
    in.fail(GPU_LAYERS, v, "must be \"auto\", \"all\" or a whole number of layers >= 0"
        + (v instanceof String ? " (numbers as numbers, not text)." : "."));
    return Optional.empty();
  }

  private static Optional<FlashAttn> flashAttn(FieldReader in) {
    Object v = in.get(FLASH_ATTN);
    if (v == null || v instanceof FlashAttn) {
      return Optional.ofNullable((FlashAttn) v);
    }
    if (v instanceof Boolean) {
      return Optional.of((Boolean) v ? FlashAttn.ON : FlashAttn.OFF);
    }
    for (FlashAttn f : FlashAttn.values()) {
      if (f.wireValue().equals(v)) {
        return Optional.of(f);
      }
    }
    in.fail(FLASH_ATTN, v, "must be \"on\", \"off\", \"auto\", true or false.");
    return Optional.empty();
  }

  private static Optional<Boolean> bool(FieldReader in, String key) {
    Object v = in.get(key);
    if (v == null || v instanceof Boolean) {
      return Optional.ofNullable((Boolean) v);
    }
    in.fail(key, v, "must be true or false (a boolean, not " + FieldReader.kind(v) + ").");
    return Optional.empty();
  }

  private static Optional<Pooling> pooling(FieldReader in) {
    Object v = in.get(POOLING);
    if (v == null || v instanceof Pooling) {
      return Optional.ofNullable((Pooling) v);
    }
    Optional<Pooling> p = v instanceof String ? Pooling.fromWire((String) v) : Optional.empty();
    if (p.isEmpty()) {
      in.fail(POOLING, v, "must be one of \"none\", \"mean\", \"cls\", \"last\", \"rank\".");
    }
    return p;
  }

  /** {@code environment}: values may be text, whole or decimal numbers and booleans, rendered as text. */
  private static Optional<Map<String, String>> environment(FieldReader in) {
    Optional<Map<?, ?>> raw = in.map(ENVIRONMENT, "a map of variable names to values");
    if (raw.isEmpty()) {
      return Optional.empty();
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : raw.get().entrySet()) {
      if (!(e.getKey() instanceof String)) {
        in.failText(ENVIRONMENT, FieldReader.show("", e.getKey()), "variable names must be non-empty text without '=' or NUL.");
        continue;
      }
      String name = (String) e.getKey();
      String text = envText(e.getValue());
      if (text == null && !name.equals(LlamaServerFlags.API_KEY_ENV)) {
        in.failText(ENVIRONMENT, name, "the value of " + name + " must be text, a number or a boolean, got "
            + FieldReader.kind(e.getValue()) + ".");
      } else {
        out.put(name, text == null ? "" : text); // the name's own rule speaks for LLAMA_API_KEY
      }
    }
    return Optional.of(out);
  }

  private static String envText(Object v) {
    if (v instanceof String || v instanceof Boolean || v instanceof Double || v instanceof Float) {
      return v.toString();
    }
    if (FieldReader.asInteger(v) != null) {
      return FieldReader.asInteger(v).toString();
    }
    if (v instanceof BigDecimal) {
      return ((BigDecimal) v).toPlainString();
    }
    return null;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, ?> textKeys(Map<?, ?> m) {
    return (Map<String, ?>) m; // the field's rule reports keys that are not text
  }
}
