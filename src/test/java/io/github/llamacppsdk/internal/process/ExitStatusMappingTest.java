package io.github.llamacppsdk.internal.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamacppsdk.process.ExitStatus;
import io.github.llamacppsdk.process.ExitStatus.Termination;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ExitStatusMappingTest {

  @Test
  void plainCodes() {
    assertThat(LocalLaunchedProcess.status(0, Termination.ON_ITS_OWN))
        .isEqualTo(new ExitStatus(OptionalInt.of(0), OptionalInt.empty(), Termination.ON_ITS_OWN));
    assertThat(LocalLaunchedProcess.status(7, Termination.ON_ITS_OWN).code()).hasValue(7);
    assertThat(LocalLaunchedProcess.status(128, Termination.ON_ITS_OWN).code()).hasValue(128);
    assertThat(LocalLaunchedProcess.status(193, Termination.ON_ITS_OWN).code()).hasValue(193);
  }

  @Test
  void signalsAre128PlusN() {
    ExitStatus killed = LocalLaunchedProcess.status(137, Termination.FORCED);
    assertThat(killed.signal()).hasValue(9);
    assertThat(killed.code()).isEmpty();
    assertThat(killed.describe()).isEqualTo("killed by signal 9 (forced stop)");
    assertThat(LocalLaunchedProcess.status(143, Termination.GRACEFUL).signal()).hasValue(15);
    assertThat(LocalLaunchedProcess.status(129, Termination.ON_ITS_OWN).signal()).hasValue(1);
    assertThat(LocalLaunchedProcess.status(192, Termination.ON_ITS_OWN).signal()).hasValue(64);
  }
}
