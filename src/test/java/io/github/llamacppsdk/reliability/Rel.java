package io.github.llamacppsdk.reliability;

import io.github.llamacppsdk.core.InstanceSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Helpers shared by the reliability suite: process inspection, bounded waits, child JVMs, figures. */
final class Rel {
  private static final Pattern ALIAS = Pattern.compile("--alias (\\S+)");

  private Rel() {}

  /** {@return live fake-server processes below this JVM (children and grandchildren)} */
  static List<ProcessHandle> fakeServers() {
    return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
        .filter(p -> p.info().commandLine().orElse("").contains("FakeLlamaServer")).collect(Collectors.toList());
  }

  /** {@return the {@code --alias} of a fake server's command line, if readable} */
  static Optional<String> alias(ProcessHandle p) {
    Matcher m = ALIAS.matcher(p.info().commandLine().orElse(""));
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }

  /** {@return the server pid of a snapshot} */
  static long pid(InstanceSnapshot s) {
    return s.process().orElseThrow().pid().orElseThrow();
  }

  /**
   * {@return whether a process is running: it exists, is not a zombie and has not started to exit} A process that is not our
   * child is reaped by init, which in some containers does so only every second or two; until then
   * {@link ProcessHandle#isAlive()} still says true although the process has exited.
   */
  static boolean running(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // the state letter, and PF_EXITING (0x4) in the flags: a multi-threaded process has closed its sockets
      // before its main thread turns zombie
      return f[0].charAt(0) != 'Z' && f[0].charAt(0) != 'X' && (Long.parseLong(f[6]) & 0x4) == 0;
    } catch (IOException | RuntimeException e) {
      return alive(pid) && !Files.isDirectory(Path.of("/proc"));
    }
  }

  /** {@return whether a pid is alive} */
  static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  /**
   * Waits for a condition that has no event to wait on (a process of another JVM, a registry entry),
   * checking every 10 ms until the deadline.
   *
   * @return whether it held before the deadline
   */
  static boolean await(Duration deadline, BooleanSupplier condition) {
    long end = System.nanoTime() + deadline.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        return false;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
    return true;
  }

  /**
   * Sends a signal with {@code kill -SIG pid} and waits (bounded) for {@code kill} to finish.
   *
   * @param pid the process
   * @param signal the signal name without {@code SIG}, e.g. {@code STOP}
   */
  static void signal(long pid, String signal) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true).start();
      if (!kill.waitFor(10, TimeUnit.SECONDS)) {
        kill.destroyForcibly();
        throw new IllegalStateException("kill -" + signal + " " + pid + " did not finish");
      }
      if (kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + signal + " " + pid + " failed: "
            + new String(kill.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** {@return whether {@code /proc/PID/stat} shows the process stopped by a signal} */
  static boolean stopped(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return stat.substring(stat.lastIndexOf(')') + 2).charAt(0) == 'T';
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** {@return the number of open file descriptors of this JVM} */
  static long openFds() throws IOException {
    try (var s = Files.list(Path.of("/proc/self/fd"))) {
      return s.count();
    }
  }

  /** Prints one figure of the suite in a greppable form ({@code [reliability] name: value}). */
  static void figure(String name, Object value) {
    System.out.println("[reliability] " + name + ": " + value);
  }

  /** {@return stats of a list of millisecond figures} */
  static String stats(List<Long> millis) {
    if (millis.isEmpty()) {
      return "none";
    }
    long max = millis.stream().mapToLong(Long::longValue).max().orElse(0);
    long min = millis.stream().mapToLong(Long::longValue).min().orElse(0);
    double avg = millis.stream().mapToLong(Long::longValue).average().orElse(0);
    return String.format("n=%d min=%d ms avg=%.0f ms max=%d ms", millis.size(), min, avg, max);
  }

  /** {@return map entries in a stable order, for messages} */
  static String describe(Map<?, ?> m) {
    return new java.util.TreeMap<>(m).toString();
  }
}
