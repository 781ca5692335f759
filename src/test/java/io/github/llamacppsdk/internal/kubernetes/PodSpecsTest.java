package io.github.llamacppsdk.internal.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.github.llamacppsdk.process.ExitStatus;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;

class PodSpecsTest {
  @Test
  void theContainerListensOnEveryAddressOfItsPodAtTheSpecsPort() {
    List<String> argv = List.of("/usr/bin/llama-server", "--model", "/m/x.gguf", "--host", "127.0.0.1", "--port", "9000");
    assertThat(PodSpecs.containerArgs(argv)).containsExactly("--model", "/m/x.gguf", "--host", "0.0.0.0", "--port", "9000");
    assertThat(PodSpecs.containerPort(argv)).isEqualTo(9000);
    assertThat(PodSpecs.containerArgs(List.of("llama-server", "-m", "x"))).containsExactly("-m", "x", "--host", "0.0.0.0");
    assertThat(PodSpecs.containerPort(List.of("llama-server"))).isEqualTo(8080);
  }

  @Test
  void labelValuesAndNamesAreValidKubernetesText() {
    assertThat(Labels.value("_Qwen3 8B:Q4_K_M!_")).isEqualTo("qwen3-8b-q4_k_m");
    assertThat(Labels.value("x".repeat(100))).hasSize(63);
    assertThat(Labels.namePart("Qwen3.8B_Instruct", 30)).isEqualTo("qwen3-8b-instruct");
    assertThat(Labels.digest("llama_cpp_sdk:m:abc")).hasSize(20).matches("[0-9a-f]+");
  }

  @Test
  void anAnchorIsStaleAfterTwiceItsDurationWithoutRenewal() {
    Instant renewed = Instant.parse("2026-01-01T00:00:00Z");
    var lease = new LeaseBuilder().withNewSpec().withLeaseDurationSeconds(10)
        .withRenewTime(ZonedDateTime.ofInstant(renewed, ZoneOffset.UTC)).endSpec().build();
    assertThat(Anchor.isStale(lease, renewed.plusSeconds(19))).isFalse();
    assertThat(Anchor.isStale(lease, renewed.plusSeconds(21))).isTrue();
    assertThat(Anchor.isStale(new LeaseBuilder().withNewSpec().endSpec().build(), renewed)).as("never renewed").isTrue();
  }

  @Test
  void containerExitCodesMapAsLocalOnes() {
    assertThat(PodProcess.status(3).code()).hasValue(3);
    assertThat(PodProcess.status(137).signal()).hasValue(9);
    assertThat(PodProcess.status(143).signal()).hasValue(15);
    assertThat(PodProcess.status(0).termination()).isEqualTo(ExitStatus.Termination.ON_ITS_OWN);
  }
}
