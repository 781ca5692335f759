package io.github.llamacppsdk.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.internal.llama.PortAllocator;
import io.github.llamacppsdk.testing.MockCluster;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shutdown guarantee outside the cluster: an application (a child JVM) starts a pod, then dies by
 * SIGKILL (no shutdown hook, no close). Its pod, secret and anchor stay in the cluster, unrenewed.
 * The next backend that starts in the namespace, once the anchor is stale on its clock, removes
 * them, and the simulated kubelet stops the container.
 */
@Timeout(180)
@ExtendWith(NoLeakedProcesses.class)
class KubernetesOwnerCleanupIT {
  @TempDir Path tmp;

  @Test
  void theNextBackendRemovesThePodsOfAnApplicationThatDied() throws Exception {
    try (MockCluster cluster = MockCluster.withTinyModel(tmp, 1)) {
      Process app = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
          "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
          KubernetesAppMain.class.getName(), cluster.url(), MockCluster.NAMESPACE,
          Integer.toString(PortAllocator.freePort("127.0.0.1"))).redirectErrorStream(true).start();
      List<String> output = new CopyOnWriteArrayList<>();
      CompletableFuture<String> ready = new CompletableFuture<>();
      Thread reader = new Thread(() -> {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(app.getInputStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = in.readLine()) != null) {
            output.add(line);
            if (line.startsWith("READY ")) {
              ready.complete(line);
            }
          }
        } catch (java.io.IOException e) {
          ready.completeExceptionally(e);
        }
        ready.completeExceptionally(new IllegalStateException("the application ended"));
      }, "k8s-app-output");
      reader.setDaemon(true);
      reader.start();
      try {
        assertThat(ready).as("application output: %s", output).succeedsWithin(Duration.ofSeconds(120));
      } finally {
        app.destroyForcibly(); // SIGKILL: no hook, no close
        app.onExit().get(30, TimeUnit.SECONDS);
      }
      List<Pod> left = cluster.pods();
      assertThat(left).as("the dead application's pod is still there").hasSize(1);
      String pod = left.get(0).getMetadata().getName();
      assertThat(cluster.kubelet().runningPods()).containsExactly(pod);
      assertThat(cluster.client().leases().list().getItems()).hasSize(1);
      assertThat(cluster.client().secrets().list().getItems()).hasSize(1);

      // a backend starting now does not touch a fresh anchor ...
      KubernetesPlacement placement = KubernetesPlacement.builder().client(cluster.client())
          .namespace(MockCluster.NAMESPACE).reachability(Reachability.POD_IP).build();
      LlamaCppBackend.builder().kubernetes(placement).build().close();
      assertThat(cluster.pods()).hasSize(1);

      // ... but once the anchor is stale (more than twice its 5 s TTL without renewal), it sweeps
      Clock later = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(5));
      LlamaCppBackend.builder().kubernetes(placement).clock(later).build().close();
      assertThat(cluster.pods()).isEmpty();
      assertThat(cluster.client().secrets().list().getItems()).isEmpty();
      assertThat(cluster.client().leases().list().getItems()).isEmpty();
      assertThat(KubernetesPlacementIT.await(Duration.ofSeconds(20), () -> cluster.kubelet().runningPods().isEmpty()))
          .as("the container is stopped").isTrue();
    }
  }
}
