package io.github.llamacppsdk.core;

import java.util.Objects;

/**
 * What {@link InferenceCore#resolveEndpoint(InstanceSpec, ConsumerManifest, ResolveOptions)} returns:
 * the leased endpoint, its lease, a snapshot of the instance taken <i>after</i> the lease (so its lease
 * count includes it), the compatibility result and whether
 * the instance already existed. {@link #close()} releases the lease.
 *
 * <p>Immutable; the lease it holds is thread-safe.
 *
 * @param endpoint the leased copy of the endpoint (its {@code leaseRef} is this lease's)
 * @param lease the lease
 * @param instance the instance, snapshotted after the lease was taken
 * @param compatibility the compatibility result (compatible)
 * @param reused false only for the call that created the instance
 */
public record Resolution(
    EndpointDescriptor endpoint,
    Lease lease,
    InstanceSnapshot instance,
    CompatibilityResult compatibility,
    boolean reused) implements AutoCloseable {

  /** Validates the components. */
  public Resolution {
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(lease, "lease");
    Objects.requireNonNull(instance, "instance");
    Objects.requireNonNull(compatibility, "compatibility");
  }

  /** Releases the lease. Idempotent; never throws. */
  @Override
  public void close() {
    lease.close();
  }
}
