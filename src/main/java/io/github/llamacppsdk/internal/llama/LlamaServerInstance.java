package io.github.llamacppsdk.internal.llama;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.CommandLine;
import io.github.llamacppsdk.RestartPolicy;
import io.github.llamacppsdk.core.Secret;
import io.github.llamacppsdk.ServerBuild;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.HealthStatus;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.core.InstanceContext;
import io.github.llamacppsdk.core.ManagedInstance;
import io.github.llamacppsdk.core.ServedEndpoint;
import io.github.llamacppsdk.core.ServerProcess;
import io.github.llamacppsdk.internal.Log;
import io.github.llamacppsdk.internal.core.Failures;
import io.github.llamacppsdk.internal.llama.ServerLaunches.Attempt;
import io.github.llamacppsdk.internal.llama.ServerLaunches.Reason;
import io.github.llamacppsdk.internal.probe.HealthMonitor;
import io.github.llamacppsdk.internal.probe.Observation;
import io.github.llamacppsdk.internal.probe.ProbeTarget;
import io.github.llamacppsdk.models.HuggingFaceModel;
import io.github.llamacppsdk.process.ExitStatus;
import io.github.llamacppsdk.process.LaunchRequest;
import io.github.llamacppsdk.process.LaunchedProcess;
import io.github.llamacppsdk.process.ProcessLaunchException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Not API. One spawned llama-server: launch (picking a free port for port 0, refusing a port that
 * another process holds), readiness, health watching, crash handling (report, or restart under the
 * policy) and stop. A failed start always stops the half-started process before the failure is
 * reported.
 *
 * <p>Lifecycle: LAUNCHING → WATCHING (readiness) → READY (health monitor) → [RESTARTING → READY]* →
 * STOPPED | EXITED. A crash under the restart policy is reported with {@link
 * InstanceContext#reportRestarting} (the core shows the instance {@code RECOVERING} and hands it out
 * to nobody), the relaunch's progress with {@link InstanceContext#reportHealth}, and its readiness as
 * {@code HEALTHY}; a spent budget or a restart that cannot succeed ends the instance ({@link Relaunches}
 * decides, after a failed launch or a crash, between a bind retry, a restart and the end). Thread-safe:
 * state is guarded by one lock, never held while calling out.
 */
public final class LlamaServerInstance implements ManagedInstance {
  private static final Log log = Log.of(LlamaServerInstance.class);
  /**
   * Inherited variables that would silently change llama-server unless the spec sets them, and the
   * Hugging Face token, which a server launched on a pulled file never needs.
   */
  static final List<String> SCRUBBED_INHERITED = List.of("LLAMA_ARG_*", "LLAMA_API_KEY", "HF_TOKEN");
  /** How many times a port-0 start is retried with a new port after {@code couldn't bind}. */
  static final int BIND_ATTEMPTS = 3;

  private final BootSpec requested;
  private final Map<String, Object> modelDetails;
  private final String instanceKey;
  private final LlamaServices services;
  private final InstanceContext context;
  private final HealthReports healthReports;
  private final CompletableFuture<ServedEndpoint> ready = new CompletableFuture<>();
  private CompletableFuture<Void> stopped = new CompletableFuture<>(); // guarded by lock; new when a failed stop is retried
  private final Relaunches relaunches; // bind retry, restart or end after a failed launch or a crash

  private final Object lock = new Object();
  private BootSpec effective;
  private CommandLine commandLine;
  private ServerBuild build;
  private Optional<Secret> key = Optional.empty(); // the key of the last launch: the spec's, or its key file's
  private LaunchedProcess process;
  private ProbeTarget reachable;
  private StartupWatch watch;
  private HealthMonitor monitor;
  private boolean stopRequested;
  private boolean stopFailed; // the last stop could not stop the process (STOP_FAILED): the next stop() tries again
  private CompletableFuture<Void> launchInFlight = CompletableFuture.completedFuture(null);
  private int restarts;
  private final ResidentMemory resident = new ResidentMemory();

  private LlamaServerInstance(BootSpec requested, LlamaServices services, InstanceContext context,
      Map<String, Object> modelDetails) {
    this.requested = services.perInstanceKeys() && requested.apiKey().isEmpty() && requested.apiKeyFile().isEmpty()
        ? requested.toBuilder().apiKey(Secret.random()).build()
        : requested;
    this.modelDetails = Map.copyOf(modelDetails);
    this.instanceKey = requested.instanceKey();
    this.services = services;
    this.context = context;
    this.healthReports = new HealthReports(context);
    this.relaunches = new Relaunches(this, this.requested, services, context, ready);
  }

  /**
   * Launches the server and starts watching it. Launch failures (binary missing, port taken by another
   * process) are thrown here, before anything runs.
   *
   * @param spec the requested spec (port 0 = pick one)
   * @param services shared services
   * @param context the core's callbacks
   * @return the instance, whose {@link #ready()} completes later
   */
  public static LlamaServerInstance start(BootSpec spec, LlamaServices services, InstanceContext context) {
    return start(spec, services, context, Map.of());
  }

  /**
   * Launches the server, as {@link #start(BootSpec, LlamaServices, InstanceContext)}, with what the
   * model preflight found, for {@link #details()}.
   *
   * @param spec the requested spec (port 0 = pick one)
   * @param services shared services
   * @param context the core's callbacks
   * @param modelDetails {@code model_*} facts of the model file
   * @return the instance, whose {@link #ready()} completes later
   */
  public static LlamaServerInstance start(BootSpec spec, LlamaServices services, InstanceContext context,
      Map<String, Object> modelDetails) {
    LlamaServerInstance instance = new LlamaServerInstance(spec, services, context, modelDetails);
    instance.launchAndWatch(new Attempt(Reason.FIRST, 1));
    return instance;
  }

  @Override
  public CompletableFuture<ServedEndpoint> ready() {
    return ready;
  }

  @Override
  public CompletableFuture<Void> stop() {
    CompletableFuture<Void> launching;
    StartupWatch w;
    HealthMonitor m;
    CompletableFuture<Void> done;
    synchronized (lock) {
      if (stopRequested) {
        if (!stopFailed) {
          return stopped;
        }
        // the last stop failed and the server may still run (its pod was not deleted): try again
        stopFailed = false;
        stopped = new CompletableFuture<>();
        done = stopped;
        launching = null;
        w = null;
        m = null;
      } else {
        stopRequested = true;
        launching = launchInFlight;
        w = watch;
        m = monitor;
        done = stopped;
      }
    }
    if (launching == null) {
      stopCurrentProcess(done);
      return done;
    }
    if (m != null) {
      m.stop();
    }
    if (w != null) {
      w.cancel("the instance was stopped while it was starting");
    }
    ready.completeExceptionally(new InferenceException(ErrorCode.STOPPED,
        "the instance was stopped while it was starting"));
    // a launch under way (a bind retry, a restart) finishes first, so the process stopped is the last one
    launching.whenComplete((v, t) -> stopCurrentProcess(done));
    return done;
  }

  /** Stops the current process; {@code done} completes when it is gone, or fails when it could not be stopped. */
  private void stopCurrentProcess(CompletableFuture<Void> done) {
    LaunchedProcess p;
    synchronized (lock) {
      p = process;
    }
    if (p == null) {
      done.complete(null);
      return;
    }
    p.stop(requested.stopTimeout()).whenComplete((exit, t) -> {
      if (exit != null) {
        log.debug("{} stopped ({})", p.displayName(), exit.describe());
      }
      // a process that could not be stopped (its pod could not be deleted) is not reported stopped
      if (t != null && Failures.unwrap(t) instanceof InferenceException e && e.code() == ErrorCode.STOP_FAILED) {
        synchronized (lock) {
          stopFailed = true;
        }
        done.completeExceptionally(e);
        return;
      }
      done.complete(null);
    });
  }

  @Override
  public boolean isAlive() {
    LaunchedProcess p;
    synchronized (lock) {
      p = process;
    }
    return p == null || p.isAlive();
  }

  @Override
  public OptionalLong residentMemoryBytes() {
    LaunchedProcess p;
    synchronized (lock) {
      p = process;
    }
    if (p == null || services.transport().capabilities().remote()) {
      return OptionalLong.empty();
    }
    return resident.read(p.pid());
  }

  @Override
  public Optional<ServerProcess> process() {
    synchronized (lock) {
      return process == null || effective == null ? Optional.empty()
          : Optional.of(ServerLaunches.facts(process, effective, reachable, commandLine, build, restarts));
    }
  }

  /** {@return where the transport placed the process (e.g. its pod) and what the model file says} */
  @Override
  public Map<String, Object> details() {
    Map<String, Object> d = new LinkedHashMap<>();
    synchronized (lock) {
      if (process != null) {
        d.putAll(process.placement());
      }
    }
    d.putAll(modelDetails);
    return d;
  }

  /**
   * The one launch path, used by the first launch, a bind retry and a restart: the spec's port (for a
   * restart the port it had, so the endpoint stays where it was published), launch, watch; a failure goes
   * to {@link Relaunches#onLaunchFailed}. Launch failures are thrown.
   */
  void launchAndWatch(Attempt attempt) {
    BootSpec spec;
    if (attempt.reason() == Reason.RESTART) {
      synchronized (lock) {
        spec = effective;
      }
    } else {
      boolean remote = services.transport().capabilities().remote();
      spec = requested.port() != 0 ? requested
          : remote ? requested.withPort(BootSpec.DEFAULT_PORT) // the server has the pod (or host) to itself
          : requested.withPort(PortAllocator.freePort(requested.host()));
      if (!remote && requested.port() != 0 && !PortAllocator.isFree(requested.host(), requested.port())) {
        throw ServerLaunches.foreignListener(spec, services);
      }
    }
    LaunchedProcess p = launch(spec);
    StartupWatch w;
    CompletableFuture<Observation.Ready> watched;
    try {
      w = watch(spec, p);
      watched = w.start();
    } catch (RuntimeException | Error e) { // nothing watches the launched server yet: it must not outlive the failure
      p.stop(spec.stopTimeout());
      throw e;
    }
    watched.whenComplete(new Launch(spec, p, attempt, w));
  }

  /** Creates the watch of a launched (or relaunched) process until it is ready; progress goes to the core. */
  private StartupWatch watch(BootSpec spec, LaunchedProcess p) {
    StartupWatch w = new StartupWatch(services.prober(), context.scheduler(), p, settings(spec), healthReports);
    synchronized (lock) {
      watch = w;
      if (stopRequested) {
        w.cancel("the instance was stopped while it was starting");
      }
    }
    return w;
  }

  /**
   * The callbacks of one launch: the end of its readiness watch (publication, or {@link
   * Relaunches#onLaunchFailed}), and then the exit of its process. A named class rather than lambdas, which
   * cost a fresh JVM's first start a generated class each (guides/benchmarks.md, figure 7).
   */
  private final class Launch implements BiConsumer<Observation.Ready, Throwable>, Consumer<ExitStatus> {
    private final BootSpec spec;
    private final LaunchedProcess launched;
    private final Attempt attempt;
    private final StartupWatch startup;

    Launch(BootSpec spec, LaunchedProcess launched, Attempt attempt, StartupWatch startup) {
      this.spec = spec;
      this.launched = launched;
      this.attempt = attempt;
      this.startup = startup;
    }

    /** The watch ended: ready where it was found (the spec's address, or where the transport placed it), or failed. */
    @Override
    public void accept(Observation.Ready ready, Throwable t) {
      if (t == null) {
        onReady(this, startup.target());
      } else {
        relaunches.onLaunchFailed(unwrap(t), launched, attempt);
      }
    }

    /** The process exited after it was ready. */
    @Override
    public void accept(ExitStatus exit) {
      onExitAfterReady(exit, launched);
    }
  }

  /** Hands health reports to the core. */
  private static final class HealthReports implements BiConsumer<HealthStatus, String> {
    private final InstanceContext context;

    HealthReports(InstanceContext context) {
      this.context = context;
    }

    @Override
    public void accept(HealthStatus status, String reason) {
      context.reportHealth(status, reason);
    }
  }

  private LaunchedProcess launch(BootSpec spec) {
    ServerBuild b = ServerLaunches.serverBuild(spec, services);
    CommandLine cl = ServerLaunches.commandLine(spec, b, services); // refuses an option this build does not have
    Optional<Secret> launchKey = LaunchKeys.read(spec, cl); // the key file is read at every launch
    LaunchRequest request = ServerLaunches.request(spec, cl, instanceKey);
    CompletableFuture<Void> inFlight = new CompletableFuture<>();
    synchronized (lock) {
      if (stopRequested) {
        throw new InferenceException(ErrorCode.STOPPED, "the instance was stopped; nothing more is launched");
      }
      launchInFlight = inFlight;
    }
    long asked = System.nanoTime();
    try {
      LaunchedProcess p;
      try {
        p = services.transport().launch(request);
      } catch (ProcessLaunchException e) { // the documented type, with the masked command line
        throw ServerLaunches.notLaunched(e, cl, spec, Duration.ofNanos(System.nanoTime() - asked));
      }
      synchronized (lock) {
        effective = spec;
        commandLine = cl;
        build = b;
        key = launchKey;
        process = p; // a stop() that arrived meanwhile stops this one once inFlight completes
      }
      context.reportHealth(HealthStatus.STARTING, "launched " + ServerLaunches.who(p) + " on port " + spec.port());
      return p;
    } finally {
      inFlight.complete(null);
    }
  }

  private StartupWatch.Settings settings(BootSpec spec) {
    synchronized (lock) {
      return new StartupWatch.Settings(LlamaEndpoints.target(spec, key), spec.readyTimeout(), spec.stallTimeout(),
          spec.readinessInterval(), commandLine.toString(), spec.port(), build,
          serverPull(spec));
    }
  }

  /** {@return the model a remote server pulls itself, by its {@code -hf} name} */
  private static Optional<String> serverPull(BootSpec spec) {
    Optional<HuggingFaceModel> model = spec.huggingFace();
    return model.isPresent() ? Optional.of(model.get().name()) : Optional.empty();
  }

  private void onReady(Launch launch, ProbeTarget target) {
    BootSpec spec = launch.spec;
    LaunchedProcess p = launch.launched;
    synchronized (lock) {
      if (stopRequested) {
        return;
      }
      reachable = target;
    }
    p.onExit().thenAccept(launch);
    if (!ready.isDone()) {
      ready.complete(LlamaEndpoints.spawned(spec, p.pid(), target, p.placement()));
    } else {
      context.reportHealth(HealthStatus.HEALTHY, "restarted as " + ServerLaunches.who(p));
    }
    // After publication: its first poll is an interval away, and a fresh JVM's first resolve need not
    // wait for the monitor's classes and the poller's registration.
    Optional<Duration> interval = spec.healthInterval();
    if (interval.isPresent()) {
      watchHealth(p, new HealthMonitor(services.prober(), target, interval.get(), services.healthThreshold(),
          healthReports));
    }
  }

  private void watchHealth(LaunchedProcess p, HealthMonitor m) {
    synchronized (lock) {
      if (stopRequested || p != process || !p.isAlive()) {
        return; // stopped, relaunched or exited meanwhile: nothing to watch
      }
      monitor = m;
    }
    m.start(); // a stop() that took the monitor meanwhile has stopped it: start() is then a no-op
  }

  private void onExitAfterReady(ExitStatus exit, LaunchedProcess p) {
    HealthMonitor m;
    synchronized (lock) {
      if (stopRequested || p != process) {
        return;
      }
      m = monitor;
      monitor = null;
    }
    if (m != null) {
      m.stop();
    }
    String what = "llama-server " + ServerLaunches.who(p) + " " + exit.describe();
    if (exit.termination() != ExitStatus.Termination.ON_ITS_OWN) { // signalled, not by us: JVM shutdown hook, transport closed
      context.reportStopped(what + "; stopped by the process transport (JVM shutdown, or the transport was closed)");
      return;
    }
    relaunches.restartOrEnd(what, "; last output: " + ServerLaunches.lastLines(p));
  }

  /**
   * {@return the number of the restart a crash asks for, counted when the policy allows it; 0 once a stop
   * was requested}
   */
  int claimRestart(RestartPolicy policy) {
    synchronized (lock) {
      if (stopRequested) {
        return 0;
      }
      int attempt = restarts + 1;
      if (policy.enabled() && attempt <= policy.maxRestarts()) {
        restarts = attempt;
      }
      return attempt;
    }
  }

  boolean isStopNotRequested() {
    synchronized (lock) {
      return !stopRequested;
    }
  }

  private static InferenceException unwrap(Throwable t) {
    return Failures.toInference(t, "starting llama-server");
  }

}
