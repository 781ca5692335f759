package io.github.llamacppsdk.real;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.RestartPolicy;
import io.github.llamacppsdk.core.HealthStatus;
import io.github.llamacppsdk.core.InstanceSnapshot;
import io.github.llamacppsdk.core.LifecycleStatus;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import io.github.llamacppsdk.testing.RealServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real llama-server killed with SIGKILL after it was published: the library hears it at once (an
 * instance event, not the next health poll); without a restart policy the instance ends with its
 * leases and the next resolve starts a fresh server; with one the server is restarted in place (new
 * pid, same endpoint, same per-instance key) and answers chat again.
 */
@Timeout(120)
@ExtendWith(NoLeakedProcesses.class)
class RealCrashIT {
  /** Generous for "at once": the exit is seen through the child's exit, not a poll. */
  private static final Duration NOTICED_WITHIN = Duration.ofSeconds(5);

  @TempDir Path tmp;
  private Path binary;
  private Path model;
  private final InstanceEvents events = new InstanceEvents();
  private LlamaCppBackend backend;

  @BeforeEach
  void setUp() {
    binary = RealServer.requireBinary();
    model = RealServer.tinyModel(tmp);
  }

  @AfterEach
  void tearDown() {
    if (backend != null) {
      backend.close();
    }
  }

  @Test
  void withoutARestartPolicyACrashEndsTheInstanceAndItsLeasesAtOnce() {
    backend = LlamaCppBackend.builder().listener(events).build();
    Resolution r = backend.resolveEndpoint(RealFixture.spec(binary, model).build(), RealFixture.options("crash"));
    String id = r.instance().instanceId();
    long pid = RealProcesses.pid(r.instance());
    CompletableFuture<InstanceEvents.Heard> exited = events.next(e -> e.instanceId().equals(id)
        && e.health() == HealthStatus.EXITED);

    long killedAt = kill9(pid);

    assertThat(exited).succeedsWithin(NOTICED_WITHIN);
    System.out.println("[real] kill -9 -> EXITED event: " + millisSince(killedAt, exited.join()) + " ms");
    assertThat(exited.join().event().lifecycle()).isEqualTo(LifecycleStatus.FAILED);
    assertThat(r.lease().isActive()).isFalse();
    assertThat(backend.instance(id)).isEmpty();
    r.close(); // releasing an ended lease is fine

    try (Resolution again = backend.resolveEndpoint(RealFixture.spec(binary, model).build(), RealFixture.options("again"))) {
      assertThat(RealProcesses.pid(again.instance())).as("a fresh server").isNotEqualTo(pid);
      HttpResponse<String> chat = RealHttp.post(again.endpoint().chatCompletionsUrl(), RealHttp.CHAT,
          again.endpoint().headers());
      assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
    }
  }

  @Test
  void aRestartPolicyRestartsTheServerInPlaceAndChatWorksAgain() {
    backend = LlamaCppBackend.builder().listener(events).perInstanceKeys(true)
        .restartPolicy(new RestartPolicy(1, Duration.ofMillis(50), Duration.ofMillis(50))).build();
    try (Resolution r = backend.resolveEndpoint(RealFixture.spec(binary, model).build(), RealFixture.options("phoenix"))) {
      String id = r.instance().instanceId();
      long pid = RealProcesses.pid(r.instance());
      String key = r.endpoint().headers().get("authorization").substring("Bearer ".length());
      AtomicBoolean down = new AtomicBoolean();
      CompletableFuture<InstanceEvents.Heard> noticed = events.next(e -> e.instanceId().equals(id)
          && e.health() != HealthStatus.HEALTHY && e.reason().contains(String.valueOf(pid)) && !down.getAndSet(true));
      CompletableFuture<InstanceEvents.Heard> back = events.next(e -> e.instanceId().equals(id)
          && e.health() == HealthStatus.HEALTHY && down.get()); // events arrive in order, on one thread

      long killedAt = kill9(pid);

      assertThat(noticed).succeedsWithin(NOTICED_WITHIN);
      assertThat(back).as("events: %s", events.reasons(id)).succeedsWithin(Duration.ofSeconds(60));
      System.out.println("[real] kill -9 -> noticed: " + millisSince(killedAt, noticed.join())
          + " ms, healthy again: " + millisSince(killedAt, back.join()) + " ms");

      InstanceSnapshot snapshot = backend.instance(id).orElseThrow();
      assertThat(snapshot.lifecycle()).isEqualTo(LifecycleStatus.READY);
      assertThat(snapshot.process().orElseThrow().restarts()).isEqualTo(1);
      long restarted = RealProcesses.pid(snapshot);
      assertThat(restarted).as("a new process").isNotEqualTo(pid);
      assertThat(RealProcesses.running(restarted)).isTrue();
      assertThat(snapshot.endpoint().orElseThrow().baseUrl()).as("the same endpoint").isEqualTo(r.endpoint().baseUrl());
      assertThat(r.lease().isActive()).as("the lease survives a restart").isTrue();
      assertThat(RealProcesses.environ(restarted)).as("the same per-instance key").contains("LLAMA_API_KEY=" + key);

      HttpResponse<String> chat = RealHttp.post(r.endpoint().chatCompletionsUrl(), RealHttp.CHAT, r.endpoint().headers());
      assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
      assertThat(RealHttp.json(chat).path("choices").path(0).path("message").path("content").asText())
          .isEqualTo(" ok ok ok");
    }
  }

  /** Sends SIGKILL to {@code pid}, as {@code kill -9} would. @return when */
  private static long kill9(long pid) {
    ProcessHandle server = ProcessHandle.of(pid).orElseThrow();
    long at = System.nanoTime();
    assertThat(server.destroyForcibly()).isTrue();
    return at;
  }

  private static long millisSince(long nanos, InstanceEvents.Heard heard) {
    return (heard.nanos() - nanos) / 1_000_000;
  }
}
