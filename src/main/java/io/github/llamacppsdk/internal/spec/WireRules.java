package io.github.llamacppsdk.internal.spec;

import io.github.llamacppsdk.InvalidSpecException;
import io.github.llamacppsdk.Violation;
import io.github.llamacppsdk.core.Capabilities;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Not API. The rules of the consumer manifest's and resolve options' values: wire spellings (with
 * the leading {@code :} of an Elixir atom), capability maps and capability values. Each rule reports
 * violations into a list, for {@code fromMap} to collect ({@link FieldReader}); the throwing forms are
 * for the typed constructors and builders ({@link FieldChecks}).
 */
public final class WireRules {
  /** What the exception calls a consumer manifest. */
  public static final String CONSUMER_MANIFEST = "consumer manifest";
  /** What the exception calls resolve options. */
  public static final String RESOLVE_OPTIONS = "resolve options";
  /** The rule of a capability value. */
  static final String CAPABILITY_VALUE = "a capability value must be true, false or \"unknown\".";

  private WireRules() {}

  /** {@return {@code text} stripped, without the leading {@code :} of an atom written as text}
   * @param text the text */
  public static String atom(String text) {
    String s = text.strip();
    return s.startsWith(":") ? s.substring(1) : s;
  }

  /**
   * {@return the text of a wire value: an enum's lower-case name, or text without an atom's {@code :};
   * {@code null} (with a violation) for anything else}
   *
   * @param key the field
   * @param value the value
   * @param out where a violation goes
   */
  static String text(String key, Object value, List<Violation> out) {
    if (value instanceof Enum<?> e) {
      return e.name().toLowerCase(Locale.ROOT);
    }
    if (!(value instanceof CharSequence cs)) {
      out.add(new Violation(key, FieldReader.show(key, value), "must be text, got " + FieldReader.kind(value) + "."));
      return null;
    }
    return atom(cs.toString());
  }

  /**
   * {@return the text of a wire value, as {@link #text(String, Object, List)}}
   *
   * @param checks whose exception to throw
   * @param key the field
   * @param value the value
   * @throws InvalidSpecException if it is not text
   */
  public static String text(FieldChecks checks, String key, Object value) {
    List<Violation> out = SpecRules.violations();
    return checks.checked(text(key, value, out), out);
  }

  /**
   * {@return one wire spelling parsed, or {@code null} (with a violation)}
   *
   * @param <T> the type
   * @param key the field
   * @param item the value (one of the type already passes through)
   * @param type the type
   * @param parser parses a wire spelling (without the atom's {@code :})
   * @param out where a violation goes
   */
  public static <T> T wire(String key, Object item, Class<T> type, Function<String, T> parser, List<Violation> out) {
    if (type.isInstance(item)) {
      return type.cast(item);
    }
    if (!(item instanceof CharSequence)) {
      out.add(new Violation(key, FieldReader.show(key, item), "must be a " + type.getSimpleName()
          + " spelling, got " + FieldReader.kind(item) + "."));
      return null;
    }
    try {
      return parser.apply(atom(item.toString()));
    } catch (IllegalArgumentException e) {
      out.add(new Violation(key, FieldReader.show(key, item), "is not a " + type.getSimpleName() + " wire name."));
      return null;
    }
  }

  /**
   * {@return a capability map normalised: keys lose {@code :} and {@code ?}, values become {@link
   * Boolean} or {@link Capabilities#UNKNOWN}; in order, unmodifiable} Bad entries are violations and left out.
   *
   * @param key the field
   * @param value the map
   * @param out where violations go
   */
  static Map<String, Object> capabilities(String key, Object value, List<Violation> out) {
    if (!(value instanceof Map<?, ?> raw)) {
      out.add(new Violation(key, FieldReader.show(key, value), "must be a map, got " + FieldReader.kind(value) + "."));
      return Map.of();
    }
    Map<String, Object> caps = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : raw.entrySet()) {
      if (!(e.getKey() instanceof CharSequence k) || k.toString().isBlank()) {
        out.add(new Violation(key, FieldReader.show(key, e.getKey()), "capability keys must be non-blank text."));
        continue;
      }
      String name = Capabilities.normaliseKey(k.toString());
      Object v = capabilityValue(e.getValue());
      if (v == null) {
        out.add(new Violation(key + "." + name, FieldReader.show(name, e.getValue()), CAPABILITY_VALUE));
      } else {
        caps.put(name, v);
      }
    }
    return Collections.unmodifiableMap(caps);
  }

  /**
   * {@return a capability map normalised, as {@link #capabilities(String, Object, List)}}
   *
   * @param key the field
   * @param value the map
   * @throws InvalidSpecException listing every bad entry
   */
  public static Map<String, Object> capabilities(String key, Object value) {
    List<Violation> out = SpecRules.violations();
    return FieldChecks.CONSUMER_MANIFEST.checked(capabilities(key, value, out), out);
  }

  /**
   * {@return the capability value as {@link Boolean} or {@link Capabilities#UNKNOWN}}
   *
   * @param key the capability, for the message
   * @param value true, false, "true", "false", "unknown" or ":unknown"
   * @throws InvalidSpecException if it is none of these
   */
  public static Object capabilityValue(String key, Object value) {
    Object v = capabilityValue(value);
    return v != null ? v : FieldChecks.CONSUMER_MANIFEST.check(key, value, CAPABILITY_VALUE);
  }

  private static Object capabilityValue(Object value) {
    if (value instanceof Boolean) {
      return value;
    }
    if (value instanceof CharSequence cs) {
      switch (atom(cs.toString()).toLowerCase(Locale.ROOT)) {
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
    return null;
  }
}
