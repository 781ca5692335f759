package io.github.llamacppsdk.core;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A request for one instance of a backend: which backend, how it should start, and the
 * backend-specific options (for llama.cpp, {@code backend_options.boot_spec} is a {@code BootSpec}).
 *
 * <p>Immutable. {@code startupKind} empty means "whatever the backend plans".
 *
 * @param contractVersion always {@code inference.v1}
 * @param backend the backend id, e.g. {@code llama_cpp_sdk}
 * @param startupKind the requested startup kind, if any
 * @param executionSurface where the process runs (snake_case keys, e.g. {@code surface_kind})
 * @param backendOptions backend-specific payload
 * @param metadata caller metadata, carried into snapshots; never part of identity
 */
public record InstanceSpec(
    String contractVersion,
    String backend,
    Optional<StartupKind> startupKind,
    Map<String, Object> executionSurface,
    Map<String, Object> backendOptions,
    Map<String, Object> metadata) {

  /** The contract version of every core value. */
  public static final String CONTRACT_VERSION = "inference.v1";

  /** Validates and copies the components. */
  public InstanceSpec {
    Objects.requireNonNull(contractVersion, "contractVersion");
    Objects.requireNonNull(backend, "backend");
    Objects.requireNonNull(startupKind, "startupKind");
    executionSurface = Map.copyOf(executionSurface);
    backendOptions = Map.copyOf(backendOptions);
    metadata = Map.copyOf(metadata);
  }

  /** Prints option and metadata keys only: backend options may carry a key (a map-form boot spec). */
  @Override
  public String toString() {
    return "InstanceSpec[backend=" + backend + ", startupKind=" + startupKind.map(StartupKind::wireName).orElse("-")
        + ", executionSurface=" + executionSurface + ", backendOptions=" + new java.util.TreeSet<>(backendOptions.keySet())
        + ", metadata keys=" + new java.util.TreeSet<>(metadata.keySet()) + "]";
  }

  /**
   * A spec for a backend with the given options and no other requirement.
   *
   * @param backend the backend id
   * @param startupKind the startup kind, or {@code null} for "whatever the backend plans"
   * @param backendOptions the backend-specific payload
   * @return the spec
   */
  public static InstanceSpec of(String backend, StartupKind startupKind, Map<String, Object> backendOptions) {
    return new InstanceSpec(CONTRACT_VERSION, backend, Optional.ofNullable(startupKind),
        Map.of("surface_kind", "local_subprocess"), backendOptions, Map.of());
  }

  /**
   * {@return a copy with other metadata}
   *
   * @param newMetadata the metadata
   */
  public InstanceSpec withMetadata(Map<String, Object> newMetadata) {
    return new InstanceSpec(contractVersion, backend, startupKind, executionSurface, backendOptions, newMetadata);
  }
}
