package io.github.llamacppsdk.internal.spec;

import io.github.llamacppsdk.core.Secret;
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
import java.util.Set;
import java.util.function.Function;

/**
 * Not API. The one way map input is read ({@code BootSpec}, {@code AttachSpec}, {@code
 * ConsumerManifest}, {@code ResolveOptions}): converts the values of a raw map to their fields' types,
 * recording a {@link Violation} for every unknown key (with "did you mean") and every value of the
 * wrong type instead of throwing; the field's rule ({@link SpecRules}, {@link WireRules}) is applied by
 * the typed builder the value is then given to, or here. {@link #throwIfAny} reports them all at once.
 * A key that is absent or maps to {@code null} is "absent": the default applies.
 */
public final class FieldReader {
  private static final int MAX_SHOWN = 120;
  private static final BigInteger MAX_MILLIS = BigInteger.valueOf(SpecRules.MAX_DURATION.toMillis());

  private final Map<String, ?> raw;
  private final List<Violation> violations = new ArrayList<>();

  /** @param raw the map; string keys */
  public FieldReader(Map<String, ?> raw) {
    this.raw = raw;
  }

  List<Violation> violations() {
    return violations;
  }

  /**
   * Throws every violation recorded, after those given.
   *
   * @param first violations found before (unknown keys)
   * @param checks the spec's exception
   * @throws io.github.llamacppsdk.InvalidSpecException if there is any
   */
  public void throwIfAny(List<Violation> first, FieldChecks checks) {
    if (!first.isEmpty() || !violations.isEmpty()) {
      List<Violation> all = new ArrayList<>(first);
      all.addAll(violations);
      throw checks.error(all);
    }
  }

  /**
   * {@return a violation for every key of {@code raw} not in {@code known}, with "did you mean" for a likely
   * typo} The one rule for every map.
   *
   * @param raw the map
   * @param known the accepted keys
   * @param derived keys that exist but are computed, so cannot be set
   * @param what e.g. {@code boot-spec}, for "is not a boot-spec key"
   */
  public static List<Violation> unknownKeys(Map<String, ?> raw, List<String> known, Set<String> derived, String what) {
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
      String shownValue = ShellText.mightBeSecret(key) ? ShellText.MASK : show("", raw.get(keyObject));
      out.add(new Violation(shownKey, shownValue, reason));
    }
    return out;
  }

  /** {@return wire text (an enum's name, or text without an atom's {@code :}); empty when absent or bad}
   * @param key the field */
  public Optional<String> atomText(String key) {
    Object v = get(key);
    return v == null ? Optional.empty() : Optional.ofNullable(WireRules.text(key, v, violations));
  }

  /**
   * {@return a list of wire spellings (or one), parsed, in order, without duplicates; empty when absent or bad}
   *
   * @param <T> the element type
   * @param key the field
   * @param type the element type (values of it pass through)
   * @param parser parses a wire spelling
   */
  public <T> Optional<List<T>> wireList(String key, Class<T> type, Function<String, T> parser) {
    Object v = get(key);
    if (v == null) {
      return Optional.empty();
    }
    int before = violations.size();
    List<T> out = new ArrayList<>();
    for (Object item : v instanceof Collection<?> c ? c : List.of(v)) {
      T parsed = WireRules.wire(key, item, type, parser, violations);
      if (parsed != null && !out.contains(parsed)) {
        out.add(parsed);
      }
    }
    return violations.size() == before ? Optional.of(out) : Optional.empty();
  }

  /**
   * {@return the wire text of a value inside a field (an enum's name, or text without an atom's {@code
   * :}), or {@code null} (recorded) if it is not text}
   *
   * @param key the field, for the violation
   * @param value the value
   */
  public String wireText(String key, Object value) {
    return WireRules.text(key, value, violations);
  }

  /**
   * {@return a wire spelling inside a field parsed, or {@code null} (recorded)}
   *
   * @param <T> the type
   * @param key the field, for the violation
   * @param value the value (one of the type already passes through)
   * @param type the type
   * @param parser parses a wire spelling
   */
  public <T> T wire(String key, Object value, Class<T> type, Function<String, T> parser) {
    return WireRules.wire(key, value, type, parser, violations);
  }

  /** {@return a capability map, normalised; empty when absent} Bad entries are violations.
   * @param key the field */
  public Optional<Map<String, Object>> capabilities(String key) {
    Object v = get(key);
    return v == null ? Optional.empty() : Optional.of(WireRules.capabilities(key, v, violations));
  }

  /**
   * {@return a whole number of milliseconds, from a number or numeric text, 0 to {@code max}; empty when absent or bad}
   *
   * @param key the field
   * @param max the largest accepted
   */
  public Optional<Duration> millisUpTo(String key, Duration max) {
    Object v = get(key);
    if (v == null) {
      return Optional.empty();
    }
    BigInteger n = asInteger(v);
    if (n == null && v instanceof CharSequence cs && cs.toString().strip().matches("-?\\d{1,30}")) {
      n = new BigInteger(cs.toString().strip());
    }
    String rule = "must be a whole number of milliseconds, 0 to " + max.toMillis() + " (365 days)";
    if (n == null) {
      fail(key, v, rule + ", got " + kind(v) + ".");
      return Optional.empty();
    }
    if (n.signum() < 0 || n.compareTo(BigInteger.valueOf(max.toMillis())) > 0) {
      fail(key, v, rule + ".");
      return Optional.empty();
    }
    return Optional.of(Duration.ofMillis(n.longValue()));
  }

  /** {@return whether a violation names {@code key}}
   * @param key the field */
  public boolean failedOn(String key) {
    return violations.stream().anyMatch(v -> v.field().equals(key));
  }

  /** {@return the raw value}
   * @param key the field */
  public Object get(String key) {
    return raw.get(key);
  }

  /**
   * Records a violation.
   *
   * @param key the field
   * @param value the value (shown masked and cut)
   * @param reason what is wrong
   */
  public void fail(String key, Object value, String reason) {
    violations.add(new Violation(key, show(key, value), reason));
  }

  void failText(String key, String shownValue, String reason) {
    violations.add(new Violation(key, shownValue, reason));
  }

  /** Text (or a {@link Path} when {@code pathOk}), unchecked beyond its type; empty when absent or not text. */
  Optional<String> text(String key, boolean pathOk) {
    Object v = get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (pathOk && v instanceof Path) {
      return Optional.of(v.toString());
    }
    if (!(v instanceof String)) {
      fail(key, v, "must be " + (pathOk ? "a path (text)" : "text") + ", got " + kind(v) + ".");
      return Optional.empty();
    }
    return Optional.of((String) v);
  }

  /**
   * A whole number; empty when absent, not whole, or beyond a {@code long}.
   *
   * @param rule what the field accepts, a sentence ending in {@code .}: the reason of a violation
   */
  Optional<Long> whole(String key, String rule) {
    Object v = get(key);
    if (v == null) {
      return Optional.empty();
    }
    BigInteger n = asInteger(v);
    if (n == null) {
      fail(key, v, rule.substring(0, rule.length() - 1) + ", got " + kind(v) + ".");
      return Optional.empty();
    }
    if (n.bitLength() > 63) {
      fail(key, v, rule);
      return Optional.empty();
    }
    return Optional.of(n.longValue());
  }

  /** A whole number that fits an {@code int}; empty (with the rule as the violation) otherwise. */
  Optional<Integer> wholeInt(String key, String rule) {
    Optional<Long> n = whole(key, rule);
    if (n.isPresent() && (n.get() < Integer.MIN_VALUE || n.get() > Integer.MAX_VALUE)) {
      fail(key, get(key), rule);
      return Optional.empty();
    }
    return n.map(Long::intValue);
  }

  /**
   * A {@link Duration}, or a whole number of milliseconds as one; empty when absent or of another type.
   * The range is the field's rule ({@link SpecRules#durationProblem}).
   */
  Optional<Duration> millis(String key, boolean zeroMeansOff) {
    Object v = get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (v instanceof Duration) {
      return Optional.of((Duration) v);
    }
    BigInteger n = asInteger(v);
    if (n == null) {
      fail(key, v, "must be " + SpecRules.durationWanted(zeroMeansOff) + ", got " + kind(v) + ".");
      return Optional.empty();
    }
    if (n.abs().compareTo(MAX_MILLIS) > 0) {
      fail(key, v, SpecRules.durationProblem(SpecRules.MAX_DURATION.plusDays(1), zeroMeansOff));
      return Optional.empty();
    }
    return Optional.of(Duration.ofMillis(n.longValue()));
  }

  /** A map; empty when absent or of another type ({@code want} says what was expected). */
  public Optional<Map<?, ?>> map(String key, String want) {
    Object v = get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (!(v instanceof Map)) {
      fail(key, v, "must be " + want + ", got " + kind(v) + ".");
      return Optional.empty();
    }
    return Optional.of((Map<?, ?>) v);
  }

  /** A list whose elements are all strings; {@code List.of()} when absent or bad (the field's rule checks the rest). */
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
    String text = v instanceof String ? '"' + (String) v + '"'
        : v instanceof Duration ? String.valueOf(((Duration) v).toMillis()) : String.valueOf(v);
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
