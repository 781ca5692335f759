package io.github.llamacppsdk.internal.spec;

import io.github.llamacppsdk.AttachSpec;
import io.github.llamacppsdk.InvalidSpecException;
import io.github.llamacppsdk.core.Secret;
import io.github.llamacppsdk.Violation;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Not API. Turns a raw attach-spec map into a validated {@link AttachSpec} with the boot spec's type
 * conversions ({@link FieldReader}), rules ({@link SpecRules}) and unknown-key check with "did you
 * mean", collecting every violation into one {@link InvalidSpecException}; and the field checks
 * {@link AttachSpec}'s constructor shares with it.
 */
public final class AttachNormalizer {
  /** What the exception calls an attach spec. */
  public static final String WHAT = "attach spec";
  /** The accepted keys, in validation order. */
  public static final List<String> KEYS = List.of("root_url", "alias", "model_identity", "api_prefix", "api_key",
      "ready_timeout_ms", "health_interval_ms");
  /** The default readiness wait of an attach. */
  public static final Duration DEFAULT_READY_TIMEOUT = Duration.ofSeconds(30);
  /** The default health interval of an attach. */
  public static final Duration DEFAULT_HEALTH_INTERVAL = Duration.ofSeconds(1);

  private static final Set<String> DERIVED = Set.of("base_url", "health_url", "headers");

  private AttachNormalizer() {}

  /**
   * Normalises {@code raw}: null values are absent; {@code health_interval_ms} 0 turns polling off.
   *
   * @param raw the fields by snake_case key
   * @return the spec
   * @throws InvalidSpecException listing every problem
   */
  public static AttachSpec normalize(Map<String, ?> raw) {
    FieldReader in = new FieldReader(raw);
    List<Violation> unknown = FieldReader.unknownKeys(raw, KEYS, DERIVED, "attach-spec");
    String root = in.text("root_url", false).orElse(null);
    if (root == null && !in.failedOn("root_url")) {
      in.fail("root_url", null, "is required: where the server is, e.g. http://127.0.0.1:8080.");
    } else if (root != null && rootProblem(root) != null) {
      in.fail("root_url", root, rootProblem(root));
    }
    String alias = in.text("alias", false).orElse(null);
    if (alias == null && !in.failedOn("alias")) {
      in.fail("alias", null, "is required: the model id the server's /v1/models must list.");
    } else if (alias != null && SpecRules.textProblem(alias) != null) {
      in.fail("alias", alias, SpecRules.textProblem(alias));
    }
    Optional<String> modelIdentity = in.text("model_identity", false);
    modelIdentity.map(SpecRules::textProblem).ifPresent(p -> in.fail("model_identity", modelIdentity.get(), p));
    String apiPrefix = SpecMaps.apiPrefix(in).orElse("");
    if (SpecRules.apiPrefixProblem(apiPrefix) != null) {
      in.fail("api_prefix", apiPrefix, SpecRules.apiPrefixProblem(apiPrefix));
    }
    Optional<Secret> apiKey = SpecMaps.apiKey(in);
    apiKey.map(k -> SpecRules.apiKeyProblem(k.reveal())).ifPresent(p -> in.fail("api_key", apiKey.get(), p));
    Optional<Duration> ready = in.millis("ready_timeout_ms", false);
    ready.map(d -> SpecRules.durationProblem(d, false)).ifPresent(p -> in.fail("ready_timeout_ms", raw.get("ready_timeout_ms"), p));
    Optional<Duration> health = in.millis("health_interval_ms", true);
    health.map(d -> SpecRules.durationProblem(d, true)).ifPresent(p -> in.fail("health_interval_ms", raw.get("health_interval_ms"), p));
    in.throwIfAny(unknown, FieldChecks.ATTACH_SPEC);
    return new AttachSpec(root, alias, modelIdentity.orElse(null), apiPrefix, apiKey,
        ready.orElse(DEFAULT_READY_TIMEOUT),
        health.isPresent() ? health.filter(d -> !d.isZero()) : Optional.of(DEFAULT_HEALTH_INTERVAL));
  }

  /**
   * {@return the normalised root URL: scheme added when missing, trailing {@code /} and {@code /v1}
   * dropped, the scheme's port made explicit}
   *
   * @param url the root URL as given
   * @throws InvalidSpecException if it is not {@code http(s)://host[:port]}
   */
  public static String root(String url) {
    String problem = rootProblem(url);
    if (problem != null) {
      throw FieldChecks.ATTACH_SPEC.invalid("root_url", "\"" + url + "\"", problem);
    }
    String u = trimmed(url);
    java.net.URI parsed = URI.create(u);
    return parsed.getPort() == -1 ? u + (u.startsWith("https://") ? ":443" : ":80") : u; // the probes need a port
  }

  /** {@return what is wrong with a root URL, or {@code null}}
   * @param url the root URL as given */
  static String rootProblem(String url) {
    String u = trimmed(url);
    if (u.isEmpty()) {
      return "must not be empty.";
    }
    if (!u.startsWith("http://") && !u.startsWith("https://")) {
      return "must be an http or https URL.";
    }
    URI parsed;
    try {
      parsed = new URI(u);
    } catch (URISyntaxException e) {
      return "is not a valid URL.";
    }
    if (parsed.getHost() == null || parsed.getRawPath() != null && !parsed.getRawPath().isEmpty()
        && !parsed.getRawPath().equals("/")) {
      return "must be scheme://host[:port] (put a prefix in api_prefix).";
    }
    return null;
  }

  private static String trimmed(String url) {
    String u = url.strip();
    if (u.isEmpty()) {
      return u;
    }
    if (!u.contains("://")) {
      u = "http://" + u;
    }
    while (u.endsWith("/")) {
      u = u.substring(0, u.length() - 1);
    }
    if (u.endsWith("/v1")) {
      u = u.substring(0, u.length() - 3);
    }
    return u;
  }

  /**
   * Checks a duration field of the constructor.
   *
   * @param field the key
   * @param d the value
   * @param offAllowed whether the field may be absent (turned off)
   * @throws InvalidSpecException if it is not positive and at most 365 days
   */
  public static void checkDuration(String field, Duration d, boolean offAllowed) {
    String problem = SpecRules.durationProblem(d, false);
    if (problem != null) {
      throw FieldChecks.ATTACH_SPEC.invalid(field, d.toMillis() + "", offAllowed ? problem.substring(0, problem.length() - 1)
          + "; 0 turns it off." : problem);
    }
  }
}
