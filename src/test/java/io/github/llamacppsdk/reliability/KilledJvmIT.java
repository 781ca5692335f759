package io.github.llamacppsdk.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamacppsdk.testing.NoLeakedProcesses;
import io.github.llamacppsdk.testkit.FakeLlamaServer;
import io.github.llamacppsdk.testkit.GgufFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import io.github.llamacppsdk.testing.ChildJvm;

/**
 * Item 5: a JVM that uses the library is killed with SIGKILL (no shutdown hooks run); no server it
 * started, and no helper process, survives it. The library's bound is about 1.2 s (the watchdog's
 * SIGTERM, one second of grace, SIGKILL); the test allows 5 s and records what it saw.
 */
@Timeout(180)
@ExtendWith(NoLeakedProcesses.class)
class KilledJvmIT {
  private static final int TRIALS = Integer.getInteger("reliability.kill9.trials", 4);
  private static final Duration DEADLINE = Duration.ofSeconds(5);

  @TempDir Path tmp;

  @Test
  void noServerSurvivesAKilledJvm() throws Exception {
    Path binary = FakeLlamaServer.install(tmp);
    Path model = GgufFiles.writeTinyModel(tmp.resolve("m.gguf"));
    List<Long> observed = new ArrayList<>();
    for (int i = 0; i < TRIALS; i++) {
      Process jvm = new ProcessBuilder(ChildJvm.command(ChildJvmMain.class, List.of(),
          List.of("hold", binary.toString(), model.toString()))).redirectErrorStream(true).start();
      List<String> output = new CopyOnWriteArrayList<>();
      CompletableFuture<Long> serverPid = new CompletableFuture<>();
      Thread reader = new Thread(() -> ChildJvm.readServerPid(jvm, output, serverPid), "kill9-child-output");
      reader.setDaemon(true);
      reader.start();
      try {
        assertThat(serverPid).as("child output: %s", output).succeedsWithin(Duration.ofSeconds(60));
        ProcessHandle server = ProcessHandle.of(serverPid.join()).orElseThrow();
        List<ProcessHandle> everything = jvm.descendants().toList(); // the server and the watchdog
        assertThat(everything).extracting(ProcessHandle::pid).contains(server.pid());
        assertThat(everything).hasSizeGreaterThanOrEqualTo(2);

        long killedAt = System.nanoTime();
        jvm.destroyForcibly();
        // Not children of this JVM: ProcessHandle.onExit would poll them slowly, so poll every 10 ms;
        // an exited process counts as gone even while init has not reaped it yet (see Rel.running).
        boolean serverGone = Rel.await(DEADLINE, () -> !Rel.running(server.pid()));
        long serverMs = (System.nanoTime() - killedAt) / 1_000_000;
        assertThat(serverGone).as("server pid %d gone within %s", server.pid(), DEADLINE).isTrue();
        assertThat(Rel.await(DEADLINE, () -> everything.stream().noneMatch(h -> Rel.running(h.pid()))))
            .as("helpers of the killed JVM: %s", everything).isTrue();
        observed.add(serverMs);
      } finally {
        jvm.destroyForcibly();
        jvm.onExit().get();
      }
    }
    Rel.figure("kill -9 of the JVM -> its server gone (" + TRIALS + " trials)", Rel.stats(observed));
  }
  @Test
  void aServerAskedForDuringTheJvmsShutdownDoesNotOutliveIt() throws Exception {
    Path binary = FakeLlamaServer.install(tmp);
    Path model = GgufFiles.writeTinyModel(tmp.resolve("m.gguf"));
    String alias = "in-hook-" + ProcessHandle.current().pid();
    Process jvm = new ProcessBuilder(ChildJvm.command(ChildJvmMain.class, List.of(),
        List.of("launch-in-hook", binary.toString(), model.toString(), alias))).redirectErrorStream(true).start();
    String output;
    try (java.io.InputStream in = jvm.getInputStream()) {
      output = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } finally {
      jvm.destroyForcibly();
      jvm.onExit().get();
    }
    // the launch is refused (the library cannot guard a server it could not register a hook for), and the
    // server it had already spawned is gone
    assertThat(output).contains("HOOK_RESULT").doesNotContain("HOOK_RESULT served");
    java.util.function.Supplier<List<ProcessHandle>> survivors = () -> ProcessHandle.allProcesses()
        .filter(p -> Rel.running(p.pid()) && p.info().commandLine().orElse("").contains("--alias " + alias)).toList();
    boolean gone = Rel.await(DEADLINE, () -> survivors.get().isEmpty());
    List<ProcessHandle> left = survivors.get();
    left.forEach(ProcessHandle::destroyForcibly); // not ours any more (re-parented): clean up before failing
    assertThat(gone).as("servers with alias %s that outlived the JVM: %s; its output: %s", alias, left, output).isTrue();
  }
}
