package io.github.llamacppsdk.core;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * A request for one instance of a backend: which backend, how it should start, and the backend's own
 * spec: typed ({@link #typed(String, StartupKind, Object)}, e.g. a {@code BootSpec} for llama.cpp) or, at the
 * map edge, as {@code backendOptions} the backend reads with {@link Backend#specFromMap(Map)}.
 *
 * <p>Immutable. {@code startupKind} empty means "whatever the backend plans".
 *
 * @param contractVersion always {@code inference.v1}
 * @param backend the backend id, e.g. {@code llama_cpp_sdk}
 * @param startupKind the requested startup kind, if any
 * @param executionSurface where the process runs (snake_case keys, e.g. {@code surface_kind})
 * @param backendOptions the map form of the backend's spec (empty when {@code backendSpec} is given)
 * @param metadata caller metadata, carried into snapshots; never part of identity
 * @param backendSpec the backend's own spec, of its {@link Backend#specType()}
 */
public record InstanceSpec(
    String contractVersion,
    String backend,
    Optional<StartupKind> startupKind,
    Map<String, Object> executionSurface,
    Map<String, Object> backendOptions,
    Map<String, Object> metadata,
    Optional<Object> backendSpec) {

  /** The contract version of every core value. */
  public static final String CONTRACT_VERSION = "inference.v1";

  private static final Map<String, Object> LOCAL = Map.of("surface_kind", "local_subprocess");

  /** Validates and copies the components. */
  public InstanceSpec {
    Objects.requireNonNull(contractVersion, "contractVersion");
    Objects.requireNonNull(backend, "backend");
    Objects.requireNonNull(startupKind, "startupKind");
    executionSurface = Map.copyOf(executionSurface);
    backendOptions = Map.copyOf(backendOptions);
    metadata = Map.copyOf(metadata);
    Objects.requireNonNull(backendSpec, "backendSpec");
  }

  /**
   * A map-shaped request (no typed spec).
   *
   * @param contractVersion always {@code inference.v1}
   * @param backend the backend id
   * @param startupKind the requested startup kind, if any
   * @param executionSurface where the process runs
   * @param backendOptions the map form of the backend's spec
   * @param metadata caller metadata
   */
  public InstanceSpec(String contractVersion, String backend, Optional<StartupKind> startupKind,
      Map<String, Object> executionSurface, Map<String, Object> backendOptions, Map<String, Object> metadata) {
    this(contractVersion, backend, startupKind, executionSurface, backendOptions, metadata, Optional.empty());
  }

  /** Prints option and metadata keys only: backend options may carry a key (a map-form boot spec). */
  @Override
  public String toString() {
    return "InstanceSpec[backend=" + backend + ", startupKind=" + startupKind.map(StartupKind::wireName).orElse("-")
        + ", executionSurface=" + executionSurface + ", backendSpec="
        + backendSpec.map(s -> s.getClass().getSimpleName()).orElse("-") + ", backendOptions="
        + new TreeSet<>(backendOptions.keySet()) + ", metadata keys=" + new TreeSet<>(metadata.keySet()) + "]";
  }

  /**
   * A map-shaped spec for a backend with the given options and no other requirement.
   *
   * @param backend the backend id
   * @param startupKind the startup kind, or {@code null} for "whatever the backend plans"
   * @param backendOptions the map form of the backend's spec
   * @return the spec
   */
  public static InstanceSpec of(String backend, StartupKind startupKind, Map<String, Object> backendOptions) {
    return new InstanceSpec(CONTRACT_VERSION, backend, Optional.ofNullable(startupKind), LOCAL, backendOptions,
        Map.of(), Optional.empty());
  }

  /**
   * A spec carrying the backend's own spec, handed to the backend as it is.
   *
   * @param backend the backend id
   * @param startupKind the startup kind, or {@code null} for "whatever the backend plans"
   * @param backendSpec the backend's spec, of its {@link Backend#specType()}
   * @return the spec
   */
  public static InstanceSpec typed(String backend, StartupKind startupKind, Object backendSpec) {
    return new InstanceSpec(CONTRACT_VERSION, backend, Optional.ofNullable(startupKind), LOCAL, Map.of(), Map.of(),
        Optional.of(Objects.requireNonNull(backendSpec, "backendSpec")));
  }

  /**
   * {@return a copy with other metadata}
   *
   * @param newMetadata the metadata
   */
  public InstanceSpec withMetadata(Map<String, Object> newMetadata) {
    return new InstanceSpec(contractVersion, backend, startupKind, executionSurface, backendOptions, newMetadata,
        backendSpec);
  }

  /**
   * {@return a copy with another execution surface}
   *
   * @param newSurface the execution surface (snake_case keys)
   */
  public InstanceSpec withExecutionSurface(Map<String, Object> newSurface) {
    return new InstanceSpec(contractVersion, backend, startupKind, newSurface, backendOptions, metadata, backendSpec);
  }
}
