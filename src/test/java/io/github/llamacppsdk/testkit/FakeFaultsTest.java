package io.github.llamacppsdk.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamacppsdk.internal.fake.FakeAnswers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link FakeFaults} renders the fake's {@code --fake-*} flags; that the fake acts on them is {@code FakeLlamaServerFaultsIT}. */
class FakeFaultsTest {

  @Test
  void everyOptionRendersItsFlagInTheOrderSet() {
    FakeFaults f = FakeFaults.builder().loadTime(Duration.ofSeconds(2)).progressEvery(Duration.ofMillis(100))
        .stall(FakeFaults.Stall.BEFORE_BIND).exitAfter(Duration.ofMillis(1500)).exitAfterRequests(3).exitCode(7)
        .ignoreSignals().spawnChild().health(FakeFaults.Health.DEGRADED).healthFile(Path.of("/tmp/h"))
        .healthFlapEvery(2).unhealthyAfter(Duration.ofMillis(400)).responseDelay(Duration.ofMillis(10))
        .tokensPerSecond(40).modelId("other").readyStamp(Path.of("/tmp/stamp")).build();

    assertThat(f.args()).containsExactly("--fake-load-ms", "2000", "--fake-progress-every-ms", "100",
        "--fake-stall", "before-bind", "--fake-exit-after-ms", "1500", "--fake-exit-after-requests", "3",
        "--fake-exit-code", "7", "--fake-ignore-signals", "--fake-spawn-child", "--fake-health", "degraded",
        "--fake-health-file", "/tmp/h", "--fake-health-flap-every", "2", "--fake-unhealthy-after-ms", "400",
        "--fake-response-delay-ms", "10", "--fake-tokens-per-second", "40", "--fake-model-id", "other",
        "--fake-ready-stamp", "/tmp/stamp");
  }

  @Test
  void everyRenderedFlagIsOneTheFakeDocuments() {
    String help = FakeAnswers.versionAndHelp(List.of()).get(1);
    FakeFaults all = FakeFaults.builder().loadTime(Duration.ZERO).progressEvery(Duration.ofMillis(1))
        .stall(FakeFaults.Stall.LOADING).exitAfter(Duration.ZERO).exitAfterRequests(1).exitCode(0).ignoreSignals()
        .spawnChild().health(FakeFaults.Health.OK).healthFile(Path.of("h")).healthFlapEvery(1)
        .unhealthyAfter(Duration.ZERO).responseDelay(Duration.ZERO).tokensPerSecond(1).modelId("m")
        .readyStamp(Path.of("s")).build();
    assertThat(all.args().stream().filter(a -> a.startsWith("--fake-"))).hasSize(16)
        .allSatisfy(flag -> assertThat(help).contains(flag));
    assertThat(help).contains("{loading,before-bind}").contains("{ok,degraded,unavailable,loading}");
  }

  @Test
  void settingAnOptionAgainKeepsTheLastValueAndToBuilderDerives() {
    FakeFaults base = FakeFaults.builder().loadTime(Duration.ofMillis(1)).ignoreSignals().build();
    FakeFaults slower = base.toBuilder().loadTime(Duration.ofMillis(900)).build();

    assertThat(slower.args()).containsExactly("--fake-load-ms", "900", "--fake-ignore-signals");
    assertThat(base.args()).containsExactly("--fake-load-ms", "1", "--fake-ignore-signals");
    assertThat(slower.args("--alias", "a")).containsExactly("--fake-load-ms", "900", "--fake-ignore-signals",
        "--alias", "a");
    assertThat(FakeFaults.none().args()).isEmpty();
    assertThat(base).isEqualTo(FakeFaults.builder().loadTime(Duration.ofMillis(1)).ignoreSignals().build())
        .isNotEqualTo(slower);
  }

  @Test
  void aValueTheFakeWouldRejectFailsWhereItIsSetNamingTheOption() {
    assertThatThrownBy(() -> FakeFaults.builder().loadTime(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loadTime");
    assertThatThrownBy(() -> FakeFaults.builder().progressEvery(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("progressEvery");
    assertThatThrownBy(() -> FakeFaults.builder().exitAfterRequests(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exitAfterRequests");
    assertThatThrownBy(() -> FakeFaults.builder().tokensPerSecond(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tokensPerSecond");
    assertThatThrownBy(() -> FakeFaults.builder().modelId(" "))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("modelId");
    assertThatThrownBy(() -> FakeFaults.builder().stall(null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("stall");
  }
}
