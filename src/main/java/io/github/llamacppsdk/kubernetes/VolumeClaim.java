package io.github.llamacppsdk.kubernetes;

import java.util.Objects;

/**
 * A PersistentVolumeClaim mounted into every llama-server pod.
 *
 * @param claimName the claim, in the placement's namespace
 * @param mountPath where the container sees it (absolute)
 * @param readOnly mount it read-only
 */
public record VolumeClaim(String claimName, String mountPath, boolean readOnly) {

  /** Validates the components. */
  public VolumeClaim {
    Objects.requireNonNull(claimName, "claimName");
    Objects.requireNonNull(mountPath, "mountPath");
    if (claimName.isBlank()) {
      throw new IllegalArgumentException("claimName must not be blank");
    }
    if (!mountPath.startsWith("/")) {
      throw new IllegalArgumentException("mountPath must be absolute: " + mountPath);
    }
  }
}
