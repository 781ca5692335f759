package io.github.llamacppsdk.internal.spec;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** Not API. The snake_case keys a boot-spec map accepts, and "did you mean" suggestions. */
public final class SpecKeys {
  public static final String BINARY_PATH = "binary_path";
  public static final String LAUNCHER_ARGS = "launcher_args";
  public static final String MODEL = "model";
  public static final String ALIAS = "alias";
  public static final String MODEL_IDENTITY = "model_identity";
  public static final String HOST = "host";
  public static final String PORT = "port";
  public static final String API_PREFIX = "api_prefix";
  public static final String CTX_SIZE = "ctx_size";
  public static final String GPU_LAYERS = "gpu_layers";
  public static final String THREADS = "threads";
  public static final String THREADS_BATCH = "threads_batch";
  public static final String PARALLEL = "parallel";
  public static final String FLASH_ATTN = "flash_attn";
  public static final String EMBEDDINGS = "embeddings";
  public static final String API_KEY = "api_key";
  public static final String API_KEY_FILE = "api_key_file";
  public static final String TIMEOUT_SECONDS = "timeout_seconds";
  public static final String THREADS_HTTP = "threads_http";
  public static final String POOLING = "pooling";
  public static final String READY_TIMEOUT_MS = "ready_timeout_ms";
  public static final String READINESS_INTERVAL_MS = "readiness_interval_ms";
  public static final String HEALTH_INTERVAL_MS = "health_interval_ms";
  public static final String STOP_TIMEOUT_MS = "stop_timeout_ms";
  public static final String STALL_TIMEOUT_MS = "stall_timeout_ms";
  public static final String IDLE_SHUTDOWN_MS = "idle_shutdown_ms";
  public static final String MEMORY_ESTIMATE_BYTES = "memory_estimate_bytes";
  public static final String EXECUTION_SURFACE = "execution_surface";
  public static final String ENVIRONMENT = "environment";
  public static final String EXTRA_ARGS = "extra_args";
  public static final String METADATA = "metadata";
  public static final String HF_REPO = "hf_repo";
  public static final String HF_FILE = "hf_file";
  public static final String HF_REVISION = "hf_revision";

  /** Every accepted key, in validation order. */
  public static final List<String> ALL = List.of(
      BINARY_PATH, LAUNCHER_ARGS, MODEL, HOST, PORT, API_PREFIX, CTX_SIZE, GPU_LAYERS, THREADS,
      THREADS_BATCH, PARALLEL, FLASH_ATTN, EMBEDDINGS, API_KEY, API_KEY_FILE, TIMEOUT_SECONDS,
      THREADS_HTTP, POOLING, READY_TIMEOUT_MS, READINESS_INTERVAL_MS, HEALTH_INTERVAL_MS,
      STOP_TIMEOUT_MS, STALL_TIMEOUT_MS, IDLE_SHUTDOWN_MS, EXECUTION_SURFACE, ENVIRONMENT,
      EXTRA_ARGS, METADATA, ALIAS, MODEL_IDENTITY, HF_REPO, HF_FILE, HF_REVISION, MEMORY_ESTIMATE_BYTES);

  /** Keys that are derived from the others; setting them is an error, not a silent no-op. */
  public static final Set<String> DERIVED = Set.of("root_url", "base_url", "health_url", "headers");

  private static final Set<String> KNOWN = Set.copyOf(ALL);
  private static final int MAX_COMPARED_LENGTH = 64;

  private SpecKeys() {}

  /** {@return whether {@code key} is an accepted key} */
  public static boolean isKnown(String key) {
    return KNOWN.contains(key);
  }

  /**
   * {@return the known key closest to {@code key} by edit distance, or the first key it is a prefix of
   * (case and {@code -} vs {@code _} ignored), if it is close enough to be a plausible typo}
   */
  public static Optional<String> closest(String key) {
    return closest(key, ALL);
  }

  /**
   * {@return the key of {@code known} closest to {@code key}, by the same rule as {@link #closest(String)}}
   *
   * @param key the unknown key
   * @param known the accepted keys, in preference order
   */
  public static Optional<String> closest(String key, List<String> known) {
    if (key == null || key.isEmpty() || key.length() > MAX_COMPARED_LENGTH) {
      return Optional.empty();
    }
    String probe = key.toLowerCase(Locale.ROOT).replace('-', '_');
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : known) {
      int d = distance(probe, k);
      if (d < bestDistance) {
        bestDistance = d;
        best = k;
      }
    }
    int allowed = Math.max(2, Math.min(best.length(), probe.length()) / 3);
    if (bestDistance <= allowed) {
      return Optional.of(best);
    }
    // A unit-less or shortened name, e.g. "timeout" for "timeout_seconds".
    if (probe.length() >= 4) {
      for (String k : known) {
        if (k.startsWith(probe)) {
          return Optional.of(k);
        }
      }
    }
    return Optional.empty();
  }

  /** {@return the Levenshtein distance between two strings} */
  static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
