package io.github.llamacppsdk.internal.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamacppsdk.testing.NoLeakedProcesses;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The descendants read along {@code /proc/PID/task/TID/children} are the JDK's, grandchildren included. */
@Timeout(60)
@ExtendWith(NoLeakedProcesses.class)
class ProcessTreeIT {
  @Test
  void findsChildrenAndGrandchildrenAsTheJdkDoes() throws Exception {
    Process p = new ProcessBuilder("sh", "-c", "sleep 60 & (sleep 60 & sleep 60 & wait) & wait").start();
    try {
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (p.descendants().count() < 4 && System.nanoTime() < deadline) {
        java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L); // poll the condition, with a deadline
      }
      Set<Long> jdk = p.descendants().map(ProcessHandle::pid).collect(Collectors.toSet());
      Set<Long> ours = ProcessTree.descendants(p.toHandle()).stream().map(ProcessHandle::pid).collect(Collectors.toSet());

      assertThat(jdk).hasSize(4); // a sleep, the subshell, and the subshell's two sleeps
      assertThat(ours).isEqualTo(jdk);
      assertThat(ProcessTree.descendants(ProcessHandle.current())).extracting(ProcessHandle::pid).contains(p.pid());
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.onExit().get();
    }
  }

  @Test
  void aProcessThatEndedHasNone() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.onExit().get();
    assertThat(ProcessTree.descendants(p.toHandle())).isEmpty();
  }
}
