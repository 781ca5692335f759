package io.github.llamacppsdk.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamacppsdk.models.HuggingFaceModel;
import io.github.llamacppsdk.models.ModelPuller;
import io.github.llamacppsdk.models.PulledModel;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import io.github.llamacppsdk.testkit.FakeHuggingFace;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two JVMs pull one model into one cache at the same time: the file lock lets one download while the
 * other waits, and the other then finds the verified blob; one download in all, no corrupt file.
 */
@Timeout(120)
@ExtendWith(NoLeakedProcesses.class)
class CrossJvmPullIT {
  @TempDir Path tmp;

  @Test
  void aSecondJvmWaitsForTheFirstsDownloadAndDoesNotCorruptTheCache() throws Exception {
    byte[] bytes = new byte[600_000];
    new Random(7).nextBytes(bytes);
    Path cache = tmp.resolve("hub");
    try (FakeHuggingFace hub = FakeHuggingFace.start().addFile("someone/tiny-GGUF", "tiny-Q4_K_M.gguf", bytes)
        .throttle(300_000)) { // two seconds: the second pull starts while the first downloads
      Process child = new ProcessBuilder(io.github.llamacppsdk.testing.ChildJvm.command(PullMain.class, List.of(),
          List.of(hub.endpoint().toString(), cache.toString(), "someone/tiny-GGUF:Q4_K_M")))
          .redirectErrorStream(true).start();
      try {
        hub.awaitRequest(FakeHuggingFace.Request::isDownload, Duration.ofSeconds(60));
        try (ModelPuller puller = ModelPuller.create(hub.settings(cache))) {
          PulledModel here = puller.pull(HuggingFaceModel.parse("someone/tiny-GGUF:Q4_K_M"));
          assertThat(here.downloaded()).as("this JVM waited for the child's download").isFalse();
          assertThat(Files.readAllBytes(here.path())).isEqualTo(bytes);
        }
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(child.exitValue()).as(out).isZero();
        assertThat(out).contains("PULLED true");
      } finally {
        child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      assertThat(hub.downloads()).isEqualTo(1);
    }
  }
}
