package io.github.llamacppsdk.internal.core;

import io.github.llamacppsdk.core.Capabilities;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Helpers that read loosely typed option maps into typed values, failing with {@link
 * ErrorCode#INVALID_SPEC} errors that name the offending key. Not API.
 */
public final class MapValues {
  private MapValues() {}

  /**
   * Rejects keys outside {@code allowed}.
   *
   * @param what the map's name for messages, e.g. {@code consumer manifest}
   * @param map the map
   * @param allowed the accepted keys
   */
  public static void rejectUnknownKeys(String what, Map<String, ?> map, Set<String> allowed) {
    for (String key : map.keySet()) {
      if (key == null || !allowed.contains(key)) {
        throw invalid(what + ": unknown key '" + key + "' (accepted: " + allowed.stream().sorted().toList() + ")");
      }
    }
  }

  /**
   * {@return the text value, stripped of a leading {@code :}}
   *
   * @param key the key for messages
   * @param value the value
   */
  public static String text(String key, Object value) {
    if (value instanceof Enum<?> e) {
      return e.name().toLowerCase(Locale.ROOT);
    }
    if (!(value instanceof CharSequence cs)) {
      throw invalid(key + " must be a string, got " + describe(value));
    }
    String s = cs.toString().strip();
    return s.startsWith(":") ? s.substring(1) : s;
  }

  /**
   * Parses a value or list of values with {@code parser}, naming the key on failure.
   *
   * @param <T> the element type
   * @param key the key
   * @param value a single value or a collection
   * @param type the element type (values already of that type pass through)
   * @param parser parses a wire spelling
   * @return the parsed list, in order, without duplicates
   */
  public static <T> List<T> list(String key, Object value, Class<T> type, Function<String, T> parser) {
    Collection<?> items = value instanceof Collection<?> c ? c : List.of(value);
    List<T> out = new ArrayList<>();
    for (Object item : items) {
      T parsed = one(key, item, type, parser);
      if (!out.contains(parsed)) {
        out.add(parsed);
      }
    }
    return out;
  }

  /**
   * Parses one value with {@code parser}, naming the key on failure.
   *
   * @param <T> the type
   * @param key the key
   * @param item the value
   * @param type the type (values already of that type pass through)
   * @param parser parses a wire spelling
   * @return the parsed value
   */
  public static <T> T one(String key, Object item, Class<T> type, Function<String, T> parser) {
    if (type.isInstance(item)) {
      return type.cast(item);
    }
    if (!(item instanceof CharSequence)) {
      throw invalid(key + ": expected a " + type.getSimpleName() + " spelling, got " + describe(item));
    }
    try {
      return parser.apply(item.toString());
    } catch (IllegalArgumentException e) {
      throw new InferenceException(ErrorCode.INVALID_SPEC, key + ": unknown value '" + item + "'", e);
    }
  }

  /**
   * Normalises a capability map: keys lose {@code :} and {@code ?}; values become {@link Boolean} or
   * {@link Capabilities#UNKNOWN}. Iteration order is kept.
   *
   * @param key the map's key for messages
   * @param value the map
   * @return an unmodifiable, ordered map
   */
  public static Map<String, Object> capabilities(String key, Object value) {
    if (!(value instanceof Map<?, ?> raw)) {
      throw invalid(key + " must be a map, got " + describe(value));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : raw.entrySet()) {
      if (!(e.getKey() instanceof CharSequence k) || k.toString().isBlank()) {
        throw invalid(key + ": capability keys must be non-blank strings, got " + describe(e.getKey()));
      }
      String name = Capabilities.normaliseKey(k.toString());
      out.put(name, capabilityValue(key + "." + name, e.getValue()));
    }
    return Collections.unmodifiableMap(out);
  }

  /**
   * {@return the capability value as {@link Boolean} or {@link Capabilities#UNKNOWN}}
   *
   * @param key the key for messages
   * @param value true, false, "true", "false", "unknown" or ":unknown"
   */
  public static Object capabilityValue(String key, Object value) {
    if (value instanceof Boolean) {
      return value;
    }
    if (value instanceof CharSequence cs) {
      String s = cs.toString().strip();
      s = s.startsWith(":") ? s.substring(1) : s;
      switch (s.toLowerCase(Locale.ROOT)) {
        case "true":
          return Boolean.TRUE;
        case "false":
          return Boolean.FALSE;
        case Capabilities.UNKNOWN:
          return Capabilities.UNKNOWN;
        default:
          break;
      }
    }
    throw invalid(key + ": capability value must be true, false or \"unknown\", got " + describe(value));
  }

  /**
   * {@return a non-negative long from a number or numeric string}
   *
   * @param key the key for messages
   * @param value the value
   */
  public static long nonNegativeLong(String key, Object value) {
    long v;
    if (value instanceof Integer || value instanceof Long || value instanceof Short) {
      v = ((Number) value).longValue();
    } else if (value instanceof CharSequence cs && cs.toString().strip().matches("-?\\d+")) {
      v = Long.parseLong(cs.toString().strip());
    } else {
      throw invalid(key + " must be an integer, got " + describe(value));
    }
    if (v < 0) {
      throw invalid(key + " must be >= 0, got " + v);
    }
    return v;
  }

  /**
   * {@return an {@link ErrorCode#INVALID_SPEC} exception}
   *
   * @param detail the detail
   */
  public static InferenceException invalid(String detail) {
    return new InferenceException(ErrorCode.INVALID_SPEC, detail);
  }

  private static String describe(Object value) {
    return value == null ? "null" : value.getClass().getSimpleName() + " '" + value + "'";
  }
}
