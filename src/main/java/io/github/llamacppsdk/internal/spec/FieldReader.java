package io.github.llamacppsdk.internal.spec;

import io.github.llamacppsdk.Secret;
import io.github.llamacppsdk.Violation;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Not API. Reads typed values out of a raw boot-spec map, recording a {@link Violation} for every bad
 * value instead of throwing. A key that is absent or maps to {@code null} is "absent": the default
 * applies.
 */
final class FieldReader {
  private static final int MAX_SHOWN = 120;
  private static final BigInteger INT_MAX = BigInteger.valueOf(Integer.MAX_VALUE);
  /**
   * The longest duration any timing field takes: a year is beyond any real load or grace, and far
   * below what {@link Duration#toNanos()} and the schedulers can represent (~292 years).
   */
  static final Duration MAX_DURATION = Duration.ofDays(365);
  private static final BigInteger MAX_MILLIS = BigInteger.valueOf(MAX_DURATION.toMillis());

  private final Map<String, ?> raw;
  private final List<Violation> violations = new ArrayList<>();

  FieldReader(Map<String, ?> raw) {
    this.raw = raw;
  }

  List<Violation> violations() {
    return violations;
  }

  boolean failedOn(String key) {
    return violations.stream().anyMatch(v -> v.field().equals(key));
  }

  Object get(String key) {
    return raw.get(key);
  }

  void fail(String key, Object value, String reason) {
    violations.add(new Violation(key, show(key, value), reason));
  }

  void failText(String key, String shownValue, String reason) {
    violations.add(new Violation(key, shownValue, reason));
  }

  /** A non-blank string (or a {@link Path} when {@code pathOk}); {@code dflt} when absent. */
  String string(String key, String dflt, boolean pathOk) {
    return optionalString(key, pathOk).orElse(dflt);
  }

  Optional<String> optionalString(String key, boolean pathOk) {
    Object v = get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (pathOk && v instanceof Path) {
      v = v.toString();
    }
    if (!(v instanceof String)) {
      fail(key, v, "must be " + (pathOk ? "a path (text)" : "text") + ", got " + kind(v) + ".");
      return Optional.empty();
    }
    String s = (String) v;
    if (s.isBlank()) {
      fail(key, v, "must not be empty or blank.");
      return Optional.empty();
    }
    if (s.indexOf('\0') >= 0) {
      fail(key, v, "must not contain a NUL character.");
      return Optional.empty();
    }
    return Optional.of(s);
  }

  /** An integer in {@code [min, max]}; {@code null} when absent or bad. */
  Long integer(String key, long min, long max, String rangeText) {
    Object v = get(key);
    if (v == null) {
      return null;
    }
    BigInteger n = asInteger(v);
    if (n == null) {
      fail(key, v, "must be a whole number " + rangeText + ", got " + kind(v) + ".");
      return null;
    }
    if (n.compareTo(BigInteger.valueOf(min)) < 0 || n.compareTo(BigInteger.valueOf(max)) > 0) {
      fail(key, v, "must be a whole number " + rangeText + ".");
      return null;
    }
    return n.longValue();
  }

  OptionalInt positiveInt(String key) {
    Long n = integer(key, 1, Integer.MAX_VALUE, "from 1 to " + INT_MAX);
    return n == null ? OptionalInt.empty() : OptionalInt.of(n.intValue());
  }

  /**
   * A positive number of milliseconds, or a positive {@link Duration}; empty when absent or bad.
   * When {@code zeroMeansOff}, {@code 0} yields {@link Duration#ZERO}.
   */
  Optional<Duration> millis(String key, boolean zeroMeansOff) {
    Object v = get(key);
    if (v == null) {
      return Optional.empty();
    }
    String want = zeroMeansOff
        ? "a whole number of milliseconds >= 0 (0 turns it off)"
        : "a whole number of milliseconds > 0";
    if (v instanceof Duration) {
      Duration d = (Duration) v;
      if (d.isNegative() || (d.isZero() && !zeroMeansOff) || d.compareTo(MAX_DURATION) > 0) {
        fail(key, v, "must be " + want + " (at most " + MAX_DURATION.toMillis() + ", 365 days).");
        return Optional.empty();
      }
      return Optional.of(d);
    }
    BigInteger n = asInteger(v);
    if (n == null) {
      fail(key, v, "must be " + want + ", got " + kind(v) + ".");
      return Optional.empty();
    }
    if (n.signum() < 0 || (n.signum() == 0 && !zeroMeansOff) || n.compareTo(MAX_MILLIS) > 0) {
      fail(key, v, "must be " + want + " (at most " + MAX_MILLIS + ", 365 days).");
      return Optional.empty();
    }
    return Optional.of(Duration.ofMillis(n.longValue()));
  }

  /** A list whose elements are all non-null strings; {@code List.of()} when absent or bad. */
  List<String> stringList(String key) {
    Object v = get(key);
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof List)) {
      fail(key, v, "must be a list of strings, got " + kind(v) + ".");
      return List.of();
    }
    List<String> out = new ArrayList<>();
    List<?> list = (List<?>) v;
    for (int i = 0; i < list.size(); i++) {
      Object e = list.get(i);
      if (!(e instanceof String)) {
        failText(key, show(key, e), "element " + i + " must be a string, got " + kind(e) + ".");
        return List.of();
      }
      if (((String) e).indexOf('\0') >= 0) {
        failText(key, show(key, e), "element " + i + " must not contain a NUL character.");
        return List.of();
      }
      out.add((String) e);
    }
    return List.copyOf(out);
  }

  /** {@code v} as a whole number, or {@code null} if it is not of an integral type. */
  static BigInteger asInteger(Object v) {
    if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      return BigInteger.valueOf(((Number) v).longValue());
    }
    if (v instanceof BigInteger) {
      return (BigInteger) v;
    }
    return null;
  }

  /** A person-readable name for the type of {@code v}. */
  static String kind(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof String) {
      return "text";
    }
    if (v instanceof Boolean) {
      return "a boolean";
    }
    if (v instanceof Number) {
      return asInteger(v) != null ? "a whole number" : "a number with a fraction (" + v.getClass().getSimpleName() + ")";
    }
    if (v instanceof Map) {
      return "a map";
    }
    if (v instanceof Collection) {
      return "a list";
    }
    return "a " + v.getClass().getSimpleName();
  }

  /** The value as text for a violation: strings quoted, secrets masked, long values cut. */
  static String show(String key, Object v) {
    if (v instanceof Secret || (SpecKeys.API_KEY.equals(key) && v != null)) {
      return "****";
    }
    String text = v instanceof String ? '"' + (String) v + '"' : String.valueOf(v);
    return text.length() > MAX_SHOWN ? text.substring(0, MAX_SHOWN) + "..." : text;
  }

  /**
   * A deep, immutable copy of a JSON-like value (strings, numbers, booleans, lists, maps with string
   * keys; {@code null} entries dropped), or {@code null} if something else is inside; {@code where}
   * receives the path of the first offending element.
   */
  static Object jsonLike(Object v, StringBuilder where) {
    if (v instanceof String || v instanceof Number || v instanceof Boolean) {
      return v;
    }
    if (v instanceof Map) {
      Map<String, Object> copy = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
        if (!(e.getKey() instanceof String)) {
          where.append(" key ").append(show("", e.getKey()));
          return null;
        }
        if (e.getValue() == null) {
          continue;
        }
        Object inner = jsonLike(e.getValue(), where);
        if (inner == null) {
          where.insert(0, "." + e.getKey());
          return null;
        }
        copy.put((String) e.getKey(), inner);
      }
      return Collections.unmodifiableMap(copy);
    }
    if (v instanceof List) {
      List<Object> copy = new ArrayList<>();
      List<?> list = (List<?>) v;
      for (int i = 0; i < list.size(); i++) {
        if (list.get(i) == null) {
          continue;
        }
        Object inner = jsonLike(list.get(i), where);
        if (inner == null) {
          where.insert(0, "[" + i + "]");
          return null;
        }
        copy.add(inner);
      }
      return Collections.unmodifiableList(copy);
    }
    where.append(" (").append(kind(v)).append(')');
    return null;
  }
}
