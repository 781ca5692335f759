package io.github.llamacppsdk.core;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a backend can offer, statically: runtime kind, management modes, startup kind, protocols,
 * capabilities and supported execution surfaces. Compatibility with a {@link ConsumerManifest} is
 * computed against it (plus instance-level facts from the {@link StartupPlan}).
 *
 * <p>Immutable.
 *
 * @param contractVersion always {@code inference.v1}
 * @param backend the backend id
 * @param runtimeKind the runtime kind
 * @param managementModes in the backend's order of preference
 * @param startupKind the startup kind the backend uses, if fixed
 * @param protocols in the backend's order of preference
 * @param capabilities capability key to {@code true}, {@code false} or {@link Capabilities#UNKNOWN}
 * @param supportedSurfaces e.g. {@code local_subprocess}
 * @param resourceProfile informational
 * @param metadata informational
 */
public record BackendManifest(
    String contractVersion,
    String backend,
    RuntimeKind runtimeKind,
    List<ManagementMode> managementModes,
    Optional<StartupKind> startupKind,
    List<Protocol> protocols,
    Map<String, Object> capabilities,
    List<String> supportedSurfaces,
    Map<String, Object> resourceProfile,
    Map<String, Object> metadata) {

  /** Validates and copies the components. */
  public BackendManifest {
    Objects.requireNonNull(contractVersion, "contractVersion");
    Objects.requireNonNull(backend, "backend");
    Objects.requireNonNull(runtimeKind, "runtimeKind");
    managementModes = List.copyOf(managementModes);
    Objects.requireNonNull(startupKind, "startupKind");
    protocols = List.copyOf(protocols);
    capabilities = Map.copyOf(capabilities);
    supportedSurfaces = List.copyOf(supportedSurfaces);
    resourceProfile = Map.copyOf(resourceProfile);
    metadata = Map.copyOf(metadata);
  }
}
