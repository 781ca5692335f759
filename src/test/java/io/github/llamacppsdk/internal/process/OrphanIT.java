package io.github.llamacppsdk.internal.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child JVM launches servers through the library and is then killed with SIGKILL (no shutdown
 * hooks run): the watchdog must take the servers, and a wrapper's child, down within the documented
 * bound (about 1.2 s; the test allows 5 s and records how long it took, without asserting on it).
 */
@Timeout(60)
class OrphanIT {
  @TempDir Path dir;
  private final List<Long> watched = new ArrayList<>();

  @AfterEach
  void cleanUp() throws InterruptedException {
    // Whatever the outcome, nothing outlives the test.
    List<Long> alive = watched.stream().filter(pid -> !ProcessTesting.gone(pid)).collect(Collectors.toList());
    alive.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    ProcessTesting.assertNoLeftovers();
    assertThat(alive).as("orphans left after the test").isEmpty();
  }

  @RepeatedTest(3)
  void serversDieWithAKilledJvm() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        OrphanChildMain.class.getName());
    pb.redirectError(dir.resolve("child-jvm.log").toFile());
    Process jvm = pb.start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8));
      CompletableFuture<String> pidsLine = CompletableFuture.supplyAsync(() -> {
        try {
          String l;
          while ((l = out.readLine()) != null) {
            if (l.startsWith("PIDS ")) {
              return l;
            }
          }
          return null;
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      assertThat(pidsLine).as("child JVM reports its pids").succeedsWithin(Duration.ofSeconds(30));
      List<Long> pids = Arrays.stream(pidsLine.join().substring(5).trim().split(" "))
          .map(Long::parseLong).collect(Collectors.toList());
      watched.addAll(pids);
      List<Long> servers = pids.subList(0, 3);
      assertThat(servers).allMatch(pid -> !ProcessTesting.gone(pid));

      jvm.destroyForcibly(); // SIGKILL: no shutdown hook runs
      assertThat(jvm.onExit()).succeedsWithin(Duration.ofSeconds(10));
      long killedAt = System.nanoTime();
      boolean gone = ProcessTesting.awaitGone(servers, Duration.ofSeconds(5));
      Duration took = Duration.ofNanos(System.nanoTime() - killedAt);
      System.out.println("orphan trial: servers " + servers + " gone=" + gone + " after " + took.toMillis() + " ms");
      assertThat(gone).as("servers %s gone after the JVM was killed", servers).isTrue();
      assertThat(ProcessTesting.awaitGone(List.of(pids.get(3)), Duration.ofSeconds(5))).as("watchdog exits").isTrue();
    } finally {
      jvm.destroyForcibly();
    }
  }
}
