package io.github.llamacppsdk.optional;

import static org.assertj.core.api.Assertions.assertThat;

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

/** Runs a program in a child JVM with a chosen class path or module path, for the optional-module tests. */
final class ChildJvms {
  private ChildJvms() {}

  /** {@return this JVM's {@code java} with fast-start flags} */
  static List<String> java() {
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-XX:+UseSerialGC");
    return cmd;
  }

  /** {@return the child's output, stripped, after asserting it exited 0 within two minutes} @param cmd the command */
  static String run(List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes(); // ends when the child ends
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String text = new String(out, StandardCharsets.UTF_8).strip();
    assertThat(p.exitValue()).as(text).isZero();
    return text;
  }

  /** {@return the code-source locations of {@code classes}, joined as a path} @param classes the classes */
  static String path(Class<?>... classes) throws URISyntaxException {
    Set<String> entries = new LinkedHashSet<>();
    for (Class<?> c : classes) {
      entries.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
    }
    return String.join(File.pathSeparator, entries);
  }
}
