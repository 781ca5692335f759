package io.github.llamacppsdk.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamacppsdk.core.CoreEvent.CapacityEvent;
import io.github.llamacppsdk.core.CoreEvent.InstanceEvent;
import io.github.llamacppsdk.core.support.FakeBackend;
import io.github.llamacppsdk.core.support.FakeBackend.FakeInstance;
import io.github.llamacppsdk.core.support.ManualScheduler;
import io.github.llamacppsdk.core.support.MutableClock;
import io.github.llamacppsdk.core.support.RecordingListener;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The capacity rules, on the fake backend with a manual clock and scheduler. */
@Timeout(30)
class CapacityTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final ManualScheduler scheduler = new ManualScheduler(clock);
  private final RecordingListener listener = new RecordingListener();
  private final FakeBackend backend = new FakeBackend("fb");
  private final ConsumerManifest consumer = ConsumerManifest.builder("c").build();
  private InferenceCore core;

  {
    backend.readyAtOnce = true;
  }

  private InferenceCore core(Capacity capacity) {
    core = InferenceCore.builder().clock(clock).scheduler(scheduler).listener(listener).capacity(capacity).build();
    core.registerBackend(backend);
    return core;
  }

  @AfterEach
  void close() {
    if (core != null) {
      core.close();
    }
  }

  private static ResolveOptions owner(String owner) {
    return ResolveOptions.builder().ownerRef(owner).awaitTimeout(Duration.ofMinutes(1)).build();
  }

  private Resolution resolve(InstanceSpec spec) {
    return core.resolveEndpoint(spec, consumer, owner("owner-" + spec.backendOptions().get("model")));
  }

  private CompletableFuture<Resolution> resolveAsync(InstanceSpec spec, Duration wait) {
    return core.resolveEndpointAsync(spec, consumer, ResolveOptions.builder()
        .ownerRef("owner-" + spec.backendOptions().get("model")).awaitTimeout(wait).build());
  }

  private FakeInstance started(String model) {
    return backend.started.stream().filter(i -> model.equals(i.plan.metadata().get("model"))).reduce((x, y) -> y)
        .orElseThrow(() -> new AssertionError("never started: " + model));
  }

  private List<String> running() {
    return core.instances().stream().map(s -> String.valueOf(s.metadata().get("model"))).sorted().toList();
  }

  private List<CapacityEvent> capacityEvents(CapacityEvent.Kind kind) {
    return listener.of(CapacityEvent.class).stream().filter(e -> e.kind() == kind).toList();
  }

  private static CapacityExhaustedException exhausted(CompletableFuture<?> f) {
    assertThat(f).isCompletedExceptionally();
    Throwable t = f.handle((v, e) -> e).join();
    while (t.getCause() != null && !(t instanceof CapacityExhaustedException)) {
      t = t.getCause();
    }
    assertThat(t).isInstanceOf(CapacityExhaustedException.class);
    return (CapacityExhaustedException) t;
  }

  /**
   * An instance whose stop failed ({@code STOP_FAILED}: the server may still run) keeps its share of the
   * capacity and its place; the next stop tries again, and when it works the share is free.
   */
  @Test
  void aServerThatCouldNotBeStoppedKeepsItsShareUntilAStopWorks() {
    core(Capacity.maxInstances(1));
    resolve(backend.spec("a")).close();
    started("a").failingStops = 1;

    assertThat(core.stopInstance("fb:a")).failsWithin(Duration.ofSeconds(5))
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .withMessageContaining("STOP_FAILED");
    assertThat(core.instances()).singleElement()
        .satisfies(s -> assertThat(s.lifecycle()).isEqualTo(LifecycleStatus.STOPPING));
    CompletableFuture<Resolution> b = resolveAsync(backend.spec("b"), Duration.ofMinutes(1));
    assertThat(b).as("a's share is still taken").isNotDone();

    assertThat(core.stopInstance("fb:a")).as("the second stop tries again").succeedsWithin(Duration.ofSeconds(5));
    assertThat(started("a").stopCalls).isEqualTo(2);
    b.join().close();
    assertThat(running()).containsExactly("b");
  }

  @Test
  void anEvictionNamesTheLatestResolveThatJoinedTheQueuedInstance() {
    core(Capacity.maxInstances(1));
    Resolution a = resolve(backend.spec("a"));
    CompletableFuture<Resolution> first = core.resolveEndpointAsync(backend.spec("c"), consumer, owner("first"));
    CompletableFuture<Resolution> second = core.resolveEndpointAsync(backend.spec("c"), consumer, owner("second"));
    assertThat(first).isNotDone();
    assertThat(second).isNotDone();

    a.close();

    CapacityEvent evicted = capacityEvents(CapacityEvent.Kind.EVICTED).get(0);
    assertThat(evicted.instanceId()).isEqualTo("fb:a");
    assertThat(evicted.reason()).contains("make room for fb:c", "resolve by owner second");
    first.join().close();
    second.join().close();
  }

  @Test
  void evictsTheLeastRecentlyUsedIdleInstanceWhenANewOneNeedsRoom() {
    core(Capacity.maxInstances(2));
    Resolution a = resolve(backend.spec("a"));
    clock.advance(Duration.ofSeconds(1));
    Resolution b = resolve(backend.spec("b"));
    clock.advance(Duration.ofSeconds(1));
    b.close();
    clock.advance(Duration.ofSeconds(1));
    a.close(); // a was used last: b is the least recently used

    Resolution c = resolve(backend.spec("c"));

    assertThat(started("b").stopCalls).isEqualTo(1);
    assertThat(started("a").stopCalls).isZero();
    assertThat(running()).containsExactly("a", "c");
    CapacityEvent evicted = capacityEvents(CapacityEvent.Kind.EVICTED).get(0);
    assertThat(evicted.instanceId()).isEqualTo("fb:b");
    assertThat(evicted.forInstanceId()).contains("fb:c");
    assertThat(evicted.reason()).contains("make room for fb:c", "resolve by owner owner-c", "least recently used");
    assertThat(listener.of(InstanceEvent.class)).anySatisfy(e -> {
      assertThat(e.instanceId()).isEqualTo("fb:b");
      assertThat(e.lifecycle()).isEqualTo(LifecycleStatus.STOPPING);
      assertThat(e.reason()).contains("evicted to make room for fb:c");
    });
    c.close();
  }

  @Test
  void theNewInstanceLaunchesOnlyOnceTheEvictedOneIsGone() {
    core(Capacity.maxInstances(1));
    resolve(backend.spec("a")).close();
    started("a").stopCompletesAtOnce = false;

    CompletableFuture<Resolution> b = resolveAsync(backend.spec("b"), Duration.ofMinutes(1));

    assertThat(started("a").stopCalls).isEqualTo(1);
    assertThat(backend.started).hasSize(1); // b waits for a's process to be gone
    assertThat(b).isNotDone();
    started("a").stopFuture.complete(null);
    assertThat(b).succeedsWithin(Duration.ofSeconds(5));
    assertThat(backend.started).hasSize(2);
    b.join().close();
  }

  @Test
  void pinnedAndLeasedInstancesAreNeverEvictedAndTheWaitEndsTyped() {
    core(Capacity.maxInstances(2));
    EnsureResult a = core.preload(backend.withMemory("a", 1000), true, Duration.ofMinutes(1));
    Resolution b = resolve(backend.withMemory("b", 2000));

    CompletableFuture<Resolution> c = resolveAsync(backend.spec("c"), Duration.ofSeconds(5));
    assertThat(c).isNotDone();
    assertThat(capacityEvents(CapacityEvent.Kind.QUEUED)).extracting(CapacityEvent::instanceId).containsExactly("fb:c");
    assertThat(core.instance("fb:c")).get().satisfies(s -> {
      assertThat(s.lifecycle()).isEqualTo(LifecycleStatus.STARTING);
      assertThat(s.healthReason()).contains("waiting for capacity");
    });
    scheduler.advance(Duration.ofSeconds(5));

    CapacityExhaustedException e = exhausted(c);
    assertThat(e.code()).isEqualTo(ErrorCode.CAPACITY_EXHAUSTED);
    assertThat(e.neverFits()).isFalse();
    assertThat(e.instanceId()).isEqualTo("fb:c");
    assertThat(e.holders()).extracting(CapacityExhaustedException.Holder::instanceId).containsExactly("fb:a", "fb:b");
    assertThat(e.holders().get(0).pinned()).isTrue();
    assertThat(e.holders().get(0).estimate().bytes()).isEqualTo(1000);
    assertThat(e.holders().get(1).leaseOwners()).containsExactly("owner-b");
    assertThat(e.holders().get(1).estimate().bytes()).isEqualTo(2000);
    assertThat(e.getMessage()).contains("was not admitted within PT5S", "fb:a", "pinned", "owner-b", "1000 B");
    assertThat(backend.started).hasSize(2); // c never launched
    assertThat(started("a").stopCalls + started("b").stopCalls).isZero();
    assertThat(running()).containsExactly("a", "b"); // c left the registry with its last caller
    assertThat(a.instance().pinned()).isTrue();
    b.close();
  }

  @Test
  void waitersAreAdmittedInOrderOfArrivalAsLeasesAreReleased() {
    core(Capacity.maxInstances(1));
    Resolution a = resolve(backend.spec("a"));
    CompletableFuture<Resolution> c = resolveAsync(backend.spec("c"), Duration.ofMinutes(1));
    CompletableFuture<Resolution> d = resolveAsync(backend.spec("d"), Duration.ofMinutes(1));
    assertThat(c).isNotDone();
    assertThat(d).isNotDone();

    a.close(); // a is now idle: evicted for c, the first in line
    assertThat(c).succeedsWithin(Duration.ofSeconds(5));
    assertThat(d).isNotDone(); // c holds a lease
    c.join().close();
    assertThat(d).succeedsWithin(Duration.ofSeconds(5));

    assertThat(capacityEvents(CapacityEvent.Kind.ADMITTED)).extracting(CapacityEvent::instanceId)
        .containsExactly("fb:c", "fb:d");
    assertThat(capacityEvents(CapacityEvent.Kind.EVICTED)).extracting(CapacityEvent::instanceId)
        .containsExactly("fb:a", "fb:c");
    d.join().close();
  }

  @Test
  void stoppingAnInstanceLetsTheNextWaiterIn() {
    core(Capacity.maxInstances(1));
    Resolution a = resolve(backend.spec("a"));
    CompletableFuture<Resolution> b = resolveAsync(backend.spec("b"), Duration.ofMinutes(1));
    assertThat(b).isNotDone();
    core.stopInstance(a.instance().instanceId()).join();
    assertThat(b).succeedsWithin(Duration.ofSeconds(5));
    b.join().close();
  }

  @Test
  void aSpecThatCanNeverFitFailsAtOnceAndStartsNothing() {
    core(Capacity.memoryBudget(1000));
    CompletableFuture<Resolution> big = resolveAsync(backend.withMemory("big", 2000), Duration.ofMinutes(10));

    CapacityExhaustedException e = exhausted(big);
    assertThat(e.neverFits()).isTrue();
    assertThat(e.needed().bytes()).isEqualTo(2000);
    assertThat(e.getMessage()).contains("can never fit", "memoryBudget=1000 B");
    assertThat(backend.started).isEmpty();
    assertThat(core.instances()).isEmpty();
    assertThat(capacityEvents(CapacityEvent.Kind.REFUSED)).extracting(CapacityEvent::instanceId)
        .containsExactly("fb:big");
    assertThatThrownBy(() -> resolve(backend.withMemory("big", 2000)))
        .isInstanceOf(CapacityExhaustedException.class);
  }

  @Test
  void aMemoryBudgetEvictsAsManyAsNeededLeastRecentlyUsedFirst() {
    core(Capacity.memoryBudget(10_000));
    for (String m : List.of("a", "b", "c")) {
      resolve(backend.withMemory(m, m.equals("a") ? 4000 : 3000)).close();
      clock.advance(Duration.ofSeconds(1));
    }
    // a (4000) and b (3000) are the oldest; evicting a alone frees 4000 < 5000
    Resolution x = resolve(backend.withMemory("x", 5000));
    assertThat(started("a").stopCalls).isEqualTo(1);
    assertThat(started("b").stopCalls).isEqualTo(1);
    assertThat(started("c").stopCalls).isZero();
    assertThat(running()).containsExactly("c", "x");
    x.close();
  }

  @Test
  void anInstanceYoungerThanTheMinimumResidencyIsNotEvicted() {
    core(Capacity.maxInstances(1).withMinResidency(Duration.ofSeconds(30)));
    resolve(backend.spec("a")).close();
    scheduler.advance(Duration.ofSeconds(10));

    CompletableFuture<Resolution> b = resolveAsync(backend.spec("b"), Duration.ofMinutes(1));
    assertThat(b).isNotDone();
    scheduler.advance(Duration.ofSeconds(19));
    assertThat(started("a").stopCalls).isZero();
    assertThat(b).isNotDone();
    scheduler.advance(Duration.ofSeconds(1)); // a has been ready for 30 s
    assertThat(started("a").stopCalls).isEqualTo(1);
    assertThat(b).succeedsWithin(Duration.ofSeconds(5));
    b.join().close();
  }

  @Test
  void aCallerWhoGivesUpLeavesTheInstanceQueuedForTheOthers() {
    core(Capacity.maxInstances(1));
    Resolution a = resolve(backend.spec("a"));
    CompletableFuture<Resolution> impatient = resolveAsync(backend.spec("b"), Duration.ofSeconds(1));
    CompletableFuture<Resolution> patient = resolveAsync(backend.spec("b"), Duration.ofMinutes(1));
    scheduler.advance(Duration.ofSeconds(1));
    assertThat(exhausted(impatient).instanceId()).isEqualTo("fb:b");
    assertThat(patient).isNotDone();
    a.close();
    assertThat(patient).succeedsWithin(Duration.ofSeconds(5));
    assertThat(backend.started).hasSize(2);
    patient.join().close();
  }

  @Test
  void aStopWhileQueuedFailsTheWaitersAndLaunchesNothing() {
    core(Capacity.maxInstances(1));
    Resolution a = resolve(backend.spec("a"));
    CompletableFuture<Resolution> b = resolveAsync(backend.spec("b"), Duration.ofMinutes(1));
    core.stopInstance("fb:b").join();
    assertThat(b).failsWithin(Duration.ofSeconds(5)).withThrowableThat().havingCause()
        .isInstanceOfSatisfying(InferenceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STOPPED));
    a.close();
    assertThat(backend.started).hasSize(1);
    assertThat(running()).containsExactly("a");
  }

  @Test
  void snapshotsShowTheEstimateAndThePin() {
    core(Capacity.unlimited());
    EnsureResult pinned = core.preload(backend.withMemory("a", 1234), true, Duration.ofMinutes(1));
    EnsureResult plain = core.ensureInstance(backend.spec("b"), Duration.ofMinutes(1));
    assertThat(pinned.instance().memoryEstimate()).isEqualTo(MemoryEstimate.declared(1234,
        "the fake's memory option"));
    assertThat(pinned.instance().pinned()).isTrue();
    assertThat(plain.instance().memoryEstimate().source()).isEqualTo(MemoryEstimate.Source.UNKNOWN);
    assertThat(plain.instance().pinned()).isFalse();
    // preloading a running instance pinned pins it
    assertThat(core.preload(backend.spec("b"), true, Duration.ofMinutes(1)).instance().pinned()).isTrue();
  }

  @Test
  void anUnlimitedCapacityNeverQueuesOrEvicts() {
    core(Capacity.unlimited());
    for (int i = 0; i < 20; i++) {
      resolve(backend.withMemory("m" + i, Long.MAX_VALUE / 2)).close();
    }
    assertThat(core.instances()).hasSize(20);
    assertThat(listener.of(CapacityEvent.class)).isEmpty();
  }

  /** Counts live fake processes (started, stop not complete) and their estimated bytes. */
  private static final class CountingBackend extends FakeBackend {
    final AtomicInteger live = new AtomicInteger();
    final AtomicInteger maxLive = new AtomicInteger();
    final AtomicLong liveBytes = new AtomicLong();
    final AtomicLong maxBytes = new AtomicLong();

    CountingBackend() {
      super("fb");
      readyAtOnce = true;
    }

    @Override
    public ManagedInstance start(Options spec, StartupPlan plan, InstanceContext context) {
      long bytes = ((Number) spec.get("memory")).longValue();
      maxLive.accumulateAndGet(live.incrementAndGet(), Math::max);
      maxBytes.accumulateAndGet(liveBytes.addAndGet(bytes), Math::max);
      FakeInstance i = (FakeInstance) super.start(spec, plan, context);
      i.stopFuture.whenComplete((v, e) -> {
        live.decrementAndGet();
        liveBytes.addAndGet(-bytes);
      });
      return i;
    }
  }

  @Test
  void concurrentResolvesRacingForTheLastSlotNeverGoOverTheCapacity() throws Exception {
    CountingBackend counting = new CountingBackend();
    core = InferenceCore.builder().clock(clock).scheduler(scheduler)
        .capacity(Capacity.maxInstances(3).and(Capacity.memoryBudget(5000))).build();
    core.registerBackend(counting);
    int threads = 12;
    int rounds = 25;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<CompletableFuture<Integer>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int seed = t;
        done.add(CompletableFuture.supplyAsync(() -> {
          try {
            go.await();
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
          int ok = 0;
          for (int r = 0; r < rounds; r++) {
            int m = (seed * 7 + r) % 8;
            InstanceSpec spec = InstanceSpec.of("fb", StartupKind.SPAWNED,
                Map.of("model", "m" + m, "memory", 1000L + 500L * (m % 3)));
            try (Resolution res = core.resolveEndpoint(spec, consumer, owner("t" + seed))) {
              ok += res.lease().isActive() ? 1 : 0;
            }
          }
          return ok;
        }, pool));
      }
      go.countDown();
      int total = 0;
      for (CompletableFuture<Integer> f : done) {
        total += f.get(20, TimeUnit.SECONDS);
      }
      assertThat(total).isEqualTo(threads * rounds);
      assertThat(counting.maxLive.get()).isBetween(1, 3);
      assertThat(counting.maxBytes.get()).isLessThanOrEqualTo(5000);
      assertThat(counting.started.size()).isGreaterThan(3); // they really did evict each other
    } finally {
      pool.shutdownNow();
    }
  }
}
