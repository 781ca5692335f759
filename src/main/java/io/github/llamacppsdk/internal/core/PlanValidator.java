package io.github.llamacppsdk.internal.core;

import io.github.llamacppsdk.core.BackendManifest;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.core.InstanceSpec;
import io.github.llamacppsdk.core.ManagementMode;
import io.github.llamacppsdk.core.StartupKind;
import io.github.llamacppsdk.core.StartupPlan;
import io.github.llamacppsdk.internal.spec.FieldChecks;
import io.github.llamacppsdk.internal.spec.WireRules;

/**
 * The startup-plan checks, each failing with {@link ErrorCode#INVALID_SPEC} and a detail
 * starting {@code invalid_startup_plan: <tag>}. Stateless. Not API.
 */
public final class PlanValidator {
  private PlanValidator() {}

  /**
   * Validates a plan against the spec and the backend's manifest.
   *
   * @param manifest the backend's manifest
   * @param spec the spec
   * @param plan the backend's plan for it
   */
  public static void validate(BackendManifest manifest, InstanceSpec spec, StartupPlan plan) {
    String backend = manifest.backend();
    if (plan.instanceKey().isBlank()) {
      throw invalid("blank_instance_key (backend=" + backend + ")");
    }
    if (spec.startupKind().isPresent() && spec.startupKind().get() != plan.startupKind()) {
      throw invalid("requested_startup_kind_mismatch (requested=" + spec.startupKind().get().wireName()
          + ", actual=" + plan.startupKind().wireName() + ")");
    }
    if (manifest.startupKind().isPresent() && manifest.startupKind().get() != plan.startupKind()) {
      throw invalid("manifest_startup_kind_mismatch (backend=" + backend + ", declared="
          + manifest.startupKind().get().wireName() + ", actual=" + plan.startupKind().wireName() + ")");
    }
    boolean paired = plan.startupKind() == StartupKind.SPAWNED
        ? plan.managementMode() == ManagementMode.JIDO_MANAGED
        : plan.managementMode() == ManagementMode.EXTERNALLY_MANAGED;
    if (!paired) {
      throw invalid("management_mode_mismatch (startup_kind=" + plan.startupKind().wireName()
          + ", management_mode=" + plan.managementMode().wireName() + ")");
    }
    Object kind = spec.executionSurface().getOrDefault("surface_kind", "local_subprocess");
    String surface = WireRules.text(FieldChecks.INSTANCE_SPEC, "execution_surface.surface_kind", kind);
    if (!manifest.supportedSurfaces().isEmpty() && !manifest.supportedSurfaces().contains(surface)) {
      throw invalid("unsupported_execution_surface (backend=" + backend + ", kind=" + surface + ", supported="
          + manifest.supportedSurfaces() + ")");
    }
    if (!manifest.managementModes().contains(plan.managementMode())) {
      throw invalid("manifest_management_mode_mismatch (backend=" + backend + ", modes="
          + manifest.managementModes().stream().map(ManagementMode::wireName).toList() + ", mode="
          + plan.managementMode().wireName() + ")");
    }
  }

  private static InferenceException invalid(String detail) {
    return new InferenceException(ErrorCode.INVALID_SPEC, "invalid_startup_plan: " + detail);
  }
}
