package io.github.llamacppsdk.internal.llama;

import io.github.llamacppsdk.ServerBuild;
import io.github.llamacppsdk.ServerStartException;
import io.github.llamacppsdk.StartFailure;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.HealthStatus;
import io.github.llamacppsdk.internal.probe.Observation;
import io.github.llamacppsdk.internal.probe.ProbeTarget;
import io.github.llamacppsdk.internal.probe.ReadinessProber;
import io.github.llamacppsdk.process.ExitStatus;
import io.github.llamacppsdk.process.LaunchedProcess;
import io.github.llamacppsdk.process.OutputLine;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Not API. The readiness loop of one start: probes until the server is ready and serves our model,
 * racing the probes against the process's exit, a hard deadline and a stall deadline.
 *
 * <p>Fast: probes start at once and back off from 5 ms up to the readiness interval; llama-server's
 * {@code model loaded} / {@code listening on http} / {@code all slots are idle} lines trigger an
 * immediate probe, so publication follows the server's first 200 by about one loopback round trip
 * rather than a polling interval. Every failure is a {@link ServerStartException} with the last
 * observation and the output tail. Runs on the shared scheduler and the HTTP client's threads; no
 * thread of its own.
 *
 * <p>Placement: probing starts once the process says where it is reachable ({@link
 * LaunchedProcess#reachableAddress()}; at once for a local process). Until then every output line
 * is placement progress (reported as LOADING, e.g. a pod waiting for a GPU node), the stall deadline
 * does not run, and the hard deadline fails the start with the last placement line as evidence. A
 * server reachable elsewhere is not checked against this machine's sockets ({@code /proc}).
 *
 * <p>A server that pulls its model itself ({@link Settings#serverPull()}, {@code --hf-repo} in a pod)
 * downloads before it binds its port and prints nothing meanwhile when its output is not a terminal.
 * From placement until its port first answers it is LOADING ({@code downloading NAME ...}, each
 * output line as the reason), and the stall deadline does not run: a long silent download is not a
 * wedged server. The readiness deadline bounds it.
 */
public final class StartupWatch {
  private static final long FIRST_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  /** Everything a watch needs; {@code process} is empty for an attached server. */
  public record Settings(ProbeTarget target, Duration readyTimeout, Duration stallTimeout,
      Duration maxInterval, String commandLine, int port, ServerBuild build, java.util.Optional<String> serverPull) {
    /** Settings of a server that is given its model as a file (no pull of its own). */
    public Settings(ProbeTarget target, Duration readyTimeout, Duration stallTimeout, Duration maxInterval,
        String commandLine, int port, ServerBuild build) {
      this(target, readyTimeout, stallTimeout, maxInterval, commandLine, port, build, java.util.Optional.empty());
    }

    @Override
    public String toString() {
      return "Settings[" + target + ", ready " + readyTimeout + ", stall " + stallTimeout + ", port " + port + "]";
    }

    public Settings {
      Objects.requireNonNull(target, "target");
      Objects.requireNonNull(readyTimeout, "readyTimeout");
      Objects.requireNonNull(stallTimeout, "stallTimeout");
      Objects.requireNonNull(maxInterval, "maxInterval");
      Objects.requireNonNull(commandLine, "commandLine");
      Objects.requireNonNull(serverPull, "serverPull");
    }
  }

  private final ReadinessProber prober;
  private final ScheduledExecutorService scheduler;
  private final LaunchedProcess process; // null when attaching
  private final Settings settings;
  private final BiConsumer<HealthStatus, String> progress;
  private final CompletableFuture<Observation.Ready> result = new CompletableFuture<>();

  private final Object lock = new Object();
  private final long startedNanos = System.nanoTime();
  private long lastProgressNanos = startedNanos;
  private long delayNanos = FIRST_DELAY_NANOS;
  private Observation last = new Observation.NotListening("not probed yet");
  private boolean listening;
  private volatile boolean listenerVerified;
  private boolean inFlight;
  private boolean probeAgain;
  private ScheduledFuture<?> nextProbe;
  private ScheduledFuture<?> deadline;
  private LaunchedProcess.OutputSubscription subscription;
  private volatile ProbeTarget target;
  private volatile boolean placed;
  private volatile boolean remoteListener;

  /**
   * @param prober the shared prober
   * @param scheduler the shared scheduler
   * @param process the launched server, or {@code null} when attaching to one started elsewhere
   * @param settings target and deadlines
   * @param progress told of LOADING and similar progress (status, reason)
   */
  public StartupWatch(ReadinessProber prober, ScheduledExecutorService scheduler, LaunchedProcess process,
      Settings settings, BiConsumer<HealthStatus, String> progress) {
    this.prober = Objects.requireNonNull(prober, "prober");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.process = process;
    this.settings = Objects.requireNonNull(settings, "settings");
    this.progress = Objects.requireNonNull(progress, "progress");
    this.target = settings.target();
  }

  /**
   * Starts watching.
   *
   * @return completes when ready; fails with {@link ServerStartException}
   */
  public CompletableFuture<Observation.Ready> start() {
    if (result.isDone()) {
      return result; // cancelled before it started
    }
    if (process != null) {
      subscription = process.subscribe(new OnOutput());
      process.onExit().thenAccept(new OnExit());
    }
    try {
      deadline = scheduler.schedule(new OnDeadline(), nanos(settings.readyTimeout()),
          TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      fail(ErrorCode.INTERNAL, "the scheduler is shut down", null, null, e);
    }
    if (process == null) {
      onPlaced(Optional.empty());
    } else {
      process.reachableAddress().thenAccept(new OnPlaced());
    }
    if (result.isDone()) {
      cleanUp(); // failed while wiring up (an exit seen at once): release what was wired after the failure
    }
    return result;
  }

  /** The transport knows where the server is: probe there from now on. */
  private void onPlaced(Optional<InetSocketAddress> address) {
    if (address.isPresent()) {
      target = LlamaEndpoints.retarget(settings.target(), address.get());
      remoteListener = true;
    }
    synchronized (lock) {
      lastProgressNanos = System.nanoTime();
      placed = true;
    }
    if (settings.serverPull().isPresent()) {
      progress.accept(HealthStatus.LOADING, "downloading " + settings.serverPull().get()
          + ": llama-server pulls the model before it binds its port");
    }
    probeNow();
  }

  /** {@return where the probes go: the spec's address, or where the transport placed the server} */
  public ProbeTarget target() {
    return target;
  }

  /** Converts without overflow: durations beyond ~292 years saturate instead of throwing. */
  static long nanos(Duration d) {
    return TimeUnit.NANOSECONDS.convert(d);
  }

  /** {@return the last observation} */
  public Observation lastObservation() {
    synchronized (lock) {
      return last;
    }
  }

  /** Gives up (the caller stops the process); the result fails with {@link ErrorCode#STOPPED}. */
  public void cancel(String why) {
    fail(ErrorCode.STOPPED, why, null, null, null);
  }

  private void onOutput(OutputLine line) {
    if (!placed) {
      synchronized (lock) {
        last = new Observation.NotListening("not placed yet: " + line.text());
      }
      progress.accept(HealthStatus.LOADING, "waiting for placement: " + line.text());
      return;
    }
    synchronized (lock) {
      lastProgressNanos = System.nanoTime();
    }
    if (settings.serverPull().isPresent() && !listeningSoFar()) {
      progress.accept(HealthStatus.LOADING, "downloading " + settings.serverPull().get() + ": " + line.text());
    }
    if (isReadinessHint(line.text())) {
      probeNow();
    }
  }

  /**
   * {@return whether a line says the server may have just become ready} Matches what the lines mean
   * in every build's wording: {@code main: model loaded} and {@code llama_server: model loaded},
   * {@code server is listening on http://...} (until 2026) and {@code listening on http://...}
   * (build 11669), {@code all slots are idle}. Only a hint: readiness is decided by HTTP.
   *
   * @param text an output line
   */
  static boolean isReadinessHint(String text) {
    String t = text.toLowerCase(Locale.ROOT);
    return t.contains("model loaded") || t.contains("listening on http") || t.contains("all slots are idle");
  }

  private void onExit(ExitStatus exit) {
    if (result.isDone()) {
      return;
    }
    List<String> tail = tail();
    StartFailure cause = StartFailureClassifier.classify(tail);
    fail(ErrorCode.EXITED_BEFORE_READY, "llama-server exited before it was ready", exit, cause, null);
  }

  private void onDeadline() {
    if (!placed) {
      List<String> tail = tail();
      fail(ErrorCode.READINESS_TIMEOUT, "llama-server was not placed within " + settings.readyTimeout().toMillis()
          + " ms (the transport never reported where it runs)" + (tail.isEmpty() ? "" : ": " + tail.get(tail.size() - 1)),
          null, StartFailureClassifier.classify(tail), null);
      return;
    }
    fail(ErrorCode.READINESS_TIMEOUT, "llama-server was not ready within "
        + settings.readyTimeout().toMillis() + " ms", null, null, null);
  }

  private void probeNow() {
    synchronized (lock) {
      if (result.isDone()) {
        return;
      }
      if (inFlight) {
        probeAgain = true;
        return;
      }
      if (nextProbe != null) {
        nextProbe.cancel(false);
        nextProbe = null;
      }
      inFlight = true;
    }
    prober.probe(target, !listeningSoFar()).thenAccept(new OnObservation());
  }

  private boolean listeningSoFar() {
    synchronized (lock) {
      return listening;
    }
  }

  private void onObservation(Observation observation) {
    boolean changed;
    boolean again;
    long now = System.nanoTime();
    synchronized (lock) {
      inFlight = false;
      changed = observation.kind() != last.kind();
      if (changed) {
        lastProgressNanos = now;
      }
      last = observation;
      if (observation.kind() != Observation.Kind.NOT_LISTENING) {
        listening = true;
      }
      again = probeAgain;
      probeAgain = false;
    }
    if (result.isDone()) {
      return;
    }
    if (process != null && !remoteListener && observation.kind() != Observation.Kind.NOT_LISTENING
        && !listenerIsOurs()) {
      return; // failed as FOREIGN_SERVER
    }
    if (observation instanceof Observation.Ready ready) {
      if (process != null && !process.isAlive()) {
        return; // our process is gone: the exit handler reports it; whatever answered is not ours
      }
      finish(ready);
      return;
    }
    if (observation instanceof Observation.Unauthorized) {
      fail(ErrorCode.UNAUTHORIZED, "the server on port " + settings.port() + " rejects the configured API key"
          + " (or wants one and none is configured)", null, null, null);
      return;
    }
    if (observation instanceof Observation.WrongModel wrong) {
      fail(ErrorCode.FOREIGN_SERVER, process == null
          ? "the server at " + settings.target().rootUrl() + " serves " + wrong.served() + ", not the expected model \""
              + wrong.expected() + "\" (the attach spec's alias must be a model id it lists)"
          : "port " + settings.port() + " answers with another server's models " + wrong.served() + ", not \""
              + wrong.expected() + "\": it is not the server this library started", null, null, null);
      return;
    }
    if (changed && observation.kind() == Observation.Kind.LOADING) {
      progress.accept(HealthStatus.LOADING, observation.describe());
    }
    boolean pulling = settings.serverPull().isPresent() && !listeningSoFar(); // a silent download is no stall
    if (!pulling && now - lastProgressNanosSnapshot() > nanos(settings.stallTimeout())) {
      fail(ErrorCode.STALLED, "llama-server showed no progress (no output, no change of state) for "
          + settings.stallTimeout().toMillis() + " ms", null, null, null);
      return;
    }
    if (again) {
      probeNow();
    } else {
      scheduleNext();
    }
  }

  /**
   * Whether the socket listening on our port belongs to our process tree (read from {@code /proc}
   * on Linux; {@link ListenerOwner.Verdict#UNKNOWN} counts as ours). Checked as soon as the port
   * answers, usually while the model is still loading, and remembered once it is ours: a process
   * keeps its listening socket while it lives, so publication does not pay for the check again.
   * Fails the watch with {@link ErrorCode#FOREIGN_SERVER} when another process holds it.
   */
  private boolean listenerIsOurs() {
    if (listenerVerified) {
      return true;
    }
    ListenerOwner.Result owner = ListenerOwner.check(process.pid(), settings.port());
    if (owner.verdict() == ListenerOwner.Verdict.FOREIGN) {
      fail(ErrorCode.FOREIGN_SERVER, "port " + settings.port() + " is held by pid " + owner.ownerPid() + " ("
          + owner.ownerCommand() + "), not by the server this library started (pid " + process.pid() + ")",
          null, null, null);
      return false;
    }
    listenerVerified = true; // OURS, or UNKNOWN (no /proc to tell): either way, not asked again
    return true;
  }

  /** The last sign of life: an output line, a change of observation, or any output bytes at all. */
  private long lastProgressNanosSnapshot() {
    long fromOutput = process == null ? Long.MIN_VALUE : process.lastOutputNanos();
    synchronized (lock) {
      return fromOutput == Long.MIN_VALUE || fromOutput - lastProgressNanos < 0 ? lastProgressNanos : fromOutput;
    }
  }

  private void scheduleNext() {
    synchronized (lock) {
      if (result.isDone()) {
        return;
      }
      long delay = delayNanos;
      delayNanos = Math.min(nanos(settings.maxInterval()), delayNanos * 3 / 2);
      try {
        nextProbe = scheduler.schedule(new ProbeNow(), delay, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        // the backend is closing; its stop fails the result
      }
    }
  }

  private void finish(Observation.Ready ready) {
    if (result.complete(ready)) {
      cleanUp();
    }
  }

  private void fail(ErrorCode code, String summary, ExitStatus exit, StartFailure cause, Throwable t) {
    if (result.isDone()) {
      return;
    }
    Duration waited = Duration.ofNanos(System.nanoTime() - startedNanos);
    ServerStartException e = StartFailures.create(code, summary, exit, cause, lastObservation().describe(),
        tail(), settings.commandLine(), waited, settings.port(), settings.build(), t);
    if (result.completeExceptionally(e)) {
      cleanUp();
    }
  }

  private List<String> tail() {
    return process == null ? List.of() : process.recentOutput().stream().map(OutputLine::text).toList();
  }

  // The callbacks this watch hands to the process, the prober and the scheduler: named classes rather than
  // method references, which cost a fresh JVM's first start a generated class each (benchmarks.md, figure 7).

  private final class OnOutput implements Consumer<OutputLine> {
    @Override
    public void accept(OutputLine line) {
      onOutput(line);
    }
  }

  private final class OnExit implements Consumer<ExitStatus> {
    @Override
    public void accept(ExitStatus status) {
      onExit(status);
    }
  }

  private final class OnPlaced implements Consumer<Optional<InetSocketAddress>> {
    @Override
    public void accept(Optional<InetSocketAddress> address) {
      onPlaced(address);
    }
  }

  private final class OnObservation implements Consumer<Observation> {
    @Override
    public void accept(Observation observation) {
      onObservation(observation);
    }
  }

  private final class OnDeadline implements Runnable {
    @Override
    public void run() {
      onDeadline();
    }
  }

  private final class ProbeNow implements Runnable {
    @Override
    public void run() {
      probeNow();
    }
  }

  private void cleanUp() {
    synchronized (lock) {
      if (nextProbe != null) {
        nextProbe.cancel(false);
      }
      if (deadline != null) {
        deadline.cancel(false);
      }
    }
    if (subscription != null) {
      subscription.close();
    }
  }
}
