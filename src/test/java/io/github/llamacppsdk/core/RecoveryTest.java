package io.github.llamacppsdk.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamacppsdk.core.CoreEvent.EndpointEvent;
import io.github.llamacppsdk.core.CoreEvent.InstanceEvent;
import io.github.llamacppsdk.core.CoreEvent.LeaseEvent;
import io.github.llamacppsdk.core.support.FakeBackend;
import io.github.llamacppsdk.core.support.FakeBackend.FakeInstance;
import io.github.llamacppsdk.core.support.ManualScheduler;
import io.github.llamacppsdk.core.support.MutableClock;
import io.github.llamacppsdk.core.support.RecordingListener;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An instance whose server stops serving after publication ({@code RECOVERING}): every state change,
 * what a resolve does in each, the endpoint events and the snapshot's outage. Manual clock and
 * scheduler; the backend is driven through its {@link InstanceContext} as a real one drives it.
 */
@Timeout(10)
class RecoveryTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private final MutableClock clock = new MutableClock(T0);
  private final ManualScheduler scheduler = new ManualScheduler(clock);
  private final RecordingListener listener = new RecordingListener();
  private final FakeBackend backend = new FakeBackend("fb");
  private final ConsumerManifest consumer = ConsumerManifest.builder("c").build();
  private final InferenceCore core =
      InferenceCore.builder().clock(clock).scheduler(scheduler).listener(listener).build();
  private final String id = "fb:m";

  {
    backend.readyAtOnce = true;
    core.registerBackend(backend);
  }

  @AfterEach
  void close() {
    core.close();
  }

  private Resolution resolve() {
    return core.resolveEndpoint(backend.spec("m"), consumer, ResolveOptions.defaults());
  }

  private CompletableFuture<Resolution> resolveAsync(Duration wait) {
    return core.resolveEndpointAsync(backend.spec("m"), consumer,
        ResolveOptions.builder().ownerRef("waiter").awaitTimeout(wait).build());
  }

  private InstanceContext server() {
    return backend.last().context;
  }

  private InstanceSnapshot snapshot() {
    return core.instance(id).orElseThrow();
  }

  private static NotServingException notServing(CompletableFuture<?> f) {
    assertThat(f).isCompletedExceptionally();
    Throwable t = f.handle((v, e) -> e).join();
    Throwable cause = t instanceof java.util.concurrent.CompletionException ? t.getCause() : t;
    assertThat(cause).isInstanceOf(NotServingException.class);
    return (NotServingException) cause;
  }

  @Test
  void unavailableByHealthIsRecoveringNotHandedOutAndServingAgainHandsItOut() {
    Resolution held = resolve();
    String baseUrl = held.endpoint().baseUrl();
    clock.advance(Duration.ofSeconds(1));

    server().reportHealth(HealthStatus.UNAVAILABLE, "GET /health -> timed out");

    InstanceSnapshot down = snapshot();
    assertThat(down.lifecycle()).isEqualTo(LifecycleStatus.RECOVERING);
    assertThat(down.health()).isEqualTo(HealthStatus.UNAVAILABLE);
    assertThat(down.downSince()).contains(T0.plusSeconds(1));
    assertThat(down.outage().orElseThrow().lastProbe()).contains("GET /health -> timed out");
    assertThat(down.outage().orElseThrow().restart()).isEmpty();
    assertThat(held.lease().isActive()).as("leases hold through an outage").isTrue();
    assertThat(listener.of(EndpointEvent.class)).singleElement().satisfies(e -> {
      assertThat(e.kind()).isEqualTo(EndpointEvent.Kind.DOWN);
      assertThat(e.instanceId()).isEqualTo(id);
      assertThat(e.baseUrl()).isEqualTo(baseUrl);
      assertThat(e.downSince()).contains(T0.plusSeconds(1));
      assertThat(e.reason()).isEqualTo("GET /health -> timed out");
    });

    CompletableFuture<Resolution> waiting = resolveAsync(Duration.ofSeconds(30));
    assertThat(waiting).as("a recovering instance is not handed out").isNotDone();
    assertThatThrownBy(() -> core.lease(id, ResolveOptions.defaults()))
        .isInstanceOfSatisfying(NotServingException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.NOT_READY);
          assertThat(e.lifecycle()).isEqualTo(LifecycleStatus.RECOVERING);
          assertThat(e.getMessage()).contains("RECOVERING").contains("last probe: GET /health -> timed out");
        });
    assertThatThrownBy(() -> core.publishedEndpoint(id)).isInstanceOf(NotServingException.class);

    clock.advance(Duration.ofSeconds(2));
    server().reportHealth(HealthStatus.HEALTHY, "GET /health -> 200 ok");

    assertThat(waiting).succeedsWithin(Duration.ofSeconds(1)).satisfies(r -> {
      assertThat(r.reused()).isTrue();
      assertThat(r.endpoint().baseUrl()).isEqualTo(baseUrl);
      assertThat(r.instance().lifecycle()).isEqualTo(LifecycleStatus.READY);
    });
    assertThat(snapshot().outage()).isEmpty();
    assertThat(listener.of(EndpointEvent.class)).last().satisfies(e -> {
      assertThat(e.kind()).isEqualTo(EndpointEvent.Kind.UP);
      assertThat(e.baseUrl()).isEqualTo(baseUrl);
      assertThat(e.downSince()).contains(T0.plusSeconds(1));
      assertThat(e.at()).isEqualTo(T0.plusSeconds(3));
    });
    assertThat(listener.of(InstanceEvent.class)).extracting(InstanceEvent::lifecycle).containsExactly(
        LifecycleStatus.STARTING, LifecycleStatus.READY, LifecycleStatus.RECOVERING, LifecycleStatus.READY);
    assertThat(scheduler.pendingTasks()).as("the wait timer was cancelled").isEqualTo(1); // the lease sweeper
  }

  @Test
  void aDegradedServerAnswersAndIsStillHandedOut() {
    resolve();
    server().reportHealth(HealthStatus.DEGRADED, "GET /health -> 503 busy");
    assertThat(snapshot().lifecycle()).isEqualTo(LifecycleStatus.READY);
    assertThat(resolveAsync(Duration.ZERO)).isCompleted();

    server().reportHealth(HealthStatus.UNAVAILABLE, "GET /health -> connection refused");
    CompletableFuture<Resolution> waiting = resolveAsync(Duration.ofSeconds(5));
    server().reportHealth(HealthStatus.DEGRADED, "GET /health -> 503 busy");
    assertThat(waiting).as("DEGRADED after an outage serves again").isCompleted();
    assertThat(snapshot().health()).isEqualTo(HealthStatus.DEGRADED);
    assertThat(listener.of(EndpointEvent.class)).extracting(EndpointEvent::kind)
        .containsExactly(EndpointEvent.Kind.DOWN, EndpointEvent.Kind.UP);
  }

  @Test
  void aRestartIsRecoveringWithItsAttemptAndAWaitThatRunsOutSaysWhatTheInstanceIsDoing() {
    Resolution held = resolve();
    clock.advance(Duration.ofSeconds(10));
    server().reportRestarting(1, 3, "llama-server pid 42 killed by signal 9", "restart 1 of 3 in 1000 ms");

    InstanceSnapshot s = snapshot();
    assertThat(s.lifecycle()).isEqualTo(LifecycleStatus.RECOVERING);
    assertThat(s.health()).isEqualTo(HealthStatus.UNAVAILABLE);
    Outage o = s.outage().orElseThrow();
    assertThat(o.since()).isEqualTo(T0.plusSeconds(10));
    assertThat(o.restart()).contains(new Outage.Restart(1, 3, T0.plusSeconds(10)));
    assertThat(o.lastExit()).contains("llama-server pid 42 killed by signal 9");
    assertThat(o.doing()).isEqualTo("restart 1 of 3 in 1000 ms");

    CompletableFuture<Resolution> waiting = resolveAsync(Duration.ofSeconds(5));
    clock.advance(Duration.ofSeconds(1));
    server().reportHealth(HealthStatus.STARTING, "launched pid 43 on port 40001");
    server().reportHealth(HealthStatus.LOADING, "GET /health -> 503 Loading model");
    assertThat(snapshot().lifecycle()).as("relaunched and loading").isEqualTo(LifecycleStatus.RECOVERING);
    assertThat(snapshot().health()).isEqualTo(HealthStatus.LOADING);
    assertThat(waiting).isNotDone();

    scheduler.advance(Duration.ofSeconds(5));

    NotServingException e = notServing(waiting);
    assertThat(e.code()).isEqualTo(ErrorCode.WAIT_TIMEOUT);
    assertThat(e.instanceId()).isEqualTo(id);
    assertThat(e.lifecycle()).isEqualTo(LifecycleStatus.RECOVERING);
    assertThat(e.outage().orElseThrow().lastProbe()).contains("GET /health -> 503 Loading model");
    assertThat(e.getMessage()).startsWith("WAIT_TIMEOUT: instance fb:m did not serve again within PT5S")
        .contains("down since 2026-01-01T00:00:10Z (for 5000 ms)")
        .contains("restart attempt 1 of 3 since 2026-01-01T00:00:10Z")
        .contains("last exit: llama-server pid 42 killed by signal 9")
        .contains("last probe: GET /health -> 503 Loading model");
    assertThat(snapshot().lifecycle()).as("it keeps recovering for others").isEqualTo(LifecycleStatus.RECOVERING);

    server().reportRestarting(2, 3, "restart 1 failed: EXITED_BEFORE_READY", "restart 2 of 3 in 2000 ms");
    assertThat(snapshot().outage().orElseThrow()).satisfies(again -> {
      assertThat(again.since()).as("the outage goes on").isEqualTo(T0.plusSeconds(10));
      assertThat(again.restart().orElseThrow().attempt()).isEqualTo(2);
    });
    server().reportHealth(HealthStatus.HEALTHY, "restarted as pid 44");
    assertThat(snapshot().lifecycle()).isEqualTo(LifecycleStatus.READY);
    assertThat(held.lease().isActive()).isTrue();
    assertThat(listener.of(InstanceEvent.class)).filteredOn(ev -> ev.lifecycle() == LifecycleStatus.RECOVERING)
        .extracting(InstanceEvent::reason).first().asString()
        .isEqualTo("llama-server pid 42 killed by signal 9; restart 1 of 3 in 1000 ms");
  }

  @Test
  void aSpentRestartBudgetEndsLeasesWithTheReasonAndFailsWaitingResolvesAtOnce() {
    Resolution held = resolve();
    String baseUrl = held.endpoint().baseUrl();
    server().reportRestarting(1, 1, "llama-server pid 42 killed by signal 9", "restart 1 of 1 in 1000 ms");
    CompletableFuture<Resolution> waiting = resolveAsync(Duration.ofMinutes(5));
    CompletableFuture<EnsureResult> ensuring = core.ensureInstanceAsync(backend.spec("m"), Duration.ofMinutes(5));
    clock.advance(Duration.ofSeconds(3));

    server().reportExited("llama-server pid 43 killed by signal 9; restart budget spent (1 of 1 restarts used)");

    NotServingException e = notServing(waiting);
    assertThat(e.code()).isEqualTo(ErrorCode.EXITED);
    assertThat(e.getMessage()).contains("restart budget spent (1 of 1 restarts used)")
        .contains("down since 2026-01-01T00:00:00Z (for 3000 ms)");
    assertThat(notServing(ensuring).code()).isEqualTo(ErrorCode.EXITED);
    assertThat(held.lease().isActive()).isFalse();
    assertThat(listener.of(LeaseEvent.class)).filteredOn(l -> l.kind() == LeaseEvent.Kind.ENDED)
        .extracting(LeaseEvent::leaseRef).containsExactly(held.lease().leaseRef());
    assertThat(listener.of(EndpointEvent.class)).last().satisfies(g -> {
      assertThat(g.kind()).isEqualTo(EndpointEvent.Kind.GONE);
      assertThat(g.baseUrl()).isEqualTo(baseUrl);
      assertThat(g.downSince()).contains(T0);
      assertThat(g.reason()).contains("restart budget spent");
    });
    assertThat(core.instance(id)).isEmpty();
    assertThat(resolve().reused()).as("the next resolve starts afresh").isFalse();
    assertThat(backend.started).hasSize(2);
  }

  @Test
  void aCrashWithoutRestartEndsAPublishedInstanceWithAGoneEvent() {
    resolve();
    server().reportExited("llama-server pid 42 killed by signal 9");
    assertThat(listener.of(EndpointEvent.class)).singleElement().satisfies(g -> {
      assertThat(g.kind()).isEqualTo(EndpointEvent.Kind.GONE);
      assertThat(g.downSince()).isEmpty();
    });
    assertThat(core.instance(id)).isEmpty();
  }

  @Test
  void aStopWhileRecoveringFailsItsWaitersWithStopped() {
    resolve();
    server().reportHealth(HealthStatus.UNAVAILABLE, "GET /health -> timed out");
    CompletableFuture<Resolution> waiting = resolveAsync(Duration.ofMinutes(1));

    core.stopInstance(id);

    assertThat(waiting).failsWithin(Duration.ofSeconds(1)).withThrowableThat().havingCause()
        .isInstanceOfSatisfying(InferenceException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.STOPPED);
          assertThat(e.getMessage()).contains("stopped while recovering");
        });
    assertThat(listener.of(EndpointEvent.class)).extracting(EndpointEvent::kind)
        .containsExactly(EndpointEvent.Kind.DOWN, EndpointEvent.Kind.GONE);
    assertThat(core.instance(id)).isEmpty();
  }

  @Test
  void aWaiterThatFindsItDownAgainBeforeItsLeaseWaitsForTheNextRecovery() {
    resolve();
    server().reportHealth(HealthStatus.UNAVAILABLE, "GET /health -> timed out");
    CompletableFuture<Resolution> first = resolveAsync(Duration.ofMinutes(1));
    CompletableFuture<Resolution> second = resolveAsync(Duration.ofMinutes(1));
    // The moment the first waiter takes its lease, the server goes down again: the second waiter,
    // woken by the same recovery, must not get a lease on the endpoint that no longer serves.
    AtomicBoolean once = new AtomicBoolean();
    core.addListener(new CoreListener() {
      @Override
      public void onLeaseEvent(LeaseEvent event) {
        if (event.kind() == LeaseEvent.Kind.ACQUIRED && event.ownerRef().equals(Optional.of("waiter"))
            && once.compareAndSet(false, true)) {
          server().reportHealth(HealthStatus.UNAVAILABLE, "GET /health -> timed out again");
        }
      }
    });

    server().reportHealth(HealthStatus.HEALTHY, "GET /health -> 200");

    List<CompletableFuture<Resolution>> both = List.of(first, second);
    assertThat(both).filteredOn(CompletableFuture::isDone).hasSize(1);
    assertThat(snapshot().lifecycle()).isEqualTo(LifecycleStatus.RECOVERING);
    server().reportHealth(HealthStatus.HEALTHY, "GET /health -> 200");
    assertThat(both).allSatisfy(f -> assertThat(f).isCompleted());
  }

  @Test
  void aServerThatDiedBeforeItsExitIsReportedIsNotHandedOut() {
    Resolution held = resolve();
    backend.last().alive = false; // killed; the backend has not observed the exit yet

    CompletableFuture<Resolution> waiting = resolveAsync(Duration.ofSeconds(30));

    assertThat(waiting).as("not handed out").isNotDone();
    assertThat(snapshot().lifecycle()).isEqualTo(LifecycleStatus.RECOVERING);
    assertThat(snapshot().healthReason()).isEqualTo("its process is gone; the exit is not reported yet");
    assertThat(held.lease().isActive()).isTrue();

    server().reportRestarting(1, 3, "llama-server pid 42 killed by signal 9", "restart 1 of 3 in 1000 ms");
    backend.last().alive = true; // the relaunched process
    server().reportHealth(HealthStatus.HEALTHY, "restarted as pid 43");
    assertThat(waiting).isCompleted();
  }

  @Test
  void aLateReadinessProgressReportDoesNotTakeAReadyInstanceOutOfService() {
    resolve();
    server().reportHealth(HealthStatus.LOADING, "GET /health -> 503 Loading model");
    server().reportHealth(HealthStatus.STARTING, "launched pid 42 on port 40001");
    assertThat(snapshot().lifecycle()).isEqualTo(LifecycleStatus.READY);
    assertThat(snapshot().health()).isEqualTo(HealthStatus.HEALTHY);
    assertThat(resolveAsync(Duration.ZERO)).isCompleted();
    assertThat(listener.of(EndpointEvent.class)).isEmpty();
  }

  @Test
  void aWarmResolveOnAServingInstanceArmsNoTimer() {
    resolve().close();
    int before = scheduler.pendingTasks();
    try (Resolution warm = resolve()) {
      assertThat(warm.reused()).isTrue();
    }
    assertThat(scheduler.pendingTasks()).isEqualTo(before);
  }

  @Test
  void anIdleRecoveringInstanceIsStillStoppedWhenIdle() {
    FakeBackend idle = new FakeBackend("idle");
    idle.readyAtOnce = true;
    core.registerBackend(idle);
    InstanceSpec spec = InstanceSpec.of("idle", StartupKind.SPAWNED, java.util.Map.of("model", "m", "idle_ms", 1000));
    core.resolveEndpoint(spec, consumer, ResolveOptions.defaults()).close();
    FakeInstance i = idle.last();
    i.context.reportHealth(HealthStatus.UNAVAILABLE, "GET /health -> timed out");
    scheduler.advance(Duration.ofSeconds(1));
    assertThat(i.stopCalls).isEqualTo(1);
    assertThat(core.instance("idle:m")).isEmpty();
  }
}
