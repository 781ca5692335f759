package io.github.llamacppsdk.internal.spec;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.models.HuggingFaceModel;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.WeakHashMap;

/**
 * Not API. The identity of a boot spec: the fields that decide whether two specs describe the same
 * server. Equality and hashing compare those fields directly; the instance key is a keyed digest of
 * their canonical text, computed once per distinct spec. Metadata, timing fields and derived values
 * (URLs) are not part of it.
 */
public final class SpecIdentity {
  /** Instance keys by spec; weak, so a spec nobody holds is forgotten. Equal specs share an entry. */
  private static final Map<BootSpec, String> KEYS = Collections.synchronizedMap(new WeakHashMap<>());

  private SpecIdentity() {}

  /** {@return whether two specs describe the same server}
   * @param a a spec
   * @param b another spec */
  public static boolean sameServer(BootSpec a, BootSpec b) {
    return a == b || a.port() == b.port() && a.embeddings() == b.embeddings()
        && a.model().equals(b.model()) && a.alias().equals(b.alias())
        && a.modelIdentity().equals(b.modelIdentity()) && a.binaryPath().equals(b.binaryPath())
        && a.host().equals(b.host()) && a.apiPrefix().equals(b.apiPrefix())
        && a.launcherArgs().equals(b.launcherArgs()) && a.extraArgs().equals(b.extraArgs())
        && a.ctxSize().equals(b.ctxSize()) && a.threads().equals(b.threads())
        && a.threadsBatch().equals(b.threadsBatch()) && a.parallel().equals(b.parallel())
        && a.timeoutSeconds().equals(b.timeoutSeconds()) && a.threadsHttp().equals(b.threadsHttp())
        && a.gpuLayers().wireValue().equals(b.gpuLayers().wireValue()) && a.flashAttn() == b.flashAttn()
        && a.pooling().equals(b.pooling()) && key(a).equals(key(b))
        && a.apiKeyFile().equals(b.apiKeyFile()) && a.environment().equals(b.environment())
        && surface(a).equals(surface(b)) && a.huggingFace().equals(b.huggingFace());
  }

  /** {@return a hash of the fields {@link #sameServer} compares}
   * @param s the spec */
  public static int hash(BootSpec s) {
    return Objects.hash(s.binaryPath(), s.launcherArgs(), s.model(), s.alias(), s.modelIdentity(), s.host(),
        s.port(), s.apiPrefix(), s.ctxSize(), s.gpuLayers().wireValue(), s.threads(), s.threadsBatch(),
        s.parallel(), s.flashAttn(), s.embeddings(), key(s), s.apiKeyFile(), s.timeoutSeconds(), s.threadsHttp(),
        s.pooling(), surface(s), s.environment(), s.extraArgs(), s.huggingFace());
  }

  /** The surface as canonical text: its numbers compare by value ({@code 1} and {@code 1L} alike). */
  private static String surface(BootSpec s) {
    StringBuilder sb = new StringBuilder();
    write(sb, s.executionSurface(), true);
    return sb.toString();
  }

  private static String key(BootSpec s) {
    return s.apiKey().isPresent() ? s.apiKey().get().reveal() : "";
  }

  /** {@return the canonical serialisation of {@code spec}'s identity fields (holds the key: never show it)} */
  public static String canonical(BootSpec spec) {
    Map<String, Object> id = new LinkedHashMap<>();
    id.put(SpecKeys.BINARY_PATH, spec.binaryPath());
    id.put(SpecKeys.LAUNCHER_ARGS, spec.launcherArgs());
    id.put(SpecKeys.MODEL, spec.model());
    id.put(SpecKeys.ALIAS, spec.alias());
    id.put(SpecKeys.MODEL_IDENTITY, spec.modelIdentity());
    id.put(SpecKeys.HOST, spec.host());
    id.put(SpecKeys.PORT, spec.port());
    id.put(SpecKeys.API_PREFIX, spec.apiPrefix());
    id.put(SpecKeys.CTX_SIZE, spec.ctxSize().isPresent() ? spec.ctxSize().getAsInt() : null);
    id.put(SpecKeys.GPU_LAYERS, spec.gpuLayers().wireValue());
    id.put(SpecKeys.THREADS, spec.threads().isPresent() ? spec.threads().getAsInt() : null);
    id.put(SpecKeys.THREADS_BATCH, spec.threadsBatch().isPresent() ? spec.threadsBatch().getAsInt() : null);
    id.put(SpecKeys.PARALLEL, spec.parallel().isPresent() ? spec.parallel().getAsInt() : null);
    id.put(SpecKeys.FLASH_ATTN, spec.flashAttn().wireValue());
    id.put(SpecKeys.EMBEDDINGS, spec.embeddings());
    id.put(SpecKeys.API_KEY, spec.apiKey().isPresent() ? spec.apiKey().get().reveal() : null);
    id.put(SpecKeys.API_KEY_FILE, spec.apiKeyFile().orElse(null));
    id.put(SpecKeys.TIMEOUT_SECONDS,
        spec.timeoutSeconds().isPresent() ? spec.timeoutSeconds().getAsInt() : null);
    id.put(SpecKeys.THREADS_HTTP, spec.threadsHttp().isPresent() ? spec.threadsHttp().getAsInt() : null);
    id.put(SpecKeys.POOLING, spec.pooling().isPresent() ? spec.pooling().get().wireValue() : null);
    id.put(SpecKeys.EXECUTION_SURFACE, new TreeMap<>(spec.executionSurface()));
    id.put(SpecKeys.ENVIRONMENT, new TreeMap<>(spec.environment()));
    id.put(SpecKeys.EXTRA_ARGS, spec.extraArgs());
    if (spec.huggingFace().isPresent()) { // only when present: path specs keep their canonical text
      HuggingFaceModel hf = spec.huggingFace().get();
      id.put(SpecKeys.HF_REPO, hf.name());
      id.put(SpecKeys.HF_FILE, hf.file().orElse(null));
      id.put(SpecKeys.HF_REVISION, hf.revision());
    }
    StringBuilder sb = new StringBuilder();
    write(sb, id, false);
    return sb.toString();
  }

  /**
   * {@return {@code llama_cpp_sdk:<model_identity>:<digest>}}, the digest being an unpadded base64url
   * HMAC-SHA-256 of the canonical text under a per-JVM key ({@link IdentityDigest}): equal specs get
   * equal keys within a JVM, and the key cannot be tested offline from a logged instance id.
   */
  public static String instanceKey(BootSpec spec) {
    String key = KEYS.get(spec);
    if (key == null) {
      key = "llama_cpp_sdk:" + spec.modelIdentity() + ":" + IdentityDigest.of(canonical(spec));
      KEYS.put(spec, key);
    }
    return key;
  }

  /** JSON-like, with maps in key order when {@code sort} (nested maps are always sorted). */
  private static void write(StringBuilder sb, Object v, boolean sort) {
    if (v == null) {
      sb.append("null");
    } else if (v instanceof String) {
      sb.append('"');
      String s = (String) v;
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c == '"' || c == '\\') {
          sb.append('\\').append(c);
        } else if (c < 0x20) {
          sb.append(String.format("\\u%04x", (int) c));
        } else {
          sb.append(c);
        }
      }
      sb.append('"');
    } else if (v instanceof Map) {
      Map<?, ?> m = sort ? new TreeMap<>((Map<?, ?>) v) : (Map<?, ?>) v;
      sb.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        write(sb, String.valueOf(e.getKey()), true);
        sb.append(':');
        write(sb, e.getValue(), true);
      }
      sb.append('}');
    } else if (v instanceof List) {
      sb.append('[');
      List<?> l = (List<?>) v;
      for (int i = 0; i < l.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        write(sb, l.get(i), true);
      }
      sb.append(']');
    } else if (v instanceof Number) {
      sb.append(number((Number) v));
    } else {
      sb.append(v);
    }
  }

  /** Numbers by value: {@code 1}, {@code 1L} and {@code BigInteger.ONE} serialise alike. */
  private static String number(Number n) {
    if (n instanceof Integer || n instanceof Long || n instanceof Short || n instanceof Byte) {
      return Long.toString(n.longValue());
    }
    if (n instanceof BigInteger) {
      return n.toString();
    }
    if (n instanceof BigDecimal) {
      return ((BigDecimal) n).stripTrailingZeros().toPlainString();
    }
    return Double.toString(n.doubleValue());
  }
}
