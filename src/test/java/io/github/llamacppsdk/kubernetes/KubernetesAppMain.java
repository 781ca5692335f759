package io.github.llamacppsdk.kubernetes;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.core.ResolveOptions;
import java.time.Duration;

/**
 * An application in a child JVM for {@link KubernetesOwnerCleanupIT}: resolves one pod on the mock
 * cluster, prints {@code READY <base url>}, then waits for its standard input to end (it is killed
 * with SIGKILL long before).
 *
 * <p>Arguments: API server URL, namespace, container port.
 */
public final class KubernetesAppMain {
  private KubernetesAppMain() {}

  public static void main(String[] args) throws Exception {
    KubernetesClient client = new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl(args[0])
        .withNamespace(args[1]).withTrustCerts(true).build()).build();
    KubernetesPlacement placement = KubernetesPlacement.builder().client(client).namespace(args[1])
        .reachability(Reachability.POD_IP).models(new VolumeClaim("models", "/models", true))
        .anchorTtl(Duration.ofSeconds(5)).build();
    LlamaCppBackend backend = LlamaCppBackend.builder().kubernetes(placement).build();
    BootSpec spec = BootSpec.builder("/models/qwen-tiny.gguf").port(Integer.parseInt(args[2]))
        .readyTimeout(Duration.ofSeconds(60)).build();
    Resolution r = backend.resolveEndpoint(spec, ResolveOptions.builder().ownerRef("app").build());
    System.out.println("READY " + r.endpoint().baseUrl());
    System.out.flush();
    while (System.in.read() != -1) {
      // held until killed
    }
  }
}
