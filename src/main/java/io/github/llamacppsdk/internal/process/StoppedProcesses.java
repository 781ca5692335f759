package io.github.llamacppsdk.internal.process;

import io.github.llamacppsdk.internal.Log;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Not API. Sends {@code SIGCONT} to processes that are stopped ({@code SIGSTOP}, {@code SIGTSTP}, a
 * debugger), so they act on the {@code SIGTERM} just sent instead of at the grace deadline, as service
 * managers do. Java has no API for other signals than TERM and KILL, so this runs {@code kill -CONT
 * PID...}; on Linux only for processes that {@code /proc/PID/stat} shows stopped, so an ordinary stop
 * forks nothing. Elsewhere (no {@code /proc}) it is sent to every process of the tree. The {@code kill}
 * child is not waited for (a stop never blocks on it) and is killed if it is still running after
 * {@link #KILL_BOUND_SECONDS} seconds.
 */
final class StoppedProcesses {
  /** The most a {@code kill -CONT} may run. */
  static final long KILL_BOUND_SECONDS = 2;

  private static final Log log = Log.of(StoppedProcesses.class);
  private static final Path PROC = Path.of("/proc");

  private StoppedProcesses() {}

  /**
   * Continues those of the given processes that are stopped. Never throws.
   *
   * @param pids the processes (the server and its collected descendants)
   * @return how many were sent {@code SIGCONT}
   */
  static int continueStopped(List<Long> pids) {
    List<String> stopped = new ArrayList<>();
    boolean procReadable = Files.isDirectory(PROC);
    for (long pid : pids) {
      if (!procReadable || isStopped(pid)) {
        stopped.add(Long.toString(pid));
      }
    }
    if (stopped.isEmpty()) {
      return 0;
    }
    List<String> cmd = new ArrayList<>(List.of("kill", "-CONT"));
    cmd.addAll(stopped);
    try {
      Process kill = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD).redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
          .start();
      kill.onExit().orTimeout(KILL_BOUND_SECONDS, TimeUnit.SECONDS).whenComplete((p, t) -> {
        if (t != null) {
          kill.destroyForcibly();
        }
      });
      log.debug("SIGCONT to stopped process(es) {}", stopped);
      return stopped.size();
    } catch (IOException | RuntimeException e) {
      log.warn("could not send SIGCONT to stopped process(es) {}; they stop at the grace deadline instead", stopped, e);
      return 0;
    }
  }

  /**
   * {@return whether {@code /proc/PID/stat} shows the process stopped ({@code T}) or stopped by a tracer
   * ({@code t})}
   *
   * @param pid the process
   */
  static boolean isStopped(long pid) {
    try {
      String stat = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"));
      int close = stat.lastIndexOf(')');
      if (close < 0 || close + 2 >= stat.length()) {
        return false;
      }
      char state = stat.charAt(close + 2);
      return state == 'T' || state == 't';
    } catch (IOException | RuntimeException e) {
      return false; // gone, or not ours to read
    }
  }

  private static java.io.File nullDevice() {
    return new java.io.File("/dev/null");
  }
}
