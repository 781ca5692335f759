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
 * The fabric8 client is optional: with only the library, Jackson and SLF4J (no fabric8 jar), on the
 * class path and on the module path ({@code requires static}), the facade works and a Kubernetes
 * placement fails with a message naming the missing dependency. The program lives in a package of
 * its own: on the module path a class path class cannot share a package with the named module.
 */
@Timeout(180)
@ExtendWith(NoLeakedProcesses.class)
class WithoutFabric8IT {

  @Test
  void theFacadeWorksWithoutFabric8OnTheClassPath() throws Exception {
    List<String> cmd = java();
    cmd.add("-cp");
    cmd.add(join(paths(LlamaCppBackend.class, NoFabric8Main.class, com.fasterxml.jackson.databind.ObjectMapper.class,
        com.fasterxml.jackson.core.JsonFactory.class, com.fasterxml.jackson.annotation.JsonProperty.class,
        org.slf4j.Logger.class, org.slf4j.simple.SimpleLogger.class)));
    cmd.add(NoFabric8Main.class.getName());
    assertThat(run(cmd)).endsWith("OK");
  }

  @Test
  void theModuleResolvesWithoutFabric8OnTheModulePath() throws Exception {
    List<String> cmd = java();
    cmd.add("--module-path");
    cmd.add(join(paths(LlamaCppBackend.class, com.fasterxml.jackson.databind.ObjectMapper.class,
        com.fasterxml.jackson.core.JsonFactory.class, com.fasterxml.jackson.annotation.JsonProperty.class,
        org.slf4j.Logger.class)));
    cmd.add("--add-modules");
    cmd.add("io.github.llamacppsdk");
    cmd.add("-cp");
    cmd.add(join(paths(NoFabric8Main.class, org.slf4j.simple.SimpleLogger.class)));
    cmd.add(NoFabric8Main.class.getName());
    assertThat(run(cmd)).endsWith("OK");
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
