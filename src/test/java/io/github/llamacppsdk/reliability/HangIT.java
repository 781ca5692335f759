package io.github.llamacppsdk.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.core.CoreEvent.EndpointEvent;
import io.github.llamacppsdk.core.CoreListener;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.HealthStatus;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.core.InstanceSnapshot;
import io.github.llamacppsdk.core.LifecycleStatus;
import io.github.llamacppsdk.core.NotServingException;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.core.ResolveOptions;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import io.github.llamacppsdk.testing.RealServer;
import io.github.llamacppsdk.testkit.FakeLlamaServer;
import io.github.llamacppsdk.testkit.GgufFiles;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Item 12: a server that hangs (stopped with {@code SIGSTOP}, a stand-in for one wedged in a driver
 * call or swapping), with the settings: health polled every 500 ms, hysteresis 2, probe timeout
 * 2 s. It is noticed ({@code RECOVERING}, an endpoint {@code DOWN} event), no resolve gets it while it
 * hangs (each fails typed, saying what the instance is doing), {@code SIGCONT} brings it back ({@code
 * UP}, same base URL), and stopping a stopped server does not wait for the grace (60 s here). Runs on
 * the fake server, and on the real llama-server when {@code LLAMA_SERVER_BIN} is set.
 */
@Timeout(240)
@ExtendWith(NoLeakedProcesses.class)
class HangIT {
  private static final Duration INTERVAL = Duration.ofMillis(500);
  private static final Duration GRACE = Duration.ofSeconds(60);
  private static final int RESOLVES_WHILE_HUNG = Integer.getInteger("reliability.hang.resolves", 3);

  @TempDir Path tmp;

  @Test
  void aStoppedFakeServerIsNoticedNotHandedOutContinuedAndStoppedFast() throws Exception {
    Path binary = FakeLlamaServer.install(tmp);
    Path model = GgufFiles.writeTinyModel(tmp.resolve("m.gguf"));
    hangAndRecover("fake", BootSpec.builder(model).binaryPath(binary).port(0).alias("hang-fake")
        .healthInterval(INTERVAL).stopTimeout(GRACE).extraArgs(List.of("--fake-load-ms", "0")).build());
  }

  @Test
  void aStoppedRealServerIsNoticedNotHandedOutContinuedAndStoppedFast() throws Exception {
    Path binary = RealServer.requireBinary();
    hangAndRecover("real", BootSpec.builder(RealServer.tinyModel(tmp)).binaryPath(binary).port(0)
        .alias("hang-real").ctxSize(512).healthInterval(INTERVAL).stopTimeout(GRACE).build());
  }

  private record Seen(EndpointEvent event, long nanos) {}

  private void hangAndRecover(String label, BootSpec spec) throws Exception {
    List<Seen> seen = new CopyOnWriteArrayList<>();
    CoreListener listener = new CoreListener() {
      @Override
      public void onEndpointEvent(EndpointEvent event) {
        seen.add(new Seen(event, System.nanoTime()));
      }
    };
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    try (LlamaCppBackend backend = LlamaCppBackend.builder().listener(listener).build()) {
      Resolution held = backend.resolveEndpoint(spec, opts(Duration.ofSeconds(60)));
      String id = held.instance().instanceId();
      String baseUrl = held.endpoint().baseUrl();
      long pid = Rel.pid(held.instance());

      // 1. the hang is noticed
      long stoppedAt = System.nanoTime();
      Rel.signal(pid, "STOP");
      assertThat(Rel.await(Duration.ofSeconds(30), () -> first(seen, EndpointEvent.Kind.DOWN, stoppedAt) != null))
          .as("%s: DOWN after SIGSTOP", label).isTrue();
      long detectedMs = (first(seen, EndpointEvent.Kind.DOWN, stoppedAt).nanos() - stoppedAt) / 1_000_000;
      InstanceSnapshot down = backend.instance(id).orElseThrow();
      assertThat(down.lifecycle()).isEqualTo(LifecycleStatus.RECOVERING);
      assertThat(down.health()).isEqualTo(HealthStatus.UNAVAILABLE);
      assertThat(down.downSince()).isPresent();
      assertThat(first(seen, EndpointEvent.Kind.DOWN, stoppedAt).event().baseUrl()).isEqualTo(baseUrl);

      // 2. nobody gets it while it hangs
      int handouts = 0;
      List<String> failures = new ArrayList<>();
      for (int i = 0; i < RESOLVES_WHILE_HUNG; i++) {
        try (Resolution r = backend.resolveEndpoint(spec, opts(Duration.ofMillis(500)))) {
          handouts++;
        } catch (NotServingException e) {
          assertThat(e.code()).isEqualTo(ErrorCode.WAIT_TIMEOUT);
          assertThat(e.lifecycle()).isEqualTo(LifecycleStatus.RECOVERING);
          assertThat(e.outage().orElseThrow().lastProbe()).hasValueSatisfying(p -> assertThat(p).contains("timed out"));
          failures.add(e.code().name());
        }
      }
      assertThat(handouts).as("%s: handouts of the hung server", label).isZero();
      assertThat(held.lease().isActive()).as("the lease holds through the hang").isTrue();

      // 3. SIGCONT: it serves again on the same base URL
      long continuedAt = System.nanoTime();
      Rel.signal(pid, "CONT");
      assertThat(Rel.await(Duration.ofSeconds(30), () -> first(seen, EndpointEvent.Kind.UP, continuedAt) != null))
          .as("%s: UP after SIGCONT", label).isTrue();
      long recoveredMs = (first(seen, EndpointEvent.Kind.UP, continuedAt).nanos() - continuedAt) / 1_000_000;
      try (Resolution again = backend.resolveEndpoint(spec, opts(Duration.ofSeconds(10)))) {
        assertThat(again.endpoint().baseUrl()).isEqualTo(baseUrl);
        assertThat(again.reused()).isTrue();
        HttpRequest.Builder models = HttpRequest.newBuilder(URI.create(baseUrl + "/models"));
        again.endpoint().headers().forEach(models::header);
        assertThat(http.send(models.build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
      }

      // 4. a stopped server is stopped at once, not at the 60 s grace
      Rel.signal(pid, "STOP");
      assertThat(Rel.await(Duration.ofSeconds(5), () -> Rel.stopped(pid))).isTrue();
      long stopAt = System.nanoTime();
      CompletableFuture<Void> stop = backend.stopInstance(id);
      assertThat(stop).as("%s: stop of a SIGSTOPped server (grace %s)", label, GRACE).succeedsWithin(Duration.ofSeconds(30));
      long stopMs = (System.nanoTime() - stopAt) / 1_000_000;
      assertThat(Rel.await(Duration.ofSeconds(5), () -> !Rel.running(pid))).isTrue();
      assertThat(held.lease().isActive()).isFalse();
      assertThat(seen).extracting(s -> s.event().kind()).containsExactly(EndpointEvent.Kind.DOWN,
          EndpointEvent.Kind.UP, EndpointEvent.Kind.GONE);

      Rel.figure("hang (" + label + ", SIGSTOP, interval 500 ms x 2 + probe timeout 2 s)", "DOWN after "
          + detectedMs + " ms; " + failures.size() + " resolves while hung -> " + failures + ", " + handouts
          + " handouts; UP " + recoveredMs + " ms after SIGCONT; stop of a stopped server " + stopMs + " ms (grace "
          + GRACE.toSeconds() + " s)");
    } catch (InferenceException e) {
      throw new AssertionError(label + ": " + e.getMessage(), e);
    }
  }

  private static ResolveOptions opts(Duration wait) {
    return ResolveOptions.builder().ownerRef("hang").awaitTimeout(wait).build();
  }

  private static Seen first(List<Seen> seen, EndpointEvent.Kind kind, long after) {
    return seen.stream().filter(s -> s.event().kind() == kind && s.nanos() >= after).findFirst().orElse(null);
  }
}
