package io.github.llamacppsdk.core;

import io.github.llamacppsdk.Violation;
import io.github.llamacppsdk.internal.spec.FieldChecks;
import io.github.llamacppsdk.internal.spec.FieldReader;
import io.github.llamacppsdk.internal.spec.SpecRules;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Options for one resolve or lease: who holds the lease, how long it lives, and how long the caller
 * waits for a starting instance.
 *
 * <p>Immutable and thread-safe.
 *
 * @param ownerRef opaque owner reference stored on the lease (never interpreted)
 * @param ttl the lease's time to live; empty means it never expires
 * @param awaitTimeout how long the caller waits for readiness; the default, 150 s, is longer than the
 *     default readiness timeout of 120 s so the backend's own, more precise error wins. When the previous
 *     instance of the spec is still stopping, it runs from the call and covers that stop as well
 */
public record ResolveOptions(Optional<String> ownerRef, Optional<Duration> ttl, Duration awaitTimeout) {

  /** The default {@link #awaitTimeout()}: 150 seconds. */
  public static final Duration DEFAULT_AWAIT_TIMEOUT = Duration.ofSeconds(150);

  private static final List<String> KEYS = List.of("owner_ref", "ttl_ms", "await_timeout_ms");

  /** Validates the components. */
  public ResolveOptions {
    Objects.requireNonNull(ownerRef, "ownerRef");
    Objects.requireNonNull(ttl, "ttl");
    Objects.requireNonNull(awaitTimeout, "awaitTimeout");
    if (ttl.isPresent() && (ttl.get().isZero() || ttl.get().isNegative() || ttl.get().compareTo(MAX) > 0)) {
      throw new IllegalArgumentException("ttl must be > 0 and at most 365 days: " + ttl.get());
    }
    if (awaitTimeout.isNegative() || awaitTimeout.compareTo(MAX) > 0) {
      throw new IllegalArgumentException("awaitTimeout must be >= 0 and at most 365 days: " + awaitTimeout);
    }
  }

  /** The longest TTL or wait: far beyond any real use, far below what clocks and schedulers can add. */
  private static final Duration MAX = SpecRules.MAX_DURATION;

  /** {@return no owner, no TTL, the default wait timeout} */
  public static ResolveOptions defaults() {
    return builder().build();
  }

  /** {@return a builder with the defaults; mutable, single use, not thread-safe} */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Reads an option map: {@code owner_ref} (string), {@code ttl_ms} (integer; {@code 0} or
   * absent means no expiry: only a positive value arms it) and {@code
   * await_timeout_ms} (integer).
   *
   * @param map the options
   * @return the options
   * @throws io.github.llamacppsdk.InvalidSpecException ({@link ErrorCode#INVALID_SPEC}) listing every
   *     unknown key (with "did you mean") and bad value at once
   */
  public static ResolveOptions fromMap(Map<String, ?> map) {
    Objects.requireNonNull(map, "map");
    List<Violation> unknown = FieldReader.unknownKeys(map, KEYS, Set.of(), "resolve-options");
    FieldReader in = new FieldReader(map);
    Optional<String> ownerRef = in.atomText("owner_ref");
    Optional<Duration> ttl = in.millisUpTo("ttl_ms", MAX);
    Optional<Duration> await = in.millisUpTo("await_timeout_ms", MAX);
    in.throwIfAny(unknown, FieldChecks.RESOLVE_OPTIONS);
    Builder b = builder();
    ownerRef.ifPresent(b::ownerRef);
    ttl.filter(d -> !d.isZero()).ifPresent(b::ttl);
    await.ifPresent(b::awaitTimeout);
    return b.build();
  }

  /** Builds {@link ResolveOptions}. Mutable, single use, not thread-safe. */
  public static final class Builder {
    private String ownerRef;
    private Duration ttl;
    private Duration awaitTimeout = DEFAULT_AWAIT_TIMEOUT;

    private Builder() {}

    /** @param v the owner reference
     * @return this */
    public Builder ownerRef(String v) {
      ownerRef = Objects.requireNonNull(v, "ownerRef");
      return this;
    }

    /** @param v the lease TTL, positive
     * @return this */
    public Builder ttl(Duration v) {
      Objects.requireNonNull(v, "ttl");
      if (v.isZero() || v.isNegative()) {
        throw new IllegalArgumentException("ttl must be > 0: " + v);
      }
      ttl = v;
      return this;
    }

    /** @param v how long to wait for readiness, not negative
     * @return this */
    public Builder awaitTimeout(Duration v) {
      Objects.requireNonNull(v, "awaitTimeout");
      if (v.isNegative()) {
        throw new IllegalArgumentException("awaitTimeout must be >= 0: " + v);
      }
      awaitTimeout = v;
      return this;
    }

    /** {@return the options} */
    public ResolveOptions build() {
      return new ResolveOptions(Optional.ofNullable(ownerRef), Optional.ofNullable(ttl), awaitTimeout);
    }
  }
}
