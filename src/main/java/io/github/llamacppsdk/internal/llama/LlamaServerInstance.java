package io.github.llamacppsdk.internal.llama;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.CommandLine;
import io.github.llamacppsdk.Secret;
import io.github.llamacppsdk.ServerBuild;
import io.github.llamacppsdk.ServerStartException;
import io.github.llamacppsdk.StartFailure;
import io.github.llamacppsdk.core.EndpointDescriptor;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.HealthStatus;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.core.InstanceContext;
import io.github.llamacppsdk.core.ManagedInstance;
import io.github.llamacppsdk.internal.core.Failures;
import io.github.llamacppsdk.internal.probe.HealthMonitor;
import io.github.llamacppsdk.internal.probe.Observation;
import io.github.llamacppsdk.process.ExitStatus;
import io.github.llamacppsdk.process.LaunchRequest;
import io.github.llamacppsdk.process.LaunchedProcess;
import io.github.llamacppsdk.process.OutputLine;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Not API. One spawned llama-server: launch (picking a free port for port 0, refusing a port that
 * another process holds), readiness, health watching, crash handling (report, or restart under the
 * policy) and stop. A failed start always stops the half-started process before the failure is
 * reported.
 *
 * <p>Lifecycle: LAUNCHING → WATCHING (readiness) → READY (health monitor) → [RESTARTING → READY]* →
 * STOPPED | EXITED. Thread-safe: state is guarded by one lock, never held while calling out.
 */
public final class LlamaServerInstance implements ManagedInstance {
  private static final Logger log = LoggerFactory.getLogger(LlamaServerInstance.class);
  /** Inherited variables that would silently change llama-server unless the spec sets them. */
  static final List<String> SCRUBBED_INHERITED = List.of("LLAMA_ARG_*", "LLAMA_API_KEY");
  /** How many times a port-0 start is retried with a new port after {@code couldn't bind}. */
  static final int BIND_ATTEMPTS = 3;

  private final BootSpec requested;
  private final LlamaServices services;
  private final InstanceContext context;
  private final CompletableFuture<EndpointDescriptor> ready = new CompletableFuture<>();
  private final CompletableFuture<Void> stopped = new CompletableFuture<>();

  private final Object lock = new Object();
  private BootSpec effective;
  private CommandLine commandLine;
  private ServerBuild build;
  private LaunchedProcess process;
  private StartupWatch watch;
  private HealthMonitor monitor;
  private boolean stopRequested;
  private CompletableFuture<Void> launchInFlight = CompletableFuture.completedFuture(null);
  private int restarts;
  private final ResidentMemory resident = new ResidentMemory();

  private LlamaServerInstance(BootSpec requested, LlamaServices services, InstanceContext context) {
    this.requested = services.perInstanceKeys() && requested.apiKey().isEmpty() && requested.apiKeyFile().isEmpty()
        ? requested.toBuilder().apiKey(Secret.random()).build()
        : requested;
    this.services = services;
    this.context = context;
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
    LlamaServerInstance instance = new LlamaServerInstance(spec, services, context);
    instance.launchAndWatch(1);
    return instance;
  }

  @Override
  public CompletableFuture<EndpointDescriptor> ready() {
    return ready;
  }

  @Override
  public CompletableFuture<Void> stop() {
    CompletableFuture<Void> launching;
    StartupWatch w;
    HealthMonitor m;
    synchronized (lock) {
      if (stopRequested) {
        return stopped;
      }
      stopRequested = true;
      launching = launchInFlight;
      w = watch;
      m = monitor;
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
    launching.whenComplete((v, t) -> stopCurrentProcess());
    return stopped;
  }

  private void stopCurrentProcess() {
    LaunchedProcess p;
    synchronized (lock) {
      p = process;
    }
    if (p == null) {
      stopped.complete(null);
      return;
    }
    p.stop(requested.stopTimeout()).whenComplete((exit, t) -> {
      if (exit != null) {
        log.info("{} stopped ({})", p.displayName(), exit.describe());
      }
      stopped.complete(null);
    });
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
  public Map<String, Object> details() {
    Map<String, Object> d = new LinkedHashMap<>();
    synchronized (lock) {
      if (process != null) {
        d.put("pid", process.pid());
      }
      if (effective != null) {
        d.put("port", effective.port());
        d.put("base_url", effective.baseUrl());
      }
      if (commandLine != null) {
        d.put("command", commandLine.toString());
      }
      if (build != null) {
        d.put("server_version", build.versionLine());
        build.buildNumber().ifPresent(n -> d.put("server_build_number", n));
        d.put("server_options", List.copyOf(build.options()));
      }
      d.put("restarts", restarts);
    }
    return d;
  }

  private void launchAndWatch(int attempt) {
    BootSpec spec = requested.port() == 0 ? requested.withPort(PortAllocator.freePort(requested.host())) : requested;
    if (requested.port() != 0 && !PortAllocator.isFree(requested.host(), requested.port())) {
      throw foreignListener(spec);
    }
    LaunchedProcess p = launch(spec);
    StartupWatch w = new StartupWatch(services.prober(), context.scheduler(), p, settings(spec),
        context::reportHealth);
    synchronized (lock) {
      watch = w;
      if (stopRequested) {
        w.cancel("the instance was stopped while it was starting");
      }
    }
    w.start().whenComplete((r, t) -> {
      if (t == null) {
        onReady(spec, p);
      } else {
        onStartFailed(unwrap(t), p, attempt);
      }
    });
  }

  private LaunchedProcess launch(BootSpec spec) {
    ServerBuild b = serverBuild(spec);
    CommandLine cl = spec.toCommandLine(b); // refuses an option this build does not have
    LaunchRequest request = new LaunchRequest(cl.argv(), Optional.empty(), cl.environment(), true,
        SCRUBBED_INHERITED, spec.alias());
    CompletableFuture<Void> inFlight = new CompletableFuture<>();
    synchronized (lock) {
      if (stopRequested) {
        throw new InferenceException(ErrorCode.STOPPED, "the instance was stopped; nothing more is launched");
      }
      launchInFlight = inFlight;
    }
    try {
      LaunchedProcess p = services.transport().launch(request);
      synchronized (lock) {
        effective = spec;
        commandLine = cl;
        build = b;
        process = p; // a stop() that arrived meanwhile stops this one once inFlight completes
      }
      context.reportHealth(HealthStatus.STARTING, "launched pid " + p.pid() + " on port " + spec.port());
      return p;
    } finally {
      inFlight.complete(null);
    }
  }

  /** The build of the spec's binary: learned from the binary itself when the transport runs it here. */
  private ServerBuild serverBuild(BootSpec spec) {
    if (services.transport().capabilities().remote()) {
      return ServerBuild.unknown("the transport runs llama-server remotely");
    }
    return services.builds().detect(spec.binaryPath(), spec.launcherArgs(), spec.environment(), SCRUBBED_INHERITED);
  }

  private StartupWatch.Settings settings(BootSpec spec) {
    synchronized (lock) {
      return new StartupWatch.Settings(LlamaEndpoints.target(spec), spec.readyTimeout(), spec.stallTimeout(),
          spec.readinessInterval(), commandLine.toString(), spec.port(), build);
    }
  }

  private ServerStartException foreignListener(BootSpec spec) {
    Observation seen = services.prober().probeOnce(LlamaEndpoints.target(spec))
        .completeOnTimeout(new Observation.Unexpected("no answer"), 5, TimeUnit.SECONDS).join();
    return new ServerStartException(ErrorCode.FOREIGN_SERVER, "port " + spec.port() + " on " + spec.host()
        + " is already in use by another process; nothing was started", null, null, seen.describe(),
        List.of(), spec.toCommandLine().toString(), Duration.ZERO, spec.port(), null);
  }

  private void onStartFailed(InferenceException failure, LaunchedProcess p, int attempt) {
    p.stop(requested.stopTimeout()).whenComplete((exit, t) -> {
      boolean retry = requested.port() == 0 && attempt < BIND_ATTEMPTS && isStopNotRequested()
          && failure instanceof ServerStartException s && (s.failure().orElse(null) == StartFailure.PORT_IN_USE
          || s.code() == ErrorCode.FOREIGN_SERVER);
      if (!retry) {
        ready.completeExceptionally(failure);
        return;
      }
      log.info("{}: the picked port was taken before llama-server bound it; retrying with a new port ({}/{})",
          requested.alias(), attempt + 1, BIND_ATTEMPTS);
      try { // relaunch on the scheduler, not on the JDK's process-reaper thread that completed the stop
        context.scheduler().execute(() -> {
          try {
            launchAndWatch(attempt + 1);
          } catch (RuntimeException e) {
            ready.completeExceptionally(e);
          }
        });
      } catch (RuntimeException e) {
        ready.completeExceptionally(e);
      }
    });
  }

  private void onReady(BootSpec spec, LaunchedProcess p) {
    HealthMonitor m = spec.healthInterval().map(interval -> new HealthMonitor(services.prober(),
        context.scheduler(), LlamaEndpoints.target(spec), interval, services.healthThreshold(),
        context::reportHealth)).orElse(null);
    synchronized (lock) {
      if (stopRequested) {
        return;
      }
      monitor = m;
    }
    p.onExit().thenAccept(exit -> onExitAfterReady(exit, p));
    if (m != null) {
      m.start();
    }
    if (!ready.isDone()) {
      ready.complete(LlamaEndpoints.spawned(spec, p.pid()));
    } else {
      context.reportHealth(HealthStatus.HEALTHY, "restarted as pid " + p.pid());
    }
  }

  private void onExitAfterReady(ExitStatus exit, LaunchedProcess p) {
    int attempt;
    HealthMonitor m;
    synchronized (lock) {
      if (stopRequested || p != process) {
        return;
      }
      m = monitor;
      monitor = null;
      attempt = ++restarts;
    }
    if (m != null) {
      m.stop();
    }
    String what = "llama-server pid " + p.pid() + " " + exit.describe();
    boolean stoppedByTheTransport = exit.termination() != ExitStatus.Termination.ON_ITS_OWN; // e.g. JVM shutdown
    if (stoppedByTheTransport || !services.restartPolicy().enabled()
        || attempt > services.restartPolicy().maxRestarts()) {
      context.reportExited(what + "; last output: " + lastLines(p));
      return;
    }
    Duration backoff = services.restartPolicy().backoff(attempt);
    context.reportHealth(HealthStatus.UNAVAILABLE, what + "; restart " + attempt + " of "
        + services.restartPolicy().maxRestarts() + " in " + backoff.toMillis() + " ms");
    context.scheduler().schedule(() -> restart(attempt), backoff.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void restart(int attempt) {
    BootSpec spec;
    synchronized (lock) {
      if (stopRequested) {
        return;
      }
      spec = effective;
    }
    try {
      LaunchedProcess p = launch(spec);
      StartupWatch w = new StartupWatch(services.prober(), context.scheduler(), p, settings(spec), (s, r) -> { });
      synchronized (lock) {
        watch = w;
      }
      w.start().whenComplete((r, t) -> {
        if (t == null) {
          onReady(spec, p);
          return;
        }
        InferenceException e = unwrap(t);
        boolean deterministic = e instanceof ServerStartException s
            && s.failure().map(StartFailure::isDeterministic).orElse(false);
        // the next attempt waits until this process is gone: it may still hold the port
        p.stop(requested.stopTimeout()).whenComplete((exit, x) -> {
          if (deterministic || attempt >= services.restartPolicy().maxRestarts()) {
            context.reportExited("restart " + attempt + " failed: " + e.getMessage());
          } else {
            onExitAfterReady(crashedStatus(), p);
          }
        });
      });
    } catch (RuntimeException e) {
      context.reportExited("restart " + attempt + " failed: " + e.getMessage());
    }
  }

  private static ExitStatus crashedStatus() {
    return new ExitStatus(java.util.OptionalInt.empty(), java.util.OptionalInt.empty(), ExitStatus.Termination.ON_ITS_OWN);
  }

  private boolean isStopNotRequested() {
    synchronized (lock) {
      return !stopRequested;
    }
  }

  private static String lastLines(LaunchedProcess p) {
    List<OutputLine> lines = p.recentOutput();
    return lines.subList(Math.max(0, lines.size() - 5), lines.size()).toString();
  }

  private static InferenceException unwrap(Throwable t) {
    return Failures.toInference(t, "starting llama-server");
  }

}
