package io.github.llamacppsdk.testing;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.github.llamacppsdk.process.ExitStatus;
import io.github.llamacppsdk.process.LaunchRequest;
import io.github.llamacppsdk.process.LaunchedProcess;
import io.github.llamacppsdk.process.OutputLine;
import io.github.llamacppsdk.process.ProcessTransport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A kubelet (and scheduler) for {@link MockCluster}: one node with a number of GPUs. For each pod
 * created in the namespace it
 *
 * <ul>
 *   <li>marks it {@code Unschedulable} ({@code 0/1 nodes are available: 1 Insufficient nvidia.com/gpu.})
 *       when it asks for more GPUs than the node has free;
 *   <li>otherwise starts the fake llama-server as a local process with the container's arguments (the
 *       paths in arguments and environment values translated from the pod's mounts to the claim's local
 *       directory, or to a fresh directory for an {@code emptyDir}, {@code --host}
 *       127.0.0.1) and the container's environment (values read from the referenced Secret), then
 *       reports the pod {@code Running} with pod IP 127.0.0.1;
 *   <li>serves the container's output as its log, with RFC 3339 timestamps, {@code sinceTime} honoured;
 *   <li>reports a container that exits as terminated with its exit code;
 *   <li>bridges {@code portforward} WebSockets to the pod's port ({@link PortForwardBridge});
 *   <li>on a graceful delete stops the process with the grace (SIGTERM, then SIGKILL), reports it
 *       terminated (143 or 137), then removes the pod; on any other removal kills it at once.
 * </ul>
 */
public final class SimulatedKubelet implements AutoCloseable {
  public static final String NODE = "gpu-node-1";
  private static final String GPU = "nvidia.com/gpu";

  private final KubernetesClient client;
  private final String namespace;
  private final Path fakeBinary;
  private final Map<String, Path> claims;
  private final int gpus;
  private final ProcessTransport local = ProcessTransport.local();
  private final ExecutorService worker = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "simulated-kubelet");
    t.setDaemon(true);
    return t;
  });
  private final Map<String, Running> running = new ConcurrentHashMap<>();
  private final Set<String> seen = ConcurrentHashMap.newKeySet();
  private final List<String> deletes = new CopyOnWriteArrayList<>();
  private final List<List<String>> launchedArgs = new CopyOnWriteArrayList<>();
  private final List<Map<String, String>> launchedEnvironments = new CopyOnWriteArrayList<>();
  private final Path emptyDirs;
  private final java.util.concurrent.atomic.AtomicInteger forwardsOpened = new java.util.concurrent.atomic.AtomicInteger();
  private final java.util.concurrent.atomic.AtomicInteger forwardsOpen = new java.util.concurrent.atomic.AtomicInteger();
  private SharedIndexInformer<Pod> informer;

  SimulatedKubelet(KubernetesClient client, String namespace, Path fakeBinary, Map<String, Path> claims, int gpus) {
    this.client = client;
    this.namespace = namespace;
    this.fakeBinary = fakeBinary;
    this.claims = Map.copyOf(claims);
    this.gpus = gpus;
    try {
      this.emptyDirs = java.nio.file.Files.createTempDirectory("simulated-kubelet-");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** One container the kubelet runs. */
  private static final class Running {
    final LaunchedProcess process;
    final List<String[]> log = Collections.synchronizedList(new ArrayList<>()); // {timestamp, text}
    final Set<OutputLine> logged = Collections.newSetFromMap(new IdentityHashMap<>());
    volatile boolean deleting;

    Running(LaunchedProcess process) {
      this.process = process;
    }

    synchronized void add(OutputLine line) {
      if (logged.add(line)) {
        log.add(new String[] {java.time.format.DateTimeFormatter.ISO_INSTANT.format(Instant.now()), line.text()});
      }
    }
  }

  void start() {
    informer = client.pods().inNamespace(namespace).inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Pod pod) {
        if (seen.add(pod.getMetadata().getName())) {
          worker.execute(() -> admit(pod));
        }
      }

      @Override
      public void onUpdate(Pod old, Pod pod) {}

      @Override
      public void onDelete(Pod pod, boolean unknown) {
        Running r = running.remove(pod.getMetadata().getName());
        if (r != null) {
          r.process.stop(Duration.ZERO); // removed without a graceful delete: killed at once
        }
      }
    }, 0);
  }

  /** {@return every DELETE of a pod the API server received: {@code name grace=N}} */
  public List<String> deletes() {
    return List.copyOf(deletes);
  }

  /** {@return the argument lists of every fake server started (after translation)} */
  public List<List<String>> launchedArgs() {
    return List.copyOf(launchedArgs);
  }

  /** {@return the environment of every fake server started (values read from Secrets, paths translated)} */
  public List<Map<String, String>> launchedEnvironments() {
    return List.copyOf(launchedEnvironments);
  }

  /** {@return the pods whose container is running} */
  public Set<String> runningPods() {
    return Set.copyOf(running.keySet());
  }

  /** {@return the fake server process of a pod} */
  public Optional<LaunchedProcess> process(String pod) {
    return Optional.ofNullable(running.get(pod)).map(r -> r.process);
  }

  void recordDelete(String pod, long grace) {
    deletes.add(pod + " grace=" + grace);
  }

  private void admit(Pod pod) {
    String name = pod.getMetadata().getName();
    Container c = pod.getSpec().getContainers().get(0);
    int wanted = gpuRequest(c);
    int used = running.size() == 0 ? 0 : runningGpus();
    if (wanted > gpus - used) {
      status(name, new PodStatusBuilder().withPhase("Pending").withConditions(condition("PodScheduled", "False",
          "Unschedulable", "0/1 nodes are available: 1 Insufficient " + GPU + ". preemption: 0/1 nodes are available:"
              + " 1 No preemption victims found for incoming pod.")).build());
      return;
    }
    client.pods().inNamespace(namespace).withName(name).edit(p -> {
      p.getSpec().setNodeName(NODE);
      return p;
    });
    status(name, new PodStatusBuilder().withPhase("Pending").withConditions(condition("PodScheduled", "True", null, null))
        .withContainerStatuses(new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage())
            .withNewState().withNewWaiting().withReason("ContainerCreating").endWaiting().endState().build())
        .build());
    List<String> argv = new ArrayList<>();
    argv.add(fakeBinary.toString());
    Map<String, Path> mounts = mounts(pod, c);
    List<String> args = translate(c.getArgs(), mounts);
    argv.addAll(args);
    launchedArgs.add(List.copyOf(args));
    Map<String, String> env = new LinkedHashMap<>(environment(pod, c));
    env.replaceAll((k, v) -> local(v, mounts)); // LLAMA_CACHE names the cache volume's mount
    launchedEnvironments.add(Map.copyOf(env));
    LaunchedProcess p = local.launch(new LaunchRequest(argv, Optional.empty(), env, true,
        List.of("LLAMA_ARG_*", "LLAMA_API_KEY"), name));
    Running r = new Running(p);
    p.subscribe(r::add);
    p.recentOutput().forEach(r::add);
    running.put(name, r);
    status(name, new PodStatusBuilder().withPhase("Running").withPodIP("127.0.0.1").withHostIP("127.0.0.1")
        .withConditions(condition("PodScheduled", "True", null, null))
        .withContainerStatuses(new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage())
            .withReady(true).withNewState().withNewRunning().withStartedAt(now()).endRunning()
            .endState().build())
        .build());
    p.onExit().thenAccept(exit -> worker.execute(() -> exited(name, c, r, exit)));
  }

  private int runningGpus() {
    int n = 0;
    for (String pod : running.keySet()) {
      Pod p = client.pods().inNamespace(namespace).withName(pod).get();
      n += p == null ? 0 : gpuRequest(p.getSpec().getContainers().get(0));
    }
    return n;
  }

  private static int gpuRequest(Container c) {
    if (c.getResources() == null || c.getResources().getLimits() == null) {
      return 0;
    }
    Quantity q = c.getResources().getLimits().get(GPU);
    return q == null ? 0 : Integer.parseInt(q.getAmount());
  }

  /**
   * The pod's mounts: mount path → local directory (a claim's, or a fresh directory of the kubelet's
   * for an {@code emptyDir}, removed with the kubelet).
   */
  private Map<String, Path> mounts(Pod pod, Container c) {
    Map<String, Path> mounts = new LinkedHashMap<>();
    for (VolumeMount m : c.getVolumeMounts()) {
      for (Volume v : pod.getSpec().getVolumes()) {
        if (!v.getName().equals(m.getName())) {
          continue;
        }
        if (v.getPersistentVolumeClaim() != null && claims.containsKey(v.getPersistentVolumeClaim().getClaimName())) {
          mounts.put(m.getMountPath(), claims.get(v.getPersistentVolumeClaim().getClaimName()));
        } else if (v.getEmptyDir() != null) {
          try {
            mounts.put(m.getMountPath(), java.nio.file.Files.createDirectories(
                emptyDirs.resolve(pod.getMetadata().getName()).resolve(v.getName())));
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }
      }
    }
    return mounts;
  }

  /** {@return a path of the container moved to where its mount is on this machine} */
  private static String local(String value, Map<String, Path> mounts) {
    for (Map.Entry<String, Path> m : mounts.entrySet()) {
      if (value.equals(m.getKey())) {
        return m.getValue().toString();
      }
      if (value.startsWith(m.getKey() + "/")) {
        return m.getValue().resolve(value.substring(m.getKey().length() + 1)).toString();
      }
    }
    return value;
  }

  /** The container's arguments, its paths moved from the pod's mounts to their local directories. */
  private List<String> translate(List<String> args, Map<String, Path> mounts) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (i > 0 && args.get(i - 1).equals("--host")) {
        a = "127.0.0.1"; // the pod's network namespace is this machine's loopback
      }
      out.add(local(a, mounts));
    }
    return out;
  }

  private Map<String, String> environment(Pod pod, Container c) {
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvVar e : c.getEnv()) {
      if (e.getValue() != null) {
        env.put(e.getName(), e.getValue());
      } else if (e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null) {
        var ref = e.getValueFrom().getSecretKeyRef();
        Secret s = client.secrets().inNamespace(namespace).withName(ref.getName()).get();
        if (s == null || s.getData() == null || !s.getData().containsKey(ref.getKey())) {
          throw new IllegalStateException("CreateContainerConfigError: secret " + ref.getName() + " has no key " + ref.getKey());
        }
        env.put(e.getName(), new String(Base64.getDecoder().decode(s.getData().get(ref.getKey())), StandardCharsets.UTF_8));
      }
    }
    return env;
  }

  private void exited(String name, Container c, Running r, ExitStatus exit) {
    int code = exit.code().orElse(128 + exit.signal().orElse(0));
    try {
      status(name, new PodStatusBuilder().withPhase(code == 0 ? "Succeeded" : "Failed").withPodIP("127.0.0.1")
          .withContainerStatuses(new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage())
              .withNewState().withNewTerminated().withExitCode(code).withReason(code == 0 ? "Completed" : "Error")
              .withFinishedAt(now()).endTerminated().endState().build())
          .build());
    } catch (KubernetesClientException e) {
      // the pod is gone already
    }
    if (r.deleting) {
      running.remove(name);
      client.pods().inNamespace(namespace).withName(name).withGracePeriod(0).delete();
    }
  }

  /**
   * A DELETE with a grace period arrived: stop the container within it, then remove the pod.
   *
   * @return whether the kubelet handles it (a pod it runs); else the API server removes it at once
   */
  boolean beginGracefulDelete(String pod, long graceSeconds) {
    Running r = running.get(pod);
    if (r == null || r.deleting) {
      return r != null;
    }
    r.deleting = true;
    worker.execute(() -> r.process.stop(Duration.ofSeconds(graceSeconds)));
    return true;
  }

  /**
   * Serves {@code GET .../pods/NAME/portforward?ports=P}: a WebSocket upgrade bridged to the pod's port
   * ({@link PortForwardBridge}); 404 for a pod whose container does not run, 400 without one port.
   */
  MockResponse portForward(String pod, Map<String, String> query) {
    if (!running.containsKey(pod)) {
      return new MockResponse().setResponseCode(404).setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\","
          + "\"status\":\"Failure\",\"message\":\"pod " + pod + " does not run\",\"reason\":\"NotFound\",\"code\":404}");
    }
    String ports = query.getOrDefault("ports", "");
    if (!ports.matches("\\d{1,5}")) {
      return new MockResponse().setResponseCode(400).setBody("exactly one port is forwarded here: " + ports);
    }
    forwardsOpened.incrementAndGet();
    return new MockResponse().withWebSocketUpgrade(new PortForwardBridge(Integer.parseInt(ports),
        forwardsOpen::incrementAndGet, forwardsOpen::decrementAndGet));
  }

  /** {@return how many port-forward connections were asked for} */
  public int portForwardsOpened() {
    return forwardsOpened.get();
  }

  /** {@return how many port-forward connections are bridged to a pod now} */
  public int portForwardsOpen() {
    return forwardsOpen.get();
  }

  /** Serves {@code GET .../pods/NAME/log}. */
  MockResponse log(String pod, Map<String, String> query) {
    Running r = running.get(pod);
    if (r == null) {
      return new MockResponse().setResponseCode(404).setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\","
          + "\"status\":\"Failure\",\"message\":\"pods \\\"" + pod + "\\\" not found\",\"reason\":\"NotFound\",\"code\":404}");
    }
    Instant since = query.containsKey("sinceTime") ? OffsetDateTime.parse(query.get("sinceTime")).toInstant() : Instant.MIN;
    boolean timestamps = "true".equals(query.get("timestamps"));
    StringBuilder body = new StringBuilder();
    synchronized (r.log) {
      for (String[] line : r.log) {
        if (!OffsetDateTime.parse(line[0]).toInstant().isBefore(since)) {
          body.append(timestamps ? line[0] + " " : "").append(line[1]).append('\n');
        }
      }
    }
    return new MockResponse().setResponseCode(200).setHeader("Content-Type", "text/plain").setBody(body.toString());
  }

  private void status(String name, PodStatus status) {
    client.pods().inNamespace(namespace).withName(name).editStatus(p -> {
      p.setStatus(status);
      return p;
    });
  }

  private static String now() {
    return java.time.format.DateTimeFormatter.ISO_INSTANT.format(Instant.now());
  }

  private static PodCondition condition(String type, String status, String reason, String message) {
    return new PodConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message).build();
  }

  @Override
  public void close() {
    if (informer != null) {
      informer.close();
    }
    running.values().forEach(r -> r.process.stop(Duration.ZERO).join());
    running.clear();
    local.close();
    worker.shutdownNow();
    client.close();
    try (var files = java.nio.file.Files.walk(emptyDirs)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (java.io.IOException e) {
      // a temporary directory: left for the system to clean
    }
  }
}
