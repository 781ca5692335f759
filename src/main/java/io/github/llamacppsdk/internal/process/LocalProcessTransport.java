package io.github.llamacppsdk.internal.process;

import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.internal.DaemonThreads;
import io.github.llamacppsdk.internal.Log;
import io.github.llamacppsdk.process.ExitStatus;
import io.github.llamacppsdk.process.LaunchRequest;
import io.github.llamacppsdk.process.LaunchedProcess;
import io.github.llamacppsdk.process.ProcessLaunchException;
import io.github.llamacppsdk.process.ProcessTransport;
import io.github.llamacppsdk.process.TransportCapabilities;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Not API. The default {@link ProcessTransport}: local subprocesses on Linux and macOS.
 *
 * <p><b>Launch.</b> The argv runs directly (no shell) with the assembled environment and working
 * directory; the binary and directory are checked first ({@link LaunchPreparation}) so a typo fails
 * at once with a {@link ProcessLaunchException}. The child's stdin is {@code /dev/null}.
 *
 * <p><b>Orphans</b>, in two layers: a JVM shutdown hook (one per transport, registered on the first
 * launch, removed by {@link #close()}) stops every live process with SIGTERM, a short grace, then
 * SIGKILL; and an {@link OrphanWatchdog} sidecar (one per transport, started on the first launch)
 * that kills the recorded servers and their process trees when the JVM dies without running hooks.
 *
 * <p>Thread-safe. {@link #close()} stops all live processes, ends the watchdog and removes the hook.
 */
public final class LocalProcessTransport implements ProcessTransport {
  /** Numbered across the JVM: one factory for every instance. */
  private static final DaemonThreads EXIT_THREADS = new DaemonThreads("llamacpp-exit");
  /** The grace {@link #close()} gives each live process. */
  static final Duration CLOSE_GRACE = Duration.ofSeconds(3);
  /** The grace the shutdown hook gives each live process. */
  static final Duration HOOK_GRACE = Duration.ofSeconds(1);

  private static final Log log = Log.of(LocalProcessTransport.class);
  private static final TransportCapabilities CAPABILITIES =
      new TransportCapabilities(false, true, true, false, true, true, true);

  private final Map<String, String> parentEnvironment;
  private final int maxLineBytes;
  private final Set<LocalLaunchedProcess> live = ConcurrentHashMap.newKeySet();
  private final Object lock = new Object();
  private boolean closed; // guarded by lock
  private Thread shutdownHook; // guarded by lock
  private OrphanWatchdog watchdog; // guarded by lock
  /** Named threads for what follows a process exit (see {@link LocalLaunchedProcess}); idle ones end after 60 s. */
  private final java.util.concurrent.ExecutorService exits =
      java.util.concurrent.Executors.newCachedThreadPool(EXIT_THREADS);
  /** Runs exit handling on {@link #exits}; after {@link #close()} on the caller's thread. */
  private final Executor onExitThread = new OnExitThread();

  private LocalProcessTransport(Map<String, String> parentEnvironment, int maxLineBytes) {
    this.parentEnvironment = Map.copyOf(parentEnvironment);
    this.maxLineBytes = maxLineBytes;
  }

  /** @return a transport inheriting the JVM's environment */
  public static LocalProcessTransport create() {
    return new LocalProcessTransport(System.getenv(), LineFramer.DEFAULT_MAX_LINE_BYTES);
  }

  /**
   * A transport that treats {@code parentEnvironment} as the environment children inherit, instead
   * of {@link System#getenv()} (which a test cannot change), and cuts lines at {@code maxLineBytes}.
   *
   * @param parentEnvironment the environment to inherit
   * @param maxLineBytes the bound on one output line
   * @return the transport
   */
  static LocalProcessTransport create(Map<String, String> parentEnvironment, int maxLineBytes) {
    return new LocalProcessTransport(parentEnvironment, maxLineBytes);
  }

  @Override
  public TransportCapabilities capabilities() {
    return CAPABILITIES;
  }

  @Override
  public LaunchedProcess launch(LaunchRequest request) {
    Map<String, String> env = LaunchPreparation.environment(parentEnvironment, request);
    LaunchPreparation.checkWorkingDirectory(request.workingDirectory());
    Path program = LaunchPreparation.resolveProgram(request.argv().get(0), request.workingDirectory(), env,
        parentEnvironment);
    List<String> argv = new ArrayList<>(request.argv());
    argv.set(0, program.toString());
    ProcessBuilder pb = new ProcessBuilder(argv);
    pb.environment().clear();
    pb.environment().putAll(env);
    if (request.workingDirectory().isPresent()) {
      pb.directory(request.workingDirectory().get().toFile());
    }
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.redirectErrorStream(true); // one pipe, one reader thread per server, lines in the order written

    LocalLaunchedProcess launched;
    OrphanWatchdog guard;
    synchronized (lock) {
      if (closed) {
        throw new InferenceException(ErrorCode.CLOSED, "the process transport is closed; cannot launch "
            + request.displayName());
      }
      Process process;
      try {
        process = pb.start();
      } catch (IOException e) {
        throw new ProcessLaunchException(request.argv().get(0),
            "could not start " + program + ": " + e.getMessage(), e);
      }
      try {
        // After the server's spawn, not before: on the first launch the watchdog's own spawn then runs while
        // the server is already starting, instead of delaying it (the server is recorded a few ms later).
        guard = ensureGuards();
        if (guard != null) {
          guard.track(process.pid());
        }
        launched = new LocalLaunchedProcess(process, request.displayName(), maxLineBytes, onExitThread);
      } catch (RuntimeException | Error e) {
        // not recorded anywhere yet (a hook refused during JVM shutdown, no thread for its reader): no
        // one else would ever stop it
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        throw e;
      }
      live.add(launched);
    }
    log.info("launched {} pid={} ({})", request.displayName(), launched.pid(), program.getFileName());
    Exited exited = new Exited(launched, guard);
    launched.processExit().whenComplete(exited);
    launched.onExit().thenAccept(exited);
    return launched;
  }

  /** Registers the shutdown hook and starts the watchdog on first use; returns the watchdog or null. */
  private OrphanWatchdog ensureGuards() {
    if (shutdownHook == null) {
      Thread hook = new Thread(new ShutdownHook(), "llamacpp-shutdown-hook");
      try {
        Runtime.getRuntime().addShutdownHook(hook);
      } catch (IllegalStateException e) { // a launch from another shutdown hook: nothing would stop the server
        throw new InferenceException(ErrorCode.CLOSED, "cannot launch a server while the JVM shuts down", e);
      }
      shutdownHook = hook;
    }
    if (watchdog == null || !watchdog.isAlive()) {
      try {
        watchdog = OrphanWatchdog.start();
        log.debug("orphan watchdog started, pid {}", watchdog.pid());
      } catch (IOException e) {
        log.warn("could not start the orphan watchdog (/bin/sh); servers will not be cleaned up if the JVM is"
            + " killed outright: {}", e.toString());
        watchdog = null;
      }
    }
    return watchdog;
  }

  /** {@return the watchdog's pid, if it has been started (for tests)} */
  Optional<Long> watchdogPid() {
    synchronized (lock) {
      return Optional.ofNullable(watchdog).map(OrphanWatchdog::pid);
    }
  }

  /** Stops every live process and waits, bounded by the grace plus a margin. */
  private void stopAll(Duration grace) {
    List<CompletableFuture<?>> stops = new ArrayList<>();
    for (LocalLaunchedProcess p : List.copyOf(live)) {
      stops.add(p.stop(grace));
    }
    if (stops.isEmpty()) {
      return;
    }
    try {
      CompletableFuture.allOf(stops.toArray(CompletableFuture<?>[]::new))
          .get(grace.plusSeconds(2).toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      log.warn("stopping {} process(es) did not finish cleanly: {}", stops.size(), e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    Thread hook;
    OrphanWatchdog guard;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      hook = shutdownHook;
      guard = watchdog;
    }
    stopAll(CLOSE_GRACE);
    exits.shutdown(); // exits already observed still run; a later one continues on the JDK's thread
    if (guard != null) {
      guard.close();
    }
    if (hook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // the JVM is already shutting down; the hook runs anyway
      }
    }
  }

  // named classes, not lambdas: these run in a fresh JVM's first start (benchmarks.md, figure 7)

  /** Runs exit handling on a named thread; after {@link #close()} on the caller's. */
  private final class OnExitThread implements Executor {
    @Override
    public void execute(Runnable task) {
      try {
        exits.execute(task);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        task.run();
      }
    }
  }

  /** The JVM shutdown hook's body: stops every live process. */
  private final class ShutdownHook implements Runnable {
    @Override
    public void run() {
      stopAll(HOOK_GRACE);
    }
  }

  /** Follows one launched process's end: forgets it once it is gone, logs its status once drained. */
  private final class Exited implements BiConsumer<Integer, Throwable>, Consumer<ExitStatus> {
    private final LocalLaunchedProcess launched;
    private final OrphanWatchdog guard;

    Exited(LocalLaunchedProcess launched, OrphanWatchdog guard) {
      this.launched = launched;
      this.guard = guard;
    }

    /** The process is gone: out of {@link #live} and the watchdog's records. */
    @Override
    public void accept(Integer code, Throwable failure) {
      live.remove(launched);
      if (guard != null) {
        guard.untrack(launched.pid());
      }
    }

    /** Its output is drained too: the status, at DEBUG. */
    @Override
    public void accept(ExitStatus status) {
      log.debug("{} pid={} {}", launched.displayName(), launched.pid(), status);
    }
  }
}
