package io.github.llamacppsdk.internal.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamacppsdk.internal.llama.PortAllocator;
import io.github.llamacppsdk.kubernetes.KubernetesPlacement;
import io.github.llamacppsdk.kubernetes.Reachability;
import io.github.llamacppsdk.kubernetes.VolumeClaim;
import io.github.llamacppsdk.process.ExitStatus;
import io.github.llamacppsdk.process.LaunchRequest;
import io.github.llamacppsdk.process.LaunchedProcess;
import io.github.llamacppsdk.process.OutputLine;
import io.github.llamacppsdk.process.ProcessTransport;
import io.github.llamacppsdk.testing.MockCluster;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import io.github.llamacppsdk.testkit.FakeLlamaServer;
import io.github.llamacppsdk.testkit.GgufFiles;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The transport on its own: a pod's life, output and stop mapped onto {@link LaunchedProcess}. */
@Timeout(120)
@ExtendWith(NoLeakedProcesses.class)
class KubernetesTransportIT {
  private static final String KEY = "sk-never-in-a-log-42";

  @TempDir Path tmp;
  private MockCluster cluster;
  private ProcessTransport transport;

  @BeforeEach
  void setUp() throws Exception {
    Path models = Files.createDirectories(tmp.resolve("pvc"));
    GgufFiles.writeTinyModel(models.resolve("m.gguf"));
    cluster = new MockCluster(FakeLlamaServer.install(tmp.resolve("bin")), Map.of("models", models), 0);
    transport = KubernetesTransport.open(KubernetesPlacement.builder().client(cluster.client())
        .namespace(MockCluster.NAMESPACE).reachability(Reachability.POD_IP)
        .models(new VolumeClaim("models", "/m", true)).build(), Clock.systemUTC());
  }

  @AfterEach
  void tearDown() {
    transport.close();
    assertThat(cluster.client().leases().list().getItems()).as("close deletes the anchor").isEmpty();
    cluster.close();
  }

  private LaunchedProcess launch(String... extra) {
    int port = PortAllocator.freePort("127.0.0.1");
    List<String> argv = new ArrayList<>(List.of("llama-server", "--model", "/m/m.gguf", "--host", "127.0.0.1",
        "--port", Integer.toString(port)));
    argv.addAll(List.of(extra));
    return transport.launch(new LaunchRequest(argv, Optional.empty(), Map.of("LLAMA_API_KEY", KEY), true, List.of(),
        "m", Map.of(LaunchRequest.INSTANCE_KEY, "llama_cpp_sdk:m:abc", LaunchRequest.MODEL, "m")));
  }

  private static void awaitLine(LaunchedProcess p, String text) {
    CompletableFuture<OutputLine> seen = new CompletableFuture<>();
    try (var s = p.subscribe(l -> {
      if (l.text().contains(text)) {
        seen.complete(l);
      }
    })) {
      if (p.recentOutput().stream().noneMatch(l -> l.text().contains(text))) {
        assertThat(seen).as("a line with: " + text).succeedsWithin(Duration.ofSeconds(60));
      }
    }
  }

  @Test
  void aPodIsAProcessReachableAtItsPodIpWithItsLogAsOutput() throws Exception {
    LaunchedProcess p = launch();
    assertThat(transport.capabilities().remote()).isTrue();
    assertThat(p.pid()).isEqualTo(-1);
    Optional<InetSocketAddress> at = p.reachableAddress().get(60, TimeUnit.SECONDS);
    assertThat(at).hasValueSatisfying(a -> assertThat(a.getHostString()).isEqualTo("127.0.0.1"));
    awaitLine(p, "server is listening");
    assertThat(p.placement()).containsEntry("execution_surface", "kubernetes_pod").containsEntry("pod_ip", "127.0.0.1");
    List<String> lines = p.recentOutput().stream().map(OutputLine::text).toList();
    assertThat(lines).anyMatch(l -> l.startsWith("[kubernetes] pod llama-m-") && l.contains("created"))
        .anyMatch(l -> l.contains("is running on node"))
        .noneMatch(l -> l.contains(KEY));
    assertThat(lines.stream().filter(l -> l.contains("server is listening")).count())
        .as("a reconnecting log follower repeats no line").isEqualTo(1);

    ExitStatus exit = p.stop(Duration.ofSeconds(5)).get(60, TimeUnit.SECONDS);
    assertThat(exit.termination()).isEqualTo(ExitStatus.Termination.GRACEFUL);
    assertThat(p.isAlive()).isFalse();
    assertThat(cluster.pods()).isEmpty();
    assertThat(cluster.client().secrets().list().getItems()).as("the key's secret is deleted with the pod").isEmpty();
    assertThat(p.stop(Duration.ZERO).get()).as("every stop has the same outcome").isSameAs(exit);
  }

  @Test
  void aServerIgnoringSigtermIsKilledAtTheEndOfTheGrace() throws Exception {
    LaunchedProcess p = launch("--fake-ignore-signals");
    awaitLine(p, "server is listening"); // its signal handlers are in place
    ExitStatus exit = p.stop(Duration.ofSeconds(1)).get(60, TimeUnit.SECONDS);
    assertThat(exit.termination()).isEqualTo(ExitStatus.Termination.FORCED);
    assertThat(exit.signal()).hasValue(9);
    assertThat(cluster.kubelet().deletes().get(0)).as("ours; the kubelet's own removal follows").endsWith("grace=1");
  }

  @Test
  void aGpuPodOnANodeWithoutGpusSaysWhyItWaits() throws Exception {
    transport.close();
    transport = KubernetesTransport.open(KubernetesPlacement.builder().client(cluster.client())
        .namespace(MockCluster.NAMESPACE).reachability(Reachability.POD_IP).gpus(1).build(), Clock.systemUTC());
    LaunchedProcess p = launch();
    awaitLine(p, "is unschedulable: 0/1 nodes are available: 1 Insufficient nvidia.com/gpu");
    assertThat(p.reachableAddress()).isNotDone();
    assertThat(p.isAlive()).isTrue();
    assertThat(p.stop(Duration.ofSeconds(1)).get(30, TimeUnit.SECONDS).requested()).isTrue();
    assertThat(cluster.pods()).isEmpty();
  }

  private static final String LEASES = "/apis/coordination\\.k8s\\.io/v1/namespaces/" + MockCluster.NAMESPACE + "/leases";

  private void reopen(Duration anchorTtl) {
    transport.close();
    transport = KubernetesTransport.open(KubernetesPlacement.builder().client(cluster.client())
        .namespace(MockCluster.NAMESPACE).reachability(Reachability.POD_IP).anchorTtl(anchorTtl)
        .models(new VolumeClaim("models", "/m", true)).build(), Clock.systemUTC());
  }

  private Optional<io.fabric8.kubernetes.api.model.coordination.v1.Lease> lease() {
    return cluster.client().leases().list().getItems().stream().findFirst();
  }

  private java.time.ZonedDateTime renewTime() {
    return lease().map(l -> l.getSpec().getRenewTime()).orElse(null);
  }

  /** Waits for a condition of the API server's contents, polling (there is no event to wait on); fails at the deadline. */
  private static void await(String what, java.util.function.BooleanSupplier condition) {
    long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() < end).as("within 20 s: " + what).isTrue();
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
  }

  /** Waits until the anchor's renewTime is later than {@code after}. */
  private void awaitRenewedAfter(java.time.ZonedDateTime after, String why) {
    await(why, () -> {
      java.time.ZonedDateTime t = renewTime();
      return t != null && t.isAfter(after);
    });
  }

  @Test
  void theAnchorKeepsBeingRenewedAfterARenewalAndAReCreateFail() throws Exception {
    reopen(Duration.ofSeconds(3)); // renewed every second
    LaunchedProcess p = launch();
    try {
      p.reachableAddress().get(60, TimeUnit.SECONDS);
      String uid = lease().orElseThrow().getMetadata().getUid();

      // not a 5xx: fabric8 retries those itself, the anchor would never see the failure
      cluster.failRequests("PATCH", LEASES + "/.*", 403, 1); // one renewal fails
      await("the renewal failed", () -> cluster.failedRequests() == 1);
      awaitRenewedAfter(renewTime(), "renewed after a failed renewal");

      cluster.failRequests("POST", LEASES + "(\\?.*)?", 409, 1); // the re-create fails once
      cluster.client().leases().withName(lease().orElseThrow().getMetadata().getName()).delete(); // judged stale
      await("the lease is recreated after a failed re-create",
          () -> lease().filter(l -> !l.getMetadata().getUid().equals(uid)).isPresent());
      assertThat(cluster.failedRequests()).as("the re-create failed first").isEqualTo(2);
      awaitRenewedAfter(renewTime(), "the recreated lease is renewed");
    } finally {
      p.stop(Duration.ofSeconds(1)).get(60, TimeUnit.SECONDS);
    }
  }

  /**
   * A Lease removed by someone else is recreated with a new UID, and the session's pod and key secret
   * are pointed at it: the cluster's garbage collector removes dependents whose owner UID is gone (the
   * mock server has no collector, so the owner references are what is checked). A refused update is
   * tried again at the next renewal.
   */
  @Test
  void theRecreatedAnchorAdoptsTheSessionsPodAndSecret() throws Exception {
    reopen(Duration.ofSeconds(3)); // renewed every second
    LaunchedProcess p = launch();
    try {
      p.reachableAddress().get(60, TimeUnit.SECONDS);
      String lost = lease().orElseThrow().getMetadata().getUid();
      assertThat(ownerUids()).as("pod and secret name the anchor").containsOnly(lost).hasSize(2);

      cluster.failRequests("PATCH", "/api/v1/namespaces/" + MockCluster.NAMESPACE + "/pods/.*", 403, 1);
      cluster.client().leases().withName(lease().orElseThrow().getMetadata().getName()).delete(); // judged stale
      await("the lease is recreated", () -> lease().filter(l -> !l.getMetadata().getUid().equals(lost)).isPresent());
      String now = lease().orElseThrow().getMetadata().getUid();
      await("pod and secret name the new anchor", () -> ownerUids().equals(List.of(now, now)));
      assertThat(cluster.failedRequests()).as("the first adoption was refused, the next one worked").isEqualTo(1);
      assertThat(p.isAlive()).isTrue();
    } finally {
      p.stop(Duration.ofSeconds(1)).get(60, TimeUnit.SECONDS);
    }
  }

  /** The UIDs of the Leases the session's pods and secrets name as owners, pods first. */
  private List<String> ownerUids() {
    List<String> uids = new ArrayList<>();
    for (var pod : cluster.client().pods().list().getItems()) {
      pod.getMetadata().getOwnerReferences().stream().filter(o -> o.getKind().equals("Lease")).forEach(o -> uids.add(o.getUid()));
    }
    for (var secret : cluster.client().secrets().list().getItems()) {
      secret.getMetadata().getOwnerReferences().stream().filter(o -> o.getKind().equals("Lease"))
          .forEach(o -> uids.add(o.getUid()));
    }
    return uids;
  }

  @Test
  void aFailedPodWatchAtTheFirstLaunchIsUndoneAndTheNextLaunchStartsOver() throws Exception {
    cluster.failRequests("GET", "/api/v1/namespaces/" + MockCluster.NAMESPACE
        + "/pods\\?(?!.*watch=true).*labelSelector=llama-cpp-sdk%2Fsession.*", 403, 1);
    assertThatThrownBy(this::launch).isInstanceOf(io.github.llamacppsdk.process.ProcessLaunchException.class)
        .hasMessageContaining("cannot list and watch the session's pods").hasMessageContaining("403")
        .satisfies(e -> assertThat(((io.github.llamacppsdk.core.InferenceException) e).code())
            .isEqualTo(io.github.llamacppsdk.core.ErrorCode.LAUNCH_FAILED));
    assertThat(cluster.failedRequests()).isEqualTo(1);
    assertThat(cluster.client().leases().list().getItems()).as("the lease of the failed start is deleted").isEmpty();
    assertThat(cluster.pods()).isEmpty();

    LaunchedProcess p = launch();
    assertThat(p.reachableAddress().get(60, TimeUnit.SECONDS)).isPresent();
    assertThat(lease()).as("a new anchor").isPresent();
    ExitStatus exit = p.stop(Duration.ofSeconds(5)).get(60, TimeUnit.SECONDS);
    assertThat(exit.termination()).as("its exit is observed: the informer runs").isEqualTo(ExitStatus.Termination.GRACEFUL);
  }
}
