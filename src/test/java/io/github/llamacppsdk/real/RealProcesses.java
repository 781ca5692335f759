package io.github.llamacppsdk.real;

import io.github.llamacppsdk.core.InstanceSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** What the real-server suite reads about processes: {@code /proc}, pids, bounded waits, child JVMs. */
final class RealProcesses {
  private RealProcesses() {}

  /** {@return the server pid of a spawned instance's snapshot} */
  static long pid(InstanceSnapshot s) {
    return s.process().orElseThrow().pid().orElseThrow();
  }

  /** {@return {@code /proc/PID/cmdline}: the process's argv, as every local user can read it} */
  static List<String> cmdline(long pid) {
    return nulSeparated(Path.of("/proc/" + pid + "/cmdline"));
  }

  /** {@return {@code /proc/PID/environ} as {@code NAME=value} entries (readable by the same user only)} */
  static List<String> environ(long pid) {
    return nulSeparated(Path.of("/proc/" + pid + "/environ"));
  }

  private static List<String> nulSeparated(Path file) {
    try {
      String text = new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.UTF_8);
      return Arrays.stream(text.split("\0")).filter(s -> !s.isEmpty()).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@return whether a process is running: it exists and is not a zombie} A process that is not our
   * child is reaped by init, which in some containers does so only every second or two; until then
   * {@link ProcessHandle#isAlive()} still says true although the process has exited.
   */
  static boolean running(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state != 'Z' && state != 'X';
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * Waits for a condition that has no event to wait on (a process of another JVM), checking every 10
   * ms until the deadline.
   *
   * @return whether it held before the deadline
   */
  static boolean await(Duration deadline, BooleanSupplier condition) {
    long end = System.nanoTime() + deadline.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - end > 0) {
        return false;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
    return true;
  }

}
