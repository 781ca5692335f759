package io.github.llamacppsdk.internal.llama;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.core.MemoryEstimate;
import io.github.llamacppsdk.gguf.GgufModel;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Not API. The memory a llama-server will take, from its boot spec and its model's GGUF metadata,
 * before it starts:
 *
 * <ul>
 *   <li><b>weights</b> = the model's tensor bytes;
 *   <li><b>KV cache</b> = block count × context size × (embedding length ÷ head count × KV heads) ×
 *       (K width + V width), i.e. {@code 2 × ... × width} when K and V share a type; the context size
 *       is the spec's {@code ctx_size}, else the model's training context (what current builds use
 *       for {@code --ctx-size 0}, their default), else 4096; the widths come from {@code
 *       --cache-type-k}/{@code -ctk} and {@code --cache-type-v}/{@code -ctv} in {@code extra_args}
 *       (f16, 2 bytes, by default);
 *   <li><b>overhead</b> = 32 MiB (the process, its libraries, small buffers) + 5% of weights and KV
 *       cache (compute buffers).
 * </ul>
 *
 * <p>A spec's {@code memory_estimate_bytes} replaces all of it. The metadata of a file is read once
 * per path, size and modification time ({@link ModelFiles}, shared with the check before launch). A model that cannot be read gives {@link
 * MemoryEstimate.Source#UNKNOWN} (the start will fail on it anyway). Thread-safe.
 */
public final class MemoryEstimator {
  /** The fixed part of the overhead. */
  static final long BASE_OVERHEAD = 32L << 20;
  /** The proportional part of the overhead, in percent of weights + KV cache. */
  static final int OVERHEAD_PERCENT = 5;
  static final int FALLBACK_CONTEXT = 4096;

  private final ModelFiles files;

  /** An estimator with a file cache of its own. */
  public MemoryEstimator() {
    this(new ModelFiles());
  }

  /** @param files where model files are read (shared with the check before launch) */
  MemoryEstimator(ModelFiles files) {
    this.files = files;
  }

  /** What the estimate needs from a model file. */
  record Facts(long tensorBytes, long blocks, long embedding, long heads, long kvHeads, long trainContext) {
    static Facts of(GgufModel m) {
      return new Facts(m.tensorBytes(), m.blockCount().orElse(-1), m.embeddingLength().orElse(-1),
          m.headCount().orElse(-1), m.headCountKv().orElse(-1), m.contextLength().orElse(-1));
    }
  }

  /**
   * {@return the estimate for a spec}
   *
   * @param spec the boot spec
   */
  public MemoryEstimate estimate(BootSpec spec) {
    if (spec.memoryEstimateBytes().isPresent()) {
      return MemoryEstimate.declared(spec.memoryEstimateBytes().getAsLong(), "memory_estimate_bytes");
    }
    Facts facts;
    try {
      facts = facts(Path.of(spec.model()));
    } catch (RuntimeException e) { // InvalidModelFileException included
      return MemoryEstimate.unknown("the model could not be read: " + e.getMessage());
    }
    return estimate(facts, spec.ctxSize().isPresent() ? spec.ctxSize().getAsInt() : 0, spec.extraArgs());
  }

  /**
   * {@return the estimate from a model's facts}
   *
   * @param f the facts
   * @param ctxSize the spec's context size, 0 for none
   * @param extraArgs the spec's extra arguments (cache types)
   */
  static MemoryEstimate estimate(Facts f, int ctxSize, List<String> extraArgs) {
    long weights = f.tensorBytes();
    String kType = option(extraArgs, "-ctk", "--cache-type-k").orElse("f16");
    String vType = option(extraArgs, "-ctv", "--cache-type-v").orElse("f16");
    long ctx = ctxSize > 0 ? ctxSize : f.trainContext() > 0 ? f.trainContext() : FALLBACK_CONTEXT;
    String ctxFrom = ctxSize > 0 ? "ctx_size" : f.trainContext() > 0 ? "the model's training context"
        : "a fallback";
    long kv = 0;
    String kvText;
    if (f.blocks() > 0 && f.embedding() > 0 && f.heads() > 0 && f.kvHeads() > 0) {
      long kvDim = f.embedding() / f.heads() * f.kvHeads();
      // bytes per KV element, in 1/32ths: quantised types are blocks of 32 values
      long widths32 = width32(kType) + width32(vType);
      kv = f.blocks() * ctx * kvDim * widths32 / 32;
      kvText = "KV cache " + f.blocks() + " blocks x " + ctx + " ctx (" + ctxFrom + ") x " + kvDim + " dims x ("
          + kType + " + " + vType + ")";
    } else {
      kvText = "KV cache unknown (the model lacks block count, embedding length or head counts)";
    }
    long overhead = BASE_OVERHEAD + (weights + kv) * OVERHEAD_PERCENT / 100;
    Map<String, Long> parts = new LinkedHashMap<>();
    parts.put("weights", weights);
    parts.put("kv_cache", kv);
    parts.put("overhead", overhead);
    return new MemoryEstimate(weights + kv + overhead, MemoryEstimate.Source.MODEL_METADATA, parts,
        "GGUF metadata: weights = tensor bytes; " + kvText + "; overhead 32 MiB + " + OVERHEAD_PERCENT + "%");
  }

  /** {@return bytes per element × 32 for a KV cache type (f16 when unknown)} */
  static long width32(String type) {
    switch (type.toLowerCase(Locale.ROOT)) {
      case "f32":
        return 128;
      case "q8_0":
        return 34;
      case "q4_0":
      case "iq4_nl":
        return 18;
      case "q4_1":
        return 20;
      case "q5_0":
        return 22;
      case "q5_1":
        return 24;
      default: // f16, bf16
        return 64;
    }
  }

  /** {@return the value of an option in {@code args}, as {@code -x v}, {@code --long v} or {@code --long=v}} */
  static Optional<String> option(List<String> args, String shortName, String longName) {
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if ((a.equals(shortName) || a.equals(longName)) && i + 1 < args.size()) {
        return Optional.of(args.get(i + 1));
      }
      if (a.startsWith(longName + "=") || a.startsWith(shortName + "=")) {
        return Optional.of(a.substring(a.indexOf('=') + 1));
      }
    }
    return Optional.empty();
  }

  private Facts facts(Path path) {
    return Facts.of(files.read(path));
  }
}
