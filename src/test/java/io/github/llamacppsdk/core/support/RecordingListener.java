package io.github.llamacppsdk.core.support;

import io.github.llamacppsdk.core.CoreEvent;
import io.github.llamacppsdk.core.CoreListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records every event. */
public final class RecordingListener implements CoreListener {
  public final List<CoreEvent> events = new CopyOnWriteArrayList<>();

  @Override
  public void onInstanceEvent(CoreEvent.InstanceEvent event) {
    events.add(event);
  }

  @Override
  public void onEndpointEvent(CoreEvent.EndpointEvent event) {
    events.add(event);
  }

  @Override
  public void onLeaseEvent(CoreEvent.LeaseEvent event) {
    events.add(event);
  }

  @Override
  public void onBackendEvent(CoreEvent.BackendEvent event) {
    events.add(event);
  }

  @Override
  public void onCapacityEvent(CoreEvent.CapacityEvent event) {
    events.add(event);
  }

  public <T extends CoreEvent> List<T> of(Class<T> type) {
    return events.stream().filter(type::isInstance).map(type::cast).toList();
  }
}
