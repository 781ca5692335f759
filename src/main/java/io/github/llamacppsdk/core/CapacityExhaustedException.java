package io.github.llamacppsdk.core;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A new instance did not fit the core's {@link Capacity}: it can never fit (its estimate alone
 * exceeds the memory budget), or nothing could be evicted for it before the caller's await timeout.
 * Code {@link ErrorCode#CAPACITY_EXHAUSTED}. It says what holds the capacity: every counted instance
 * with its estimate, its leases and their owners, and why it could not be evicted.
 */
public final class CapacityExhaustedException extends InferenceException {
  private static final long serialVersionUID = 1L;

  private final String instanceId;
  private final transient MemoryEstimate needed;
  private final transient Capacity capacity;
  private final transient List<Holder> holders;
  private final boolean neverFits;

  /**
   * One instance that holds capacity.
   *
   * @param instanceId the instance
   * @param lifecycle its lifecycle when the error was made
   * @param estimate its memory estimate
   * @param leaseOwners the owner reference of each active lease ({@code -} for a lease without one)
   * @param pinned whether it was preloaded pinned (never evicted)
   * @param whyKept why it was not evicted, in words
   */
  public record Holder(String instanceId, LifecycleStatus lifecycle, MemoryEstimate estimate,
      List<String> leaseOwners, boolean pinned, String whyKept) {
    /** Validates and copies the components. */
    public Holder {
      Objects.requireNonNull(instanceId, "instanceId");
      Objects.requireNonNull(lifecycle, "lifecycle");
      Objects.requireNonNull(estimate, "estimate");
      leaseOwners = List.copyOf(leaseOwners);
      Objects.requireNonNull(whyKept, "whyKept");
    }

    @Override
    public String toString() {
      return instanceId + " (" + lifecycle + ", " + MemoryEstimate.format(estimate.bytes()) + ", "
          + (leaseOwners.isEmpty() ? "no lease" : leaseOwners.size() + " lease(s) held by " + leaseOwners)
          + (pinned ? ", pinned" : "") + ": " + whyKept + ")";
    }
  }

  /**
   * Creates the exception.
   *
   * @param instanceId the instance that did not fit
   * @param needed its estimate
   * @param capacity the core's capacity
   * @param holders the instances that hold the capacity
   * @param neverFits true if it can never fit (its estimate exceeds the budget), false if the wait ran out
   * @param why what happened, in words (e.g. how long the caller waited)
   */
  public CapacityExhaustedException(String instanceId, MemoryEstimate needed, Capacity capacity, List<Holder> holders,
      boolean neverFits, String why) {
    super(ErrorCode.CAPACITY_EXHAUSTED, "instance " + instanceId + " (estimate " + MemoryEstimate.format(
        needed.bytes()) + ", " + needed.source() + ") " + why + " within " + capacity + "; held by: "
        + (holders.isEmpty() ? "nothing" : holders.stream().map(Holder::toString).collect(Collectors.joining("; "))));
    this.instanceId = instanceId;
    this.needed = needed;
    this.capacity = capacity;
    this.holders = List.copyOf(holders);
    this.neverFits = neverFits;
  }

  /** {@return the instance that did not fit} */
  public String instanceId() {
    return instanceId;
  }

  /** {@return its memory estimate} */
  public MemoryEstimate needed() {
    return needed;
  }

  /** {@return the core's capacity} */
  public Capacity capacity() {
    return capacity;
  }

  /** {@return the instances holding the capacity when the error was made} */
  public List<Holder> holders() {
    return holders;
  }

  /** {@return true if the instance can never fit (it failed at once), false if the wait ran out} */
  public boolean neverFits() {
    return neverFits;
  }
}
