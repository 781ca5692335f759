package io.github.llamacppsdk.core;

import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The process facts of a spawned server, as its backend last saw them: found in {@link
 * InstanceSnapshot#process()}. An attached service has none.
 *
 * <p>Immutable. Never holds secrets: the command line is masked.
 *
 * @param pid the server's process id, when it runs on this machine (a pod has none; its name is in the
 *     snapshot's {@code metadata()} under {@code pod})
 * @param port the port the server listens on
 * @param baseUrl the OpenAI-compatible base URL clients reach it at (where the transport placed it)
 * @param command the masked command line it was launched with
 * @param serverVersion the server's own {@code version:} line, e.g. {@code version: 6122 (c3ab7e9b)}; {@code
 *     version: unknown} when the build could not be read (a remote transport, a binary that does not say)
 * @param serverBuildNumber the build number in that line, when it says one
 * @param serverOptions the options the binary lists in {@code --help} (empty when not read)
 * @param restarts how many times the server was restarted after a crash, under the restart policy
 */
public record ServerProcess(
    OptionalLong pid,
    int port,
    String baseUrl,
    String command,
    String serverVersion,
    OptionalInt serverBuildNumber,
    List<String> serverOptions,
    int restarts) {

  /** Validates and copies the components. */
  public ServerProcess {
    Objects.requireNonNull(pid, "pid");
    Objects.requireNonNull(baseUrl, "baseUrl");
    Objects.requireNonNull(command, "command");
    Objects.requireNonNull(serverVersion, "serverVersion");
    Objects.requireNonNull(serverBuildNumber, "serverBuildNumber");
    serverOptions = List.copyOf(serverOptions);
  }
}
