package io.github.llamacppsdk;

/**
 * How many model layers llama-server offloads to the GPU ({@code --gpu-layers}): {@link #auto()}
 * (let llama-server decide; the default), {@link #all()}, or a {@link #count(int) count}.
 *
 * <p>A closed set of immutable values; equal values mean the same setting.
 */
public sealed interface GpuLayers permits GpuLayers.Auto, GpuLayers.All, GpuLayers.Count {

  /** {@return let llama-server decide ({@code --gpu-layers auto})} */
  static GpuLayers auto() {
    return new Auto();
  }

  /** {@return offload every layer ({@code --gpu-layers all})} */
  static GpuLayers all() {
    return new All();
  }

  /**
   * Offloads a fixed number of layers.
   *
   * @param layers the number of layers, {@code >= 0} ({@code 0} keeps everything on the CPU)
   * @return the setting
   * @throws IllegalArgumentException if {@code layers} is negative
   */
  static GpuLayers count(int layers) {
    return new Count(layers);
  }

  /** {@return the value llama-server expects: {@code auto}, {@code all} or a decimal count} */
  String wireValue();

  /** Let llama-server decide. */
  record Auto() implements GpuLayers {
    @Override
    public String wireValue() {
      return "auto";
    }
  }

  /** Offload every layer. */
  record All() implements GpuLayers {
    @Override
    public String wireValue() {
      return "all";
    }
  }

  /**
   * Offload a fixed number of layers.
   *
   * @param layers the number of layers, {@code >= 0}
   */
  record Count(int layers) implements GpuLayers {
    /** Checks that the count is not negative. */
    public Count {
      if (layers < 0) {
        throw new IllegalArgumentException("gpu layer count must be >= 0: " + layers);
      }
    }

    @Override
    public String wireValue() {
      return Integer.toString(layers);
    }
  }
}
