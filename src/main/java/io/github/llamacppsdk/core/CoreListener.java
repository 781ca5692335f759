package io.github.llamacppsdk.core;

/**
 * Hears what happens in an {@link InferenceCore}. Override the methods you need.
 *
 * <p>Events are delivered in the order they happened, one at a time, never while the core holds a
 * lock, by whichever core or caller thread is flushing the event queue (do not assume a thread). Listeners must be quick and must not block;
 * an exception thrown by a listener is caught and logged at WARN and never breaks the core.
 */
public interface CoreListener {

  /**
   * An instance changed lifecycle or health.
   *
   * @param event the event
   */
  default void onInstanceEvent(CoreEvent.InstanceEvent event) {}

  /**
   * A published endpoint went down, came back, or went away. Lease holders pause requests on {@code
   * DOWN} and resume on {@code UP}.
   *
   * @param event the event
   */
  default void onEndpointEvent(CoreEvent.EndpointEvent event) {}

  /**
   * A lease changed.
   *
   * @param event the event
   */
  default void onLeaseEvent(CoreEvent.LeaseEvent event) {}

  /**
   * A backend registration changed.
   *
   * @param event the event
   */
  default void onBackendEvent(CoreEvent.BackendEvent event) {}

  /**
   * The capacity queued, admitted, evicted or refused an instance.
   *
   * @param event the event
   */
  default void onCapacityEvent(CoreEvent.CapacityEvent event) {}
}
