package io.github.llamacppsdk.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamacppsdk.core.CoreEvent.LeaseEvent;
import io.github.llamacppsdk.core.support.FakeBackend;
import io.github.llamacppsdk.core.support.ManualScheduler;
import io.github.llamacppsdk.core.support.MutableClock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ListenerExecutorTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final ManualScheduler scheduler = new ManualScheduler(clock);
  private final FakeBackend backend = new FakeBackend("fb");
  private final ExecutorService pool = Executors.newFixedThreadPool(4, r -> new Thread(r, "listener-pool"));
  private final InferenceCore core = InferenceCore.builder().clock(clock).scheduler(scheduler).build();

  @AfterEach
  void close() throws InterruptedException {
    core.close();
    pool.shutdown();
    assertThat(pool.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aListenerGivenAnExecutorHearsEveryEventThereInOrder() throws InterruptedException {
    BlockingQueue<String> heard = new ArrayBlockingQueue<>(100);
    core.addListener(new CoreListener() {
      @Override
      public void onLeaseEvent(LeaseEvent e) {
        heard.add(Thread.currentThread().getName() + " " + e.leaseRef() + " " + e.kind());
      }
    }, pool);
    backend.readyAtOnce = true;
    core.registerBackend(backend);
    ConsumerManifest consumer = ConsumerManifest.builder("c").build();
    List<String> expected = new ArrayList<>();
    for (int i = 1; i <= 20; i++) {
      core.resolveEndpoint(backend.spec("m"), consumer, ResolveOptions.defaults()).close();
      expected.add("listener-pool lease-" + i + " ACQUIRED");
      expected.add("listener-pool lease-" + i + " RELEASED");
    }
    List<String> got = new ArrayList<>();
    while (got.size() < expected.size()) {
      String next = heard.poll(5, TimeUnit.SECONDS);
      assertThat(next).as("event %d of %d", got.size() + 1, expected.size()).isNotNull();
      got.add(next);
    }
    assertThat(got).containsExactlyElementsOf(expected);
  }

  @Test
  void aRefusingExecutorDropsTheEventsAndNeverBreaksTheCore() {
    pool.shutdown();
    core.addListener(new CoreListener() { }, pool);
    backend.readyAtOnce = true;
    core.registerBackend(backend);
    try (Resolution r = core.resolveEndpoint(backend.spec("m"), ConsumerManifest.builder("c").build(),
        ResolveOptions.defaults())) {
      assertThat(r.lease().isActive()).isTrue();
    }
  }
}
