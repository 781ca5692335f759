package io.github.llamacppsdk.process;

/**
 * The seam between the library and the operating system: launches a command and hands back a
 * {@link LaunchedProcess}. {@link #local()} is the default (a local subprocess); a user may implement
 * this SPI for other placements (ssh, a container runtime), declaring honestly what it can do in
 * {@link #capabilities()}.
 *
 * <p>Implementations are thread-safe.
 */
public interface ProcessTransport extends AutoCloseable {

  /**
   * {@return the default transport: local subprocesses, stopped with SIGTERM then SIGKILL of the
   * whole process tree, and guarded against orphans by a watchdog that outlives a killed JVM by no
   * more than about two seconds}
   */
  static ProcessTransport local() {
    return io.github.llamacppsdk.internal.process.LocalProcessTransport.create();
  }

  /** {@return what this transport can do} */
  TransportCapabilities capabilities();

  /**
   * Launches a command directly (no shell) and returns at once.
   *
   * @param request what to run
   * @return the live process
   * @throws ProcessLaunchException if the process could not be started at all (the binary is
   *     missing or not executable, the working directory does not exist); the message names it
   */
  LaunchedProcess launch(LaunchRequest request);

  /**
   * Stops every process this transport launched that is still running and releases the transport's
   * resources. Idempotent; never throws.
   */
  @Override
  void close();
}
