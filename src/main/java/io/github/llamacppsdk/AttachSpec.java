package io.github.llamacppsdk;

import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.internal.spec.IdentityDigest;
import io.github.llamacppsdk.internal.spec.SpecUrls;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A llama-server started elsewhere that the library attaches to ({@code attach_existing_service}):
 * where it is, which model it must serve, and its key. The library checks readiness and identity
 * exactly as for a spawned server, watches its health, and never stops it.
 *
 * <p>Immutable. {@link #toString()} masks the key. Build with {@link #builder(String, String)} or
 * {@link #fromMap(Map)} (keys {@code root_url}, {@code alias}, {@code model_identity}, {@code
 * api_prefix}, {@code api_key}, {@code ready_timeout_ms}, {@code health_interval_ms}).
 *
 * @param rootUrl e.g. {@code http://127.0.0.1:8080} (a missing scheme, a trailing {@code /} and a
 *     trailing {@code /v1} are normalised away)
 * @param alias the model id {@code /v1/models} must serve
 * @param modelIdentity the model name published to clients (default: the alias)
 * @param apiPrefix the server's {@code --api-prefix}, normalised like {@link BootSpec#apiPrefix()}
 * @param apiKey the server's key, if it has one
 * @param readyTimeout how long to wait for it to be ready
 * @param healthInterval how often to check its health; empty disables health polling
 */
public record AttachSpec(String rootUrl, String alias, String modelIdentity, String apiPrefix,
    Optional<Secret> apiKey, Duration readyTimeout, Optional<Duration> healthInterval) {

  private static final Set<String> KEYS = Set.of("root_url", "alias", "model_identity", "api_prefix", "api_key",
      "ready_timeout_ms", "health_interval_ms");

  /** Normalises and validates. */
  public AttachSpec {
    rootUrl = normaliseRoot(Objects.requireNonNull(rootUrl, "rootUrl"));
    requireText(alias, "alias");
    modelIdentity = modelIdentity == null || modelIdentity.isBlank() ? alias : modelIdentity;
    apiPrefix = normalisePrefix(apiPrefix == null ? "" : apiPrefix);
    Objects.requireNonNull(apiKey, "apiKey");
    Objects.requireNonNull(readyTimeout, "readyTimeout");
    if (readyTimeout.isZero() || readyTimeout.isNegative() || readyTimeout.compareTo(MAX_DURATION) > 0) {
      throw invalid("ready_timeout_ms", "must be positive and at most 365 days");
    }
    Objects.requireNonNull(healthInterval, "healthInterval");
    if (healthInterval.isPresent() && (healthInterval.get().isZero() || healthInterval.get().isNegative()
        || healthInterval.get().compareTo(MAX_DURATION) > 0)) {
      throw invalid("health_interval_ms", "must be positive and at most 365 days (absent turns polling off)");
    }
  }

  private static final Duration MAX_DURATION = Duration.ofDays(365);

  /**
   * {@return a builder}
   *
   * @param rootUrl where the server is
   * @param alias the model id it must serve
   */
  public static Builder builder(String rootUrl, String alias) {
    return new Builder(rootUrl, alias);
  }

  /**
   * Builds an attach spec from the seed-style keys.
   *
   * @param map the keys
   * @return the spec
   * @throws InferenceException with {@link ErrorCode#INVALID_SPEC} naming the bad key
   */
  public static AttachSpec fromMap(Map<String, ?> map) {
    Objects.requireNonNull(map, "map");
    for (String key : map.keySet()) {
      if (key == null || !KEYS.contains(key)) { // Set.of rejects a null lookup with an NPE
        throw invalid(String.valueOf(key), "is not an attach key (known: root_url, alias, model_identity, api_prefix, api_key,"
            + " ready_timeout_ms, health_interval_ms)");
      }
    }
    Builder b = builder(text(map, "root_url"), text(map, "alias"));
    if (map.get("model_identity") != null) {
      b.modelIdentity(text(map, "model_identity"));
    }
    if (map.get("api_prefix") != null) {
      b.apiPrefix(text(map, "api_prefix"));
    }
    if (map.get("api_key") != null) {
      b.apiKey(Secret.of(text(map, "api_key")));
    }
    if (map.get("ready_timeout_ms") != null) {
      b.readyTimeout(Duration.ofMillis(millis(map, "ready_timeout_ms")));
    }
    if (map.containsKey("health_interval_ms")) {
      b.healthInterval(map.get("health_interval_ms") == null ? null : Duration.ofMillis(millis(map, "health_interval_ms")));
    }
    return b.build();
  }

  /** {@return root URL + prefix + {@code /v1}} */
  public String baseUrl() {
    return rootUrl + apiPrefix + "/v1";
  }

  /** {@return root URL + prefix + {@code /health}} */
  public String healthUrl() {
    return rootUrl + apiPrefix + "/health";
  }

  /** {@return the bearer header when a key is set} */
  public Map<String, String> headers() {
    return apiKey.map(k -> Map.of("authorization", "Bearer " + k.reveal())).orElse(Map.of());
  }

  /**
   * {@return the instance id: same server, same model, same key → same instance} Its digest is keyed
   * per JVM, so the API key cannot be tested offline from a logged id.
   */
  public String instanceKey() {
    String identity = rootUrl + "\n" + apiPrefix + "\n" + alias + "\n" + modelIdentity + "\n"
        + apiKey.map(Secret::reveal).orElse("");
    return "llama_cpp_sdk_attached:" + modelIdentity + ":" + IdentityDigest.of(identity);
  }

  @Override
  public String toString() {
    return "AttachSpec[" + baseUrl() + ", alias=" + alias + ", model=" + modelIdentity + ", key="
        + (apiKey.isPresent() ? "****" : "none") + "]";
  }

  private static String normaliseRoot(String url) {
    String u = url.strip();
    if (u.isEmpty()) {
      throw invalid("root_url", "must not be empty");
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
    if (!u.startsWith("http://") && !u.startsWith("https://")) {
      throw invalid("root_url", "must be an http or https URL: " + url);
    }
    java.net.URI parsed;
    try {
      parsed = new java.net.URI(u);
    } catch (java.net.URISyntaxException e) {
      throw invalid("root_url", "is not a valid URL: " + url);
    }
    if (parsed.getHost() == null || parsed.getRawPath() != null && !parsed.getRawPath().isEmpty()
        && !parsed.getRawPath().equals("/")) {
      throw invalid("root_url", "must be scheme://host[:port] (put a prefix in api_prefix): " + url);
    }
    if (parsed.getPort() == -1) { // the probes need a port: take the scheme's
      u = u + (u.startsWith("https://") ? ":443" : ":80");
    }
    return u;
  }

  private static String normalisePrefix(String prefix) {
    return SpecUrls.normalisePrefix(prefix.strip()); // the same rule as BootSpec's api_prefix
  }


  private static void requireText(String value, String field) {
    if (value == null || value.isBlank()) {
      throw invalid(field, "must be a non-empty string");
    }
  }

  private static String text(Map<String, ?> map, String key) {
    Object v = map.get(key);
    if (!(v instanceof String s) || s.isBlank()) {
      throw invalid(key, "must be a non-empty string, got " + (key.equals("api_key") ? "****" : String.valueOf(v)));
    }
    return s;
  }

  private static long millis(Map<String, ?> map, String key) {
    Object v = map.get(key);
    if (v instanceof Number n && n.longValue() > 0 && n.doubleValue() == n.longValue()) {
      return n.longValue();
    }
    throw invalid(key, "must be a positive whole number of milliseconds, got " + v);
  }

  private static InferenceException invalid(String field, String reason) {
    return new InferenceException(ErrorCode.INVALID_SPEC, "attach spec field " + field + " " + reason);
  }

  /** Builds an {@link AttachSpec}. Mutable, single use, not thread-safe. */
  public static final class Builder {
    private final String rootUrl;
    private final String alias;
    private String modelIdentity;
    private String apiPrefix = "";
    private Secret apiKey;
    private Duration readyTimeout = Duration.ofSeconds(30);
    private Duration healthInterval = Duration.ofSeconds(1);

    private Builder(String rootUrl, String alias) {
      this.rootUrl = rootUrl;
      this.alias = alias;
    }

    /** @param v the published model name @return this */
    public Builder modelIdentity(String v) { modelIdentity = v; return this; }
    /** @param v the server's api prefix @return this */
    public Builder apiPrefix(String v) { apiPrefix = Objects.requireNonNull(v, "apiPrefix"); return this; }
    /** @param v the server's key @return this */
    public Builder apiKey(Secret v) { apiKey = Objects.requireNonNull(v, "apiKey"); return this; }
    /** @param v how long to wait for readiness (default 30 s) @return this */
    public Builder readyTimeout(Duration v) { readyTimeout = Objects.requireNonNull(v, "readyTimeout"); return this; }
    /** @param v the health interval, or {@code null} to disable polling (default 1 s) @return this */
    public Builder healthInterval(Duration v) { healthInterval = v; return this; }

    /** {@return the spec} @throws InferenceException if a field is invalid */
    public AttachSpec build() {
      return new AttachSpec(rootUrl, alias, modelIdentity, apiPrefix, Optional.ofNullable(apiKey), readyTimeout,
          Optional.ofNullable(healthInterval));
    }
  }
}
