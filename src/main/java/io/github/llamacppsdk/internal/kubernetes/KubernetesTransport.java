package io.github.llamacppsdk.internal.kubernetes;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.internal.DaemonThreads;
import io.github.llamacppsdk.internal.Log;
import io.github.llamacppsdk.internal.core.Failures;
import io.github.llamacppsdk.kubernetes.KubernetesPlacement;
import io.github.llamacppsdk.kubernetes.Reachability;
import io.github.llamacppsdk.process.LaunchRequest;
import io.github.llamacppsdk.process.LaunchedProcess;
import io.github.llamacppsdk.process.ProcessLaunchException;
import io.github.llamacppsdk.process.ProcessTransport;
import io.github.llamacppsdk.process.TransportCapabilities;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Not API. The Kubernetes {@link ProcessTransport}: each launch creates a Secret (the request's
 * environment) and a Pod ({@link PodSpecs}) owned by this transport's {@link Anchor}, and returns a
 * {@link PodProcess} driven by one pod informer (label {@code llama-cpp-sdk/session}).
 *
 * <p>Starting a transport sweeps the namespace for stale anchors of dead applications
 * ({@link Anchor#sweepStale}). The anchor is created with the first launch and renewed every third
 * of its TTL on the transport's scheduler (two daemon threads, {@code llamacpp-k8s-N}, which also
 * run deletes so that {@code stop} never blocks its caller). Closing stops what is left, deletes the
 * anchor and closes the client it built. A shutdown hook does the same on a normal JVM exit.
 */
public final class KubernetesTransport implements ProcessTransport {
  /** Numbered across the JVM: one factory for every instance. */
  private static final DaemonThreads K8S_THREADS = new DaemonThreads("llamacpp-k8s");
  private static final Log log = Log.of(KubernetesTransport.class);
  private static final Duration CLOSE_GRACE = Duration.ofSeconds(1);
  private static final Duration CLOSE_BOUND = Duration.ofSeconds(20);
  /** How often a pod's delete is tried before its stop fails. */
  static final int DELETE_ATTEMPTS = 5;
  /** The pause after the first refused delete; it doubles after each (0.25 + 0.5 + 1 + 2 s in all). */
  private static final Duration DELETE_BACKOFF = Duration.ofMillis(250);

  private final KubernetesPlacement placement;
  private final KubernetesClient client;
  private final boolean ownsClient;
  private final String namespace;
  private final String session = Labels.random(10);
  private final String owner;
  private final Reachability reachability;
  private final Anchor anchor;
  private final ScheduledExecutorService scheduler;
  private final Map<String, PodProcess> pods = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread shutdownHook = new Thread(this::close, "llamacpp-k8s-shutdown");
  private SharedIndexInformer<Pod> informer; // guarded by this
  private ScheduledFuture<?> renewal; // guarded by this
  private boolean started; // guarded by this

  private KubernetesTransport(KubernetesPlacement placement, Clock clock) {
    this.placement = placement;
    this.ownsClient = placement.client().isEmpty();
    this.client = placement.client().orElseGet(() -> new KubernetesClientBuilder().build());
    boolean inCluster = System.getenv("KUBERNETES_SERVICE_HOST") != null;
    this.namespace = placement.namespace().or(() -> Optional.ofNullable(client.getNamespace())).orElse("default");
    this.reachability = placement.reachability() != Reachability.AUTO ? placement.reachability()
        : inCluster ? Reachability.POD_IP : Reachability.PORT_FORWARD;
    Optional<String> ownerPod = placement.ownerPod()
        .or(() -> inCluster ? Optional.ofNullable(System.getenv("POD_NAME")).or(() -> Optional.ofNullable(System.getenv("HOSTNAME")))
            : Optional.empty());
    this.owner = ownerPod.orElseGet(KubernetesTransport::hostAndPid);
    this.anchor = new Anchor(client, namespace, session, owner, ownerPod.flatMap(this::ownerReference),
        placement.anchorTtl(), clock);
    ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(2, K8S_THREADS);
    s.setRemoveOnCancelPolicy(true);
    this.scheduler = s;
    try {
      List<String> swept = Anchor.sweepStale(client, namespace, session, clock);
      if (!swept.isEmpty()) {
        log.info("removed the pods of {} stale anchor(s) in namespace {}: {}", swept.size(), namespace, swept);
      }
    } catch (KubernetesClientException e) {
      scheduler.shutdownNow();
      if (ownsClient) {
        client.close();
      }
      throw new InferenceException(ErrorCode.LAUNCH_FAILED, "cannot sweep stale llama-server pods in namespace "
          + namespace + " (does the service account may list and delete leases, pods and secrets? see guides/kubernetes.md): "
          + e.getMessage(), e);
    }
  }

  /**
   * Opens the transport: connects, sweeps stale anchors of the namespace.
   *
   * @param placement where pods run
   * @param clock the clock anchors are stamped and judged with
   * @return the transport
   * @throws InferenceException {@link ErrorCode#LAUNCH_FAILED} when the namespace cannot be swept
   */
  public static ProcessTransport open(KubernetesPlacement placement, Clock clock) {
    return new KubernetesTransport(placement, clock);
  }

  @Override
  public TransportCapabilities capabilities() {
    return new TransportCapabilities(true, true, true, false, true, false, true);
  }

  @Override
  public LaunchedProcess launch(LaunchRequest request) {
    if (closed.get()) {
      throw new InferenceException(ErrorCode.CLOSED, "the Kubernetes transport is closed");
    }
    OwnerReference ownerRef = ensureStarted();
    PodSpecs.Names names = PodSpecs.Names.fresh(request.displayName());
    Map<String, String> podLabels = PodSpecs.labels(placement, session, owner, request, "server");
    Map<String, String> keyLabels = PodSpecs.labels(placement, session, owner, request, "key");
    int port = PodSpecs.containerPort(request.argv());
    PodProcess process = new PodProcess(this, names, port, request.displayName());
    pods.put(names.pod(), process); // before the create: the informer may report the pod at once
    try {
      client.secrets().inNamespace(namespace)
          .resource(PodSpecs.secret(names, namespace, keyLabels, ownerRef, request.environment())).create();
      client.pods().inNamespace(namespace)
          .resource(PodSpecs.pod(names, namespace, podLabels, ownerRef, placement, request)).create();
    } catch (KubernetesClientException e) {
      pods.remove(names.pod());
      deleteQuietly(() -> client.secrets().inNamespace(namespace).withName(names.secret()).delete());
      throw new ProcessLaunchException("pod/" + names.pod(), "cannot create llama-server pod " + names.pod()
          + " in namespace " + namespace + ": " + e.getMessage(), e);
    }
    process.placementLine("pod " + names.pod() + " created in namespace " + namespace + " (image "
        + placement.image() + ")");
    return process;
  }

  /**
   * Starts the session with its first launch: creates the anchor, informs on the session's pods,
   * schedules the anchor's renewal, registers the shutdown hook. Started only when every step
   * worked; a step that fails undoes the ones before it (the informer closed, the lease deleted), so
   * the next launch starts over.
   *
   * @throws ProcessLaunchException naming the step that failed and its cause
   */
  private synchronized OwnerReference ensureStarted() {
    if (started) {
      try {
        return anchor.reference(); // recreated here if it was lost and its renewal could not recreate it yet
      } catch (KubernetesClientException e) {
        throw new ProcessLaunchException("lease/" + anchor.name(), "cannot create the anchor lease "
            + anchor.name() + " in namespace " + namespace + ": " + e.getMessage(), e);
      }
    }
    OwnerReference ref;
    try {
      ref = anchor.reference();
    } catch (KubernetesClientException e) {
      anchor.delete(); // a create that timed out may still have happened
      throw new ProcessLaunchException("lease/" + anchor.name(), "cannot create the anchor lease " + anchor.name()
          + " in namespace " + namespace + " (may the service account create leases? see guides/kubernetes.md): "
          + e.getMessage(), e);
    }
    SharedIndexInformer<Pod> inf = null;
    boolean watching = false;
    try {
      inf = client.pods().inNamespace(namespace).withLabel(Labels.SESSION, session).runnableInformer(0);
      inf.addEventHandler(new Events());
      inf.run(); // the first list and watch: a failure (RBAC, connectivity) is final for this informer
      watching = true;
      long every = Math.max(1, placement.anchorTtl().toMillis() / 3);
      renewal = scheduler.scheduleWithFixedDelay(anchor::renew, every, every, TimeUnit.MILLISECONDS);
      Runtime.getRuntime().addShutdownHook(shutdownHook);
    } catch (RuntimeException e) {
      if (renewal != null) {
        renewal.cancel(false);
        renewal = null;
      }
      if (inf != null) {
        inf.close();
      }
      anchor.delete();
      String cause = e.getMessage() != null ? e.getMessage() : e.toString();
      if (!watching) {
        throw new ProcessLaunchException("watch/pods", "cannot list and watch the session's pods (label "
            + Labels.SESSION + "=" + session + ") in namespace " + namespace
            + " (may the service account list and watch pods? see guides/kubernetes.md): " + cause, e);
      }
      throw new ProcessLaunchException("session/" + session, "cannot start the session (the anchor's renewal,"
          + " the shutdown hook): " + cause, e);
    }
    informer = inf;
    started = true;
    return ref;
  }

  KubernetesClient client() {
    return client;
  }

  String namespace() {
    return namespace;
  }

  Reachability reachability() {
    return reachability;
  }

  void startFollower(PodProcess p) {
    new PodLogFollower(client, namespace, p).start();
  }

  void schedule(Runnable r, Duration delay) {
    try {
      scheduler.schedule(r, delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      log.debug("transport closed; not scheduled: {}", r);
    }
  }

  /**
   * Deletes a pod with a grace period, off the caller's thread. A refused delete (the API server, RBAC,
   * the connection) is tried again, {@value #DELETE_ATTEMPTS} times in all with a doubling pause; the
   * pod hears of the outcome ({@link PodProcess#deleteAccepted()}, {@link PodProcess#deleteFailed}).
   */
  void delete(PodProcess p, long graceSeconds) {
    deleteAttempt(p, graceSeconds, 1);
  }

  private void deleteAttempt(PodProcess p, long graceSeconds, int attempt) {
    Runnable delete = () -> {
      try {
        client.pods().inNamespace(namespace).withName(p.podName()).withGracePeriod(graceSeconds).delete();
      } catch (KubernetesClientException e) {
        if (attempt < DELETE_ATTEMPTS) {
          log.debug("{}: delete of pod {} refused (attempt {}): {}", p.displayName(), p.podName(), attempt,
              e.getMessage());
          try {
            scheduler.schedule(() -> deleteAttempt(p, graceSeconds, attempt + 1),
                DELETE_BACKOFF.multipliedBy(1L << (attempt - 1)).toMillis(), TimeUnit.MILLISECONDS);
            return;
          } catch (java.util.concurrent.RejectedExecutionException closing) {
            // the transport is closing: no more attempts
          }
        }
        p.deleteFailed(e, attempt);
        return;
      }
      p.deleteAccepted();
    };
    try {
      scheduler.execute(delete);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      delete.run();
    }
  }

  /**
   * A pod's process ended: its secret goes, and the pod too when it ended on its own. {@return completes
   * when those deletes were sent} (failures are logged, never thrown)
   */
  CompletableFuture<Void> forget(PodProcess p, PodSpecs.Names names, boolean deletePod) {
    pods.remove(names.pod(), p);
    CompletableFuture<Void> sent = new CompletableFuture<>();
    Runnable cleanUp = () -> {
      try {
        deleteQuietly(() -> client.secrets().inNamespace(namespace).withName(names.secret()).delete());
        if (deletePod) {
          deleteQuietly(() -> client.pods().inNamespace(namespace).withName(names.pod()).withGracePeriod(0).delete());
        }
      } finally {
        sent.complete(null);
      }
    };
    try {
      scheduler.execute(cleanUp);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      cleanUp.run();
    }
    return sent;
  }

  private static void deleteQuietly(Runnable delete) {
    try {
      delete.run();
    } catch (KubernetesClientException e) {
      log.warn("delete failed: {}", e.getMessage());
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    List<CompletableFuture<?>> stops = pods.values().stream().<CompletableFuture<?>>map(p -> p.stop(CLOSE_GRACE)).toList();
    try {
      CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).get(CLOSE_BOUND.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException e) { // a pod whose deletion was refused (STOP_FAILED)
      log.warn("close: a llama-server pod could not be deleted ({}); the anchor's removal lets Kubernetes collect it",
          Failures.unwrap(e).getMessage());
    } catch (java.util.concurrent.TimeoutException e) {
      log.warn("close: not every llama-server pod was gone within {}; the anchor's removal lets Kubernetes collect them",
          CLOSE_BOUND);
    }
    synchronized (this) {
      if (renewal != null) {
        renewal.cancel(false); // before the lease goes: a renewal must not recreate it
      }
      if (informer != null) {
        informer.close();
      }
      if (started) {
        anchor.delete();
        if (Thread.currentThread() != shutdownHook) {
          try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
          } catch (IllegalStateException e) {
            // the JVM is shutting down
          }
        }
      }
    }
    scheduler.shutdownNow();
    if (ownsClient) {
      client.close();
    }
  }

  private Optional<OwnerReference> ownerReference(String podName) {
    try {
      Pod own = client.pods().inNamespace(namespace).withName(podName).get();
      if (own == null) {
        log.warn("owner pod {}/{} not found; llama-server pods are guarded by the anchor's renewal only", namespace,
            podName);
        return Optional.empty();
      }
      return Optional.of(new OwnerReferenceBuilder().withApiVersion("v1").withKind("Pod").withName(podName)
          .withUid(own.getMetadata().getUid()).withController(false).withBlockOwnerDeletion(false).build());
    } catch (KubernetesClientException e) {
      log.warn("owner pod {}/{} cannot be read ({}); llama-server pods are guarded by the anchor's renewal only",
          namespace, podName, e.getMessage());
      return Optional.empty();
    }
  }

  private static String hostAndPid() {
    String host = System.getenv("HOSTNAME");
    if (host == null || host.isBlank()) {
      try {
        host = java.net.InetAddress.getLocalHost().getHostName();
      } catch (java.net.UnknownHostException e) {
        host = "unknown-host";
      }
    }
    return host + "-" + ProcessHandle.current().pid();
  }

  /** Informer callbacks, routed to the pod's process by name. */
  private final class Events implements ResourceEventHandler<Pod> {
    @Override
    public void onAdd(Pod pod) {
      route(pod);
    }

    @Override
    public void onUpdate(Pod old, Pod pod) {
      route(pod);
    }

    @Override
    public void onDelete(Pod pod, boolean finalStateUnknown) {
      PodProcess p = pods.get(pod.getMetadata().getName());
      if (p != null) {
        p.onDeleted(pod);
      }
    }

    private void route(Pod pod) {
      PodProcess p = pods.get(pod.getMetadata().getName());
      if (p != null) {
        p.onPod(pod);
      }
    }
  }
}
