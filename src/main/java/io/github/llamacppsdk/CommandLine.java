package io.github.llamacppsdk;

import io.github.llamacppsdk.internal.spec.ShellText;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The rendered launch of one llama-server: the argv (run directly, no shell) and the variables the
 * library adds to the child's environment. Get one from {@link BootSpec#toCommandLine()}.
 *
 * <p>The API key is never in {@link #argv()}: an inline key travels as {@code LLAMA_API_KEY} in
 * {@link #environment()}, where other local users cannot read it. {@link #toString()} is a
 * copy-pasteable POSIX shell line with every secret masked as {@code ****}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param argv the binary, launcher arguments, llama-server flags in a fixed order, extra args
 * @param environment the spec's environment plus what the library adds (sorted by name)
 */
public record CommandLine(List<String> argv, Map<String, String> environment) {

  /** Copies the components. */
  public CommandLine {
    argv = List.copyOf(argv);
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("argv must name a program");
    }
    environment = Collections.unmodifiableMap(new TreeMap<>(environment));
  }

  /** {@return the program: {@code argv().get(0)}} */
  public String program() {
    return argv.get(0);
  }

  /**
   * {@return the command as one POSIX shell line: {@code NAME=value ... program args...}, arguments
   * single-quoted where needed} Values of variables whose name looks secret ({@code LLAMA_API_KEY},
   * {@code *_TOKEN}, {@code *_SECRET}, ...: the name's last word is a secret word) and values of secret-looking flags are shown as
   * {@code ****}.
   */
  @Override
  public String toString() {
    return ShellText.commandLine(environment, argv);
  }
}
