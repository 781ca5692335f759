package io.github.llamacppsdk.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test that leaves a child process of the test JVM alive, after killing it. Processes that
 * are on their way out get a short deadline to finish exiting.
 */
public final class NoLeakedProcesses implements AfterEachCallback {
  @Override
  public void afterEach(ExtensionContext context) {
    List<ProcessHandle> alive = aliveWithin(Duration.ofSeconds(5));
    if (alive.isEmpty()) {
      return;
    }
    String described = alive.stream()
        .map(p -> p.pid() + " " + p.info().commandLine().orElse("?"))
        .collect(Collectors.joining("\n"));
    alive.forEach(ProcessHandle::destroyForcibly);
    assertThat(described).as("processes left running by the test").isEmpty();
  }

  private static List<ProcessHandle> aliveWithin(Duration deadline) {
    long end = System.nanoTime() + deadline.toNanos();
    List<ProcessHandle> alive = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList();
    for (ProcessHandle p : alive) {
      long left = end - System.nanoTime();
      if (left > 0) {
        p.onExit().completeOnTimeout(p, left, java.util.concurrent.TimeUnit.NANOSECONDS).join();
      }
    }
    return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList();
  }
}
