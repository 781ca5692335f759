package io.github.llamacppsdk.testkit;

import static io.github.llamacppsdk.testkit.FakeHttpSupport.get;
import static io.github.llamacppsdk.testkit.FakeHttpSupport.json;
import static io.github.llamacppsdk.testkit.FakeHttpSupport.tinyModel;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The installed wrapper script behaves as a llama-server binary, and signals reach the JVM. */
@Timeout(120)
class FakeLlamaServerInstallIT {
  @TempDir Path tmp;

  @Test
  void theScriptAnswersVersionAndHelpAsTheFakeDoesWithoutStartingAJvm() throws Exception {
    Path script = FakeLlamaServer.install(tmp.resolve("answers"), FakeBuild.B6000);
    for (String question : List.of("--version", "--help")) {
      Process canned = new ProcessBuilder(script.toString(), question).redirectErrorStream(true).start();
      ProcessBuilder jvm = new ProcessBuilder(script.toString(), question).redirectErrorStream(true);
      jvm.environment().put("FAKE_LLAMA_BUILD", "6000"); // a build in the environment goes to the JVM
      Process real = jvm.start();
      String cannedOut = new String(canned.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      String realOut = new String(real.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);

      assertThat(canned.waitFor()).isZero();
      assertThat(real.waitFor()).isZero();
      assertThat(cannedOut).as(question).isEqualTo(realOut).isNotBlank();
    }
  }

  @Test
  void installedScriptRunsTheFakeAndExecPassesSignals() throws Exception {
    Path script = FakeLlamaServer.install(tmp.resolve("bin"));
    assertThat(script.getFileName().toString()).isEqualTo("fake-llama-server");
    assertThat(Files.isExecutable(script)).isTrue();
    String text = Files.readString(script);
    assertThat(text).startsWith("#!/bin/sh\n").contains("\nexec ").contains(FakeLlamaServer.class.getName())
        .endsWith(" \"$@\"\n");
    assertThat(text).doesNotContain(System.getProperty("java.class.path"));

    List<String> cmd = new ArrayList<>(List.of(script.toString()));
    cmd.addAll(List.of("-m", tinyModel(tmp, "w.gguf").toString(), "--port", "0", "-a", "wrapped"));
    try (FakeServerProcess p = FakeServerProcess.launch(cmd, Map.of())) {
      var base = p.awaitListening(Duration.ofSeconds(30));
      assertThat(json(get(base, "/v1/models")).at("/data/0/id").asText()).isEqualTo("wrapped");
      assertThat(p.process().info().command()).hasValueSatisfying(c -> assertThat(c).endsWith("java"));
      p.terminate();
      assertThat(p.awaitExit(Duration.ofSeconds(30))).isZero();
      p.awaitLine("cleaning up before exit...", Duration.ofSeconds(5));
    }
  }

  @Test
  void javaCommandUsesCodeSourcesAndFastStartFlags() {
    List<String> cmd = FakeLlamaServer.javaCommand();
    assertThat(cmd.get(0)).endsWith("java");
    assertThat(cmd).contains("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");
    String cp = cmd.get(cmd.indexOf("-cp") + 1);
    assertThat(cp).contains("jackson-databind").contains("jackson-core").contains("jackson-annotations");
    assertThat(cmd.get(cmd.size() - 1)).isEqualTo(FakeLlamaServer.class.getName());
  }
}
