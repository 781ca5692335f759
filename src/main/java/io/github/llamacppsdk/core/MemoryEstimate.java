package io.github.llamacppsdk.core;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * How much memory an instance is expected to take, known before it starts: what a {@link Capacity}
 * memory budget counts. A backend computes it ({@link Backend#estimateMemory}); the llama backend
 * reads the model's GGUF metadata (weights + KV cache + a fixed overhead), or takes the spec's
 * declared {@code memory_estimate_bytes}. Compare it with {@link InstanceSnapshot#residentMemoryBytes()}
 * while the server runs.
 *
 * <p>Immutable.
 *
 * @param bytes the estimate in bytes, zero or more (zero when {@link Source#UNKNOWN})
 * @param source where it comes from
 * @param parts the parts it adds up, in bytes, by name (e.g. {@code weights}, {@code kv_cache},
 *     {@code overhead}); empty when declared or unknown
 * @param basis how it was computed, in words (e.g. the context size and cache type used)
 */
public record MemoryEstimate(long bytes, Source source, Map<String, Long> parts, String basis) {

  /** Where an estimate comes from. */
  public enum Source {
    /** Declared by the spec (e.g. {@code memory_estimate_bytes}); used as given. */
    DECLARED,
    /** Computed from the model file's metadata. */
    MODEL_METADATA,
    /** Not known: the backend gives none, or the model could not be read. Counts as zero bytes. */
    UNKNOWN
  }

  /** Validates and copies the components. */
  public MemoryEstimate {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must be >= 0: " + bytes);
    }
    Objects.requireNonNull(source, "source");
    parts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(parts));
    Objects.requireNonNull(basis, "basis");
  }

  /**
   * {@return an unknown estimate (zero bytes)}
   *
   * @param why why it is unknown
   */
  public static MemoryEstimate unknown(String why) {
    return new MemoryEstimate(0, Source.UNKNOWN, Map.of(), why);
  }

  /**
   * {@return a declared estimate}
   *
   * @param bytes the bytes, zero or more
   * @param by who declared it (e.g. {@code memory_estimate_bytes})
   */
  public static MemoryEstimate declared(long bytes, String by) {
    return new MemoryEstimate(bytes, Source.DECLARED, Map.of(), "declared by " + by);
  }

  /**
   * {@return bytes in binary units with three significant digits, e.g. {@code 1.50 GiB}}
   *
   * @param bytes the bytes
   */
  public static String format(long bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = 0;
    while (Math.abs(v) >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    if (u == 0) {
      return bytes + " B";
    }
    String digits = v >= 100 ? String.format(Locale.ROOT, "%.0f", v)
        : v >= 10 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.2f", v);
    return digits + " " + units[u];
  }

  @Override
  public String toString() {
    return "MemoryEstimate[" + format(bytes) + ", " + source + (parts.isEmpty() ? "" : ", " + partsText())
        + ", " + basis + "]";
  }

  private String partsText() {
    StringBuilder sb = new StringBuilder();
    parts.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : " + ").append(k).append(' ').append(format(v)));
    return sb.toString();
  }
}
