package io.github.llamacppsdk.internal.llama;

import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.kubernetes.KubernetesPlacement;
import io.github.llamacppsdk.process.ProcessTransport;
import java.time.Clock;

/**
 * Not API. The one door from the facade to the Kubernetes transport. Its signature names no fabric8
 * type, so the facade links and runs without the optional client; the Kubernetes classes are loaded
 * only when this method runs.
 */
public final class KubernetesTransports {
  private KubernetesTransports() {}

  /**
   * {@return the Kubernetes transport for a placement}
   *
   * @param placement where pods run
   * @param clock the clock anchors are stamped with
   * @throws InferenceException {@link ErrorCode#LAUNCH_FAILED} naming the missing dependency when
   *     fabric8 is not on the class path, or when the cluster cannot be reached
   */
  public static ProcessTransport open(KubernetesPlacement placement, Clock clock) {
    try {
      return io.github.llamacppsdk.internal.kubernetes.KubernetesTransport.open(placement, clock);
    } catch (NoClassDefFoundError e) {
      throw new InferenceException(ErrorCode.LAUNCH_FAILED, "the Kubernetes placement needs io.fabric8:kubernetes-client and "
          + "io.fabric8:kubernetes-httpclient-jdk on the class path (see guides/kubernetes.md): " + e.getMessage(), e);
    }
  }
}
