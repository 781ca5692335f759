package io.github.llamacppsdk.process;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A live process launched by a {@link ProcessTransport}: its pid, its exit, its recent output, and
 * how to stop it.
 *
 * <p>Thread-safe. The process is owned by whoever launched it; {@link #stop(Duration)} ends it.
 */
public interface LaunchedProcess {

  /** {@return the OS process id of the launched program itself (not of a wrapper or watchdog)} */
  long pid();

  /** {@return the display name given at launch} */
  String displayName();

  /**
   * {@return whether the process is still running} Called on every handout of its endpoint: it must be
   * cheap (microseconds) and never block. It should turn false as soon as the process has died, even
   * before {@link #onExit()} completes (the local transport reads {@code /proc/PID/stat}, where a killed
   * process is a zombie at once).
   */
  boolean isAlive();

  /**
   * {@return a future that completes the moment the process exits (observed through the OS, not by
   * polling), with how it ended}
   */
  CompletableFuture<ExitStatus> onExit();

  /**
   * {@return the most recent output lines (stdout and stderr, in arrival order), at most the ring's
   * capacity (200 lines); a snapshot}
   */
  List<OutputLine> recentOutput();

  /**
   * Follows the output live. The listener is called on the output reader's thread for every line
   * from now on; it must be quick and must not throw (a throwing listener is logged and dropped).
   *
   * @param listener receives each line
   * @return a subscription whose {@code close()} stops the delivery
   */
  OutputSubscription subscribe(Consumer<OutputLine> listener);

  /**
   * {@return when the process last wrote anything, on {@link System#nanoTime()}'s clock}, counting
   * bytes of a line not yet finished (llama-server prints loading dots without a newline). A start
   * that shows such activity is not stalled. The default, for transports that cannot tell, is the
   * oldest possible moment ({@link Long#MIN_VALUE}), which never counts as activity.
   */
  default long lastOutputNanos() {
    return Long.MIN_VALUE;
  }

  /**
   * {@return where the launched server is reachable from this JVM, once the transport knows it}
   * A local process listens where its command line says, so the default completes at once with
   * empty, meaning "the host and port of the launch request". A transport that places the server
   * elsewhere completes it with that place's address once the server runs there (a Kubernetes pod's
   * IP and container port, or the local end of a port-forward); until then, every output line is
   * placement progress (a pod waiting for a node says why). It never completes if the process ends
   * before it is placed: watch {@link #onExit()} too.
   */
  default CompletableFuture<Optional<InetSocketAddress>> reachableAddress() {
    return CompletableFuture.completedFuture(Optional.empty());
  }

  /**
   * {@return facts about where the process runs, for an instance's details and its endpoint's
   * metadata (e.g. {@code execution_surface}, a pod's name, namespace and node)} The default is empty
   * (a local subprocess, described by its pid).
   */
  default Map<String, Object> placement() {
    return Map.of();
  }

  /**
   * Stops the process and its whole process tree: SIGTERM, wait up to {@code grace}, then SIGKILL.
   * Idempotent and safe from several threads; every call returns the same outcome. Returns as soon
   * as the process is gone (no fixed polling delay).
   *
   * @param grace how long to wait after SIGTERM before SIGKILL; {@link Duration#ZERO} kills at once
   * @return a future completing with how the process ended (on its own, gracefully, or forced)
   */
  CompletableFuture<ExitStatus> stop(Duration grace);

  /** A live output subscription. */
  interface OutputSubscription extends AutoCloseable {
    /** Stops delivery. Idempotent; never throws. */
    @Override
    void close();
  }
}
