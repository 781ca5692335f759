package io.github.llamacppsdk.internal.llama;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.CommandLine;
import io.github.llamacppsdk.ServerBuild;
import io.github.llamacppsdk.ServerStartException;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.ServerProcess;
import io.github.llamacppsdk.internal.probe.Observation;
import io.github.llamacppsdk.internal.probe.ProbeTarget;
import io.github.llamacppsdk.process.LaunchRequest;
import io.github.llamacppsdk.process.LaunchedProcess;
import io.github.llamacppsdk.process.OutputLine;
import io.github.llamacppsdk.process.ProcessLaunchException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * Not API. What {@link LlamaServerInstance} needs to launch one llama-server and to describe it, free of
 * its state: the build, the command line and the launch request, the failures of a launch that never
 * ran, and the process facts of the snapshot.
 */
final class ServerLaunches {
  private ServerLaunches() {}

  /** Why a launch happens: the first, a bind retry of a port-0 spec (on a new port), or a restart after a crash (on the same port). */
  enum Reason { FIRST, BIND_RETRY, RESTART }

  /** One launch of the server: why, and which of its kind (1-based). */
  record Attempt(Reason reason, int n) {
    String describe() {
      return reason == Reason.RESTART ? "restart " + n : "launch " + n;
    }
  }

  /** {@return the build of the spec's binary: learned from the binary itself when the transport runs it here} */
  static ServerBuild serverBuild(BootSpec spec, LlamaServices services) {
    if (services.transport().capabilities().remote()) {
      return ServerBuild.unknown("the transport runs llama-server remotely");
    }
    return services.builds().detect(spec.binaryPath(), spec.launcherArgs(), spec.environment(),
        LlamaServerInstance.SCRUBBED_INHERITED);
  }

  /**
   * {@return the spec's command line for the build; a server that pulls its model itself ({@code
   * --hf-repo}) also gets the Hub settings} Refuses an option the build does not have.
   */
  static CommandLine commandLine(BootSpec spec, ServerBuild build, LlamaServices services) {
    CommandLine cl = spec.toCommandLine(build);
    if (spec.huggingFace().isEmpty()) {
      return cl;
    }
    List<String> argv = new ArrayList<>(cl.argv());
    argv.addAll(services.serverPull().args());
    Map<String, String> environment = new LinkedHashMap<>(cl.environment());
    environment.putAll(services.serverPull().environment()); // HF_TOKEN: masked in the command line's text
    return new CommandLine(argv, environment);
  }

  /** {@return the transport's request for the command line} */
  static LaunchRequest request(BootSpec spec, CommandLine cl, String instanceKey) {
    return new LaunchRequest(cl.argv(), Optional.empty(), cl.environment(), true,
        LlamaServerInstance.SCRUBBED_INHERITED, spec.alias(),
        Map.of(LaunchRequest.INSTANCE_KEY, instanceKey, LaunchRequest.MODEL, spec.alias()));
  }

  /** {@return the start failure of a launch the transport refused (nothing runs)} */
  static ServerStartException notLaunched(ProcessLaunchException e, CommandLine cl, BootSpec spec, Duration waited) {
    return StartFailures.create(ErrorCode.LAUNCH_FAILED, e.detail(), null, null, "none (nothing was launched)",
        List.of(), cl.toString(), waited, spec.port(), null, e);
  }

  /** {@return the start failure of a fixed port another process holds, with what answers there} */
  static ServerStartException foreignListener(BootSpec spec, LlamaServices services) {
    long asked = System.nanoTime(); // the probe of whoever holds the port takes time: report it
    Observation seen = services.prober().probeOnce(LlamaEndpoints.target(spec, spec.apiKey()))
        .completeOnTimeout(new Observation.Unexpected("no answer"), 5, TimeUnit.SECONDS).join();
    return StartFailures.create(ErrorCode.FOREIGN_SERVER, "port " + spec.port() + " on " + spec.host()
        + " is already in use by another process; nothing was started", null, null, seen.describe(),
        List.of(), spec.toCommandLine().toString(), Duration.ofNanos(System.nanoTime() - asked), spec.port(), null,
        null);
  }

  /** {@return the process facts of a launched server, for the snapshot} */
  static ServerProcess facts(LaunchedProcess p, BootSpec effective, ProbeTarget reachable, CommandLine commandLine,
      ServerBuild build, int restarts) {
    ServerBuild b = build != null ? build : ServerBuild.unknown("not read");
    String baseUrl = reachable != null ? reachable.rootUrl() + effective.apiPrefix() + "/v1" : effective.baseUrl();
    return new ServerProcess(p.pid() >= 0 ? OptionalLong.of(p.pid()) : OptionalLong.empty(), effective.port(),
        baseUrl, commandLine.toString(), b.versionLine(), b.buildNumber(), List.copyOf(b.options()) /* sorted */,
        restarts);
  }

  /** {@return {@code pid N}, or for a process without a local pid what the transport calls it (e.g. {@code pod NAME})} */
  static String who(LaunchedProcess p) {
    if (p.pid() >= 0) {
      return "pid " + p.pid();
    }
    Object pod = p.placement().get("pod");
    return pod != null ? "pod " + pod : p.displayName();
  }

  /** {@return the last five output lines, as evidence} */
  static String lastLines(LaunchedProcess p) {
    List<OutputLine> lines = p.recentOutput();
    return lines.subList(Math.max(0, lines.size() - 5), lines.size()).toString();
  }
}
