package io.github.llamacppsdk.internal.llama;

import io.github.llamacppsdk.RestartPolicy;
import io.github.llamacppsdk.internal.probe.ReadinessProber;
import io.github.llamacppsdk.process.ProcessTransport;
import java.util.Objects;

/**
 * Not API. What every llama instance of one backend shares: the process transport, the prober (and
 * its HTTP client), the restart policy and the health hysteresis.
 *
 * @param transport launches the servers
 * @param prober probes readiness and health
 * @param restartPolicy what to do when a ready server crashes
 * @param healthThreshold consecutive agreeing health polls needed to change state
 * @param builds what each binary is and accepts (learned once per binary)
 * @param perInstanceKeys whether a spawned server with no key gets a random key of its own
 * @param serverPull what a server that pulls a named model itself gets (remote transports only)
 */
public record LlamaServices(ProcessTransport transport, ReadinessProber prober, RestartPolicy restartPolicy,
    int healthThreshold, ServerBuilds builds, boolean perInstanceKeys, ServerPull serverPull) {

  /** Services whose servers never pull a model themselves. */
  public LlamaServices(ProcessTransport transport, ReadinessProber prober, RestartPolicy restartPolicy,
      int healthThreshold, ServerBuilds builds, boolean perInstanceKeys) {
    this(transport, prober, restartPolicy, healthThreshold, builds, perInstanceKeys, ServerPull.none());
  }

  /** Validates the components. */
  public LlamaServices {
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(prober, "prober");
    Objects.requireNonNull(restartPolicy, "restartPolicy");
    Objects.requireNonNull(builds, "builds");
    Objects.requireNonNull(serverPull, "serverPull");
    if (healthThreshold < 1) {
      throw new IllegalArgumentException("healthThreshold must be >= 1");
    }
  }
}
