package io.github.llamacppsdk.process;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What to launch: the argv (run directly, no shell), the working directory, and the environment.
 *
 * <p>The child's environment is: the inherited environment (unless {@code inheritEnvironment} is
 * false), minus every inherited variable matched by {@code scrubbedInherited} (an entry ending in
 * {@code *} is a prefix, e.g. {@code LLAMA_ARG_*}), plus {@code environment} (which always wins).
 *
 * <p>Immutable. {@link #toString()} prints environment keys only, never values.
 *
 * @param argv the program and its arguments; {@code argv.get(0)} is the binary
 * @param workingDirectory the working directory; empty inherits the JVM's
 * @param environment variables added to the child's environment
 * @param inheritEnvironment start from the JVM's environment ({@code true}) or from an empty one
 * @param scrubbedInherited inherited variables to drop (exact names, or prefixes ending in {@code *})
 * @param displayName a short name for logs and thread names (e.g. the model alias)
 * @param labels what is launched, for transports that attach such facts to what they create (a
 *     Kubernetes transport labels its pods with them); the library sets {@link #INSTANCE_KEY} and
 *     {@link #MODEL}; the local transport ignores them
 */
public record LaunchRequest(
    List<String> argv,
    Optional<Path> workingDirectory,
    Map<String, String> environment,
    boolean inheritEnvironment,
    List<String> scrubbedInherited,
    String displayName,
    Map<String, String> labels) {

  /** The label holding the instance key of the server being launched. */
  public static final String INSTANCE_KEY = "instance_key";
  /** The label holding the model alias of the server being launched. */
  public static final String MODEL = "model";

  /** Validates and copies the components. */
  public LaunchRequest {
    argv = List.copyOf(argv);
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("argv must name a program");
    }
    Objects.requireNonNull(workingDirectory, "workingDirectory");
    environment = Map.copyOf(environment);
    scrubbedInherited = List.copyOf(scrubbedInherited);
    Objects.requireNonNull(displayName, "displayName");
    labels = Map.copyOf(labels);
  }

  /**
   * A request without labels.
   *
   * @param argv the program and its arguments
   * @param workingDirectory the working directory; empty inherits the JVM's
   * @param environment variables added to the child's environment
   * @param inheritEnvironment start from the JVM's environment or from an empty one
   * @param scrubbedInherited inherited variables to drop
   * @param displayName a short name for logs
   */
  public LaunchRequest(List<String> argv, Optional<Path> workingDirectory, Map<String, String> environment,
      boolean inheritEnvironment, List<String> scrubbedInherited, String displayName) {
    this(argv, workingDirectory, environment, inheritEnvironment, scrubbedInherited, displayName, Map.of());
  }

  /**
   * A request with the inherited environment and nothing scrubbed.
   *
   * @param displayName a short name for logs
   * @param argv the program and its arguments
   * @return the request
   */
  public static LaunchRequest of(String displayName, List<String> argv) {
    return new LaunchRequest(argv, Optional.empty(), Map.of(), true, List.of(), displayName);
  }

  /**
   * {@return a copy with another environment overlay}
   *
   * @param env the variables to add
   */
  public LaunchRequest withEnvironment(Map<String, String> env) {
    return new LaunchRequest(argv, workingDirectory, env, inheritEnvironment, scrubbedInherited, displayName, labels);
  }

  /**
   * {@return a copy with other labels}
   *
   * @param newLabels the labels
   */
  public LaunchRequest withLabels(Map<String, String> newLabels) {
    return new LaunchRequest(argv, workingDirectory, environment, inheritEnvironment, scrubbedInherited,
        displayName, newLabels);
  }

  @Override
  public String toString() {
    return "LaunchRequest[" + displayName + ", argv=" + argv + ", cwd=" + workingDirectory.map(Path::toString).orElse("-")
        + ", env keys=" + new TreeMap<>(environment).keySet() + ", inherit=" + inheritEnvironment
        + ", scrubbed=" + scrubbedInherited + ", labels=" + new TreeMap<>(labels) + "]";
  }
}
