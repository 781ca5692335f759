package io.github.llamacppsdk.core;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A backend's plan for one instance, returned by {@link Backend#plan} before anything
 * starts.
 *
 * @param instanceKey the instance id; equal keys mean "the same instance" (reuse, single flight)
 * @param startupKind spawned or attached
 * @param managementMode must pair with the startup kind (spawned with jido_managed, attach with
 *     externally_managed)
 * @param exclusiveResources resources only one instance may hold at a time, e.g. {@code
 *     tcp-port:8080}; the core refuses a second instance claiming one (empty for "any free port")
 * @param capabilities instance-level capability facts that override the manifest's (e.g. an {@code
 *     --embedding} server has {@code embeddings=true})
 * @param idleShutdown stop the instance this long after its last lease ends; empty keeps it running
 * @param metadata facts for snapshots (never secrets)
 */
public record StartupPlan(
    String instanceKey,
    StartupKind startupKind,
    ManagementMode managementMode,
    Set<String> exclusiveResources,
    Map<String, Object> capabilities,
    Optional<Duration> idleShutdown,
    Map<String, Object> metadata) {

  /** Validates and copies the components. */
  public StartupPlan {
    Objects.requireNonNull(instanceKey, "instanceKey");
    Objects.requireNonNull(startupKind, "startupKind");
    Objects.requireNonNull(managementMode, "managementMode");
    exclusiveResources = Set.copyOf(exclusiveResources);
    capabilities = Map.copyOf(capabilities);
    Objects.requireNonNull(idleShutdown, "idleShutdown");
    metadata = Map.copyOf(metadata);
  }
}
