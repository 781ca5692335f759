package io.github.llamacppsdk.testing;

import java.net.URISyntaxException;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The command line of a child JVM with what an application has on its class path, for tests that kill or inspect it. */
public final class ChildJvm {
  private ChildJvm() {}

  /** {@return the command of a child JVM running {@code main} with the library, Jackson and slf4j-simple} */
  public static List<String> command(Class<?> main, List<String> jvmFlags, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-XX:+UseSerialGC");
    cmd.addAll(jvmFlags);
    cmd.add("-cp");
    cmd.add(classPath(main, io.github.llamacppsdk.LlamaCppBackend.class,
        com.fasterxml.jackson.databind.ObjectMapper.class, com.fasterxml.jackson.core.JsonFactory.class,
        com.fasterxml.jackson.annotation.JsonProperty.class, org.slf4j.Logger.class,
        org.slf4j.simple.SimpleLogger.class));
    cmd.add(main.getName());
    cmd.addAll(args);
    return cmd;
  }

  /** {@return a class path made of the code sources of the given classes} */
  public static String classPath(Class<?>... classes) {
    Set<String> entries = new LinkedHashSet<>();
    for (Class<?> c : classes) {
      try {
        entries.add(Paths.get(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
      } catch (URISyntaxException e) {
        throw new IllegalStateException(e);
      }
    }
    return String.join(java.io.File.pathSeparator, entries);
  }
}
