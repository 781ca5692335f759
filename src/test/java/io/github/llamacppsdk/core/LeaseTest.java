package io.github.llamacppsdk.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamacppsdk.core.CoreEvent.LeaseEvent;
import io.github.llamacppsdk.core.support.FakeBackend;
import io.github.llamacppsdk.core.support.ManualScheduler;
import io.github.llamacppsdk.core.support.MutableClock;
import io.github.llamacppsdk.core.support.RecordingListener;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class LeaseTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final ManualScheduler scheduler = new ManualScheduler(clock);
  private final RecordingListener listener = new RecordingListener();
  private final FakeBackend backend = new FakeBackend("fb");
  private final ConsumerManifest consumer = ConsumerManifest.builder("c").require("streaming", true).build();
  private InferenceCore core = newCore(InferenceCore.builder());

  private InferenceCore newCore(InferenceCore.Builder b) {
    InferenceCore c = b.clock(clock).scheduler(scheduler).listener(listener).build();
    backend.readyAtOnce = true;
    c.registerBackend(backend);
    return c;
  }

  private static ResolveOptions ttl(String owner, Duration ttl) {
    return ResolveOptions.builder().ownerRef(owner).ttl(ttl).build();
  }

  @AfterEach
  void close() {
    core.close();
  }

  @Test
  void aZeroWaitOnAReadyInstanceStillGetsALease() {
    core.resolveEndpoint(backend.spec("m"), consumer, ResolveOptions.defaults()).close();
    scheduler.runDue(); // a timer armed for the zero wait would fire here

    try (Resolution warm = core.resolveEndpoint(backend.spec("m"), consumer,
        ResolveOptions.builder().awaitTimeout(Duration.ZERO).build())) {
      assertThat(warm.reused()).isTrue();
      assertThat(warm.lease().isActive()).isTrue();
    }
  }

  @Test
  void reuseGivesTheSameInstanceAndNewIncreasingLeaseRefsWithExactCounts() {
    Resolution a = core.resolveEndpoint(backend.spec("m"), consumer, ResolveOptions.builder().ownerRef("a").build());
    Resolution b = core.resolveEndpoint(backend.spec("m"), consumer, ResolveOptions.builder().ownerRef("b").build());
    assertThat(a.reused()).isFalse();
    assertThat(b.reused()).isTrue();
    assertThat(backend.started).hasSize(1);
    assertThat(b.instance().instanceId()).isEqualTo(a.instance().instanceId());
    assertThat(b.endpoint().baseUrl()).isEqualTo(a.endpoint().baseUrl()).startsWith("http://127.0.0.1:");
    assertThat(a.lease().leaseRef()).matches("lease-\\d+");
    long na = Long.parseLong(a.lease().leaseRef().substring(6));
    long nb = Long.parseLong(b.lease().leaseRef().substring(6));
    assertThat(nb).isGreaterThan(na);
    assertThat(a.endpoint().leaseRef()).contains(a.lease().leaseRef());
    assertThat(a.lease().ownerRef()).contains("a");
    assertThat(a.instance().leaseCount()).as("snapshot taken after the lease").isEqualTo(1);
    assertThat(b.instance().leaseCount()).isEqualTo(2);

    EndpointDescriptor published = core.publishedEndpoint(a.instance().instanceId());
    assertThat(published.leaseRef()).isEmpty();
    assertThat(published.endpointId()).isEqualTo(a.instance().instanceId() + ":endpoint");
    assertThat(published.managementMode()).isEqualTo(ManagementMode.JIDO_MANAGED);
    assertThat(published.providerIdentity()).isEqualTo("fb");
    assertThat(published.toString()).doesNotContain("secret-key");

    Lease extra = core.lease(a.instance().instanceId(), ResolveOptions.defaults());
    assertThat(count(a)).isEqualTo(3);
    a.close();
    a.close();
    a.lease().release();
    assertThat(a.lease().isActive()).isFalse();
    assertThat(count(b)).isEqualTo(2);
    extra.release();
    b.lease().close();
    assertThat(count(b)).isZero();
    assertThat(core.instance(b.instance().instanceId()).orElseThrow().lifecycle())
        .as("no idle policy: keeps running, as in the seed").isEqualTo(LifecycleStatus.READY);
    assertThat(listener.of(LeaseEvent.class)).extracting(LeaseEvent::kind).containsExactly(
        LeaseEvent.Kind.ACQUIRED, LeaseEvent.Kind.ACQUIRED, LeaseEvent.Kind.ACQUIRED,
        LeaseEvent.Kind.RELEASED, LeaseEvent.Kind.RELEASED, LeaseEvent.Kind.RELEASED);
  }

  private int count(Resolution r) {
    return core.instance(r.instance().instanceId()).orElseThrow().leaseCount();
  }

  @Test
  void ttlExpiryRenewalAndLeaseNotActive() {
    Resolution r = core.resolveEndpoint(backend.spec("m"), consumer, ttl("run-1", Duration.ofSeconds(30)));
    Lease lease = r.lease();
    assertThat(lease.ttl()).contains(Duration.ofSeconds(30));
    assertThat(lease.expiresAt()).contains(clock.instant().plusSeconds(30));

    clock.advance(Duration.ofSeconds(20));
    lease.renew();
    assertThat(lease.expiresAt()).contains(clock.instant().plusSeconds(30));
    clock.advance(Duration.ofSeconds(29));
    assertThat(core.expireLeases()).isZero();
    assertThat(lease.isActive()).isTrue();
    lease.renew(Duration.ofSeconds(5));
    assertThat(lease.ttl()).contains(Duration.ofSeconds(5));

    clock.advance(Duration.ofSeconds(5));
    assertThat(core.expireLeases()).isEqualTo(1);
    assertThat(core.expireLeases()).isZero();
    assertThat(lease.isActive()).isFalse();
    assertThat(count(r)).isZero();
    assertThatThrownBy(lease::renew).isInstanceOfSatisfying(InferenceException.class,
        e -> assertThat(e.code()).isEqualTo(ErrorCode.LEASE_NOT_ACTIVE)).hasMessageContaining(lease.leaseRef());
    assertThatCode(lease::release).doesNotThrowAnyException();
    assertThatCode(r::close).doesNotThrowAnyException();
    assertThat(listener.of(LeaseEvent.class)).extracting(LeaseEvent::kind).containsExactly(
        LeaseEvent.Kind.ACQUIRED, LeaseEvent.Kind.RENEWED, LeaseEvent.Kind.RENEWED, LeaseEvent.Kind.EXPIRED);
  }

  @Test
  void theSchedulerExpiresLeasesWithoutAnyoneAsking() {
    Resolution r = core.resolveEndpoint(backend.spec("m"), consumer, ttl("o", Duration.ofSeconds(1)));
    scheduler.advance(Duration.ofMillis(999));
    assertThat(listener.of(LeaseEvent.class)).extracting(LeaseEvent::kind).containsExactly(LeaseEvent.Kind.ACQUIRED);
    scheduler.advance(Duration.ofMillis(250));
    assertThat(listener.of(LeaseEvent.class)).extracting(LeaseEvent::kind)
        .containsExactly(LeaseEvent.Kind.ACQUIRED, LeaseEvent.Kind.EXPIRED);
    assertThat(r.lease().isActive()).isFalse();
  }

  @Test
  void snapshotsCountOnlyUnexpiredLeasesEvenBeforeTheSweep() {
    Resolution r = core.resolveEndpoint(backend.spec("m"), consumer, ttl("o", Duration.ofSeconds(1)));
    core.lease(r.instance().instanceId(), ResolveOptions.defaults());
    clock.advance(Duration.ofSeconds(1));
    assertThat(count(r)).isEqualTo(1);
  }

  @Test
  void idleStopAfterTheLastLeaseAndANewLeaseCancelsIt() {
    core.close();
    core = newCore(InferenceCore.builder().idleShutdown(Duration.ofMinutes(5)));
    Resolution r = core.resolveEndpoint(backend.spec("m"), consumer, ResolveOptions.defaults());
    String id = r.instance().instanceId();
    scheduler.advance(Duration.ofMinutes(10));
    assertThat(backend.last().stopCalls).as("leased: no idle stop").isZero();

    r.close();
    scheduler.advance(Duration.ofMinutes(4));
    Lease again = core.lease(id, ResolveOptions.defaults());
    scheduler.advance(Duration.ofMinutes(2));
    assertThat(backend.last().stopCalls).as("the new lease cancelled the idle stop").isZero();

    again.release();
    scheduler.advance(Duration.ofMinutes(5).minusMillis(1));
    assertThat(backend.last().stopCalls).isZero();
    scheduler.advance(Duration.ofMillis(1));
    assertThat(backend.last().stopCalls).isEqualTo(1);
    assertThat(core.instance(id)).isEmpty();
    Resolution fresh = core.resolveEndpoint(backend.spec("m"), consumer, ResolveOptions.defaults());
    assertThat(fresh.reused()).isFalse();
    assertThat(backend.started).hasSize(2);
  }

  @Test
  void planIdlePolicyWinsAndExpiryCountsAsTheLastLeaseEnding() {
    InstanceSpec spec = InstanceSpec.of("fb", StartupKind.SPAWNED, Map.of("model", "m", "idle_ms", 1000));
    Resolution r = core.resolveEndpoint(spec, consumer, ttl("o", Duration.ofSeconds(2)));
    scheduler.advance(Duration.ofSeconds(2)); // expires at 2 s (sweep), idle stop due ~1 s later
    assertThat(r.lease().isActive()).isFalse();
    assertThat(backend.last().stopCalls).isZero();
    scheduler.advance(Duration.ofSeconds(2));
    assertThat(backend.last().stopCalls).isEqualTo(1);
    assertThat(core.instances()).isEmpty();
  }

  @Test
  void leaseAndPublishErrors() {
    assertThatThrownBy(() -> core.lease("nope", ResolveOptions.defaults())).isInstanceOfSatisfying(
        InferenceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
    assertThatThrownBy(() -> core.publishedEndpoint("nope")).isInstanceOfSatisfying(
        InferenceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
    backend.readyAtOnce = false;
    core.ensureInstanceAsync(backend.spec("slow"), Duration.ofMinutes(1));
    String id = core.instances().get(0).instanceId();
    assertThatThrownBy(() -> core.publishedEndpoint(id)).isInstanceOfSatisfying(
        InferenceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_READY));
    assertThatThrownBy(() -> core.lease(id, ResolveOptions.defaults())).isInstanceOfSatisfying(
        InferenceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_READY));
  }

  @Test
  void stoppingTheInstanceEndsItsLeases() {
    Resolution r = core.resolveEndpoint(backend.spec("m"), consumer, ResolveOptions.defaults());
    assertThat(core.stopInstance(r.instance().instanceId())).isCompleted();
    assertThat(r.lease().isActive()).isFalse();
    assertThatCode(r::close).doesNotThrowAnyException();
    assertThat(listener.of(LeaseEvent.class)).extracting(LeaseEvent::kind)
        .containsExactly(LeaseEvent.Kind.ACQUIRED, LeaseEvent.Kind.ENDED);
    assertThat(core.stopInstance("unknown")).isCompleted();
  }

  @Test
  void leaseNotActiveSaysHowAndWhenTheLeaseEnded() {
    Resolution released = core.resolveEndpoint(backend.spec("m"), consumer, ttl("rel", Duration.ofSeconds(30)));
    released.close();
    assertThatThrownBy(released.lease()::renew).isInstanceOfSatisfying(InferenceException.class,
        e -> assertThat(e.code()).isEqualTo(ErrorCode.LEASE_NOT_ACTIVE))
        .hasMessageContaining(released.lease().leaseRef()).hasMessageContaining("(owner rel) was released at "
            + clock.instant());

    Resolution expiring = core.resolveEndpoint(backend.spec("m"), consumer, ttl("exp", Duration.ofSeconds(5)));
    clock.advance(Duration.ofSeconds(5));
    Instant expiredAt = clock.instant();
    core.expireLeases();
    assertThatThrownBy(expiring.lease()::renew).hasMessageContaining("(owner exp) expired at " + expiredAt
        + ": its TTL of 5000 ms passed without a renew");

    Resolution ended = core.resolveEndpoint(backend.spec("m"), consumer, ttl("end", Duration.ofSeconds(30)));
    Instant stoppedAt = clock.instant();
    core.stopInstance(ended.instance().instanceId());
    assertThatThrownBy(ended.lease()::renew).hasMessageContaining("(owner end) ended at " + stoppedAt
        + " because its instance was stopped (stop requested)");
  }

  @Test
  void aStopFromOutsideTheCoreIsAStopNotACrash() {
    Resolution r = core.resolveEndpoint(backend.spec("m"), consumer, ttl("o", Duration.ofSeconds(30)));
    listener.events.clear();

    backend.last().context.reportStopped("llama-server pid 1 exited with status 0 (graceful stop); stopped by the"
        + " process transport (JVM shutdown, or the transport was closed)");

    assertThat(core.instances()).isEmpty();
    assertThat(listener.of(CoreEvent.InstanceEvent.class)).singleElement().satisfies(e -> {
      assertThat(e.lifecycle()).isEqualTo(LifecycleStatus.STOPPED);
      assertThat(e.health()).isEqualTo(HealthStatus.STOPPED);
      assertThat(e.reason()).contains("stopped by the process transport");
    });
    assertThat(listener.of(LeaseEvent.class)).extracting(LeaseEvent::kind).containsExactly(LeaseEvent.Kind.ENDED);
    assertThatThrownBy(r.lease()::renew).hasMessageContaining("because its instance was stopped: llama-server pid 1");
  }
}
