package io.github.llamacppsdk.internal.process;

import io.github.llamacppsdk.process.LaunchRequest;
import io.github.llamacppsdk.process.ProcessLaunchException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Not API. The pure part of a launch: assembling the child's environment and checking, before
 * anything is spawned, that the working directory and the binary exist (so a typo fails at once
 * with a {@link ProcessLaunchException} naming the path, not after a readiness timeout).
 * Stateless; thread-safe.
 */
public final class LaunchPreparation {

  private LaunchPreparation() {}

  /**
   * The child's environment: {@code parent} (when the request inherits) minus the scrubbed names,
   * plus the request's own {@code environment}, which always wins (a scrubbed name the request sets
   * itself is kept).
   *
   * @param parent the environment the child would inherit (normally {@link System#getenv()})
   * @param request the launch request
   * @return a fresh mutable map
   */
  public static Map<String, String> environment(Map<String, String> parent, LaunchRequest request) {
    Map<String, String> env = new HashMap<>();
    if (request.inheritEnvironment()) {
      for (Map.Entry<String, String> e : parent.entrySet()) {
        if (!scrubbed(e.getKey(), request.scrubbedInherited())) {
          env.put(e.getKey(), e.getValue());
        }
      }
    }
    env.putAll(request.environment());
    return env;
  }

  /**
   * {@return whether {@code name} matches one of the patterns (an exact name, or a prefix ending in
   * {@code *})}
   *
   * @param name a variable name
   * @param patterns exact names and {@code PREFIX*} entries
   */
  static boolean scrubbed(String name, List<String> patterns) {
    for (String p : patterns) {
      if (p.endsWith("*") ? name.startsWith(p.substring(0, p.length() - 1)) : name.equals(p)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Checks the working directory, if one is given.
   *
   * @param workingDirectory the requested directory
   * @throws ProcessLaunchException if it does not exist or is not a directory
   */
  static void checkWorkingDirectory(Optional<Path> workingDirectory) {
    if (workingDirectory.isPresent() && !Files.isDirectory(workingDirectory.get())) {
      Path dir = workingDirectory.get();
      throw new ProcessLaunchException(dir.toString(),
          (Files.exists(dir) ? "working directory is not a directory: " : "working directory does not exist: ") + dir,
          null);
    }
  }

  /**
   * Finds the binary the way the child would run it. A name containing {@code /} is a path
   * (relative ones are taken from the working directory, as the child sees them after {@code
   * chdir}); a bare name is searched on the {@code PATH} of the child's environment, or of the
   * JVM's when the child has none (an empty entry means the working directory).
   *
   * @param program {@code argv[0]}
   * @param workingDirectory the child's working directory, empty for the JVM's
   * @param childEnvironment the child's assembled environment
   * @param parentEnvironment the JVM's environment
   * @return the absolute path to execute
   * @throws ProcessLaunchException if it does not exist, is a directory, or is not executable
   */
  public static Path resolveProgram(String program, Optional<Path> workingDirectory,
      Map<String, String> childEnvironment, Map<String, String> parentEnvironment) {
    Path base = (workingDirectory.isPresent() ? workingDirectory.get() : Path.of("")).toAbsolutePath();
    if (program.isEmpty()) {
      throw new ProcessLaunchException(program, "binary name is empty", null);
    }
    if (program.indexOf('/') >= 0) {
      Path path;
      try {
        path = base.resolve(program);
      } catch (InvalidPathException e) {
        throw new ProcessLaunchException(program, "binary path is invalid: " + program, e);
      }
      if (!Files.exists(path)) {
        throw new ProcessLaunchException(program, "binary does not exist: " + path, null);
      }
      if (Files.isDirectory(path)) {
        throw new ProcessLaunchException(program, "binary is a directory: " + path, null);
      }
      if (!Files.isExecutable(path)) {
        throw new ProcessLaunchException(program, "binary is not executable: " + path, null);
      }
      return path;
    }
    String searchPath = childEnvironment.getOrDefault("PATH", parentEnvironment.getOrDefault("PATH", ""));
    boolean foundNonExecutable = false;
    for (String dir : searchPath.split(":", -1)) {
      Path candidate;
      try {
        candidate = (dir.isEmpty() ? base : base.resolve(dir)).resolve(program);
      } catch (InvalidPathException e) {
        continue;
      }
      if (Files.isRegularFile(candidate)) {
        if (Files.isExecutable(candidate)) {
          return candidate;
        }
        foundNonExecutable = true;
      }
    }
    throw new ProcessLaunchException(program, "binary " + program
        + (foundNonExecutable ? " is on PATH but not executable" : " not found on PATH") + " (PATH=" + searchPath + ")",
        null);
  }
}
