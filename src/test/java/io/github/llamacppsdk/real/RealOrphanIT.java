package io.github.llamacppsdk.real;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamacppsdk.testing.NoLeakedProcesses;
import io.github.llamacppsdk.testing.RealServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import io.github.llamacppsdk.testing.ChildJvm;

/**
 * Orphan protection with the real llama-server: a JVM that resolved a real server is killed with
 * SIGKILL (no shutdown hook runs), and the server is gone within the deadline (the library's bound
 * is about 1.2 s: the watchdog's SIGTERM, one second of grace, SIGKILL).
 */
@Timeout(120)
@ExtendWith(NoLeakedProcesses.class)
class RealOrphanIT {
  private static final Duration DEADLINE = Duration.ofSeconds(5);

  @TempDir Path tmp;

  @Test
  void theRealServerDoesNotOutliveAKilledJvm() throws Exception {
    Path binary = RealServer.requireBinary();
    Path model = RealServer.tinyModel(tmp);
    Process jvm = new ProcessBuilder(ChildJvm.command(RealChildJvmMain.class, List.of(),
        List.of("hold", binary.toString(), model.toString()))).redirectErrorStream(true).start();
    List<String> output = new CopyOnWriteArrayList<>();
    CompletableFuture<Long> serverPid = new CompletableFuture<>();
    Thread reader = new Thread(() -> ChildJvm.readServerPid(jvm, output, serverPid), "real-orphan-child-output");
    reader.setDaemon(true);
    reader.start();
    try {
      assertThat(serverPid).as("child output: %s", output).succeedsWithin(Duration.ofSeconds(60));
      long pid = serverPid.join();
      List<ProcessHandle> everything = jvm.descendants().toList(); // the server and the watchdog
      assertThat(everything).extracting(ProcessHandle::pid).contains(pid);
      assertThat(String.join(" ", RealProcesses.cmdline(pid))).as("the real server").contains("llama-server")
          .doesNotContain("FakeLlamaServer");

      long killedAt = System.nanoTime();
      jvm.destroyForcibly();

      // not a child of this JVM: poll /proc (a zombie waiting for init counts as gone)
      boolean gone = RealProcesses.await(DEADLINE, () -> !RealProcesses.running(pid));
      long millis = (System.nanoTime() - killedAt) / 1_000_000;
      assertThat(gone).as("llama-server pid %d gone within %s of the JVM's SIGKILL", pid, DEADLINE).isTrue();
      assertThat(RealProcesses.await(DEADLINE, () -> everything.stream().noneMatch(h -> RealProcesses.running(h.pid()))))
          .as("helpers of the killed JVM: %s", everything).isTrue();
      System.out.println("[real] kill -9 of the JVM -> its llama-server gone: " + millis + " ms");
    } finally {
      jvm.destroyForcibly();
      jvm.onExit().get();
    }
  }
}
