package io.github.llamacppsdk.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The JDK warm-up: does its work without throwing, starts one thread per JVM at most, and that thread ends. */
class JdkWarmupTest {
  @Test
  void runsWithoutOpeningAnythingAndTheThreadEnds() throws InterruptedException {
    new JdkWarmup(true).run(); // no connection, no process: nothing to clean up, nothing thrown
    new JdkWarmup(false).run();

    JdkWarmup.start(true);
    JdkWarmup.start(true); // once per JVM: a second call starts nothing
    assertThat(warmups().size()).isLessThanOrEqualTo(1);
    for (Thread t : warmups()) {
      assertThat(t.isDaemon()).isTrue();
      t.join(TimeUnit.SECONDS.toMillis(10));
    }
    assertThat(warmups()).as("warm-up threads still alive").isEmpty();
  }

  private static List<Thread> warmups() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().equals("llamacpp-warmup")).collect(Collectors.toList());
  }
}
