package io.github.llamacppsdk.internal.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.LocalPortForward;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.internal.Log;
import io.github.llamacppsdk.internal.process.LineFramer;
import io.github.llamacppsdk.internal.process.OutputBackedProcess;
import io.github.llamacppsdk.internal.process.ProcessOutput;
import io.github.llamacppsdk.kubernetes.KubernetesPlacement;
import io.github.llamacppsdk.kubernetes.Reachability;
import io.github.llamacppsdk.process.ExitStatus;
import io.github.llamacppsdk.process.ExitStatus.Termination;
import io.github.llamacppsdk.process.LaunchedProcess;
import io.github.llamacppsdk.process.OutputLine;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Not API. One llama-server pod seen as a {@link LaunchedProcess}: its status is the process's
 * life, its log is the output, deleting it is the stop.
 *
 * <ul>
 *   <li>Scheduling, image pulls and other waits are written into the output as {@code [kubernetes] ...}
 *       lines (placement progress); an unschedulable pod says {@code pod NAME is unschedulable:
 *       MESSAGE} with the scheduler's message.
 *   <li>The container running with a pod IP completes {@link #reachableAddress()} (the pod IP, or a
 *       port-forward's local end) and starts the log follower.
 *   <li>A terminated container is the exit, with its code ({@code 128+N} read as signal N, as locally);
 *       {@code OOMKilled} says {@code out of memory}. A pod that vanished without one ended by signal 15.
 *   <li>{@link #stop(Duration)} deletes the pod with the grace in whole seconds (rounded up) and
 *       completes when the pod is gone and its Secret's delete was sent; GRACEFUL unless it ended by
 *       SIGKILL or after the grace. A refused
 *       delete is retried (bounded); when none is accepted the stop fails with {@code STOP_FAILED} and
 *       the process stays alive (a later stop tries again).
 * </ul>
 *
 * After the exit (and the log's tail, at most 2 s later) the pod's Secret is deleted, and the pod
 * too when it ended on its own. Status callbacks come from the transport's informer. Thread-safe.
 */
final class PodProcess extends OutputBackedProcess {
  private static final Log log = Log.of(PodProcess.class);
  private static final Duration DRAIN_BOUND = Duration.ofSeconds(2);
  /** How long a pod may take to disappear after its grace before it is deleted with no grace at all. */
  private static final Duration VANISH_SLACK = Duration.ofSeconds(30);

  private final KubernetesTransport transport;
  private final PodSpecs.Names names;
  private final int port;
  private final String displayName;
  private final CompletableFuture<Optional<InetSocketAddress>> reachable = new CompletableFuture<>();
  private final CompletableFuture<ExitStatus> observed = new CompletableFuture<>();
  private final CompletableFuture<Void> drained = new CompletableFuture<>();
  /** Completed when the informer sees the pod object deleted. */
  private final CompletableFuture<Void> vanished = new CompletableFuture<>();
  /** Completed when the clean-up after the exit ran: the Secret's delete (and an ended pod's) was sent. */
  private final CompletableFuture<Void> forgotten = new CompletableFuture<>();
  private final CompletableFuture<ExitStatus> exit;

  // guarded by this
  private String node;
  private String podIp;
  private String schedulingLine;
  private String waitingLine;
  private boolean running;
  private boolean gone;
  private long stopNanos;
  private Duration grace;
  private CompletableFuture<ExitStatus> stopFuture;
  private boolean deleteRequested;
  /** Whether the API server accepted one of the stop's deletes (the pod is going, or already gone). */
  private boolean deleteAccepted;
  private LocalPortForward forward;

  PodProcess(KubernetesTransport transport, PodSpecs.Names names, int port, String displayName) {
    super(new ProcessOutput(displayName, LineFramer.DEFAULT_MAX_LINE_BYTES));
    this.transport = transport;
    this.names = names;
    this.port = port;
    this.displayName = displayName;
    this.exit = observed.thenCompose(s -> drained.completeOnTimeout(null, DRAIN_BOUND.toMillis(), TimeUnit.MILLISECONDS)
        .thenApply(v -> s));
    exit.whenComplete((s, t) -> cleanUp(s));
  }

  String podName() {
    return names.pod();
  }

  /** Called by the informer for every version of the pod. */
  void onPod(Pod pod) {
    List<String> lines = new ArrayList<>();
    boolean startedRunning = false;
    ExitStatus ended = null;
    synchronized (this) {
      if (observed.isDone()) {
        return;
      }
      if (pod.getSpec() != null && pod.getSpec().getNodeName() != null && node == null) {
        node = pod.getSpec().getNodeName();
        lines.add("pod " + names.pod() + " scheduled on node " + node);
      }
      var status = pod.getStatus();
      if (status == null) {
        return;
      }
      for (PodCondition c : status.getConditions()) {
        if ("PodScheduled".equals(c.getType()) && "False".equals(c.getStatus())) {
          String line = "Unschedulable".equals(c.getReason())
              ? "pod " + names.pod() + " is unschedulable: " + c.getMessage()
              : "pod " + names.pod() + " is not scheduled yet: " + c.getReason() + ": " + c.getMessage();
          if (!line.equals(schedulingLine)) {
            schedulingLine = line;
            lines.add(line);
          }
        }
      }
      ContainerStatus cs = status.getContainerStatuses().stream()
          .filter(s -> KubernetesPlacement.CONTAINER_NAME.equals(s.getName())).findFirst().orElse(null);
      if (cs != null && cs.getState() != null) {
        if (cs.getState().getWaiting() != null && cs.getState().getWaiting().getReason() != null) {
          var w = cs.getState().getWaiting();
          String line = "container " + KubernetesPlacement.CONTAINER_NAME + " is waiting: " + w.getReason()
              + (w.getMessage() == null ? "" : ": " + w.getMessage());
          if (!line.equals(waitingLine)) {
            waitingLine = line;
            lines.add(line);
          }
        }
        if (cs.getState().getRunning() != null && status.getPodIP() != null && !running) {
          running = true;
          podIp = status.getPodIP();
          startedRunning = true;
          lines.add("pod " + names.pod() + " is running on node " + node + " at " + podIp + ":" + port);
        }
        ContainerStateTerminated t = cs.getState().getTerminated();
        if (t != null) {
          lines.add("container " + KubernetesPlacement.CONTAINER_NAME + " terminated: " + t.getReason()
              + ("OOMKilled".equals(t.getReason()) ? " (out of memory)" : "") + ", exit code " + t.getExitCode()
              + (t.getMessage() == null ? "" : ": " + t.getMessage()));
          ended = status(t.getExitCode());
        }
      }
      if (ended == null && ("Failed".equals(status.getPhase()) || "Succeeded".equals(status.getPhase()))) {
        lines.add("pod " + names.pod() + " " + status.getPhase().toLowerCase(java.util.Locale.ROOT) + ": "
            + status.getReason() + (status.getMessage() == null ? "" : ": " + status.getMessage()));
        ended = new ExitStatus(OptionalInt.empty(), OptionalInt.of(9), Termination.ON_ITS_OWN);
      }
      notifyAll();
    }
    lines.forEach(this::placementLine);
    if (startedRunning) {
      onRunning();
    }
    if (ended != null) {
      finish(ended);
    }
  }

  /** Called by the informer when the pod object is gone. */
  void onDeleted(Pod last) {
    synchronized (this) {
      gone = true;
      notifyAll();
    }
    vanished.complete(null);
    if (!observed.isDone()) {
      placementLine("pod " + names.pod() + " was deleted" + (isStopRequested() ? "" : " by someone else"));
      finish(new ExitStatus(OptionalInt.empty(), OptionalInt.of(15), Termination.ON_ITS_OWN));
    }
  }

  private void onRunning() {
    transport.startFollower(this);
    Reachability how = transport.reachability();
    if (how == Reachability.POD_IP) {
      reachable.complete(Optional.of(new InetSocketAddress(podIpSnapshot(), port)));
      return;
    }
    try {
      LocalPortForward f = transport.client().pods().inNamespace(transport.namespace()).withName(names.pod())
          .portForward(port, InetAddress.getLoopbackAddress(), 0);
      synchronized (this) {
        forward = f;
      }
      // the address literal, not "localhost" (which may resolve to another address than the one bound)
      InetSocketAddress local = new InetSocketAddress(InetAddress.getByAddress(f.getLocalAddress().getAddress()),
          f.getLocalPort());
      placementLine("port-forward " + local.getHostString() + ":" + f.getLocalPort() + " -> pod " + names.pod() + ":"
          + port);
      reachable.complete(Optional.of(local));
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException("an address of the local host is malformed", e); // cannot happen: 4 or 16 bytes
    } catch (KubernetesClientException e) {
      placementLine("port-forward to pod " + names.pod() + " failed: " + e.getMessage());
    }
  }

  private synchronized String podIpSnapshot() {
    return podIp;
  }

  /** A line the transport writes about the placement, into the same output as the server's log. */
  void placementLine(String text) {
    output.line(OutputLine.Stream.STDERR, "[kubernetes] " + text);
  }

  /** A line of the container's log. */
  void logLine(String text) {
    output.line(OutputLine.Stream.STDERR, text);
  }

  /** The log follower read everything there will be. */
  void logDrained() {
    drained.complete(null);
  }

  /** {@return whether the log will grow no more: the container ended or the pod is gone} */
  synchronized boolean containerDone() {
    return observed.isDone() || gone;
  }

  synchronized boolean isGone() {
    return gone;
  }

  /** Waits up to {@code millis} for the next status change (log follower only). */
  synchronized void awaitChange(long millis) throws InterruptedException {
    if (!containerDone()) {
      wait(millis);
    }
  }

  private synchronized boolean isStopRequested() {
    return stopFuture != null;
  }

  /** Maps a container exit code as the local transport does: 129..192 is signal {@code code - 128}. */
  static ExitStatus status(int code) {
    if (code > 128 && code <= 192) {
      return new ExitStatus(OptionalInt.empty(), OptionalInt.of(code - 128), Termination.ON_ITS_OWN);
    }
    return new ExitStatus(OptionalInt.of(code), OptionalInt.empty(), Termination.ON_ITS_OWN);
  }

  private void finish(ExitStatus raw) {
    Termination how = Termination.ON_ITS_OWN;
    synchronized (this) {
      if (stopFuture != null) {
        boolean late = System.nanoTime() - stopNanos > grace.plusSeconds(1).toNanos();
        how = late || raw.signal().orElse(0) == 9 ? Termination.FORCED : Termination.GRACEFUL;
      }
      notifyAll();
    }
    observed.complete(new ExitStatus(raw.code(), raw.signal(), how));
  }

  private void cleanUp(ExitStatus s) {
    LocalPortForward f;
    boolean deletePod;
    boolean awaitVanish;
    synchronized (this) {
      f = forward;
      forward = null;
      deletePod = !gone && !deleteRequested;
      awaitVanish = !gone && deleteRequested;
    }
    if (f != null) {
      try {
        f.close();
      } catch (IOException e) {
        log.debug("{}: closing the port-forward: {}", names.pod(), e.toString());
      }
    }
    if (awaitVanish) { // the stop's delete is under way: keep listening for the pod's deletion, bounded
      vanished.copy().completeOnTimeout(null, VANISH_SLACK.toMillis(), TimeUnit.MILLISECONDS)
          .whenComplete((v, t) -> transport.forget(this, names, false).whenComplete((x, y) -> forgotten.complete(null)));
    } else {
      transport.forget(this, names, deletePod).whenComplete((x, y) -> forgotten.complete(null));
    }
  }

  @Override
  public long pid() {
    return -1;
  }

  @Override
  public String displayName() {
    return displayName;
  }

  @Override
  public boolean isAlive() {
    return !observed.isDone();
  }

  @Override
  public CompletableFuture<ExitStatus> onExit() {
    return exit;
  }

  @Override
  public CompletableFuture<Optional<InetSocketAddress>> reachableAddress() {
    return reachable;
  }

  @Override
  public synchronized Map<String, Object> placement() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("execution_surface", "kubernetes_pod");
    m.put("namespace", transport.namespace());
    m.put("pod", names.pod());
    if (node != null) {
      m.put("node", node);
    }
    if (podIp != null) {
      m.put("pod_ip", podIp);
    }
    m.put("container_port", port);
    return m;
  }

  @Override
  public CompletableFuture<ExitStatus> stop(Duration grace) {
    synchronized (this) {
      if (stopFuture != null && !stopFuture.isCompletedExceptionally()) {
        return stopFuture; // a stop whose pod could not be deleted may be tried again
      }
      stopNanos = System.nanoTime();
      this.grace = grace;
      if (observed.isDone()) { // it ended already: the clean-up deletes the pod and its Secret
        stopFuture = exit.thenCompose(s -> forgotten.copy()
            .completeOnTimeout(null, VANISH_SLACK.toMillis(), TimeUnit.MILLISECONDS).thenApply(v -> s));
        return stopFuture;
      }
      deleteRequested = true;
      // the container's end is not the pod's: a stop completes when the pod object is gone too (bounded,
      // as a pod held by a finalizer may stay; the schedule below gives up on it)
      // (and its Secret: the clean-up that sends that delete runs once the pod vanished)
      stopFuture = exit.thenCompose(s -> forgotten.copy()
          .completeOnTimeout(null, grace.plus(VANISH_SLACK).toMillis(), TimeUnit.MILLISECONDS).thenApply(v -> s));
    }
    long seconds = (grace.toMillis() + 999) / 1000;
    transport.delete(this, seconds);
    transport.schedule(() -> { // a pod that outstays its grace is deleted again at once, then given up on
      synchronized (this) {
        if (observed.isDone() || !deleteAccepted) { // never accepted: deleteFailed ended the stop
          return;
        }
      }
      log.warn("{}: pod {} still there {} s after its grace; deleting it with no grace", displayName, names.pod(),
          VANISH_SLACK.toSeconds());
      transport.delete(this, 0);
      transport.schedule(() -> finish(new ExitStatus(OptionalInt.empty(), OptionalInt.of(9), Termination.FORCED)),
          VANISH_SLACK);
    }, grace.plus(VANISH_SLACK));
    return stopFuture;
  }

  /** The API server accepted a delete of the pod (transport's thread). */
  synchronized void deleteAccepted() {
    deleteAccepted = true;
  }

  /**
   * Every attempt of a delete was refused. When none of the stop's deletes was accepted, the pod still
   * runs as far as anyone can tell: the stop fails with {@link ErrorCode#STOP_FAILED} (the process
   * stays alive, its exit is not made up), and a later {@link #stop} tries again.
   */
  void deleteFailed(KubernetesClientException e, int attempts) {
    CompletableFuture<ExitStatus> failing;
    synchronized (this) {
      if (deleteAccepted || observed.isDone() || gone || stopFuture == null) {
        log.debug("{}: a delete of pod {} failed after the pod went or another delete was accepted: {}", displayName,
            names.pod(), e.getMessage());
        return;
      }
      failing = stopFuture;
    }
    placementLine("pod " + names.pod() + " could not be deleted (" + attempts + " attempt(s)): " + e.getMessage());
    failing.completeExceptionally(new InferenceException(ErrorCode.STOP_FAILED, "pod " + names.pod()
        + " in namespace " + transport.namespace() + " could not be deleted (" + attempts
        + " attempt(s); may the service account delete pods?): " + e.getMessage() + "; it may still run", e));
  }

  @Override
  public String toString() {
    return "PodProcess[" + transport.namespace() + "/" + names.pod() + "]";
  }
}
