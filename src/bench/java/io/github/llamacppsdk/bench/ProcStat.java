package io.github.llamacppsdk.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * CPU time of this JVM and of its threads from Linux's {@code /proc} (the test sources are compiled
 * into the library's module, which does not read {@code java.management}). Thread names there are
 * cut to 15 characters, which is enough to group them. Linux only.
 */
final class ProcStat {
  static final long TICK_NANOS = 1_000_000_000L / clockTicks();

  private ProcStat() {}

  private static long clockTicks() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
      p.waitFor();
      return Long.parseLong(out);
    } catch (IOException | NumberFormatException e) {
      return 100;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 100;
    }
  }

  /** {@return user + system CPU nanoseconds of this process (resolution: one clock tick)} */
  static long processCpuNanos() {
    return cpu(Path.of("/proc/self/stat"));
  }

  /** {@return CPU nanoseconds per thread group ({@link ScaleBench#category}) of the live threads} */
  static Map<String, Long> cpuByCategory() {
    Map<String, Long> m = new HashMap<>();
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
      for (Path t : tasks) {
        try {
          String comm = Files.readString(t.resolve("comm")).trim();
          m.merge(ScaleBench.category(comm), cpu(t.resolve("stat")), Long::sum);
        } catch (IOException | RuntimeException e) {
          // the thread ended while we looked
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return m;
  }

  private static long cpu(Path stat) {
    try {
      String s = Files.readString(stat);
      String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
      // after "pid (comm) ": f[0] is field 3 (state); utime is field 14, stime field 15
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * TICK_NANOS;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
