package io.github.llamacppsdk.internal.process;

import io.github.llamacppsdk.internal.Log;
import io.github.llamacppsdk.process.ExitStatus;
import io.github.llamacppsdk.process.ExitStatus.Termination;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Not API. A process launched by {@link LocalProcessTransport}: the real child (its pid, its exit
 * code), its output, and the stop protocol.
 *
 * <p><b>Exit.</b> Observed through {@link Process#onExit()} (the JDK's reaper, no polling). The
 * {@link #onExit()} future completes once the output is drained too, so {@link #recentOutput()}
 * holds the tail when callers look; the drain is bounded by {@link #DRAIN_BOUND} because a
 * grandchild may keep the pipes open. The exit value is read as a signal when it lies in {@code
 * 129..192} (the JDK reports a child killed by signal N as 128+N, indistinguishable from a program
 * that calls {@code exit(128+N)} itself), else as an exit code.
 *
 * <p><b>Stop.</b> The descendants are collected first (they reparent once their parent dies), then
 * SIGTERM goes to the process and the descendants, followed by SIGCONT to those of them that are
 * stopped (SIGSTOP; see {@link StoppedProcesses}), so a stopped server exits at once; the wait on {@code onExit} is bounded by the
 * grace with {@link CompletableFuture#completeOnTimeout}; when it runs out, SIGKILL goes to the
 * process, the collected descendants and any new ones. Descendants still alive after the process
 * itself exited get the rest of the grace, then SIGKILL. The first {@link #stop} call decides; every
 * caller gets the same future. Signals go through {@link Process#toHandle()}: {@link Process#destroy()}
 * would also close the output pipes, losing what the process prints while it shuts down.
 * Thread-safe.
 */
final class LocalLaunchedProcess extends OutputBackedProcess {
  /** How long {@link #onExit()} waits for the output to drain after the process exited. */
  static final Duration DRAIN_BOUND = Duration.ofMillis(500);

  private static final Log log = Log.of(LocalLaunchedProcess.class);
  private static final int NOT_SIGNALLED = 0;
  private static final int TERM_SENT = 1;
  private static final int KILL_SENT = 2;

  private final Process process;
  private final String name;
  private final java.util.concurrent.Executor exits;
  private final CompletableFuture<Integer> rawExit;
  private final CompletableFuture<ExitStatus> exit;
  private final ProcStat stat;
  private volatile int signalled = NOT_SIGNALLED;
  private CompletableFuture<ExitStatus> stopFuture; // guarded by this

  LocalLaunchedProcess(Process process, String name, int maxLineBytes) {
    this(process, name, maxLineBytes, Runnable::run);
  }

  /**
   * @param exits where exit handling continues: the JDK completes {@code Process.onExit()} on an unnamed
   *     {@code Thread-N} on machines with two CPUs or fewer (its common pool then has a thread per task),
   *     so everything chained on the exit (stop reports, log lines) hops to these named threads first
   */
  LocalLaunchedProcess(Process process, String name, int maxLineBytes, java.util.concurrent.Executor exits) {
    super(new ProcessOutput(name, maxLineBytes));
    this.process = process;
    this.name = name;
    this.exits = exits;
    this.stat = ProcStat.open(process.pid());
    output.start(process.getInputStream()); // stderr is merged into it (redirectErrorStream)
    // Termination is decided the moment the exit is observed, from what stop() had sent by then.
    CompletableFuture<ExitStatus> observed = process.onExit()
        .thenApply(new StatusAtExit())
        .thenApplyAsync(new Identity<>(), exits);
    observed.whenComplete(new CloseStat());
    this.rawExit = observed.thenApply(new ExitValue());
    this.exit = observed.thenCompose(new AfterDrain());
  }

  /**
   * Maps a JDK exit value to an {@link ExitStatus}.
   *
   * @param exitValue {@link Process#exitValue()}
   * @param termination how the end came about
   * @return a signal for 129..192, else an exit code
   */
  static ExitStatus status(int exitValue, Termination termination) {
    if (exitValue > 128 && exitValue <= 128 + 64) {
      return new ExitStatus(OptionalInt.empty(), OptionalInt.of(exitValue - 128), termination);
    }
    return new ExitStatus(OptionalInt.of(exitValue), OptionalInt.empty(), termination);
  }

  private Termination terminationNow() {
    switch (signalled) {
      case KILL_SENT:
        return Termination.FORCED;
      case TERM_SENT:
        return Termination.GRACEFUL;
      default:
        return Termination.ON_ITS_OWN;
    }
  }

  /** {@return a future completing with the raw exit value as soon as the process is gone (undrained)} */
  CompletableFuture<Integer> processExit() {
    return rawExit;
  }

  @Override
  public long pid() {
    return process.pid();
  }

  @Override
  public String displayName() {
    return name;
  }

  /**
   * {@return false once the process has died: when the JDK has reaped it, or (on Linux, read at most
   * once a millisecond) when {@code /proc} shows it a zombie, which is at once}
   */
  @Override
  public boolean isAlive() {
    return process.isAlive() && !stat.isDeadCached();
  }

  @Override
  public CompletableFuture<ExitStatus> onExit() {
    return exit.copy();
  }

  @Override
  public CompletableFuture<ExitStatus> stop(Duration grace) {
    synchronized (this) {
      if (stopFuture == null) {
        stopFuture = beginStop(grace.isNegative() ? Duration.ZERO : grace);
      }
      return stopFuture.copy();
    }
  }

  private CompletableFuture<ExitStatus> beginStop(Duration grace) {
    if (!process.isAlive()) {
      return exit;
    }
    List<ProcessHandle> tree = new ArrayList<>(ProcessTree.descendants(process.toHandle()));
    long deadline = System.nanoTime() + grace.toNanos();
    CompletableFuture<Boolean> treeForced;
    if (grace.isZero()) {
      forceKill(tree);
      treeForced = CompletableFuture.completedFuture(Boolean.TRUE);
    } else {
      signalled = TERM_SENT;
      log.debug("{}: SIGTERM to pid {} and {} descendant(s), grace {}", name, process.pid(), tree.size(), grace);
      process.toHandle().destroy();
      tree.forEach(ProcessHandle::destroy);
      List<Long> pids = new ArrayList<>();
      pids.add(process.pid());
      tree.forEach(h -> pids.add(h.pid()));
      StoppedProcesses.continueStopped(pids); // a stopped process acts on SIGTERM only once continued
      treeForced = process.onExit()
          .thenApplyAsync(p -> Boolean.FALSE, exits) // off the JDK's unnamed Thread-N: the stop's callers chain on this
          .completeOnTimeout(Boolean.TRUE, grace.toNanos(), TimeUnit.NANOSECONDS)
          .thenCompose(timedOut -> {
            if (timedOut) {
              log.warn("{}: did not stop within {}; escalating to SIGKILL", name, grace);
              forceKill(tree);
              return CompletableFuture.completedFuture(Boolean.TRUE);
            }
            return reapSurvivors(tree, deadline);
          });
    }
    return treeForced.thenCompose(forced -> exit.thenApply(s ->
        forced && s.termination() == Termination.GRACEFUL
            ? new ExitStatus(s.code(), s.signal(), Termination.FORCED) : s));
  }

  /** The process exited in time; descendants still alive get the rest of the grace, then SIGKILL. */
  private CompletableFuture<Boolean> reapSurvivors(List<ProcessHandle> tree, long deadlineNanos) {
    List<ProcessHandle> alive = tree.stream().filter(ProcessHandle::isAlive).collect(Collectors.toList());
    if (alive.isEmpty()) {
      return CompletableFuture.completedFuture(Boolean.FALSE);
    }
    long remaining = Math.max(0, deadlineNanos - System.nanoTime());
    return CompletableFuture.allOf(alive.stream().map(ProcessHandle::onExit).toArray(CompletableFuture<?>[]::new))
        .thenApply(v -> Boolean.FALSE)
        .completeOnTimeout(Boolean.TRUE, remaining, TimeUnit.NANOSECONDS)
        .thenApply(timedOut -> {
          if (timedOut) {
            log.warn("{}: {} descendant(s) outlived the process and the grace; SIGKILL", name, alive.size());
            alive.forEach(ProcessHandle::destroyForcibly);
          }
          return timedOut;
        });
  }

  /** SIGKILL to the process, the collected descendants, and any descendants that appeared since. */
  private void forceKill(List<ProcessHandle> collected) {
    Set<ProcessHandle> all = new LinkedHashSet<>(collected);
    if (process.isAlive()) {
      signalled = KILL_SENT;
      all.addAll(ProcessTree.descendants(process.toHandle()));
    }
    process.toHandle().destroyForcibly();
    for (ProcessHandle h : new ArrayList<>(all)) {
      if (h.isAlive()) {
        h.destroyForcibly();
      }
    }
  }

  @Override
  public String toString() {
    return "LocalLaunchedProcess[" + name + ", pid=" + process.pid() + "]";
  }

  // named classes, not lambdas: every launch builds these, a fresh JVM's first start too (benchmarks.md, figure 7)

  /** The status, the moment the exit is observed: termination from what {@link #stop} had sent by then. */
  private final class StatusAtExit implements Function<Process, ExitStatus> {
    @Override
    public ExitStatus apply(Process p) {
      return status(p.exitValue(), terminationNow());
    }
  }

  /** Passes its argument on: with {@code thenApplyAsync}, a hop to another executor. */
  private static final class Identity<T> implements Function<T, T> {
    @Override
    public T apply(T t) {
      return t;
    }
  }

  /** Closes the {@code /proc} reader once the exit is observed. */
  private final class CloseStat implements BiConsumer<ExitStatus, Throwable> {
    @Override
    public void accept(ExitStatus s, Throwable t) {
      stat.close();
    }
  }

  /** The raw exit value. */
  private final class ExitValue implements Function<ExitStatus, Integer> {
    @Override
    public Integer apply(ExitStatus s) {
      return process.exitValue();
    }
  }

  /** The status once the output is drained too, or after {@link #DRAIN_BOUND}. */
  private final class AfterDrain implements Function<ExitStatus, CompletionStage<ExitStatus>> {
    @Override
    public CompletionStage<ExitStatus> apply(ExitStatus s) {
      return output.drained().copy()
          .completeOnTimeout(null, DRAIN_BOUND.toNanos(), TimeUnit.NANOSECONDS)
          .thenApply(v -> s);
    }
  }
}
