package io.github.llamacppsdk.testing;

import io.github.llamacppsdk.core.ResolveOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A child JVM with what an application has on its class path, for tests that kill or inspect it: its
 * command line, the parent's reading of its {@code SERVER_PID} line, and the child's reports ({@link
 * #print}, {@link #failing}) that a test searches.
 */
public final class ChildJvm {
  /** What a child resolves with: owner {@code child}, a 60 s wait. */
  public static final ResolveOptions OPTIONS =
      ResolveOptions.builder().ownerRef("child").awaitTimeout(Duration.ofSeconds(60)).build();

  /** The line a child prints, followed by the pid, once its server is up. */
  public static final String SERVER_PID = "SERVER_PID ";

  private ChildJvm() {}

  /**
   * Reads the child's output into {@code output} until it ends, completing {@code serverPid} at the
   * first {@code SERVER_PID} line, or failing it if the child ends without one.
   */
  public static void readServerPid(Process jvm, List<String> output, CompletableFuture<Long> serverPid) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        output.add(line);
        if (line.startsWith(SERVER_PID)) {
          serverPid.complete(Long.parseLong(line.substring(SERVER_PID.length()).trim()));
        }
      }
    } catch (IOException e) {
      // the child is gone
    }
    serverPid.completeExceptionally(new IllegalStateException("child ended without a server pid: " + output));
  }

  /** In the child: prints {@code TOSTRING what: o}, what a user would print. */
  public static void print(String what, Object o) {
    System.out.println("TOSTRING " + what + ": " + o);
  }

  /** In the child: runs {@code r}, which should fail, and prints its exception with the stack trace. */
  public static void failing(String what, Runnable r) {
    try {
      r.run();
      System.out.println("UNEXPECTED_SUCCESS " + what);
    } catch (RuntimeException e) {
      StringWriter trace = new StringWriter();
      e.printStackTrace(new PrintWriter(trace));
      System.out.println("EXCEPTION " + what + ": " + trace);
    }
  }

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
