package io.github.llamacppsdk.kubernetes;

import java.util.Objects;
import java.util.Optional;

/**
 * A pod toleration, as in a pod spec: lets llama-server pods run on tainted nodes (GPU pools are
 * commonly tainted {@code nvidia.com/gpu=present:NoSchedule}).
 *
 * @param key the taint key; empty with {@code Exists} tolerates every taint
 * @param operator {@code Equal} or {@code Exists}
 * @param value the taint value ({@code Equal} only); empty for none
 * @param effect {@code NoSchedule}, {@code PreferNoSchedule} or {@code NoExecute}; empty for all
 */
public record Toleration(String key, String operator, Optional<String> value, Optional<String> effect) {

  /** Validates the components. */
  public Toleration {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(operator, "operator");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(effect, "effect");
    if (!operator.equals("Equal") && !operator.equals("Exists")) {
      throw new IllegalArgumentException("toleration operator must be Equal or Exists: " + operator);
    }
  }

  /**
   * {@return a toleration of a taint with any value}
   *
   * @param key the taint key
   * @param effect the taint effect
   */
  public static Toleration exists(String key, String effect) {
    return new Toleration(key, "Exists", Optional.empty(), Optional.of(effect));
  }

  /**
   * {@return a toleration of a taint with this value}
   *
   * @param key the taint key
   * @param value the taint value
   * @param effect the taint effect
   */
  public static Toleration equal(String key, String value, String effect) {
    return new Toleration(key, "Equal", Optional.of(value), Optional.of(effect));
  }
}
