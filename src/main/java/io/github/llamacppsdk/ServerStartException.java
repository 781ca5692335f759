package io.github.llamacppsdk;

import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.internal.llama.StartFailures;
import io.github.llamacppsdk.process.ExitStatus;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A llama-server did not become ready, with all the evidence: how the process ended (if it did),
 * the classified cause read from its output, the last readiness probe, the last output lines, the
 * command that was run (secrets masked) and how long the library waited.
 *
 * <p>Codes: {@link ErrorCode#EXITED_BEFORE_READY}, {@link ErrorCode#READINESS_TIMEOUT}, {@link
 * ErrorCode#STALLED}, {@link ErrorCode#FOREIGN_SERVER}, {@link ErrorCode#UNAUTHORIZED}, {@link ErrorCode#LAUNCH_FAILED}. The message
 * alone is enough to diagnose the failure (CI systems often show only the message). Immutable.
 */
public class ServerStartException extends InferenceException {
  private static final long serialVersionUID = 1L;
  private static final int TAIL_IN_MESSAGE = 20;

  private final transient ExitStatus exit;
  private final StartFailure failure;
  private final String lastProbe;
  private final List<String> outputTail;
  private final String commandLine;
  private final Duration waited;
  private final int port;
  private final transient ServerBuild serverBuild;
  private final String headline;

  static {
    StartFailures.install(ServerStartException::new); // the library creates it through StartFailures
  }

  /**
   * Creates the exception with the llama-server build that was run; the message is composed from
   * the evidence. Not public: the library creates it (through {@code internal.llama.StartFailures}).
   *
   * @param code the code
   * @param summary one sentence on what happened
   * @param exit how the process ended, or {@code null} if it is still running or never ran
   * @param failure the classified cause, or {@code null} if there is none
   * @param lastProbe the last readiness observation (e.g. {@code GET /health -> 503 Loading model})
   * @param outputTail the last output lines of the process (oldest first)
   * @param commandLine the command that was run, secrets masked
   * @param waited how long the library waited
   * @param port the port the server was meant to listen on
   * @param serverBuild the build that was run, or {@code null} if it is not known
   * @param cause the underlying cause, or {@code null}
   */
  ServerStartException(ErrorCode code, String summary, ExitStatus exit, StartFailure failure,
      String lastProbe, List<String> outputTail, String commandLine, Duration waited, int port,
      ServerBuild serverBuild, Throwable cause) {
    super(code, compose(summary, exit, failure, lastProbe, outputTail, commandLine, waited, serverBuild), cause);
    this.serverBuild = serverBuild;
    this.exit = exit;
    this.failure = failure;
    this.lastProbe = Objects.requireNonNull(lastProbe, "lastProbe");
    this.outputTail = List.copyOf(outputTail);
    this.commandLine = Objects.requireNonNull(commandLine, "commandLine");
    this.waited = Objects.requireNonNull(waited, "waited");
    this.port = port;
    this.headline = headline(code, summary, exit, failure);
  }

  /**
   * {@return the code, what happened and how the process ended, in one line} e.g. {@code
   * EXITED_BEFORE_READY: llama-server exited before it was ready (exited with status 1, cause
   * MODEL_FILE_MISSING)}; the message adds the wait, the last probe, the command and the output tail
   */
  @Override
  public String summary() {
    return headline;
  }

  private static String headline(ErrorCode code, String summary, ExitStatus exit, StartFailure failure) {
    String s = code + ": " + summary;
    if (exit != null) {
      s += " (" + exit.describe() + (failure != null ? ", cause " + failure : "") + ")";
    } else if (failure != null) {
      s += " (cause " + failure + ")";
    }
    return oneLine(s);
  }

  /** {@return how the process ended, if it did} */
  public Optional<ExitStatus> exit() {
    return Optional.ofNullable(exit);
  }

  /** {@return the cause classified from the output, if the process exited} */
  public Optional<StartFailure> failure() {
    return Optional.ofNullable(failure);
  }

  /** {@return the last readiness observation} */
  public String lastProbe() {
    return lastProbe;
  }

  /** {@return the last output lines of the process, oldest first} */
  public List<String> outputTail() {
    return outputTail;
  }

  /** {@return the command that was run, secrets masked} */
  public String commandLine() {
    return commandLine;
  }

  /** {@return how long the library waited before giving up} */
  public Duration waited() {
    return waited;
  }

  /** {@return the port the server was meant to listen on} */
  public int port() {
    return port;
  }

  /** {@return the llama-server build that was run (or would have been), when it is known} */
  public Optional<ServerBuild> serverBuild() {
    return Optional.ofNullable(serverBuild);
  }

  /**
   * The spec asks for an option {@code build} does not have; nothing was started.
   *
   * @param reason names the build and the option
   * @param build the build
   * @param commandLine the command in current builds' syntax, secrets masked
   * @param port the spec's port
   * @return the exception ({@link ErrorCode#LAUNCH_FAILED}, {@link StartFailure#UNSUPPORTED_OPTION})
   */
  static ServerStartException unsupportedOption(String reason, ServerBuild build, String commandLine, int port) {
    return new ServerStartException(ErrorCode.LAUNCH_FAILED, reason + "; nothing was started", null,
        StartFailure.UNSUPPORTED_OPTION, "none (not launched)", List.of(), commandLine, Duration.ZERO, port, build,
        null);
  }

  private static String compose(String summary, ExitStatus exit, StartFailure failure, String lastProbe,
      List<String> tail, String commandLine, Duration waited, ServerBuild build) {
    StringBuilder m = new StringBuilder(summary);
    if (exit != null) {
      m.append(" (").append(exit.describe());
      if (failure != null) {
        m.append(", cause ").append(failure);
      }
      m.append(')');
    } else if (failure != null) {
      m.append(" (cause ").append(failure).append(')');
    }
    m.append("; waited ").append(waited.toMillis()).append(" ms; last probe: ").append(lastProbe)
        .append("; command: ").append(commandLine);
    if (build != null) {
      m.append("; server: ").append(build);
    }
    if (!tail.isEmpty()) {
      m.append("\n--- last ").append(Math.min(TAIL_IN_MESSAGE, tail.size())).append(" output lines ---");
      tail.subList(Math.max(0, tail.size() - TAIL_IN_MESSAGE), tail.size())
          .forEach(line -> m.append('\n').append(line));
    }
    return m.toString();
  }
}
