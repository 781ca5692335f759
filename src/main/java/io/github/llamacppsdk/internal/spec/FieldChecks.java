package io.github.llamacppsdk.internal.spec;

import io.github.llamacppsdk.InvalidBootSpecException;
import io.github.llamacppsdk.InvalidSpecException;
import io.github.llamacppsdk.Violation;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/**
 * Not API. The checks a typed setter or constructor makes where a value is set: a rule's problem
 * ({@link SpecRules}, {@link WireRules}) thrown at once as the spec's {@link InvalidSpecException}
 * naming the field, the same violation the spec's {@code fromMap} collects for it.
 */
public final class FieldChecks {
  /** The checks of {@code BootSpecBuilder}: {@link InvalidBootSpecException}. */
  public static final FieldChecks BOOT_SPEC = new FieldChecks(null);
  /** The checks of {@code AttachSpec}. */
  public static final FieldChecks ATTACH_SPEC = of(AttachNormalizer.WHAT);
  /** The checks of {@code ConsumerManifest}. */
  public static final FieldChecks CONSUMER_MANIFEST = of(WireRules.CONSUMER_MANIFEST);
  /** The checks of an {@code InstanceSpec} (its execution surface). */
  public static final FieldChecks INSTANCE_SPEC = of("instance spec");
  /** The checks of {@code ResolveOptions}. */
  public static final FieldChecks RESOLVE_OPTIONS = of(WireRules.RESOLVE_OPTIONS);

  /** What the exception calls the spec; null for a boot spec, whose exception is its own type. */
  private final String what;

  private FieldChecks(String what) {
    this.what = what;
  }

  private static FieldChecks of(String what) {
    return new FieldChecks(what);
  }

  /** {@return the exception for these violations}
   * @param violations at least one */
  public InvalidSpecException error(List<Violation> violations) {
    return what == null ? new InvalidBootSpecException(violations) : new InvalidSpecException(what, violations);
  }

  /**
   * {@return the exception for one field}
   *
   * @param key the field's map key
   * @param shown the value as shown (secrets masked)
   * @param reason what is wrong
   */
  public InvalidSpecException invalid(String key, String shown, String reason) {
    return error(List.of(new Violation(key, shown, reason)));
  }

  /**
   * {@return {@code value}, if {@code problem} is null}
   *
   * @param <T> the value's type
   * @param key the field's map key
   * @param value the value
   * @param problem what a rule found wrong with it, or null
   * @throws InvalidSpecException naming the field, if there is a problem
   */
  public <T> T check(String key, T value, String problem) {
    if (problem != null) {
      throw invalid(key, FieldReader.show(key, value), problem);
    }
    return value;
  }

  /** {@return {@code v}, null or positive}
   * @param key the field
   * @param v the value */
  public Integer positive(String key, Integer v) {
    return v == null ? null : check(key, v, SpecRules.positiveProblem(v));
  }

  /**
   * {@return {@code v}, or {@code dflt} for null, if it is a valid duration}
   *
   * @param key the field
   * @param v the value
   * @param dflt the default
   * @param zeroMeansOff whether zero turns the field off
   */
  public Duration duration(String key, Duration v, Duration dflt, boolean zeroMeansOff) {
    return v == null ? dflt : check(key, v, SpecRules.durationProblem(v, zeroMeansOff));
  }

  /**
   * Runs a rule that reports violations and returns the checked value.
   *
   * @param <T> the value's type
   * @param rule the rule
   * @return the value
   * @throws InvalidSpecException with every violation the rule found
   */
  public <T> T checked(Function<List<Violation>, T> rule) {
    List<Violation> out = SpecRules.violations();
    return checked(rule.apply(out), out);
  }

  /**
   * {@return {@code value}, if a rule reported no violations into {@code violations}}
   *
   * @param <T> the value's type
   * @param value the checked value
   * @param violations what the rule reported
   * @throws InvalidSpecException with every violation, if there are any
   */
  public <T> T checked(T value, List<Violation> violations) {
    if (!violations.isEmpty()) {
      throw error(violations);
    }
    return value;
  }
}
