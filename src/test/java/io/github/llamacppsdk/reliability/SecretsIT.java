package io.github.llamacppsdk.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamacppsdk.testing.NoLeakedProcesses;
import io.github.llamacppsdk.testkit.FakeLlamaServer;
import io.github.llamacppsdk.testkit.GgufFiles;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Item 9: an API key (inline, and from a key file) never appears in a log line of a JVM that uses the
 * library (DEBUG level, every logger), in any {@code toString()}, in an exception message or stack
 * trace, or in the server's {@code /proc/PID/cmdline}. The scenario runs in a child JVM
 * ({@link ChildJvmMain} {@code secrets}) whose whole output is searched.
 */
@Timeout(120)
@ExtendWith(NoLeakedProcesses.class)
class SecretsIT {
  @TempDir Path tmp;

  @Test
  void anApiKeyNeverLeaks() throws Exception {
    Path binary = FakeLlamaServer.install(tmp);
    Path model = GgufFiles.writeTinyModel(tmp.resolve("m.gguf"));
    String key = "sk-inline-" + UUID.randomUUID();
    String fileKey = "sk-file-" + UUID.randomUUID();
    Path keyFile = tmp.resolve("keys.txt");
    Files.writeString(keyFile, fileKey + "\n");

    Process jvm = new ProcessBuilder(io.github.llamacppsdk.testing.ChildJvm.command(ChildJvmMain.class,
        List.of("-Dorg.slf4j.simpleLogger.defaultLogLevel=trace"),
        List.of("secrets", binary.toString(), model.toString(), key, keyFile.toString())))
        .redirectErrorStream(true).start();
    List<String> output = new CopyOnWriteArrayList<>();
    LinkedBlockingQueue<Long> pids = new LinkedBlockingQueue<>();
    CompletableFuture<Void> ended = CompletableFuture.runAsync(() -> read(jvm, output, pids));
    List<String> cmdlines = new java.util.ArrayList<>();
    try (OutputStream stdin = jvm.getOutputStream()) {
      for (int step = 0; step < 2; step++) {
        Long pid = pids.poll(60, TimeUnit.SECONDS);
        assertThat(pid).as("server pid of step %d; output so far:%n%s", step, String.join("\n", output)).isNotNull();
        String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ');
        cmdlines.add(cmdline);
        stdin.write("next\n".getBytes(StandardCharsets.UTF_8));
        stdin.flush();
      }
    }
    assertThat(jvm.onExit()).succeedsWithin(Duration.ofSeconds(60));
    assertThat(ended).succeedsWithin(Duration.ofSeconds(5));
    String all = String.join("\n", output);

    // The scenario really ran: the key worked, every toString and failure was printed, logs were verbose.
    assertThat(all).contains("AUTHORISED_STATUS 200").contains("DONE").doesNotContain("UNEXPECTED_SUCCESS");
    assertThat(output).filteredOn(l -> l.startsWith("TOSTRING ")).hasSizeGreaterThanOrEqualTo(12);
    assertThat(output).filteredOn(l -> l.startsWith("EXCEPTION ")).hasSizeGreaterThanOrEqualTo(4);
    assertThat(output).filteredOn(l -> l.contains("DEBUG") || l.contains("TRACE")).isNotEmpty();
    assertThat(cmdlines.get(0)).contains("FakeLlamaServer").contains("--alias inline");
    assertThat(cmdlines.get(1)).contains("--api-key-file " + keyFile);

    for (String secret : List.of(key, fileKey, key + "-wrong")) {
      assertThat(all).as("child output (logs, toString, exceptions)").doesNotContain(secret);
      assertThat(cmdlines).allSatisfy(c -> assertThat(c).as("/proc/PID/cmdline").doesNotContain(secret));
    }
    Rel.figure("secrets", output.size() + " output lines (" + output.stream().filter(l -> l.contains("DEBUG")
        || l.contains("TRACE")).count() + " debug/trace log lines), 2 server command lines searched; no key found");
  }

  private static void read(Process jvm, List<String> output, LinkedBlockingQueue<Long> pids) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        output.add(line);
        if (line.startsWith("SERVER_PID ")) {
          pids.add(Long.parseLong(line.substring(11).trim()));
        }
      }
    } catch (IOException e) {
      // the child ended
    }
  }
}
