package io.github.llamacppsdk.core;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * How many servers an {@link InferenceCore} may run at once: a maximum number of instances, a memory
 * budget in bytes (the sum of the instances' {@link MemoryEstimate}s), or both, plus a minimum
 * residency. Unlimited by default.
 *
 * <pre>{@code
 * Capacity.maxInstances(2).and(Capacity.memoryBudget(24L << 30)).withMinResidency(Duration.ofSeconds(30))
 * }</pre>
 *
 * <p>Only instances the core starts itself (startup kind {@link StartupKind#SPAWNED}) count; attached
 * services neither count nor get evicted. An instance holds its share from the moment it is admitted
 * until its process is gone. When a new instance does not fit, the core evicts instances that hold no
 * lease, have no caller waiting, are not pinned and are older (since ready) than the minimum
 * residency, least recently used first; when nothing can be evicted, the new instance waits in
 * order of arrival, up to each caller's await timeout, then fails with {@link
 * CapacityExhaustedException}. See {@code guides/capacity.md}.
 *
 * <p>Immutable and thread-safe.
 */
public final class Capacity {
  private static final Capacity UNLIMITED = new Capacity(OptionalInt.empty(), OptionalLong.empty(), Duration.ZERO);

  private final OptionalInt instanceLimit;
  private final OptionalLong memoryBudgetBytes;
  private final Duration minResidency;

  private Capacity(OptionalInt instanceLimit, OptionalLong memoryBudgetBytes, Duration minResidency) {
    this.instanceLimit = instanceLimit;
    this.memoryBudgetBytes = memoryBudgetBytes;
    this.minResidency = minResidency;
  }

  /** {@return no limit: every instance starts at once, nothing is evicted (the default)} */
  public static Capacity unlimited() {
    return UNLIMITED;
  }

  /**
   * {@return at most {@code n} running instances}
   *
   * @param n the maximum, at least 1
   * @throws IllegalArgumentException if {@code n < 1}
   */
  public static Capacity maxInstances(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("maxInstances must be >= 1: " + n);
    }
    return new Capacity(OptionalInt.of(n), OptionalLong.empty(), Duration.ZERO);
  }

  /**
   * {@return at most {@code bytes} of estimated memory across running instances}
   *
   * @param bytes the budget, more than 0
   * @throws IllegalArgumentException if {@code bytes <= 0}
   */
  public static Capacity memoryBudget(long bytes) {
    if (bytes <= 0) {
      throw new IllegalArgumentException("memoryBudget must be > 0 bytes: " + bytes);
    }
    return new Capacity(OptionalInt.empty(), OptionalLong.of(bytes), Duration.ZERO);
  }

  /**
   * {@return both limits: the stricter of each, and the longer minimum residency}
   *
   * @param other the other capacity
   */
  public Capacity and(Capacity other) {
    Objects.requireNonNull(other, "other");
    OptionalInt n = instanceLimit.isEmpty() ? other.instanceLimit : other.instanceLimit.isEmpty() ? instanceLimit
        : OptionalInt.of(Math.min(instanceLimit.getAsInt(), other.instanceLimit.getAsInt()));
    OptionalLong b = memoryBudgetBytes.isEmpty() ? other.memoryBudgetBytes
        : other.memoryBudgetBytes.isEmpty() ? memoryBudgetBytes
        : OptionalLong.of(Math.min(memoryBudgetBytes.getAsLong(), other.memoryBudgetBytes.getAsLong()));
    Duration r = minResidency.compareTo(other.minResidency) >= 0 ? minResidency : other.minResidency;
    return new Capacity(n, b, r);
  }

  /**
   * {@return a copy where no instance is evicted before it has been ready for {@code d}} So two specs
   * that keep asking for the last slot cannot evict each other in a tight loop: the second one waits
   * until the first has had its residency. Default zero.
   *
   * @param d the minimum residency, zero or more
   */
  public Capacity withMinResidency(Duration d) {
    Objects.requireNonNull(d, "minResidency");
    if (d.isNegative()) {
      throw new IllegalArgumentException("minResidency must be >= 0: " + d);
    }
    return new Capacity(instanceLimit, memoryBudgetBytes, d);
  }

  /** {@return the maximum number of running instances, if limited} */
  public OptionalInt instanceLimit() {
    return instanceLimit;
  }

  /** {@return the memory budget in bytes, if limited} */
  public OptionalLong memoryBudgetBytes() {
    return memoryBudgetBytes;
  }

  /** {@return how long an instance stays safe from eviction after it became ready} */
  public Duration minResidency() {
    return minResidency;
  }

  /** {@return whether neither the instance count nor memory is limited} */
  public boolean isUnlimited() {
    return instanceLimit.isEmpty() && memoryBudgetBytes.isEmpty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Capacity c && c.instanceLimit.equals(instanceLimit)
        && c.memoryBudgetBytes.equals(memoryBudgetBytes) && c.minResidency.equals(minResidency);
  }

  @Override
  public int hashCode() {
    return Objects.hash(instanceLimit, memoryBudgetBytes, minResidency);
  }

  @Override
  public String toString() {
    if (isUnlimited()) {
      return "Capacity[unlimited]";
    }
    StringBuilder sb = new StringBuilder("Capacity[");
    instanceLimit.ifPresent(n -> sb.append("maxInstances=").append(n));
    memoryBudgetBytes.ifPresent(b -> sb.append(sb.length() > 9 ? ", " : "").append("memoryBudget=")
        .append(MemoryEstimate.format(b)));
    if (!minResidency.isZero()) {
      sb.append(", minResidency=").append(minResidency);
    }
    return sb.append(']').toString();
  }
}
