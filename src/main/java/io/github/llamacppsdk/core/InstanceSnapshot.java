package io.github.llamacppsdk.core;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A point-in-time read model of one instance.
 *
 * <p>Immutable and thread-safe. The lease count is exact at the moment the snapshot was taken (leases
 * whose TTL has passed by the core's clock are not counted).
 *
 * @param instanceId the instance id (the plan's instance key)
 * @param backend the backend id
 * @param startupKind spawned or attached
 * @param managementMode who manages the service
 * @param lifecycle where the instance is in its life
 * @param health the latest health
 * @param healthReason why, in words
 * @param leaseCount active leases
 * @param endpoint the published endpoint (no lease ref), once ready
 * @param insertedAt when the core created the instance
 * @param readyAt when the endpoint was published
 * @param metadata free-form extras: the plan's metadata plus the backend's {@code details()} (process
 *     facts are in {@code process})
 * @param outage while {@link LifecycleStatus#RECOVERING}: since when it is down and what it is doing
 * @param memoryEstimate the memory estimate made before it started (what a {@link Capacity} budget
 *     counts; {@link MemoryEstimate.Source#UNKNOWN} for an attached service)
 * @param residentMemoryBytes the server's resident memory when the snapshot was taken (Linux: {@code
 *     VmRSS} of its process, read at most once a second), if the backend can read it
 * @param pinned whether it was preloaded pinned: a {@link Capacity} never evicts it
 * @param process the process facts of a spawned server (pid, port, base URL, build, masked command);
 *     empty for an attached service and before the first launch
 */
public record InstanceSnapshot(
    String instanceId,
    String backend,
    StartupKind startupKind,
    ManagementMode managementMode,
    LifecycleStatus lifecycle,
    HealthStatus health,
    String healthReason,
    int leaseCount,
    Optional<EndpointDescriptor> endpoint,
    Instant insertedAt,
    Optional<Instant> readyAt,
    Map<String, Object> metadata,
    Optional<Outage> outage,
    MemoryEstimate memoryEstimate,
    OptionalLong residentMemoryBytes,
    boolean pinned,
    Optional<ServerProcess> process) {

  /** Validates and copies the components. */
  public InstanceSnapshot {
    Objects.requireNonNull(instanceId, "instanceId");
    Objects.requireNonNull(backend, "backend");
    Objects.requireNonNull(startupKind, "startupKind");
    Objects.requireNonNull(managementMode, "managementMode");
    Objects.requireNonNull(lifecycle, "lifecycle");
    Objects.requireNonNull(health, "health");
    Objects.requireNonNull(healthReason, "healthReason");
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(insertedAt, "insertedAt");
    Objects.requireNonNull(readyAt, "readyAt");
    metadata = Map.copyOf(metadata);
    Objects.requireNonNull(outage, "outage");
    Objects.requireNonNull(memoryEstimate, "memoryEstimate");
    Objects.requireNonNull(residentMemoryBytes, "residentMemoryBytes");
    Objects.requireNonNull(process, "process");
  }

  /** {@return when the endpoint stopped serving, while the instance is recovering} */
  public Optional<Instant> downSince() {
    return outage.map(Outage::since);
  }
}
