package io.github.llamacppsdk.internal.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamacppsdk.process.LaunchedProcess;
import io.github.llamacppsdk.process.OutputLine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/** Helpers for tests with real child processes. */
final class ProcessTesting {
  private ProcessTesting() {}

  /** Writes an executable {@code /bin/sh} script. */
  static Path script(Path dir, String name, String body) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    return p;
  }

  /**
   * Whether a pid no longer runs. A zombie (exited, not yet reaped by whatever adopted it) counts as
   * gone: it holds no memory, no ports and no GPU, and the JDK still reports it alive.
   */
  static boolean gone(long pid) {
    if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
      try {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
      } catch (IOException | RuntimeException e) {
        return !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
      }
    }
    return true;
  }

  /**
   * Waits until every pid is gone or the deadline passes; polls every 20 ms because the OS offers no
   * event for the death of a process that is not our child.
   *
   * @return whether all are gone
   */
  static boolean awaitGone(Collection<Long> pids, Duration deadline) throws InterruptedException {
    long end = System.nanoTime() + deadline.toNanos();
    while (true) {
      if (pids.stream().allMatch(ProcessTesting::gone)) {
        return true;
      }
      if (System.nanoTime() > end) {
        return false;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L); // deadline-bounded: the OS has no event for a non-child's death
    }
  }

  /** A future completing with the first line (already seen or still to come) matching {@code p}. */
  static CompletableFuture<OutputLine> line(LaunchedProcess process, Predicate<String> p) {
    CompletableFuture<OutputLine> f = new CompletableFuture<>();
    process.subscribe(l -> {
      if (p.test(l.text())) {
        f.complete(l);
      }
    });
    process.recentOutput().stream().filter(l -> p.test(l.text())).findFirst().ifPresent(f::complete);
    return f;
  }

  /** Fails (after killing them) if this JVM still has live descendants 2 s from now. */
  static void assertNoLeftovers() throws InterruptedException {
    List<Long> pids = ProcessHandle.current().descendants().map(ProcessHandle::pid).collect(Collectors.toList());
    if (awaitGone(pids, Duration.ofSeconds(2))) {
      return;
    }
    List<String> alive = ProcessHandle.current().descendants().filter(h -> !gone(h.pid()))
        .map(h -> h.pid() + " " + h.info().commandLine().orElse("?")).collect(Collectors.toList());
    ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
    assertThat(alive).as("processes left behind by the test").isEmpty();
  }
}
