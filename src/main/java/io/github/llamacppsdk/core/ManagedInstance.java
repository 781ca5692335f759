package io.github.llamacppsdk.core;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * A backend's handle on one running (or attached) service, returned by {@link
 * Backend#start}. The core owns it from then on.
 *
 * <p>Implementations are thread-safe.
 */
public interface ManagedInstance {

  /**
   * {@return a future that completes with what the instance serves once it is ready, or fails with an
   * {@link InferenceException} that explains why it never became ready} The core publishes it as an
   * {@link EndpointDescriptor} with the ids, kinds and lease references it owns.
   */
  CompletableFuture<ServedEndpoint> ready();

  /**
   * Stops the service (a spawned process) or stops watching it (an attached service). Idempotent and
   * safe from several threads; the returned future completes when the process is gone. A stop while
   * starting makes {@link #ready()} fail with {@link ErrorCode#STOPPED}.
   *
   * @return a future that completes when the instance is fully stopped
   */
  CompletableFuture<Void> stop();

  /**
   * {@return whether the service may still serve, as far as a cheap local check can tell} The core asks
   * on every handout of a ready instance, outside its locks, so it must be cheap (microseconds) and
   * never block. A spawned process that has died answers false even before its exit is observed and
   * reported; the core then treats the instance as {@link LifecycleStatus#RECOVERING} (not handed out)
   * until the backend reports what happens next. The default is true.
   */
  default boolean isAlive() {
    return true;
  }

  /**
   * {@return the process facts of a spawned server (pid, port, base URL, build, masked command), for
   * {@link InstanceSnapshot#process()}; empty for a service the backend does not run} Called for every
   * snapshot, so it must be cheap and never block. The default has none.
   */
  default Optional<ServerProcess> process() {
    return Optional.empty();
  }

  /**
   * {@return other backend facts for snapshots (e.g. what the model file says, where a pod runs), as free-form
   * extras in {@link InstanceSnapshot#metadata()}; never secrets} Process facts belong in {@link #process()}.
   */
  default Map<String, Object> details() {
    return Map.of();
  }

  /**
   * {@return the service's resident memory in bytes now, if the backend can read it} Called for every
   * snapshot, so it must be cheap (a cached reading is fine). The default knows nothing.
   */
  default OptionalLong residentMemoryBytes() {
    return OptionalLong.empty();
  }
}
