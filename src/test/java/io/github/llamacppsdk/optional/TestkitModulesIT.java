package io.github.llamacppsdk.optional;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import java.io.File;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The testkit imposes no JDK module on users of the library: {@code jdk.httpserver} and {@code
 * jdk.unsupported} (which only the fake servers use) are {@code requires static}, so the module graph
 * of {@code io.github.llamacppsdk} does not contain them, and the facade works in a JVM limited to
 * that graph, the fake llama-server included (it runs in a JVM of its own, on the class path, where
 * every JDK module is there).
 */
@Timeout(180)
@ExtendWith(NoLeakedProcesses.class)
class TestkitModulesIT {

  @Test
  void theLibrarysModuleGraphHasNeitherTheHttpServerNorTheUnsupportedModule() throws Exception {
    List<String> cmd = java();
    cmd.addAll(List.of("--module-path", modulePath(), "--limit-modules", "io.github.llamacppsdk", "--list-modules"));
    String modules = run(cmd);
    assertThat(modules).contains("io.github.llamacppsdk").contains("java.net.http")
        .doesNotContain("jdk.httpserver").doesNotContain("jdk.unsupported");
  }

  @Test
  void theFacadeAndTheFakeServerRunInAJvmLimitedToTheLibrarysModules() throws Exception {
    List<String> cmd = java();
    cmd.addAll(List.of("--module-path", modulePath(), "--limit-modules", "io.github.llamacppsdk,java.logging",
        "--add-modules", "io.github.llamacppsdk", "-cp",
        join(paths(NoFabric8Main.class, org.slf4j.simple.SimpleLogger.class)), NoFabric8Main.class.getName()));
    assertThat(run(cmd)).endsWith("OK");
  }

  private static String modulePath() throws URISyntaxException {
    return join(paths(LlamaCppBackend.class, com.fasterxml.jackson.databind.ObjectMapper.class,
        com.fasterxml.jackson.core.JsonFactory.class, com.fasterxml.jackson.annotation.JsonProperty.class,
        org.slf4j.Logger.class));
  }

  private static List<String> java() {
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-XX:+UseSerialGC");
    return cmd;
  }

  private static String run(List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes(); // ends when the child ends
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String text = new String(out, StandardCharsets.UTF_8).strip();
    assertThat(p.exitValue()).as(text).isZero();
    return text;
  }

  private static Set<String> paths(Class<?>... classes) throws URISyntaxException {
    Set<String> entries = new LinkedHashSet<>();
    for (Class<?> c : classes) {
      entries.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
    }
    return entries;
  }

  private static String join(Set<String> entries) {
    return String.join(File.pathSeparator, entries);
  }
}
