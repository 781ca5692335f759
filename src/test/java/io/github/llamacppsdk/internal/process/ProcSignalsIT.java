package io.github.llamacppsdk.internal.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamacppsdk.testing.NoLeakedProcesses;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@link ProcStat} and {@link StoppedProcesses} against real processes. Linux ({@code /proc}). */
@Timeout(60)
@ExtendWith(NoLeakedProcesses.class)
class ProcSignalsIT {
  @TempDir Path tmp;

  /** A {@code sleep} whose parent never reaps it, so its zombie stays for the test to see. */
  @Test
  void aKilledProcessIsDeadAtOnceWhileTheJdkStillSaysAlive() throws Exception {
    Path parent = ProcessTesting.script(tmp, "parent.sh", "sleep 60 &\necho $!\nexec sleep 60");
    Process sh = new ProcessBuilder(parent.toString()).redirectErrorStream(true).start();
    try {
      long child = Long.parseLong(new BufferedReader(new InputStreamReader(sh.getInputStream(),
          StandardCharsets.UTF_8)).readLine().trim());
      ProcStat stat = ProcStat.open(child);
      assertThat(stat.isDead()).isFalse();

      ProcessHandle.of(child).orElseThrow().destroyForcibly();

      assertThat(await(Duration.ofSeconds(5), stat::isDead)).as("a zombie is dead").isTrue();
      assertThat(await(Duration.ofSeconds(1), stat::isDeadCached)).as("the cached read follows within 1 ms").isTrue();
      stat.close();
      assertThat(stat.isDead()).as("closed: treated as gone").isTrue();
    } finally {
      sh.descendants().forEach(ProcessHandle::destroyForcibly);
      sh.destroyForcibly();
      sh.onExit().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aStoppedProcessIsContinuedAndARunningOneIsLeftAlone() throws Exception {
    Process sleep = new ProcessBuilder("sleep", "60").start();
    try {
      long pid = sleep.pid();
      assertThat(StoppedProcesses.continueStopped(List.of(pid))).as("not stopped: nothing sent").isZero();

      signal(pid, "STOP");
      assertThat(await(Duration.ofSeconds(5), () -> StoppedProcesses.isStopped(pid))).isTrue();

      assertThat(StoppedProcesses.continueStopped(List.of(pid))).isEqualTo(1);

      assertThat(await(Duration.ofSeconds(5), () -> !StoppedProcesses.isStopped(pid))).as("continued").isTrue();
      assertThat(sleep.isAlive()).isTrue();
    } finally {
      sleep.destroyForcibly();
      sleep.onExit().get(10, TimeUnit.SECONDS);
    }
  }

  private static void signal(long pid, String signal) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(kill.exitValue()).isZero();
  }

  /** Polls a condition the OS offers no event for, every 5 ms until the deadline. */
  private static boolean await(Duration deadline, BooleanSupplier condition) {
    long end = System.nanoTime() + deadline.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        return false;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
    return true;
  }
}
