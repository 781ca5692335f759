package io.github.llamacppsdk.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamacppsdk.AttachSpec;
import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.ServerStartException;
import io.github.llamacppsdk.core.ConsumerManifest;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.HealthStatus;
import io.github.llamacppsdk.core.LifecycleStatus;
import io.github.llamacppsdk.core.ManagementMode;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.core.ResolveOptions;
import io.github.llamacppsdk.reliability.GarbageHttpServer.Mode;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Item 8 (bad input, HTTP part): a server that answers readiness probes and health polls with
 * garbage gets only typed failures and health verdicts, never a hang past the deadlines, and never
 * an unexpected exception (an uncaught exception on any thread fails the test).
 */
@Timeout(180)
@ExtendWith(NoLeakedProcesses.class)
class GarbageServerIT {
  private static final Duration READY_TIMEOUT = Duration.ofMillis(1500);
  private static final Duration PROBE_TIMEOUT = Duration.ofMillis(300);
  /** The readiness deadline, one probe that may be in flight, and scheduling slack on a busy machine. */
  private static final Duration BOUND = READY_TIMEOUT.plus(PROBE_TIMEOUT).plusSeconds(3);
  private static final List<Mode> GARBAGE = List.of(Mode.MALFORMED_JSON, Mode.EMPTY_REPLY, Mode.RESET,
      Mode.ENDLESS_BODY, Mode.SLOW_DRIP, Mode.WRONG_CONTENT_TYPE, Mode.HUGE_HEADERS, Mode.NOT_HTTP, Mode.ERROR_500);
  private static final ConsumerManifest CONSUMER = ConsumerManifest.builder("garbage")
      .acceptedManagementModes(ManagementMode.EXTERNALLY_MANAGED).build();

  private LlamaCppBackend backend;
  private final List<Throwable> uncaught = new CopyOnWriteArrayList<>();
  private Thread.UncaughtExceptionHandler previous;

  @BeforeEach
  void setUp() {
    previous = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler((t, e) -> uncaught.add(e));
    backend = LlamaCppBackend.builder().probeTimeout(PROBE_TIMEOUT).healthThreshold(1).build();
  }

  @AfterEach
  void tearDown() {
    backend.close();
    Thread.setDefaultUncaughtExceptionHandler(previous);
    assertThat(uncaught).as("uncaught exceptions on any thread").isEmpty();
  }

  @Test
  void readinessAgainstGarbageFailsTypedWithinTheDeadline() throws Exception {
    Map<Mode, String> outcomes = new LinkedHashMap<>();
    for (Mode mode : GARBAGE) {
      try (GarbageHttpServer server = new GarbageHttpServer(mode, "garbage-test")) {
        AttachSpec spec = AttachSpec.builder(server.rootUrl(), "garbage-test").readyTimeout(READY_TIMEOUT)
            .healthInterval(null).build();
        long t0 = System.nanoTime();
        CompletableFuture<Resolution> f = CompletableFuture.supplyAsync(() -> backend.attach(spec, CONSUMER,
            ResolveOptions.builder().awaitTimeout(Duration.ofSeconds(60)).build()));
        assertThat(f).as("attach to a %s server", mode).failsWithin(BOUND);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        Throwable t = f.handle((r, e) -> e instanceof CompletionException ? e.getCause() : e).join();
        assertThat(t).as("%s", mode).isInstanceOf(ServerStartException.class);
        ServerStartException e = (ServerStartException) t;
        assertThat(e.code()).as("%s: %s", mode, e.getMessage()).isIn(ErrorCode.READINESS_TIMEOUT, ErrorCode.STALLED);
        assertThat(server.requests.get()).as("%s server was probed", mode).isPositive();
        assertThat(backend.instances()).isEmpty();
        outcomes.put(mode, e.code() + " after " + ms + " ms, last probe: " + e.lastProbe());
      }
    }
    outcomes.forEach((m, o) -> Rel.figure("readiness vs " + m, o));
  }

  @Test
  void healthPollsSurviveGarbageAndRecover() throws Exception {
    try (GarbageHttpServer server = new GarbageHttpServer(Mode.GOOD, "garbage-test")) {
      AttachSpec spec = AttachSpec.builder(server.rootUrl(), "garbage-test").readyTimeout(Duration.ofSeconds(10))
          .healthInterval(Duration.ofMillis(100)).build();
      try (Resolution r = backend.attach(spec, CONSUMER, ResolveOptions.builder().awaitTimeout(Duration.ofSeconds(30)).build())) {
        String id = r.instance().instanceId();
        List<String> seen = new ArrayList<>();
        for (Mode mode : GARBAGE) {
          server.mode(mode);
          int before = server.requests.get();
          assertThat(Rel.await(BOUND, () -> server.requests.get() >= before + 6))
              .as("health polls keep coming while the server sends %s", mode).isTrue();
          HealthStatus during = backend.instance(id).orElseThrow().health();
          server.mode(Mode.ERROR_500);
          assertThat(Rel.await(BOUND, () -> health(id) == HealthStatus.UNAVAILABLE)).as("after %s", mode).isTrue();
          server.mode(Mode.GOOD);
          assertThat(Rel.await(BOUND, () -> health(id) == HealthStatus.HEALTHY)).as("recovery after %s", mode).isTrue();
          assertThat(backend.instance(id).orElseThrow().lifecycle()).isEqualTo(LifecycleStatus.READY);
          seen.add(mode + "=" + during);
        }
        assertThat(r.lease().isActive()).isTrue();
        Rel.figure("health during garbage (then UNAVAILABLE on 500, HEALTHY again)", seen);
      }
    }
  }

  private HealthStatus health(String id) {
    return backend.instance(id).orElseThrow().health();
  }
}
