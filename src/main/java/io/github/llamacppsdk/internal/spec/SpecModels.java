package io.github.llamacppsdk.internal.spec;

import io.github.llamacppsdk.BootSpec;
import java.nio.file.Path;
import java.util.Optional;

/** Not API. Turns a spec that names its model into the spec that launches on the pulled file. */
public final class SpecModels {
  private SpecModels() {}

  /**
   * {@return {@code spec} with {@code model} set to {@code file} and the name dropped; the alias and
   * model identity (derived from the name) are kept}
   *
   * @param spec a spec that names its model
   * @param file the pulled file in the cache
   */
  public static BootSpec launchable(BootSpec spec, Path file) {
    return new BootSpec(spec.binaryPath(), spec.launcherArgs(), file.toAbsolutePath().toString(), spec.alias(),
        spec.modelIdentity(), spec.host(), spec.port(), spec.apiPrefix(), spec.ctxSize(), spec.gpuLayers(),
        spec.threads(), spec.threadsBatch(), spec.parallel(), spec.flashAttn(), spec.embeddings(), spec.apiKey(),
        spec.apiKeyFile(), spec.timeoutSeconds(), spec.threadsHttp(), spec.pooling(), spec.readyTimeout(),
        spec.readinessInterval(), spec.healthInterval(), spec.stopTimeout(), spec.stallTimeout(),
        spec.idleShutdown(), spec.memoryEstimateBytes(), spec.executionSurface(), spec.environment(), spec.extraArgs(), spec.metadata(),
        Optional.empty());
  }
}
