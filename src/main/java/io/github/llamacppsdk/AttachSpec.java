package io.github.llamacppsdk;

import io.github.llamacppsdk.core.Secret;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.internal.core.Headers;
import io.github.llamacppsdk.internal.spec.AttachNormalizer;
import io.github.llamacppsdk.internal.spec.FieldChecks;
import io.github.llamacppsdk.internal.spec.IdentityDigest;
import io.github.llamacppsdk.internal.spec.SpecUrls;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

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

  /** Normalises and validates (the same checks as {@link #fromMap(Map)}, one field at a time). */
  public AttachSpec {
    rootUrl = AttachNormalizer.root(Objects.requireNonNull(rootUrl, "rootUrl"));
    if (alias == null || alias.isBlank()) {
      throw FieldChecks.ATTACH_SPEC.invalid("alias", String.valueOf(alias), "must not be empty or blank.");
    }
    modelIdentity = modelIdentity == null || modelIdentity.isBlank() ? alias : modelIdentity;
    String prefix = apiPrefix == null ? "" : apiPrefix.strip();
    String prefixProblem = SpecUrls.prefixProblem(prefix);
    if (!prefix.isEmpty() && prefixProblem != null) {
      throw FieldChecks.ATTACH_SPEC.invalid("api_prefix", "\"" + prefix + "\"", prefixProblem);
    }
    apiPrefix = SpecUrls.normalisePrefix(prefix); // the same rule as BootSpec's api_prefix
    Objects.requireNonNull(apiKey, "apiKey");
    AttachNormalizer.checkDuration("ready_timeout_ms", Objects.requireNonNull(readyTimeout, "readyTimeout"), false);
    Objects.requireNonNull(healthInterval, "healthInterval");
    healthInterval.ifPresent(d -> AttachNormalizer.checkDuration("health_interval_ms", d, true));
  }

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
   * Builds an attach spec from snake_case keys, with the rules of {@link BootSpec#fromMap(Map)}: a key
   * mapped to {@code null} is absent (its default applies), {@code health_interval_ms} 0 turns health
   * polling off, and every unknown key (with "did you mean") and bad value is reported at once.
   *
   * @param map the keys
   * @return the spec
   * @throws InvalidSpecException with {@link ErrorCode#INVALID_SPEC}, listing every violation
   */
  public static AttachSpec fromMap(Map<String, ?> map) {
    return AttachNormalizer.normalize(Objects.requireNonNull(map, "map"));
  }

  /** {@return root URL + prefix + {@code /v1}} */
  public String baseUrl() {
    return rootUrl + apiPrefix + "/v1";
  }

  /** {@return root URL + prefix + {@code /health}} */
  public String healthUrl() {
    return rootUrl + apiPrefix + "/health";
  }

  /** {@return the bearer header when a key is set (lookups ignore case)} */
  public Map<String, String> headers() {
    return Headers.copyOf(apiKey.map(k -> Map.of("authorization", "Bearer " + k.reveal())).orElse(Map.of()));
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

  /** Builds an {@link AttachSpec}. Mutable, single use, not thread-safe. */
  public static final class Builder {
    private final String rootUrl;
    private final String alias;
    private String modelIdentity;
    private String apiPrefix = "";
    private Secret apiKey;
    private Duration readyTimeout = AttachNormalizer.DEFAULT_READY_TIMEOUT;
    private Duration healthInterval = AttachNormalizer.DEFAULT_HEALTH_INTERVAL;

    private Builder(String rootUrl, String alias) {
      this.rootUrl = rootUrl;
      this.alias = alias;
    }

    /** @param v the published model name
     * @return this */
    public Builder modelIdentity(String v) { modelIdentity = v; return this; }
    /** @param v the server's api prefix
     * @return this */
    public Builder apiPrefix(String v) { apiPrefix = Objects.requireNonNull(v, "apiPrefix"); return this; }
    /** @param v the server's key
     * @return this */
    public Builder apiKey(Secret v) { apiKey = Objects.requireNonNull(v, "apiKey"); return this; }
    /** @param v the server's key, as text (as {@code BootSpec}'s builder takes it)
     * @return this */
    public Builder apiKey(String v) { return apiKey(Secret.of(Objects.requireNonNull(v, "apiKey"))); }
    /** @param v how long to wait for readiness (default 30 s)
     * @return this */
    public Builder readyTimeout(Duration v) { readyTimeout = Objects.requireNonNull(v, "readyTimeout"); return this; }
    /** @param v the health interval, or {@code null} to disable polling (default 1 s)
     * @return this */
    public Builder healthInterval(Duration v) { healthInterval = v; return this; }

    /** {@return the spec}
     * @throws InvalidSpecException naming the invalid field */
    public AttachSpec build() {
      return new AttachSpec(rootUrl, alias, modelIdentity, apiPrefix, Optional.ofNullable(apiKey), readyTimeout,
          Optional.ofNullable(healthInterval));
    }
  }
}
