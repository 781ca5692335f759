package io.github.llamacppsdk.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.BootSpecBuilder;
import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.core.Secret;
import io.github.llamacppsdk.ServerStartException;
import io.github.llamacppsdk.StartFailure;
import io.github.llamacppsdk.core.CoreEvent;
import io.github.llamacppsdk.core.CoreListener;
import io.github.llamacppsdk.core.EndpointDescriptor;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.HealthStatus;
import io.github.llamacppsdk.core.InstanceSnapshot;
import io.github.llamacppsdk.core.LifecycleStatus;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.core.ResolveOptions;
import io.github.llamacppsdk.internal.llama.PortAllocator;
import io.github.llamacppsdk.testing.MockCluster;
import io.github.llamacppsdk.testing.MockClusterTest;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Kubernetes placement against fabric8's mock API server in CRUD mode and a simulated kubelet
 * that runs each pod as a local fake llama-server ({@link MockCluster}). Everything above the
 * transport (readiness, health, leases, idle stop, the descriptor) is the library's ordinary code.
 */
@Timeout(120)
@ExtendWith(NoLeakedProcesses.class)
class KubernetesPlacementIT extends MockClusterTest {
  private static final String KEY = "sk-k8s-secret-0123456789";

  private final List<CoreEvent> events = new CopyOnWriteArrayList<>();

  private KubernetesPlacement.Builder placement() {
    return KubernetesPlacement.builder().client(cluster.client()).namespace(MockCluster.NAMESPACE)
        .reachability(Reachability.POD_IP).models(new VolumeClaim("models", "/models", true))
        .anchorTtl(Duration.ofSeconds(30));
  }

  private LlamaCppBackend backend(KubernetesPlacement placement) {
    backend = LlamaCppBackend.builder().kubernetes(placement).listener(new CoreListener() {
      @Override
      public void onInstanceEvent(CoreEvent.InstanceEvent event) {
        events.add(event);
      }
    }).build();
    return backend;
  }

  /** A spec for the pod: its paths are the container's; its port is the container port (a free local one, since the simulated pods share this machine's loopback). */
  private static BootSpecBuilder spec() {
    return BootSpec.builder("/models/qwen-tiny.gguf").port(PortAllocator.freePort("127.0.0.1"))
        .readyTimeout(Duration.ofSeconds(60)).stopTimeout(Duration.ofSeconds(2));
  }

  private static ResolveOptions lease() {
    return ResolveOptions.builder().ownerRef("k8s-it").ttl(Duration.ofMinutes(5)).build();
  }

  @Test
  void resolvesAPodAndChatsThroughTheDescriptor() throws Exception {
    backend(placement().gpus(1).cpu("2").memory("4Gi").label("team", "search").build());
    BootSpec spec = spec().apiKey(Secret.of(KEY)).build();

    try (Resolution r = backend.resolveEndpoint(spec, lease())) {
      EndpointDescriptor endpoint = r.endpoint();
      List<Pod> pods = cluster.pods();
      assertThat(pods).hasSize(1);
      Pod pod = pods.get(0);
      assertThat(endpoint.baseUrl()).isEqualTo("http://127.0.0.1:" + spec.port() + "/v1");
      assertThat(endpoint.metadata()).containsEntry("execution_surface", "kubernetes_pod")
          .containsEntry("pod", pod.getMetadata().getName()).containsEntry("namespace", MockCluster.NAMESPACE)
          .containsEntry("node", "gpu-node-1");
      assertThat(endpoint.headers()).containsEntry("authorization", "Bearer " + KEY);

      String chat = chat(endpoint);
      assertThat(chat).contains("chat.completion");

      // what the pod looks like: args for the container, key only by reference, resources, labels, owner
      Container c = pod.getSpec().getContainers().get(0);
      assertThat(c.getImage()).isEqualTo(KubernetesPlacement.DEFAULT_IMAGE);
      assertThat(c.getArgs()).containsSequence("--host", "0.0.0.0").containsSequence("--model", "/models/qwen-tiny.gguf");
      assertThat(c.getResources().getLimits()).containsKey("nvidia.com/gpu");
      assertThat(c.getEnv()).anySatisfy(e -> {
        assertThat(e.getName()).isEqualTo("LLAMA_API_KEY");
        assertThat(e.getValue()).isNull();
        assertThat(e.getValueFrom().getSecretKeyRef().getName()).endsWith("-env");
      });
      String podYaml = io.fabric8.kubernetes.client.utils.Serialization.asYaml(pod);
      assertThat(podYaml).doesNotContain(KEY);
      assertThat(pod.getMetadata().getLabels()).containsEntry("team", "search")
          .containsEntry("app.kubernetes.io/managed-by", "llama-cpp-sdk").containsKeys("llama-cpp-sdk/session",
              "llama-cpp-sdk/owner", "llama-cpp-sdk/instance", "llama-cpp-sdk/spec", "llama-cpp-sdk/model");
      assertThat(pod.getMetadata().getOwnerReferences()).singleElement()
          .satisfies(o -> assertThat(o.getKind()).isEqualTo("Lease"));
      assertThat(cluster.client().secrets().list().getItems()).singleElement()
          .satisfies(s -> assertThat(s.getMetadata().getOwnerReferences()).singleElement());

      // the server's own output arrives through the pod log, and the key is never in it
      InstanceSnapshot snapshot = backend.instance(r.instance().instanceId()).orElseThrow();
      assertThat(snapshot.metadata()).containsEntry("pod", pod.getMetadata().getName());
      String output = String.join("\n", cluster.kubelet().process(pod.getMetadata().getName()).orElseThrow()
          .recentOutput().stream().map(Object::toString).toList());
      assertThat(output).contains("server is listening").doesNotContain(KEY);
    }
  }

  @Test
  void twoResolvesOfOneSpecShareOnePodAndIdleStopDeletesItsPodAndSecret() throws Exception {
    backend(placement().build());
    BootSpec spec = spec().apiKey(Secret.of(KEY)).idleShutdown(Duration.ofMillis(300)).build();
    var consumer = io.github.llamacppsdk.core.ConsumerManifest.builder("k8s-it").build();

    CompletableFuture<Resolution> a = backend.resolveEndpointAsync(spec, consumer, lease());
    CompletableFuture<Resolution> b = backend.resolveEndpointAsync(spec, consumer, lease());
    Resolution ra = a.get(90, TimeUnit.SECONDS);
    Resolution rb = b.get(90, TimeUnit.SECONDS);
    assertThat(ra.endpoint().baseUrl()).isEqualTo(rb.endpoint().baseUrl());
    assertThat(cluster.pods()).hasSize(1);
    assertThat(backend.instance(ra.instance().instanceId()).orElseThrow().leaseCount()).isEqualTo(2);
    String pod = cluster.pods().get(0).getMetadata().getName();

    ra.close();
    assertThat(backend.instance(ra.instance().instanceId()).orElseThrow().lifecycle()).isEqualTo(LifecycleStatus.READY);
    rb.close(); // the last lease: idle stop 300 ms later deletes the pod, then its secret
    assertThat(await(Duration.ofSeconds(30), () -> cluster.pods().isEmpty()
        && cluster.client().secrets().list().getItems().isEmpty())).as("pod and secret deleted").isTrue();
    assertThat(cluster.kubelet().deletes()).contains(pod + " grace=2");
    assertThat(await(Duration.ofSeconds(10), () -> cluster.kubelet().runningPods().isEmpty())).isTrue();
  }

  @Test
  void aContainerThatExitsIsAnExitWithItsCodeAndThePodIsRemoved() throws Exception {
    backend(placement().build());
    BootSpec spec = spec().extraArg("--fake-exit-after-ms").extraArg("300").extraArg("--fake-exit-code")
        .extraArg("3").build();

    try (Resolution r = backend.resolveEndpoint(spec, lease())) {
      String id = r.instance().instanceId();
      assertThat(await(Duration.ofSeconds(30), () -> events.stream().anyMatch(e -> e instanceof CoreEvent.InstanceEvent ie
          && ie.instanceId().equals(id) && ie.health() == HealthStatus.EXITED))).isTrue();
      CoreEvent.InstanceEvent exited = events.stream().map(CoreEvent.InstanceEvent.class::cast)
          .filter(e -> e.health() == HealthStatus.EXITED).findFirst().orElseThrow();
      assertThat(exited.reason()).contains("pod llama-qwen-tiny-").contains("exited with status 3")
          .contains("terminated: Error, exit code 3");
    }
    assertThat(await(Duration.ofSeconds(30), () -> cluster.pods().isEmpty()
        && cluster.client().secrets().list().getItems().isEmpty())).as("crashed pod and its secret removed").isTrue();
  }

  @Test
  void aStartFailureIsClassifiedFromThePodLog() {
    backend(placement().build());
    BootSpec spec = BootSpec.builder("/models/missing.gguf").port(PortAllocator.freePort("127.0.0.1"))
        .readyTimeout(Duration.ofSeconds(60)).build();

    assertThatThrownBy(() -> backend.resolveEndpoint(spec, lease()))
        .isInstanceOfSatisfying(ServerStartException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.EXITED_BEFORE_READY);
          assertThat(e.failure()).contains(StartFailure.MODEL_FILE_MISSING);
          assertThat(e.exit().orElseThrow().code()).hasValue(1);
        });
    assertThat(await(Duration.ofSeconds(30), () -> cluster.pods().isEmpty())).isTrue();
  }

  @Test
  void anUnschedulablePodIsLoadingWithTheSchedulersReasonThenFailsAtTheDeadline() {
    backend(placement().gpus(2).build()); // the node has one
    BootSpec spec = spec().readyTimeout(Duration.ofSeconds(3)).build();

    assertThatThrownBy(() -> backend.resolveEndpoint(spec, lease()))
        .isInstanceOfSatisfying(ServerStartException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.READINESS_TIMEOUT);
          assertThat(e.failure()).contains(StartFailure.UNSCHEDULABLE);
          assertThat(e.getMessage()).contains("was not placed within 3000 ms")
              .contains("is unschedulable: 0/1 nodes are available: 1 Insufficient nvidia.com/gpu");
          assertThat(e.lastProbe()).contains("not placed yet");
        });
    assertThat(events).anySatisfy(e -> {
      CoreEvent.InstanceEvent ie = (CoreEvent.InstanceEvent) e;
      assertThat(ie.health()).isEqualTo(HealthStatus.LOADING);
      assertThat(ie.reason()).contains("waiting for placement").contains("Insufficient nvidia.com/gpu");
    });
    assertThat(await(Duration.ofSeconds(30), () -> cluster.pods().isEmpty())).as("the pending pod is deleted").isTrue();
  }

  @Test
  void stopDeletesThePodWithTheSpecsGraceAndWaitsUntilItIsGone() throws Exception {
    backend(placement().build());
    BootSpec spec = spec().stopTimeout(Duration.ofSeconds(1)).extraArg("--fake-ignore-signals").build();
    String id;
    String pod;
    try (Resolution r = backend.resolveEndpoint(spec, lease())) {
      id = r.instance().instanceId();
      pod = cluster.pods().get(0).getMetadata().getName();
    }
    long started = System.nanoTime();
    backend.stopInstance(id).get(60, TimeUnit.SECONDS);
    long tookMillis = (System.nanoTime() - started) / 1_000_000;

    assertThat(cluster.kubelet().deletes()).contains(pod + " grace=1");
    assertThat(tookMillis).as("the server ignores SIGTERM: the stop lasts the grace").isGreaterThanOrEqualTo(1000);
    assertThat(cluster.pods()).isEmpty();
    assertThat(cluster.kubelet().runningPods()).isEmpty();
  }


  /** A served instance whose pod the API server refuses to delete until the failures are cleared. */
  private record Undeletable(String id, String pod) {}

  private Undeletable undeletable() {
    backend(placement().build());
    String id;
    String pod;
    try (Resolution r = backend.resolveEndpoint(spec().build(), lease())) {
      id = r.instance().instanceId();
      pod = cluster.pods().get(0).getMetadata().getName();
    }
    // RBAC without delete on pods: every delete of this pod is refused until the failures are cleared
    cluster.failRequests("DELETE", "/api/v1/namespaces/" + MockCluster.NAMESPACE + "/pods/" + pod + "(\\?.*)?", 403,
        Integer.MAX_VALUE);
    return new Undeletable(id, pod);
  }

  @Test
  void aPodThatCannotBeDeletedIsNotReportedStopped() throws Exception {
    Undeletable u = undeletable();
    String id = u.id();
    String pod = u.pod();
    assertThatThrownBy(() -> backend.stopInstance(id, Duration.ofSeconds(20)))
        .isInstanceOfSatisfying(io.github.llamacppsdk.core.InferenceException.class,
            e -> assertThat(e.code()).isEqualTo(io.github.llamacppsdk.core.ErrorCode.STOP_FAILED))
        .hasMessageContaining("pod " + pod).hasMessageContaining("could not be deleted").hasMessageContaining("403");
    assertThat(cluster.failedRequests()).as("the delete was retried").isGreaterThan(1);
    assertThat(backend.instances()).singleElement().satisfies(s -> {
      assertThat(s.lifecycle()).as("not STOPPED: the pod still runs").isEqualTo(LifecycleStatus.STOPPING);
      assertThat(s.healthReason()).startsWith("stop failed: STOP_FAILED: pod " + pod);
    });
    assertThat(cluster.kubelet().runningPods()).as("the pod still runs").hasSize(1);

    int refused = cluster.failedRequests();
    assertThatThrownBy(() -> backend.stopInstance(id, Duration.ofSeconds(20))).as("a second stop tries again")
        .hasMessageContaining("could not be deleted");
    assertThat(cluster.failedRequests()).as("the second stop sent deletes of its own").isGreaterThan(refused);

    // the API server takes deletes again: the next stop stops what the earlier ones could not
    cluster.clearFailures();
    backend.stopInstance(id, Duration.ofSeconds(20));
    assertThat(backend.instances()).isEmpty();
    assertThat(cluster.pods()).isEmpty();
    assertThat(cluster.kubelet().runningPods()).isEmpty();
  }

  @Test
  void closingTheBackendStopsAPodItCouldNotDeleteBefore() throws Exception {
    String id = undeletable().id();
    assertThatThrownBy(() -> backend.stopInstance(id, Duration.ofSeconds(20))).hasMessageContaining("STOP_FAILED");

    cluster.clearFailures();
    backend.close();
    assertThat(cluster.pods()).isEmpty();
    assertThat(cluster.kubelet().runningPods()).isEmpty();
  }

  /** Waits for a condition with no event to wait on (another JVM's view, the API server's contents). */
  static boolean await(Duration deadline, BooleanSupplier condition) {
    long end = System.nanoTime() + deadline.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        return false;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
    return true;
  }
}
