package io.github.llamacppsdk.internal.llama;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamacppsdk.internal.probe.ReadinessProber;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The cold-start warm-up runs every step against the code it warms: a probe of its own loopback socket
 * that must come out READY, the listener check, the build table, the command line, and every class it
 * names (a renamed class is a failure here, not a silent loss of the warm-up).
 */
class PrewarmTest {

  @Test
  void everyStepRunsAndTheProbeSeesItsLoopbackServerReady() {
    ReadinessProber prober = ReadinessProber.create(Duration.ofSeconds(2));
    try {
      assertThat(Prewarm.run(CompletableFuture.completedFuture(prober))).isEmpty();
    } finally {
      prober.close();
    }
  }

  @Test
  void withoutAProberTheOtherStepsStillRunAndTheProbeIsReported() {
    CompletableFuture<ReadinessProber> never = new CompletableFuture<>();
    never.completeExceptionally(new IllegalStateException("the backend failed to build"));
    assertThat(Prewarm.run(never)).singleElement().asString().startsWith("readiness probe:");
  }

  @Test
  void thePropertyTurnsItOff() {
    String before = System.getProperty(Prewarm.PROPERTY);
    try {
      System.setProperty(Prewarm.PROPERTY, "false");
      assertThat(Prewarm.enabled()).isFalse();
      System.setProperty(Prewarm.PROPERTY, "true");
      assertThat(Prewarm.enabled()).isTrue();
    } finally {
      if (before == null) {
        System.clearProperty(Prewarm.PROPERTY);
      } else {
        System.setProperty(Prewarm.PROPERTY, before);
      }
    }
  }
}
