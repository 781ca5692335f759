package io.github.llamacppsdk.internal.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamacppsdk.core.HealthStatus;
import io.github.llamacppsdk.core.support.ManualScheduler;
import io.github.llamacppsdk.core.support.MutableClock;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A hung server (it accepts connections and never answers) with a manual clock and scheduler: the
 * monitor's polls do not queue behind a hung one, a timed-out {@code /health} is not retried on {@code
 * /v1/models}, and {@code UNAVAILABLE} arrives at interval x threshold + probe timeout.
 */
@Timeout(10)
class HealthMonitorHangTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration INTERVAL = Duration.ofMillis(500);
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
  private final MutableClock clock = new MutableClock(T0);
  private final ManualScheduler scheduler = new ManualScheduler(clock);
  private final List<String> transitions = new CopyOnWriteArrayList<>();
  private final List<Instant> changedAt = new CopyOnWriteArrayList<>();
  private final List<URI> requested = new CopyOnWriteArrayList<>();
  private final List<CompletableFuture<ReadinessProber.Answer>> hanging = new ArrayList<>();
  private volatile boolean hung;
  private int maxInFlight;

  /** Answers 200 at once, or (while hung) never, timing out after the probe timeout as the prober does. */
  private CompletableFuture<ReadinessProber.Answer> get(URI uri, Map<String, String> headers) {
    requested.add(uri);
    if (!hung) {
      return CompletableFuture.completedFuture(new ReadinessProber.Answer(200, "{\"status\":\"ok\"}", null));
    }
    CompletableFuture<ReadinessProber.Answer> answer = new CompletableFuture<>();
    hanging.add(answer);
    maxInFlight = Math.max(maxInFlight, (int) hanging.stream().filter(f -> !f.isDone()).count());
    scheduler.schedule(() -> answer.complete(ReadinessProber.Answer.failed("timed out")), PROBE_TIMEOUT.toMillis(),
        TimeUnit.MILLISECONDS);
    return answer;
  }

  private HealthMonitor monitor(int threshold) {
    ProbeTarget t = new ProbeTarget("http://127.0.0.1:1", "", Map.of(), "tiny", new InetSocketAddress("127.0.0.1", 1));
    // the scheduler's time base is the manual clock (T0 is on every grid)
    return new HealthMonitor(this::get, () -> Duration.between(T0, clock.instant()).toNanos(), scheduler, t, INTERVAL,
        threshold, (status, reason) -> {
      transitions.add(status + " " + reason);
      changedAt.add(clock.instant());
    });
  }

  @Test
  void aHangIsUnavailableAtIntervalTimesThresholdPlusOneProbeTimeout() {
    HealthMonitor m = monitor(2);
    m.start();
    scheduler.advance(Duration.ofSeconds(2));
    assertThat(transitions).isEmpty();

    Instant hangAt = clock.instant();
    hung = true;
    scheduler.advance(Duration.ofSeconds(10));

    assertThat(transitions).first().isEqualTo("UNAVAILABLE GET /health -> timed out");
    Duration detection = Duration.between(hangAt, changedAt.get(0));
    assertThat(detection).as("interval x threshold + one probe timeout, not ~9 s")
        .isEqualTo(INTERVAL.multipliedBy(2).plus(PROBE_TIMEOUT));
    assertThat(requested).as("a timed-out /health is not retried on /v1/models")
        .allSatisfy(u -> assertThat(u.getPath()).isEqualTo("/health"));
    assertThat(maxInFlight).as("polls in flight are capped at the threshold").isEqualTo(2);
    m.stop();
  }

  @Test
  void whenTheServerAnswersAgainItIsHealthyAfterTheThresholdAndLateStaleAnswersAreDropped() {
    HealthMonitor m = monitor(2);
    m.start();
    hung = true;
    scheduler.advance(Duration.ofSeconds(4));
    assertThat(m.current()).isEqualTo(HealthStatus.UNAVAILABLE);

    // SIGCONT: the server answers what it had queued, newest first here, and then everything at once
    hung = false;
    List<CompletableFuture<ReadinessProber.Answer>> pending = hanging.stream().filter(f -> !f.isDone()).toList();
    assertThat(pending).hasSize(2);
    pending.get(1).complete(new ReadinessProber.Answer(200, "{\"status\":\"ok\"}", null));
    pending.get(0).complete(ReadinessProber.Answer.failed("timed out")); // older poll: dropped, not applied
    assertThat(m.current()).isEqualTo(HealthStatus.UNAVAILABLE);
    scheduler.advance(INTERVAL.multipliedBy(2));

    assertThat(m.current()).isEqualTo(HealthStatus.HEALTHY);
    assertThat(transitions).containsExactly("UNAVAILABLE GET /health -> timed out", "HEALTHY GET /health -> 200 ok");
    m.stop();
    int before = requested.size();
    scheduler.advance(Duration.ofSeconds(5));
    assertThat(requested).as("no polls after stop").hasSize(before);
  }
}
