package io.github.llamacppsdk.kubernetes;

/** How this JVM reaches a llama-server pod, and so what the descriptor's base URL is. */
public enum Reachability {
  /** {@link #POD_IP} when this JVM runs in the cluster (it sees {@code KUBERNETES_SERVICE_HOST}), else {@link #PORT_FORWARD}. */
  AUTO,
  /** The pod's IP and container port: for an application inside the cluster. */
  POD_IP,
  /**
   * A port-forward the library opens on {@code 127.0.0.1} and closes with the pod: for an
   * application outside the cluster. Only this JVM can use the descriptor.
   */
  PORT_FORWARD
}
