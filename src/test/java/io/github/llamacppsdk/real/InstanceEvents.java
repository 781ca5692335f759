package io.github.llamacppsdk.real;

import io.github.llamacppsdk.core.CoreEvent;
import io.github.llamacppsdk.core.CoreListener;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * Records a backend's instance events and completes futures on the first matching event, with the
 * {@link System#nanoTime()} it arrived at: tests wait on these (with a deadline), never on a clock.
 */
final class InstanceEvents implements CoreListener {
  /** An instance event and when this listener heard it. */
  record Heard(CoreEvent.InstanceEvent event, long nanos) {}

  private record Waiter(Predicate<CoreEvent.InstanceEvent> match, CompletableFuture<Heard> heard) {}

  final List<CoreEvent.InstanceEvent> all = new CopyOnWriteArrayList<>();
  private final List<Waiter> waiters = new CopyOnWriteArrayList<>();

  @Override
  public void onInstanceEvent(CoreEvent.InstanceEvent e) {
    long now = System.nanoTime();
    all.add(e);
    waiters.forEach(w -> {
      if (w.match().test(e)) {
        w.heard().complete(new Heard(e, now));
      }
    });
  }

  /**
   * {@return the first event from now on that matches} Register before the action that causes it.
   *
   * @param match which event
   */
  CompletableFuture<Heard> next(Predicate<CoreEvent.InstanceEvent> match) {
    Waiter w = new Waiter(match, new CompletableFuture<>());
    waiters.add(w);
    return w.heard();
  }

  /** {@return the reasons of an instance's events, oldest first} @param instanceId the instance */
  List<String> reasons(String instanceId) {
    return all.stream().filter(e -> e.instanceId().equals(instanceId)).map(CoreEvent.InstanceEvent::reason).toList();
  }
}
