package io.github.llamacppsdk.models;

import io.github.llamacppsdk.core.Secret;
import io.github.llamacppsdk.internal.models.CacheLayout;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where and how models are pulled: the Hub's base URL, the cache directory, the access token,
 * offline mode, the stall rule and retries.
 *
 * <p>{@link #fromEnvironment()} reads the variables llama-server and the Hugging Face tools read, so
 * all of them share one cache and one mirror: base URL from {@code MODEL_ENDPOINT}, else {@code
 * HF_ENDPOINT}, else {@code https://huggingface.co/}; cache directory from the first set of {@code
 * LLAMA_CACHE}, {@code HF_HUB_CACHE}, {@code HUGGINGFACE_HUB_CACHE}, {@code $HF_HOME/hub}, {@code
 * $XDG_CACHE_HOME/huggingface/hub}, {@code ~/.cache/huggingface/hub}; token from {@code HF_TOKEN};
 * offline when {@code LLAMA_OFFLINE} or {@code HF_HUB_OFFLINE} is {@code 1}/{@code true}. The
 * builder overrides any of them. {@link #toString()} masks the token.
 *
 * <p>Immutable and thread-safe.
 *
 * @param endpoint the Hub's base URL, ending in {@code /}
 * @param cacheDir the hub cache root (holds {@code models--owner--name} directories)
 * @param token the access token for gated or private repositories; sent only as an
 *     {@code Authorization} header to the endpoint's host, never logged
 * @param offline whether to use the cache only (a miss fails at once)
 * @param stallTimeout a download that receives no byte for this long fails ({@link
 *     PullFailure#STALLED}); a slow download that keeps moving is never stopped
 * @param maxAttempts how many times a request is tried when the connection breaks or the server
 *     answers 5xx or 429 (a download resumes where it broke)
 * @param retryBackoff the pause before the second attempt, doubled before each later one
 */
public record HubSettings(URI endpoint, Path cacheDir, Optional<Secret> token, boolean offline,
    Duration stallTimeout, int maxAttempts, Duration retryBackoff) {

  /** The Hub's public base URL. */
  public static final URI DEFAULT_ENDPOINT = URI.create("https://huggingface.co/");
  /** The default stall timeout: 60 s without a byte. */
  public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofSeconds(60);
  /** The default number of attempts per request: 3, as llama-server. */
  public static final int DEFAULT_MAX_ATTEMPTS = 3;
  /** The default pause before a retry: 2 s, doubling, as llama-server. */
  public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofSeconds(2);

  /**
   * Validates the components and normalises the endpoint (a trailing {@code /} is added) and the
   * cache directory (absolute).
   *
   * @throws IllegalArgumentException if the endpoint is not http(s), a duration is not positive or
   *     {@code maxAttempts} is below 1
   */
  public HubSettings {
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(cacheDir, "cacheDir");
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(stallTimeout, "stallTimeout");
    Objects.requireNonNull(retryBackoff, "retryBackoff");
    String scheme = endpoint.getScheme();
    if (!("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme)) || endpoint.getHost() == null) {
      throw new IllegalArgumentException("endpoint must be an http or https URL: " + endpoint);
    }
    if (!endpoint.getPath().endsWith("/")) {
      endpoint = URI.create(endpoint + "/");
    }
    cacheDir = cacheDir.toAbsolutePath().normalize();
    if (stallTimeout.isNegative() || stallTimeout.isZero()) {
      throw new IllegalArgumentException("stallTimeout must be > 0: " + stallTimeout);
    }
    if (retryBackoff.isNegative()) {
      throw new IllegalArgumentException("retryBackoff must be >= 0: " + retryBackoff);
    }
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be >= 1: " + maxAttempts);
    }
  }

  /** {@return the settings this process's environment describes (see the class documentation)} */
  public static HubSettings fromEnvironment() {
    return fromEnvironment(System.getenv());
  }

  /**
   * {@return the settings {@code env} describes} Handy for tests and for applications that keep
   * their configuration elsewhere.
   *
   * @param env environment variables
   */
  public static HubSettings fromEnvironment(Map<String, String> env) {
    Objects.requireNonNull(env, "env");
    Builder b = builder().cacheDir(CacheLayout.rootFromEnvironment(env));
    String endpoint = nonEmpty(env.get("MODEL_ENDPOINT")).or(() -> nonEmpty(env.get("HF_ENDPOINT"))).orElse(null);
    if (endpoint != null) {
      b.endpoint(URI.create(endpoint));
    }
    nonEmpty(env.get("HF_TOKEN")).ifPresent(t -> b.token(Secret.of(t)));
    b.offline(truthy(env.get("LLAMA_OFFLINE")) || truthy(env.get("HF_HUB_OFFLINE")));
    return b.build();
  }

  private static Optional<String> nonEmpty(String v) {
    return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
  }

  private static boolean truthy(String v) {
    return v != null && (v.trim().equals("1") || v.trim().equalsIgnoreCase("true") || v.trim().equalsIgnoreCase("on"));
  }

  /** {@return a builder with the defaults (public Hub, the default cache of the current user, no token)} */
  public static Builder builder() {
    return new Builder();
  }

  /** {@return a builder holding these settings} */
  public Builder toBuilder() {
    Builder b = new Builder().endpoint(endpoint).cacheDir(cacheDir).offline(offline).stallTimeout(stallTimeout)
        .maxAttempts(maxAttempts).retryBackoff(retryBackoff);
    b.token = token.orElse(null);
    return b;
  }

  /** {@return the settings with the token masked} */
  @Override
  public String toString() {
    return "HubSettings[endpoint=" + endpoint + ", cacheDir=" + cacheDir + ", token="
        + (token.isPresent() ? "****" : "none") + ", offline=" + offline + ", stallTimeout=" + stallTimeout
        + ", maxAttempts=" + maxAttempts + ", retryBackoff=" + retryBackoff + "]";
  }

  /** Builds {@link HubSettings}. Mutable, not thread-safe. */
  public static final class Builder {
    private URI endpoint = DEFAULT_ENDPOINT;
    private Path cacheDir = CacheLayout.rootFromEnvironment(Map.of());
    private Secret token;
    private boolean offline;
    private Duration stallTimeout = DEFAULT_STALL_TIMEOUT;
    private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    private Duration retryBackoff = DEFAULT_RETRY_BACKOFF;

    private Builder() {}

    /** @param v the Hub's (or a mirror's) base URL
     * @return this */
    public Builder endpoint(URI v) { endpoint = Objects.requireNonNull(v, "endpoint"); return this; }
    /** @param v the hub cache root
     * @return this */
    public Builder cacheDir(Path v) { cacheDir = Objects.requireNonNull(v, "cacheDir"); return this; }
    /** @param v the access token, or null for none
     * @return this */
    public Builder token(Secret v) { token = v; return this; }
    /** @param v whether to use the cache only
     * @return this */
    public Builder offline(boolean v) { offline = v; return this; }
    /** @param v how long a download may receive nothing before it fails
     * @return this */
    public Builder stallTimeout(Duration v) { stallTimeout = Objects.requireNonNull(v, "stallTimeout"); return this; }
    /** @param v attempts per request (at least 1)
     * @return this */
    public Builder maxAttempts(int v) { maxAttempts = v; return this; }
    /** @param v the pause before the first retry, doubling after
     * @return this */
    public Builder retryBackoff(Duration v) { retryBackoff = Objects.requireNonNull(v, "retryBackoff"); return this; }

    /** {@return the settings}
     * @throws IllegalArgumentException if a value is out of range */
    public HubSettings build() {
      return new HubSettings(endpoint, cacheDir, Optional.ofNullable(token), offline, stallTimeout, maxAttempts,
          retryBackoff);
    }
  }
}
