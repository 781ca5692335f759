package io.github.llamacppsdk.process;

/**
 * What a {@link ProcessTransport} can do, so the layers above degrade honestly instead of assuming.
 *
 * @param remote the process runs on another machine (paths are the remote machine's)
 * @param signals the transport can deliver SIGTERM/SIGKILL (graceful and forced stop)
 * @param processTree stop reaches the process's descendants too (wrappers cannot leave the server
 *     behind)
 * @param stdin the transport can write to the process's standard input
 * @param environment the transport honours {@link LaunchRequest#environment()}
 * @param workingDirectory the transport honours {@link LaunchRequest#workingDirectory()}
 * @param orphanProtection processes do not outlive the launching JVM, even when it is killed outright
 */
public record TransportCapabilities(
    boolean remote,
    boolean signals,
    boolean processTree,
    boolean stdin,
    boolean environment,
    boolean workingDirectory,
    boolean orphanProtection) {}
