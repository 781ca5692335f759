package io.github.llamacppsdk.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamacppsdk.testing.ChildJvm;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import io.github.llamacppsdk.testkit.FakeLlamaServer;
import io.github.llamacppsdk.testkit.GgufFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lines of a JVM's first start, which the library keeps until that start ends (so a fresh JVM does not
 * initialise SLF4J while its server comes up; {@code internal.Log}), reach the application's log: all of them,
 * in order, each under the name of the thread that logged it, whether the start succeeds or fails, and with
 * or without {@code close()}. A fresh child JVM each, with slf4j-simple at DEBUG writing to its stderr.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
@ExtendWith(NoLeakedProcesses.class)
class FirstStartLoggingIT {
  @TempDir Path tmp;

  @Test
  void aFirstStartThatSucceedsLogsEveryLineInOrderUnderItsThread() throws Exception {
    List<String> out = runChild("ok");

    assertThat(out).contains("RESOLVED");
    int launched = indexOf(out, "[main] INFO io.github.llamacppsdk.internal.process.LocalProcessTransport - launched first pid=");
    int serverLine = indexOf(out, "io.github.llamacppsdk.server.first - ");
    int ready = indexOf(out, "INFO io.github.llamacppsdk.internal.core.InstanceRecord - instance llama_cpp_sdk:first:");
    int stopped = indexOf(out, "INFO io.github.llamacppsdk.internal.core.InstanceRecord - instance llama_cpp_sdk:first:",
        " stopped");
    assertThat(launched).as("the launch line, from main; output:%n%s", String.join("\n", out)).isNotNegative();
    assertThat(serverLine).as("a server line").isGreaterThan(launched);
    assertThat(out.get(serverLine)).startsWith("[llamacpp-output-first] ");
    assertThat(ready).as("the ready line").isGreaterThan(serverLine);
    assertThat(out.get(ready)).matches("\\[llamacpp-probe-\\d+\\] .* ready at http://127\\.0\\.0\\.1:\\d+/v1");
    assertThat(stopped).as("the stop, logged at once after the hold").isGreaterThan(ready);
    assertThat(out).noneMatch(l -> l.startsWith("[llamacpp-log-writer]")); // the writer wrote under their names
  }

  @Test
  void aFirstStartThatFailsLogsItsLinesWithoutClose() throws Exception {
    assertFailedStartLogged(runChild("fail"));
  }

  @Test
  void aJvmThatExitsAtOnceAfterAFailedFirstStartStillWritesItsLines() throws Exception {
    assertFailedStartLogged(runChild("fail-exit")); // System.exit waits for shutdown hooks only
  }

  private static void assertFailedStartLogged(List<String> out) {
    assertThat(out).contains("FAILED EXITED_BEFORE_READY");
    int launched = indexOf(out, "[main] INFO io.github.llamacppsdk.internal.process.LocalProcessTransport - launched first pid=");
    int error = indexOf(out, "[llamacpp-output-first] ERROR io.github.llamacppsdk.server.first - ", "--bogus");
    int failed = indexOf(out, "DEBUG io.github.llamacppsdk.internal.core.InstanceRecord - instance llama_cpp_sdk:first:",
        "failed to start: EXITED_BEFORE_READY");
    assertThat(launched).as("output:%n%s", String.join("\n", out)).isNotNegative();
    assertThat(error).as("the server's error line").isGreaterThan(launched);
    assertThat(failed).as("the failure line").isGreaterThan(error);
  }

  /** Runs the child to its end; {@return its output, stdout and stderr merged} */
  private List<String> runChild(String mode) throws IOException, InterruptedException {
    Path binary = FakeLlamaServer.install(tmp);
    Path model = GgufFiles.writeTinyModel(tmp.resolve("m.gguf"));
    Process jvm = new ProcessBuilder(ChildJvm.command(ChildJvmMain.class,
        List.of("-Dorg.slf4j.simpleLogger.defaultLogLevel=debug"),
        List.of("first-start", binary.toString(), model.toString(), mode)))
        .redirectErrorStream(true).start();
    try {
      byte[] all = jvm.getInputStream().readAllBytes(); // to its end: the JVM has exited or closed its output
      assertThat(jvm.waitFor(60, TimeUnit.SECONDS)).as("the child JVM ends by itself").isTrue();
      assertThat(jvm.exitValue()).isZero();
      return new String(all, StandardCharsets.UTF_8).lines().toList();
    } finally {
      jvm.destroyForcibly();
    }
  }

  /** {@return the index of the first line holding every part, or -1} */
  private static int indexOf(List<String> lines, String... parts) {
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i);
      boolean all = true;
      for (String p : parts) {
        all &= l.contains(p);
      }
      if (all) {
        return i;
      }
    }
    return -1;
  }
}
