package io.github.llamacppsdk.kubernetes;

import static io.github.llamacppsdk.kubernetes.KubernetesPlacementIT.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.core.Secret;
import io.github.llamacppsdk.core.EndpointDescriptor;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.core.ResolveOptions;
import io.github.llamacppsdk.internal.llama.PortAllocator;
import io.github.llamacppsdk.testing.MockCluster;
import io.github.llamacppsdk.testing.MockClusterTest;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link Reachability#PORT_FORWARD}, for an application outside the cluster: the library opens a
 * port-forward (fabric8's WebSocket forwarding) when the container runs, readiness, health and the
 * descriptor use its local end, and it is closed when the pod ends. The mock cluster answers the
 * {@code portforward} upgrade with the Kubernetes port-forward protocol, bridged to the simulated pod.
 */
@Timeout(120)
@ExtendWith(NoLeakedProcesses.class)
class KubernetesPortForwardIT extends MockClusterTest {
  private static final String KEY = "sk-k8s-forward-0123456789";

  @Test
  void anApplicationOutsideTheClusterChatsThroughAForwardTheLibraryOwnsAndClosesOnStop() throws Exception {
    backend = LlamaCppBackend.builder().kubernetes(KubernetesPlacement.builder().client(cluster.client())
        .namespace(MockCluster.NAMESPACE).reachability(Reachability.PORT_FORWARD)
        .models(new VolumeClaim("models", "/models", true)).anchorTtl(Duration.ofSeconds(30)).build()).build();
    int podPort = PortAllocator.freePort("127.0.0.1");
    BootSpec spec = BootSpec.builder("/models/qwen-tiny.gguf").port(podPort).apiKey(Secret.of(KEY))
        .readyTimeout(Duration.ofSeconds(60)).stopTimeout(Duration.ofSeconds(2)).build();

    String id;
    int localPort;
    try (Resolution r = backend.resolveEndpoint(spec, ResolveOptions.builder().ownerRef("forward-it").build())) {
      EndpointDescriptor endpoint = r.endpoint();
      id = r.instance().instanceId();
      URI base = URI.create(endpoint.baseUrl());
      localPort = base.getPort();
      assertThat(base.getHost()).isEqualTo("127.0.0.1");
      assertThat(localPort).as("the forward's local end, not the pod's port").isNotEqualTo(podPort);
      assertThat(endpoint.metadata()).containsEntry("execution_surface", "kubernetes_pod")
          .containsEntry("container_port", podPort);
      int before = cluster.kubelet().portForwardsOpened();
      assertThat(before).as("readiness probed through the forward").isPositive();

      assertThat(chat(endpoint)).contains("chat.completion");
      assertThat(chat(endpoint)).contains("chat.completion");
      assertThat(cluster.kubelet().portForwardsOpened()).as("the chats went through the forward").isGreaterThan(before);
      assertThat(r.instance().healthReason()).doesNotContain(KEY);
    }

    backend.stopInstance(id).get(60, TimeUnit.SECONDS);
    assertThat(await(Duration.ofSeconds(10), () -> !accepts(localPort))).as("the forward's local port is closed").isTrue();
    assertThat(await(Duration.ofSeconds(10), () -> cluster.kubelet().portForwardsOpen() == 0))
        .as("no connection bridged to the pod is left: %s open", cluster.kubelet().portForwardsOpen()).isTrue();
    assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), localPort).close())
        .isInstanceOf(ConnectException.class);
  }

  private static boolean accepts(int port) {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
