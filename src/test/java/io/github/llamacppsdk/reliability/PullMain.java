package io.github.llamacppsdk.reliability;

import io.github.llamacppsdk.models.HubSettings;
import io.github.llamacppsdk.models.HuggingFaceModel;
import io.github.llamacppsdk.models.ModelPuller;
import io.github.llamacppsdk.models.PulledModel;
import java.net.URI;
import java.nio.file.Path;

/** A JVM that pulls one model: {@code ENDPOINT CACHE_DIR NAME}; prints {@code PULLED <downloaded> <path>}. */
public final class PullMain {
  private PullMain() {}

  public static void main(String[] args) {
    HubSettings settings = HubSettings.builder().endpoint(URI.create(args[0])).cacheDir(Path.of(args[1])).build();
    try (ModelPuller puller = ModelPuller.create(settings)) {
      PulledModel pulled = puller.pull(HuggingFaceModel.parse(args[2]));
      System.out.println("PULLED " + pulled.downloaded() + " " + pulled.path());
    }
  }
}
