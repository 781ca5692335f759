package io.github.llamacppsdk.internal.llama;

import io.github.llamacppsdk.ServerBuild;
import io.github.llamacppsdk.ServerStartException;
import io.github.llamacppsdk.StartFailure;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.process.ExitStatus;
import java.time.Duration;
import java.util.List;

/**
 * Not API. The one way the library creates a {@link ServerStartException}, whose constructor is not
 * public: the exception installs its constructor here when its class is initialised.
 */
public final class StartFailures {
  /** The exception's constructor. */
  @FunctionalInterface
  public interface Factory {
    /**
     * {@return the exception}
     *
     * @param code the code
     * @param summary one sentence on what happened
     * @param exit how the process ended, or {@code null}
     * @param failure the classified cause, or {@code null}
     * @param lastProbe the last readiness observation
     * @param outputTail the last output lines (oldest first)
     * @param commandLine the masked command line
     * @param waited how long the library waited
     * @param port the port the server was meant to listen on
     * @param build the build that was run, or {@code null}
     * @param cause the underlying cause, or {@code null}
     */
    ServerStartException create(ErrorCode code, String summary, ExitStatus exit, StartFailure failure,
        String lastProbe, List<String> outputTail, String commandLine, Duration waited, int port, ServerBuild build,
        Throwable cause);
  }

  private static volatile Factory factory;

  private StartFailures() {}

  /**
   * Installs the constructor; only the first installation counts (the exception's class initialiser).
   *
   * @param f the constructor
   */
  public static synchronized void install(Factory f) {
    if (factory == null) {
      factory = f;
    }
  }

  /**
   * {@return a start failure with its evidence; the message is composed from it}
   *
   * @param code the code
   * @param summary one sentence on what happened
   * @param exit how the process ended, or {@code null} if it is still running or never ran
   * @param failure the classified cause, or {@code null}
   * @param lastProbe the last readiness observation (e.g. {@code GET /health -> 503 Loading model})
   * @param outputTail the last output lines of the process (oldest first)
   * @param commandLine the command that was run, secrets masked
   * @param waited how long the library waited
   * @param port the port the server was meant to listen on
   * @param build the build that was run, or {@code null} if it is not known
   * @param cause the underlying cause, or {@code null}
   */
  public static ServerStartException create(ErrorCode code, String summary, ExitStatus exit, StartFailure failure,
      String lastProbe, List<String> outputTail, String commandLine, Duration waited, int port, ServerBuild build,
      Throwable cause) {
    Factory f = factory;
    if (f == null) {
      try { // initialising the exception's class installs its constructor
        Class.forName(ServerStartException.class.getName(), true, ServerStartException.class.getClassLoader());
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException(e);
      }
      f = factory;
    }
    return f.create(code, summary, exit, failure, lastProbe, outputTail, commandLine, waited, port, build, cause);
  }
}
