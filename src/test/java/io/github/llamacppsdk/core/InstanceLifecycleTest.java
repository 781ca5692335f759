package io.github.llamacppsdk.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class InstanceLifecycleTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final ManualScheduler scheduler = new ManualScheduler(clock);
  private final RecordingListener listener = new RecordingListener();
  private final FakeBackend backend = new FakeBackend("fb");
  private final ConsumerManifest consumer = ConsumerManifest.builder("c").build();
  private final InferenceCore core =
      InferenceCore.builder().clock(clock).scheduler(scheduler).listener(listener).build();

  {
    core.registerBackend(backend);
  }

  @AfterEach
  void close() {
    core.close();
  }

  private CompletableFuture<Resolution> resolveAsync(InstanceSpec spec) {
    return core.resolveEndpointAsync(spec, consumer, ResolveOptions.defaults());
  }

  private static Consumer<Throwable> code(ErrorCode expected) {
    return t -> assertThat(t).isInstanceOfSatisfying(InferenceException.class,
        e -> assertThat(e.code()).isEqualTo(expected));
  }

  private static void assertFailsWith(CompletableFuture<?> f, ErrorCode code) {
    assertThat(f).failsWithin(Duration.ofSeconds(5)).withThrowableThat().havingCause()
        .isInstanceOfSatisfying(InferenceException.class, e -> assertThat(e.code()).isEqualTo(code));
  }

  @Test
  void hundredConcurrentResolvesStartOneInstance() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(100);
    try {
      CountDownLatch go = new CountDownLatch(1);
      CountDownLatch entered = new CountDownLatch(100);
      List<CompletableFuture<Resolution>> results = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        results.add(CompletableFuture.supplyAsync(() -> {
          entered.countDown();
          try {
            go.await();
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
          return core.resolveEndpoint(backend.spec("m"), consumer, ResolveOptions.defaults());
        }, pool));
      }
      assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
      go.countDown();
      FakeInstance started = awaitStarted(1);
      started.becomeReady();
      CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
      List<Resolution> rs = results.stream().map(CompletableFuture::join).toList();
      assertThat(backend.started).hasSize(1);
      assertThat(rs).extracting(r -> r.endpoint().baseUrl()).containsOnly(started.endpoint().baseUrl());
      assertThat(rs).extracting(r -> r.lease().leaseRef()).doesNotHaveDuplicates().hasSize(100);
      assertThat(rs).filteredOn(r -> !r.reused()).hasSize(1);
      assertThat(core.instances()).singleElement().extracting(InstanceSnapshot::leaseCount).isEqualTo(100);
      rs.forEach(Resolution::close);
      assertThat(core.instances().get(0).leaseCount()).isZero();
    } finally {
      pool.shutdownNow();
    }
  }

  private FakeInstance awaitStarted(int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (backend.started.size() < n && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(backend.started).hasSize(n);
    return backend.last();
  }

  @Test
  void aCallerThatSeesAStartFailureSeesNoRegistryEntry() {
    CompletableFuture<List<InstanceSnapshot>> seenAtFailure = resolveAsync(backend.spec("m"))
        .handle((r, t) -> core.instances());
    backend.last().ready.completeExceptionally(new InferenceException(ErrorCode.READINESS_TIMEOUT, "too slow"));
    assertThat(seenAtFailure).succeedsWithin(Duration.ofSeconds(5)).asList().isEmpty();
  }

  @Test
  void allWaitersShareAFailureAndAFailedStartIsNotCached() {
    CompletableFuture<Resolution> a = resolveAsync(backend.spec("m"));
    CompletableFuture<EnsureResult> b = core.ensureInstanceAsync(backend.spec("m"), Duration.ofMinutes(1));
    backend.last().ready.completeExceptionally(
        new InferenceException(ErrorCode.EXITED_BEFORE_READY, "llama-server exited with status 1"));
    assertFailsWith(a, ErrorCode.EXITED_BEFORE_READY);
    assertFailsWith(b, ErrorCode.EXITED_BEFORE_READY);
    assertThat(core.instances()).isEmpty();
    assertThat(backend.last().stopCalls).as("cleaned up").isEqualTo(1);
    assertThat(listener.of(InstanceEvent.class)).extracting(InstanceEvent::lifecycle)
        .containsExactly(LifecycleStatus.STARTING, LifecycleStatus.FAILED);

    backend.readyAtOnce = true;
    EnsureResult again = core.ensureInstance(backend.spec("m"), Duration.ofMinutes(1));
    assertThat(again.reused()).isFalse();
    assertThat(backend.started).hasSize(2);
    assertThat(again.instance().lifecycle()).isEqualTo(LifecycleStatus.READY);
    assertThat(again.instance().health()).isEqualTo(HealthStatus.HEALTHY);
    assertThat(again.instance().readyAt()).contains(clock.instant());
    assertThat(again.instance().metadata()).containsEntry("model", "m").containsEntry("port", 40002);
  }

  @Test
  void syncFailuresAreRecreatedOnTheCallersThreadWithTheSharedOriginalAsCause() {
    InferenceException original = new InferenceException(ErrorCode.READINESS_TIMEOUT, "not ready in PT2M");
    backend.planOverride = null;
    FakeBackend failing = new FakeBackend("fails") {
      @Override
      public ManagedInstance start(FakeBackend.Options spec, StartupPlan plan, InstanceContext context) {
        ManagedInstance i = super.start(spec, plan, context);
        ((FakeInstance) i).ready.completeExceptionally(original);
        return i;
      }
    };
    core.registerBackend(failing);
    assertThatThrownBy(() -> core.resolveEndpoint(failing.spec("m"), consumer, ResolveOptions.defaults()))
        .isInstanceOfSatisfying(InferenceException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.READINESS_TIMEOUT);
          assertThat(e.detail()).isEqualTo("not ready in PT2M");
          assertThat(e.getCause()).isSameAs(original);
        });
  }

  @Test
  void planAndStartThrowingAreTyped() {
    backend.planOverride = s -> {
      throw new IllegalStateException("boom in plan");
    };
    assertThatThrownBy(() -> core.ensureInstance(backend.spec("m"), Duration.ofMinutes(1)))
        .isInstanceOfSatisfying(InferenceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL))
        .hasRootCauseInstanceOf(IllegalStateException.class).hasMessageContaining("plan()");
    backend.planOverride = s -> {
      throw new InferenceException(ErrorCode.INVALID_SPEC, "model_path missing");
    };
    assertThatThrownBy(() -> core.ensureInstance(backend.spec("m"), Duration.ofMinutes(1)))
        .hasMessage("INVALID_SPEC: model_path missing");
    backend.planOverride = null;

    backend.startThrows = new IllegalArgumentException("boom in start");
    assertThatThrownBy(() -> core.resolveEndpoint(backend.spec("m"), consumer, ResolveOptions.defaults()))
        .isInstanceOfSatisfying(InferenceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL))
        .hasRootCauseInstanceOf(IllegalArgumentException.class);
    backend.startThrows = new InferenceException(ErrorCode.LAUNCH_FAILED, "binary not found");
    assertFailsWith(resolveAsync(backend.spec("m")), ErrorCode.LAUNCH_FAILED);
    assertThat(core.instances()).isEmpty();
    backend.startThrows = null;

    CompletableFuture<Resolution> f = resolveAsync(backend.spec("m"));
    backend.last().ready.completeExceptionally(new IllegalStateException("backend bug"));
    assertFailsWith(f, ErrorCode.INTERNAL);
  }

  @Test
  void unregisteredBackendAndClosedCoreAreTyped() {
    InstanceSpec spec = InstanceSpec.of("nobody", null, Map.of());
    assertThatThrownBy(() -> core.ensureInstance(spec, Duration.ZERO)).isInstanceOfSatisfying(
        InferenceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_UNREGISTERED));
    core.close();
    assertThatThrownBy(() -> core.resolveEndpoint(backend.spec("m"), consumer, ResolveOptions.defaults()))
        .satisfies(code(ErrorCode.CLOSED));
    assertFailsWith(resolveAsync(backend.spec("m")), ErrorCode.CLOSED);
  }

  @Test
  void waitTimeoutLeavesTheInstanceStartingForOthers() {
    CompletableFuture<Resolution> patient = resolveAsync(backend.spec("m"));
    CompletableFuture<Resolution> hasty = core.resolveEndpointAsync(backend.spec("m"), consumer,
        ResolveOptions.builder().awaitTimeout(Duration.ofSeconds(10)).build());
    scheduler.advance(Duration.ofSeconds(10));
    assertFailsWith(hasty, ErrorCode.WAIT_TIMEOUT);
    assertThat(core.instances().get(0).lifecycle()).isEqualTo(LifecycleStatus.STARTING);
    backend.last().becomeReady();
    assertThat(patient).succeedsWithin(Duration.ofSeconds(5));
    assertThat(backend.last().stopCalls).isZero();

    // Synchronous twin with a real scheduler: a zero wait times out at once.
    try (InferenceCore real = InferenceCore.create()) {
      FakeBackend slow = new FakeBackend("slow");
      real.registerBackend(slow);
      assertThatThrownBy(() -> real.ensureInstance(slow.spec("m"), Duration.ZERO))
          .satisfies(code(ErrorCode.WAIT_TIMEOUT)).hasMessageContaining("keeps starting");
      assertThat(real.instances()).singleElement().extracting(InstanceSnapshot::lifecycle)
          .isEqualTo(LifecycleStatus.STARTING);
    }
    assertThat(backend.started).hasSize(1);
  }

  @Test
  void stopDuringStartAnswersWaitersWithStopped() {
    CompletableFuture<Resolution> a = resolveAsync(backend.spec("m"));
    CompletableFuture<Void> stopped = core.stopInstance("fb:m");
    assertFailsWith(a, ErrorCode.STOPPED);
    assertThat(stopped).isCompleted();
    assertThat(backend.last().stopCalls).isEqualTo(1);
    assertThat(core.instances()).isEmpty();
    assertThat(listener.of(InstanceEvent.class)).extracting(InstanceEvent::lifecycle)
        .containsExactly(LifecycleStatus.STARTING, LifecycleStatus.STOPPING, LifecycleStatus.STOPPED);
  }

  @Test
  void aResolveDuringStoppingWaitsForTheStopThenStartsAfresh() {
    backend.readyAtOnce = true;
    core.ensureInstance(backend.spec("m"), Duration.ofMinutes(1));
    FakeInstance first = backend.last();
    first.stopCompletesAtOnce = false;
    CompletableFuture<Void> stopping = core.stopInstance("fb:m");
    assertThat(core.instance("fb:m").orElseThrow().lifecycle()).isEqualTo(LifecycleStatus.STOPPING);
    CompletableFuture<Resolution> next = resolveAsync(backend.spec("m"));
    assertThat(next).isNotDone();
    assertThat(backend.started).hasSize(1);
    first.stopFuture.complete(null);
    assertThat(stopping).isCompleted();
    assertThat(next).succeedsWithin(Duration.ofSeconds(5)).extracting(Resolution::reused).isEqualTo(false);
    assertThat(backend.started).hasSize(2);
  }

  @Test
  void interruptedCallerGetsInterruptedAndTheLonelyHalfStartedInstanceIsStopped() {
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> core.resolveEndpoint(backend.spec("m"), consumer, ResolveOptions.defaults()))
          .satisfies(code(ErrorCode.INTERRUPTED));
      assertThat(Thread.currentThread().isInterrupted()).as("flag restored").isTrue();
    } finally {
      Thread.interrupted();
    }
    assertThat(backend.last().stopCalls).isEqualTo(1);
    assertThat(core.instances()).isEmpty();

    CompletableFuture<Resolution> other = resolveAsync(backend.spec("n"));
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> core.ensureInstance(backend.spec("n"), Duration.ofMinutes(1)))
          .satisfies(code(ErrorCode.INTERRUPTED));
    } finally {
      Thread.interrupted();
    }
    assertThat(backend.last().stopCalls).as("another caller still waits").isZero();
    backend.last().becomeReady();
    assertThat(other).succeedsWithin(Duration.ofSeconds(5));
  }

  @Test
  void cancellingTheOnlyAsyncWaiterStopsTheStartingInstance() {
    CompletableFuture<Resolution> f = resolveAsync(backend.spec("m"));
    f.cancel(false);
    assertThat(backend.last().stopCalls).isEqualTo(1);
    assertThat(core.instances()).isEmpty();
  }

  @Test
  void portConflictIsRefusedBeforeAnythingStarts() {
    backend.readyAtOnce = true;
    core.ensureInstance(backend.spec("a", 8080), Duration.ofMinutes(1));
    assertThatThrownBy(() -> core.resolveEndpoint(backend.spec("b", 8080), consumer, ResolveOptions.defaults()))
        .satisfies(code(ErrorCode.PORT_CONFLICT))
        .hasMessageContaining("fb:b:8080").hasMessageContaining("fb:a:8080").hasMessageContaining("tcp:127.0.0.1:8080");
    assertThat(backend.started).hasSize(1);
    assertThat(core.ensureInstance(backend.spec("a", 8080), Duration.ofMinutes(1)).reused()).isTrue();
    core.stopInstance("fb:a:8080");
    assertThat(core.ensureInstance(backend.spec("b", 8080), Duration.ofMinutes(1)).reused()).isFalse();
  }

  @Test
  void crashAfterReadyEndsLeasesRemovesTheInstanceAndTheNextResolveStartsAnew() {
    backend.readyAtOnce = true;
    Resolution r = core.resolveEndpoint(backend.spec("m"), consumer, ResolveOptions.defaults());
    backend.last().context.reportHealth(HealthStatus.DEGRADED, "GET /health -> 503");
    backend.last().context.reportHealth(HealthStatus.DEGRADED, "GET /health -> 503 again");
    InstanceSnapshot s = core.instance("fb:m").orElseThrow();
    assertThat(s.health()).isEqualTo(HealthStatus.DEGRADED);
    assertThat(s.healthReason()).isEqualTo("GET /health -> 503");

    backend.last().context.reportExited("exited with status 139");
    assertThat(r.lease().isActive()).isFalse();
    assertThat(core.instance("fb:m")).isEmpty();
    assertThatThrownBy(() -> core.publishedEndpoint("fb:m")).satisfies(code(ErrorCode.NOT_FOUND));
    List<InstanceEvent> ev = listener.of(InstanceEvent.class);
    assertThat(ev).extracting(InstanceEvent::health).containsExactly(HealthStatus.STARTING, HealthStatus.HEALTHY,
        HealthStatus.DEGRADED, HealthStatus.EXITED);
    assertThat(ev.get(3).lifecycle()).isEqualTo(LifecycleStatus.FAILED);
    assertThat(ev.get(3).reason()).isEqualTo("exited with status 139");

    Resolution next = core.resolveEndpoint(backend.spec("m"), consumer, ResolveOptions.defaults());
    assertThat(next.reused()).isFalse();
    assertThat(backend.started).hasSize(2);
  }

  @Test
  void aListenerToldOfTheExitNoLongerFindsTheInstanceWhoeverDeliveredTheEvent() {
    // Events are queued under the instance's lock and delivered by whichever thread flushes next; the
    // instance leaves the registry after that lock. A flush can land in between (the lease sweep, a
    // health report or a release on another instance). This clock plays such a flush at every reading
    // the exiting thread makes (a snapshot flushes the queue).
    AtomicReference<Thread> flushOn = new AtomicReference<>();
    AtomicBoolean inFlush = new AtomicBoolean();
    AtomicReference<InferenceCore> ref = new AtomicReference<>();
    java.time.Clock flushing = new java.time.Clock() {
      @Override
      public java.time.ZoneId getZone() {
        return java.time.ZoneOffset.UTC;
      }

      @Override
      public java.time.Clock withZone(java.time.ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        if (Thread.currentThread() == flushOn.get() && inFlush.compareAndSet(false, true)) {
          try {
            ref.get().instances();
          } finally {
            inFlush.set(false);
          }
        }
        return clock.instant();
      }
    };
    List<Optional<InstanceSnapshot>> seenAtTheEnd = new CopyOnWriteArrayList<>();
    List<InstanceSnapshot> listedAtTheEnd = new CopyOnWriteArrayList<>();
    CoreListener probe = new CoreListener() {
      @Override
      public void onInstanceEvent(InstanceEvent e) {
        if (e.lifecycle().isFinal()) {
          seenAtTheEnd.add(ref.get().instance(e.instanceId()));
          listedAtTheEnd.addAll(ref.get().instances());
        }
      }
    };
    FakeBackend fb = new FakeBackend("fb");
    fb.readyAtOnce = true;
    try (InferenceCore c = InferenceCore.builder().clock(flushing).scheduler(scheduler).listener(probe).build()) {
      ref.set(c);
      c.registerBackend(fb);
      Resolution r = c.resolveEndpoint(fb.spec("m"), consumer, ResolveOptions.defaults());
      flushOn.set(Thread.currentThread());
      fb.last().context.reportExited("exited with status 139");
      flushOn.set(null);
      assertThat(r.lease().isActive()).isFalse();
      assertThat(seenAtTheEnd).hasSize(1).containsOnly(Optional.empty());
      assertThat(listedAtTheEnd).isEmpty();
      assertThat(c.instance("fb:m")).isEmpty();
    }
  }

  @Test
  void planValidationUsesTheSeedsDetailNames() {
    backend.planOverride = s -> plan(StartupKind.ATTACH_EXISTING_SERVICE, ManagementMode.EXTERNALLY_MANAGED);
    assertThatThrownBy(() -> core.ensureInstance(backend.spec("m"), Duration.ZERO)).satisfies(code(ErrorCode.INVALID_SPEC))
        .hasMessageContaining("requested_startup_kind_mismatch (requested=spawned, actual=attach_existing_service)");
    InstanceSpec any = InstanceSpec.of("fb", null, Map.of("model", "m"));
    assertThatThrownBy(() -> core.ensureInstance(any, Duration.ZERO))
        .hasMessageContaining("manifest_startup_kind_mismatch");
    backend.planOverride = s -> plan(StartupKind.SPAWNED, ManagementMode.EXTERNALLY_MANAGED);
    assertThatThrownBy(() -> core.ensureInstance(any, Duration.ZERO))
        .hasMessageContaining("management_mode_mismatch (startup_kind=spawned, management_mode=externally_managed)");

    FakeBackend loose = new FakeBackend("loose",
        FakeBackend.manifest("loose", List.of(ManagementMode.JIDO_MANAGED), null));
    loose.planOverride = s -> plan(StartupKind.ATTACH_EXISTING_SERVICE, ManagementMode.EXTERNALLY_MANAGED);
    core.registerBackend(loose);
    assertThatThrownBy(() -> core.ensureInstance(InstanceSpec.of("loose", null, Map.of()), Duration.ZERO))
        .hasMessageContaining("manifest_management_mode_mismatch");
    InstanceSpec ssh = new InstanceSpec("inference.v1", "fb", Optional.empty(), Map.of("surface_kind", "ssh_exec"),
        Map.of("model", "m"), Map.of());
    backend.planOverride = null;
    assertThatThrownBy(() -> core.ensureInstance(ssh, Duration.ZERO))
        .hasMessageContaining("unsupported_execution_surface");
    assertThat(backend.started).isEmpty();
  }

  private static StartupPlan plan(StartupKind kind, ManagementMode mode) {
    return new StartupPlan("k", kind, mode, Set.of(), Map.of(), Optional.empty(), Map.of());
  }

  @Test
  void listenersThatThrowDoNotBreakTheCoreAndSubscriptionsClose() {
    Subscription bad = core.addListener(new CoreListener() {
      @Override
      public void onInstanceEvent(InstanceEvent event) {
        throw new IllegalStateException("listener bug");
      }
    });
    backend.readyAtOnce = true;
    assertThat(core.resolveEndpoint(backend.spec("m"), consumer, ResolveOptions.defaults()).lease().isActive()).isTrue();
    assertThat(listener.of(InstanceEvent.class)).hasSize(2);
    bad.close();
    bad.close();
    RecordingListener late = new RecordingListener();
    Subscription s = core.addListener(late);
    s.close();
    core.stopInstance("fb:m");
    assertThat(late.events).isEmpty();
    assertThat(listener.of(InstanceEvent.class)).hasSize(4);
  }

  @Test
  void reRegisterIsReportedAndUnregisterStopsItsInstances() {
    backend.readyAtOnce = true;
    core.ensureInstance(backend.spec("m"), Duration.ofMinutes(1));
    core.registerBackend(backend);
    assertThat(listener.of(CoreEvent.BackendEvent.class)).extracting(CoreEvent.BackendEvent::kind)
        .containsExactly(CoreEvent.BackendEvent.Kind.REGISTERED, CoreEvent.BackendEvent.Kind.REPLACED);
    assertThat(core.unregisterBackend("fb")).isCompleted();
    assertThat(backend.last().stopCalls).isEqualTo(1);
    assertThat(core.instances()).isEmpty();
    assertThat(core.unregisterBackend("fb")).isCompleted();
    assertThat(core.backends()).isEmpty();
  }

  @Test
  void closeStopsEverythingInParallelAndFailsWaiters() {
    backend.readyAtOnce = true;
    Resolution ready = core.resolveEndpoint(backend.spec("ready"), consumer, ResolveOptions.defaults());
    FakeInstance first = backend.last();
    first.stopCompletesAtOnce = false;
    backend.readyAtOnce = false;
    CompletableFuture<Resolution> waiting = resolveAsync(backend.spec("starting"));
    FakeInstance second = backend.last();
    CompletableFuture<Void> closing = CompletableFuture.runAsync(core::close);
    // Both stops were requested before either finished: the second does not wait for the first.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (second.stopCalls == 0 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(first.stopCalls).isEqualTo(1);
    assertThat(second.stopCalls).isEqualTo(1);
    assertThat(closing).isNotDone();
    first.stopFuture.complete(null);
    assertThat(closing).succeedsWithin(Duration.ofSeconds(10));
    assertFailsWith(waiting, ErrorCode.CLOSED);
    assertThat(ready.lease().isActive()).isFalse();
    assertThat(core.instances()).isEmpty();
    assertThatCode(core::close).doesNotThrowAnyException();
    assertThat(scheduler.isShutdown()).as("an injected scheduler is not shut down").isFalse();
  }
}
