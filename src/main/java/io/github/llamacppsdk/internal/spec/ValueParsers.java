package io.github.llamacppsdk.internal.spec;

import static io.github.llamacppsdk.internal.spec.SpecKeys.*;

import io.github.llamacppsdk.FlashAttn;
import io.github.llamacppsdk.GpuLayers;
import io.github.llamacppsdk.Pooling;
import io.github.llamacppsdk.Secret;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Not API. Parsers for the boot-spec fields that are more than a number or a string. */
final class ValueParsers {
  static final String LOCAL_SUBPROCESS = "local_subprocess";
  static final String SURFACE_KIND = "surface_kind";

  private ValueParsers() {}

  static GpuLayers gpuLayers(FieldReader in) {
    Object v = in.get(GPU_LAYERS);
    if (v == null) {
      return GpuLayers.auto();
    }
    if (v instanceof GpuLayers) {
      return (GpuLayers) v;
    }
    if ("auto".equals(v)) {
      return GpuLayers.auto();
    }
    if ("all".equals(v)) {
      return GpuLayers.all();
    }
    BigInteger n = FieldReader.asInteger(v);
    if (n != null && n.signum() >= 0 && n.compareTo(BigInteger.valueOf(Integer.MAX_VALUE)) <= 0) {
      return GpuLayers.count(n.intValue());
    }
    in.fail(GPU_LAYERS, v, "must be \"auto\", \"all\" or a whole number of layers >= 0"
        + (v instanceof String ? " (numbers as numbers, not text)." : "."));
    return GpuLayers.auto();
  }

  static FlashAttn flashAttn(FieldReader in) {
    Object v = in.get(FLASH_ATTN);
    if (v == null) {
      return FlashAttn.AUTO;
    }
    if (v instanceof FlashAttn) {
      return (FlashAttn) v;
    }
    if (v instanceof Boolean) {
      return (Boolean) v ? FlashAttn.ON : FlashAttn.OFF;
    }
    for (FlashAttn f : FlashAttn.values()) {
      if (f.wireValue().equals(v)) {
        return f;
      }
    }
    in.fail(FLASH_ATTN, v, "must be \"on\", \"off\", \"auto\", true or false.");
    return FlashAttn.AUTO;
  }

  static boolean bool(FieldReader in, String key, boolean dflt) {
    Object v = in.get(key);
    if (v == null) {
      return dflt;
    }
    if (v instanceof Boolean) {
      return (Boolean) v;
    }
    in.fail(key, v, "must be true or false (a boolean, not " + FieldReader.kind(v) + ").");
    return dflt;
  }

  static Optional<Secret> apiKey(FieldReader in) {
    Object v = in.get(API_KEY);
    if (v == null) {
      return Optional.empty();
    }
    String key = v instanceof Secret ? ((Secret) v).reveal() : v instanceof String ? (String) v : null;
    if (key == null) {
      in.fail(API_KEY, v, "must be text (the API key), got " + FieldReader.kind(v) + ".");
      return Optional.empty();
    }
    if (key.isEmpty()) {
      in.failText(API_KEY, "\"\"", "must not be empty; leave api_key out to run without a key.");
      return Optional.empty();
    }
    if (key.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      in.fail(API_KEY, v, "must not contain line breaks or control characters.");
      return Optional.empty();
    }
    return Optional.of(Secret.of(key));
  }

  static Optional<Pooling> pooling(FieldReader in) {
    Object v = in.get(POOLING);
    if (v == null) {
      return Optional.empty();
    }
    if (v instanceof Pooling) {
      return Optional.of((Pooling) v);
    }
    Optional<Pooling> p = v instanceof String ? Pooling.fromWire((String) v) : Optional.empty();
    if (p.isEmpty()) {
      in.fail(POOLING, v, "must be one of \"none\", \"mean\", \"cls\", \"last\", \"rank\".");
    }
    return p;
  }

  static Map<String, Object> executionSurface(FieldReader in) {
    Object v = in.get(EXECUTION_SURFACE);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put(SURFACE_KIND, LOCAL_SUBPROCESS);
    if (v == null) {
      return out;
    }
    if (!(v instanceof Map)) {
      in.fail(EXECUTION_SURFACE, v, "must be a map such as {surface_kind: local_subprocess}, got "
          + FieldReader.kind(v) + ".");
      return out;
    }
    StringBuilder where = new StringBuilder();
    Object copy = FieldReader.jsonLike(v, where);
    if (copy == null) {
      in.fail(EXECUTION_SURFACE, v, "must hold only text keys and JSON-like values (text, numbers,"
          + " booleans, lists, maps); the problem is at" + where + ".");
      return out;
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> map = (Map<String, Object>) copy;
    Object kind = map.get(SURFACE_KIND);
    if (kind != null && !LOCAL_SUBPROCESS.equals(kind)) {
      boolean known = "ssh_exec".equals(kind) || "guest_bridge".equals(kind);
      in.fail(EXECUTION_SURFACE, kind, known
          ? "surface_kind " + FieldReader.show("", kind) + " is not supported yet; only \"local_subprocess\" is."
          : "surface_kind must be \"local_subprocess\" (the only supported surface).");
      return out;
    }
    out.putAll(map);
    out.put(SURFACE_KIND, LOCAL_SUBPROCESS);
    return out;
  }

  static Map<String, String> environment(FieldReader in) {
    Object v = in.get(ENVIRONMENT);
    Map<String, String> out = new TreeMap<>();
    if (v == null) {
      return out;
    }
    if (!(v instanceof Map)) {
      in.fail(ENVIRONMENT, v, "must be a map of variable names to values, got " + FieldReader.kind(v) + ".");
      return out;
    }
    for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
      Object k = e.getKey();
      if (!(k instanceof String) || ((String) k).isEmpty() || ((String) k).indexOf('=') >= 0
          || ((String) k).indexOf('\0') >= 0) {
        in.failText(ENVIRONMENT, FieldReader.show("", k),
            "variable names must be non-empty text without '=' or NUL.");
        continue;
      }
      String name = (String) k;
      if (name.equals(LlamaServerFlags.API_KEY_ENV)) {
        in.failText(ENVIRONMENT, name, name + " is managed by the spec: set api_key or api_key_file"
            + " instead, so probes and clients know the key.");
        continue;
      }
      String text = envText(e.getValue());
      if (text == null) {
        in.failText(ENVIRONMENT, name, "the value of " + name + " must be text, a number or a boolean, got "
            + FieldReader.kind(e.getValue()) + ".");
      } else if (text.indexOf('\0') >= 0) {
        in.failText(ENVIRONMENT, name, "the value of " + name + " must not contain a NUL character.");
      } else {
        out.put(name, text);
      }
    }
    return out;
  }

  private static String envText(Object v) {
    if (v instanceof String) {
      return (String) v;
    }
    if (v instanceof Boolean) {
      return v.toString();
    }
    if (FieldReader.asInteger(v) != null) {
      return FieldReader.asInteger(v).toString();
    }
    if (v instanceof BigDecimal) {
      return ((BigDecimal) v).toPlainString();
    }
    if (v instanceof Double || v instanceof Float) {
      return v.toString();
    }
    return null;
  }

  static Map<String, Object> metadata(FieldReader in) {
    Object v = in.get(METADATA);
    Map<String, Object> out = new LinkedHashMap<>();
    if (v == null) {
      return out;
    }
    if (!(v instanceof Map)) {
      in.fail(METADATA, v, "must be a map, got " + FieldReader.kind(v) + ".");
      return out;
    }
    for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
      if (!(e.getKey() instanceof String)) {
        in.failText(METADATA, FieldReader.show("", e.getKey()), "keys must be text, got "
            + FieldReader.kind(e.getKey()) + ".");
      } else if (e.getValue() != null) {
        out.put((String) e.getKey(), e.getValue());
      }
    }
    return out;
  }
}
