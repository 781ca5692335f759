package io.github.llamacppsdk.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The answer to "can this consumer use this backend?" : a verdict, the reason, what
 * resolved, the unmet optional capabilities as warnings and the unmet requirements.
 *
 * <p>Immutable and thread-safe.
 *
 * @param contractVersion always {@code inference.v1}
 * @param compatible whether the consumer can use the backend
 * @param reason {@link Reason#PROTOCOL_MATCH} on success, else the first failed check
 * @param resolvedRuntimeKind the runtime kind, on success
 * @param resolvedManagementMode the first backend mode the consumer accepts, on success
 * @param resolvedProtocol the first backend protocol the consumer accepts, on success
 * @param warnings the optional capabilities that are not met, in the consumer's order
 * @param missingRequirements what failed, e.g. {@code [streaming]} or {@code [management_mode]}
 * @param metadata {@code backend} and {@code consumer} on success; {@code reason} when unregistered
 */
public record CompatibilityResult(
    String contractVersion,
    boolean compatible,
    Reason reason,
    Optional<RuntimeKind> resolvedRuntimeKind,
    Optional<ManagementMode> resolvedManagementMode,
    Optional<Protocol> resolvedProtocol,
    List<String> warnings,
    List<String> missingRequirements,
    Map<String, Object> metadata) {

  /** Why a consumer is or is not compatible. Each constant has a wire spelling, {@link #wireName()}. */
  public enum Reason {
    /** Compatible: the only success reason. */
    PROTOCOL_MATCH("protocol_match"),
    /** The backend's runtime kind is not accepted. */
    RUNTIME_KIND_MISMATCH("runtime_kind_mismatch"),
    /** None of the backend's management modes is accepted. */
    MANAGEMENT_MODE_MISMATCH("management_mode_mismatch"),
    /** None of the backend's protocols is accepted. */
    UNSUPPORTED_PROTOCOL("unsupported_protocol"),
    /** The consumer's {@code startup_kind} constraint differs from the backend's startup kind. */
    STARTUP_KIND_UNSUPPORTED("startup_kind_unsupported"),
    /** The required {@code streaming} capability is not met. */
    MISSING_STREAMING("missing_streaming"),
    /** Another required capability is not met. */
    MISSING_CAPABILITY("missing_capability"),
    /** No backend is registered under the id. */
    BACKEND_UNREGISTERED("backend_unregistered");

    private final String wireName;

    Reason(String wireName) {
      this.wireName = wireName;
    }

    /** {@return the wire spelling, e.g. in maps} */
    public String wireName() {
      return wireName;
    }
  }

  /** Validates and copies the components. */
  public CompatibilityResult {
    Objects.requireNonNull(contractVersion, "contractVersion");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(resolvedRuntimeKind, "resolvedRuntimeKind");
    Objects.requireNonNull(resolvedManagementMode, "resolvedManagementMode");
    Objects.requireNonNull(resolvedProtocol, "resolvedProtocol");
    warnings = List.copyOf(warnings);
    missingRequirements = List.copyOf(missingRequirements);
    metadata = Map.copyOf(metadata);
  }

  /**
   * {@return the result for a backend id nobody registered}
   *
   * @param backendId the id asked for
   */
  public static CompatibilityResult unregistered(String backendId) {
    Objects.requireNonNull(backendId, "backendId");
    return failure(Reason.BACKEND_UNREGISTERED, "backend",
        Map.of("reason", Reason.BACKEND_UNREGISTERED.wireName(), "backend", backendId));
  }

  /**
   * Runs the checks in this order: runtime kind, management mode, protocol, startup
   * kind constraint, required capabilities; the first failure wins. Instance-level facts override the
   * manifest: the plan's startup kind replaces the manifest's, and the plan's capabilities are laid
   * over the manifest's (an {@code --embedding} server satisfies {@code embeddings=true} even though
   * the manifest says {@code "unknown"}).
   *
   * @param manifest the backend's manifest
   * @param plan the instance's plan, when compatibility is asked for a concrete instance
   * @param consumer the consumer
   * @return the result
   */
  public static CompatibilityResult evaluate(
      BackendManifest manifest, Optional<StartupPlan> plan, ConsumerManifest consumer) {
    Objects.requireNonNull(manifest, "manifest");
    Objects.requireNonNull(plan, "plan");
    Objects.requireNonNull(consumer, "consumer");
    if (!consumer.acceptedRuntimeKinds().contains(manifest.runtimeKind())) {
      return failure(Reason.RUNTIME_KIND_MISMATCH, "runtime_kind", Map.of());
    }
    // plain loops, not streams or lambdas: this runs in a fresh JVM's first start (benchmarks.md, figure 7)
    Optional<ManagementMode> mode = Optional.empty();
    for (ManagementMode m : manifest.managementModes()) {
      if (consumer.acceptedManagementModes().isEmpty() || consumer.acceptedManagementModes().contains(m)) {
        mode = Optional.of(m);
        break;
      }
    }
    if (mode.isEmpty()) {
      return failure(Reason.MANAGEMENT_MODE_MISMATCH, "management_mode", Map.of());
    }
    Optional<Protocol> protocol = Optional.empty();
    for (Protocol p : manifest.protocols()) {
      if (consumer.acceptedProtocols().contains(p)) {
        protocol = Optional.of(p);
        break;
      }
    }
    if (protocol.isEmpty()) {
      return failure(Reason.UNSUPPORTED_PROTOCOL, "protocol", Map.of());
    }
    Optional<StartupKind> actualStartup = plan.isPresent() ? Optional.of(plan.get().startupKind())
        : manifest.startupKind();
    if (consumer.startupKindConstraint().isPresent() && !consumer.startupKindConstraint().equals(actualStartup)) {
      return failure(Reason.STARTUP_KIND_UNSUPPORTED, "startup_kind", Map.of());
    }
    Map<String, Object> caps = new LinkedHashMap<>();
    putCapabilities(caps, manifest.capabilities());
    if (plan.isPresent()) {
      putCapabilities(caps, plan.get().capabilities());
    }
    for (Map.Entry<String, Object> req : consumer.requiredCapabilities().entrySet()) {
      if (!Objects.equals(caps.get(req.getKey()), req.getValue())) {
        return Capabilities.STREAMING.equals(req.getKey())
            ? failure(Reason.MISSING_STREAMING, Capabilities.STREAMING, Map.of())
            : failure(Reason.MISSING_CAPABILITY, req.getKey(), Map.of());
      }
    }
    List<String> warnings = new ArrayList<>();
    for (Map.Entry<String, Object> opt : consumer.optionalCapabilities().entrySet()) {
      if (!Objects.equals(caps.get(opt.getKey()), opt.getValue())) {
        warnings.add(opt.getKey());
      }
    }
    return new CompatibilityResult(InstanceSpec.CONTRACT_VERSION, true, Reason.PROTOCOL_MATCH,
        Optional.of(manifest.runtimeKind()), mode, protocol, warnings, List.of(),
        Map.of("backend", manifest.backend(), "consumer", consumer.consumer()));
  }

  private static void putCapabilities(Map<String, Object> caps, Map<String, Object> from) {
    for (Map.Entry<String, Object> e : from.entrySet()) {
      caps.put(Capabilities.normaliseKey(e.getKey()), e.getValue());
    }
  }

  private static CompatibilityResult failure(Reason reason, String missing, Map<String, Object> metadata) {
    return new CompatibilityResult(InstanceSpec.CONTRACT_VERSION, false, reason, Optional.empty(),
        Optional.empty(), Optional.empty(), List.of(), List.of(missing), metadata);
  }
}
