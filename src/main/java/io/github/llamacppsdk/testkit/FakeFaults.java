package io.github.llamacppsdk.testkit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How a fake llama-server misbehaves (or how slowly it behaves), as typed options that render its
 * {@code --fake-*} flags. Hand {@link #args()} to the fake wherever it takes arguments: a spec's
 * {@code extraArgs} when the library launches the installed script, or {@link FakeLlamaServer#start}.
 *
 * <pre>{@code
 * FakeFaults slow = FakeFaults.builder().loadTime(Duration.ofMillis(700)).tokensPerSecond(40).build();
 * BootSpec spec = BootSpec.builder(model).binaryPath(FakeLlamaServer.install(dir)).extraArgs(slow.args()).build();
 * }</pre>
 *
 * <p>Immutable; {@link #toBuilder()} derives a variant. Every option is off (the fake's default) until
 * set; a setter rejects a value the fake would reject, naming the option.
 */
public final class FakeFaults {
  /** Where a stall hangs the fake, silently and forever. */
  public enum Stall {
    /** After binding its port: {@code /health} answers 503 (loading) forever. */
    LOADING,
    /** Before binding its port: nothing listens. */
    BEFORE_BIND
  }

  /** A fixed {@code /health} answer once the fake is ready. */
  public enum Health {
    /** 200 ok (the default). */
    OK,
    /** 200, but the server reports itself degraded. */
    DEGRADED,
    /** 503 unavailable. */
    UNAVAILABLE,
    /** 503 loading the model. */
    LOADING
  }

  private final Map<String, Optional<String>> flags; // flag -> value (empty for a switch), in order set
  private final List<String> args;

  private FakeFaults(Map<String, Optional<String>> flags) {
    this.flags = Collections.unmodifiableMap(new LinkedHashMap<>(flags));
    List<String> rendered = new ArrayList<>();
    flags.forEach((flag, value) -> {
      rendered.add(flag);
      value.ifPresent(rendered::add);
    });
    this.args = List.copyOf(rendered);
  }

  /** {@return no fault: the fake's defaults (a 200 ms load)} */
  public static FakeFaults none() {
    return new FakeFaults(Map.of());
  }

  /** {@return a builder with every option off} */
  public static Builder builder() {
    return new Builder(Map.of());
  }

  /** {@return a builder holding these options, to derive a variant} */
  public Builder toBuilder() {
    return new Builder(flags);
  }

  /** {@return the {@code --fake-*} flags, in the order the options were set} */
  public List<String> args() {
    return args;
  }

  /** {@return {@link #args()} followed by {@code more}}
   * @param more further arguments, e.g. llama-server flags */
  public List<String> args(String... more) {
    List<String> all = new ArrayList<>(args);
    all.addAll(List.of(more));
    return List.copyOf(all);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof FakeFaults && ((FakeFaults) other).args.equals(args);
  }

  @Override
  public int hashCode() {
    return args.hashCode();
  }

  @Override
  public String toString() {
    return "FakeFaults" + args;
  }

  /** Builds {@link FakeFaults}. Setting an option twice keeps the last value (in its first place). Not thread-safe. */
  public static final class Builder {
    private final Map<String, Optional<String>> flags;

    private Builder(Map<String, Optional<String>> flags) {
      this.flags = new LinkedHashMap<>(flags);
    }

    private Builder set(String flag, Optional<String> value) {
      flags.put(flag, value);
      return this;
    }

    private Builder millis(String flag, String name, Duration d, boolean zeroOk) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || (!zeroOk && d.isZero())) {
        throw new IllegalArgumentException(name + " must be " + (zeroOk ? ">= 0" : "> 0") + ": " + d);
      }
      return set(flag, Optional.of(Long.toString(d.toMillis())));
    }

    private Builder count(String flag, String name, int n, int min) {
      if (n < min) {
        throw new IllegalArgumentException(name + " must be >= " + min + ": " + n);
      }
      return set(flag, Optional.of(Integer.toString(n)));
    }

    /** @param d how long the simulated model load takes ({@code --fake-load-ms}; default 200 ms)
     * @return this */
    public Builder loadTime(Duration d) { return millis("--fake-load-ms", "loadTime", d, true); }

    /** @param d log a load progress line this often while loading ({@code --fake-progress-every-ms})
     * @return this */
    public Builder progressEvery(Duration d) { return millis("--fake-progress-every-ms", "progressEvery", d, false); }

    /** @param where hang forever without output there ({@code --fake-stall})
     * @return this */
    public Builder stall(Stall where) {
      return set("--fake-stall", Optional.of(Objects.requireNonNull(where, "stall").name().toLowerCase(Locale.ROOT)
          .replace('_', '-')));
    }

    /** @param d exit this long after becoming ready ({@code --fake-exit-after-ms})
     * @return this */
    public Builder exitAfter(Duration d) { return millis("--fake-exit-after-ms", "exitAfter", d, true); }

    /** @param n exit after answering this many requests once ready ({@code --fake-exit-after-requests})
     * @return this */
    public Builder exitAfterRequests(int n) { return count("--fake-exit-after-requests", "exitAfterRequests", n, 1); }

    /** @param code the status of an exit after a time or a number of requests ({@code --fake-exit-code}; default 1)
     * @return this */
    public Builder exitCode(int code) { return count("--fake-exit-code", "exitCode", code, 0); }

    /** Ignores SIGTERM and SIGINT, so only SIGKILL stops it ({@code --fake-ignore-signals}).
     * @return this */
    public Builder ignoreSignals() { return set("--fake-ignore-signals", Optional.empty()); }

    /** Spawns a child process ({@code sleep 3600}) and logs its pid ({@code --fake-spawn-child}).
     * @return this */
    public Builder spawnChild() { return set("--fake-spawn-child", Optional.empty()); }

    /** @param health a fixed {@code /health} answer once ready ({@code --fake-health})
     * @return this */
    public Builder health(Health health) {
      return set("--fake-health", Optional.of(Objects.requireNonNull(health, "health").name().toLowerCase(Locale.ROOT)));
    }

    /**
     * @param file a file whose content ({@code ok}, {@code degraded}, {@code unavailable}, {@code loading})
     *     decides each {@code /health} answer ({@code --fake-health-file})
     * @return this
     */
    public Builder healthFile(Path file) {
      return set("--fake-health-file", Optional.of(Objects.requireNonNull(file, "healthFile").toString()));
    }

    /** @param n alternate {@code /health} between ok and unavailable every n health requests ({@code --fake-health-flap-every})
     * @return this */
    public Builder healthFlapEvery(int n) { return count("--fake-health-flap-every", "healthFlapEvery", n, 1); }

    /** @param d {@code /health} turns unavailable this long after becoming ready ({@code --fake-unhealthy-after-ms})
     * @return this */
    public Builder unhealthyAfter(Duration d) { return millis("--fake-unhealthy-after-ms", "unhealthyAfter", d, true); }

    /** @param d delay every answer by this much once ready ({@code --fake-response-delay-ms})
     * @return this */
    public Builder responseDelay(Duration d) { return millis("--fake-response-delay-ms", "responseDelay", d, true); }

    /** @param n stream this many content chunks per second ({@code --fake-tokens-per-second}; default unlimited)
     * @return this */
    public Builder tokensPerSecond(int n) { return count("--fake-tokens-per-second", "tokensPerSecond", n, 1); }

    /** @param id answer {@code /v1/models} with this id instead of the alias ({@code --fake-model-id})
     * @return this */
    public Builder modelId(String id) {
      if (Objects.requireNonNull(id, "modelId").isBlank()) {
        throw new IllegalArgumentException("modelId must not be blank");
      }
      return set("--fake-model-id", Optional.of(id));
    }

    /** @param file write {@code System.nanoTime()} of the moment {@code /health} turns 200 to it ({@code --fake-ready-stamp})
     * @return this */
    public Builder readyStamp(Path file) {
      return set("--fake-ready-stamp", Optional.of(Objects.requireNonNull(file, "readyStamp").toString()));
    }

    /** {@return the options} */
    public FakeFaults build() {
      return new FakeFaults(flags);
    }
  }
}
