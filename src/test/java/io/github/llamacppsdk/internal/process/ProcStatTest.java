package io.github.llamacppsdk.internal.process;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Reading a process's exit from {@code /proc/PID/stat} text: the state letter and {@code PF_EXITING}. */
class ProcStatTest {
  private static boolean exiting(String stat) {
    return ProcStat.exiting(stat, stat.lastIndexOf(')') + 2);
  }

  @Test
  void theExitingFlagIsTheNinthField() {
    assertThat(exiting("1234 (java) S 1 1234 1234 0 -1 4194304 129 0 0 0")).isFalse(); // PF_FORKNOEXEC only
    assertThat(exiting("1234 (java) S 1 1234 1234 0 -1 4194308 129 0 0 0")).isTrue(); // | PF_EXITING
    assertThat(exiting("1234 (java) R 1 1234 1234 0 -1 4 129 0 0 0")).isTrue();
  }

  @Test
  void aCommandNameWithSpacesAndParenthesesDoesNotShiftTheFields() {
    assertThat(exiting("99 (a) b (c) S 1 99 99 0 -1 4194304 0")).isFalse();
    assertThat(exiting("99 (a) b (c) S 1 99 99 0 -1 4194308 0")).isTrue();
  }

  @Test
  void aTruncatedLineIsNotExiting() {
    assertThat(exiting("1234 (java) S 1 1234")).isFalse();
    assertThat(exiting("1234 (java) S 1 1234 1234 0 -1 notanumber")).isFalse();
  }

  @Test
  void thisRunningJvmIsNotExiting() {
    try (ProcStat self = ProcStat.open(ProcessHandle.current().pid())) {
      assertThat(self.isDead()).isFalse();
    }
  }

  @Test
  void anInterruptedReaderDoesNotMakeALiveProcessDead() {
    try (ProcStat self = ProcStat.open(ProcessHandle.current().pid())) {
      Thread.currentThread().interrupt(); // a FileChannel would close itself here, and every later read fail
      try {
        assertThat(self.isDead()).isFalse();
      } finally {
        assertThat(Thread.interrupted()).as("the reader leaves the interrupt flag as it was").isTrue();
      }
      assertThat(self.isDead()).isFalse();
    }
  }

  @Test
  void aProcessThatEndedIsDeadAndStaysDead() throws Exception {
    Process p = new ProcessBuilder("sleep", "30").start();
    try (ProcStat stat = ProcStat.open(p.pid())) {
      assertThat(stat.isDeadCached()).isFalse();
      p.destroyForcibly();
      p.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(stat.isDead()).isTrue();
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
      while (!stat.isDeadCached() && System.nanoTime() < deadline) {
        Thread.onSpinWait(); // the cached answer is re-read at most once per millisecond
      }
      assertThat(stat.isDeadCached()).isTrue();
    } finally {
      p.destroyForcibly();
    }
  }
}
