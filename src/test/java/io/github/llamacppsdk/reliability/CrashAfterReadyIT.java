package io.github.llamacppsdk.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.BootSpecBuilder;
import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.RestartPolicy;
import io.github.llamacppsdk.core.CoreEvent;
import io.github.llamacppsdk.core.CoreListener;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.HealthStatus;
import io.github.llamacppsdk.core.LifecycleStatus;
import io.github.llamacppsdk.core.NotServingException;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.core.ResolveOptions;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import io.github.llamacppsdk.testkit.FakeFaults;
import io.github.llamacppsdk.testkit.FakeLlamaServer;
import io.github.llamacppsdk.testkit.GgufFiles;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Item 3: a crash after ready changes state and tells listeners at once, lease holders see it, a
 * restart policy brings the server back on the same port, and a deterministic restart failure is
 * not retried.
 */
@Timeout(120)
@ExtendWith(NoLeakedProcesses.class)
class CrashAfterReadyIT {
  private static final int TRIALS = Integer.getInteger("reliability.crash.trials", 3);

  @TempDir Path tmp;
  private Path binary;
  private Path model;
  private LlamaCppBackend backend;
  private final List<CoreEvent.InstanceEvent> events = new CopyOnWriteArrayList<>();
  private final List<Waiter> waiters = new CopyOnWriteArrayList<>();

  private record Waiter(Predicate<CoreEvent.InstanceEvent> match, CompletableFuture<Long> at) {}

  @BeforeEach
  void setUp() throws IOException {
    binary = FakeLlamaServer.install(tmp);
    model = GgufFiles.writeTinyModel(tmp.resolve("m.gguf"));
  }

  @AfterEach
  void tearDown() {
    if (backend != null) {
      backend.close();
    }
  }

  private void backend(RestartPolicy policy) {
    backend = LlamaCppBackend.builder().restartPolicy(policy).healthThreshold(1).listener(new CoreListener() {
      @Override
      public void onInstanceEvent(CoreEvent.InstanceEvent e) {
        events.add(e);
        long now = System.nanoTime();
        waiters.forEach(w -> {
          if (w.match().test(e)) {
            w.at().complete(now);
          }
        });
      }
    }).build();
  }

  private CompletableFuture<Long> when(Predicate<CoreEvent.InstanceEvent> match) {
    Waiter w = new Waiter(match, new CompletableFuture<>());
    waiters.add(w);
    return w.at();
  }

  private BootSpecBuilder spec() {
    return BootSpec.builder(model).binaryPath(binary).port(0).healthInterval(Duration.ofMillis(100))
        .extraArgs(FakeFaults.builder().loadTime(Duration.ZERO).build().args());
  }

  private static ResolveOptions opts() {
    return ResolveOptions.builder().ownerRef("crash").awaitTimeout(Duration.ofSeconds(60)).build();
  }

  @Test
  void withoutRestartTheCrashEndsLeasesAndTheInstanceAtOnce() {
    backend(RestartPolicy.never());
    List<Long> lags = new java.util.ArrayList<>();
    for (int i = 0; i < TRIALS; i++) {
      Resolution r = backend.resolveEndpoint(spec().alias("crash-" + i).build(), opts());
      String id = r.instance().instanceId();
      ProcessHandle server = ProcessHandle.of(Rel.pid(r.instance())).orElseThrow();
      CompletableFuture<Long> exited = when(e -> e.instanceId().equals(id) && e.health() == HealthStatus.EXITED);
      CompletableFuture<ProcessHandle> gone = server.onExit();

      long killedAt = System.nanoTime();
      server.destroyForcibly();

      assertThat(exited).succeedsWithin(Duration.ofSeconds(10));
      assertThat(r.lease().isActive()).isFalse();
      assertThat(backend.instance(id)).isEmpty();
      assertThat(gone).succeedsWithin(Duration.ofSeconds(5));
      lags.add((exited.join() - killedAt) / 1_000_000);
      r.close(); // releasing an ended lease is fine
    }
    Rel.figure("crash -> EXITED event lag (kill -9 to listener)", Rel.stats(lags));
    assertThat(events).filteredOn(e -> e.health() == HealthStatus.EXITED)
        .allSatisfy(e -> assertThat(e.lifecycle()).isEqualTo(LifecycleStatus.FAILED)).hasSize(TRIALS);
  }

  @Test
  void theRestartPolicyBringsItBackOnTheSamePort() throws Exception {
    backend(new RestartPolicy(3, Duration.ofMillis(50), Duration.ofMillis(200)));
    try (Resolution r = backend.resolveEndpoint(spec().alias("phoenix").build(), opts())) {
      String id = r.instance().instanceId();
      String baseUrl = r.endpoint().baseUrl();
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      long firstPid = Rel.pid(r.instance());
      long previous = firstPid;
      List<Long> downtimes = new java.util.ArrayList<>();
      for (int i = 0; i < 2; i++) {
        CompletableFuture<Long> down = when(e -> e.instanceId().equals(id) && e.health() == HealthStatus.UNAVAILABLE);
        CompletableFuture<Long> back = when(e -> e.instanceId().equals(id) && e.health() == HealthStatus.HEALTHY);
        long killedAt = System.nanoTime();
        ProcessHandle.of(previous).orElseThrow().destroyForcibly();

        assertThat(down).succeedsWithin(Duration.ofSeconds(10));
        assertThat(r.lease().isActive()).as("the lease survives a restart").isTrue();
        assertThat(back).succeedsWithin(Duration.ofSeconds(30));
        downtimes.add((back.join() - killedAt) / 1_000_000);

        var snap = backend.instance(id).orElseThrow();
        assertThat(snap.lifecycle()).isEqualTo(LifecycleStatus.READY);
        assertThat(snap.endpoint().orElseThrow().baseUrl()).isEqualTo(baseUrl);
        assertThat(snap.process().orElseThrow().restarts()).isEqualTo(i + 1);
        long pid = Rel.pid(snap);
        assertThat(pid).isNotEqualTo(previous);
        previous = pid;
        HttpResponse<String> models = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/models")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(models.statusCode()).isEqualTo(200);
        assertThat(models.body()).contains("phoenix");
      }
      Rel.figure("kill -9 -> HEALTHY again (restart, backoff 50/100 ms)", Rel.stats(downtimes));
    }
  }

  @Test
  void aResolveDuringARestartWaitsAndGetsTheRestartedServer() throws Exception {
    backend(new RestartPolicy(3, Duration.ofMillis(300), Duration.ofMillis(300)));
    BootSpec spec = spec().alias("patient").extraArgs(FakeFaults.builder().loadTime(Duration.ofMillis(500)).build().args()).build();
    try (Resolution r = backend.resolveEndpoint(spec, opts())) {
      String id = r.instance().instanceId();
      // the restart's own report (a health poll may see the refused port first: also RECOVERING)
      CompletableFuture<Long> down = when(e -> e.instanceId().equals(id) && e.lifecycle() == LifecycleStatus.RECOVERING
          && e.reason().contains("restart 1 of 3"));
      ProcessHandle.of(Rel.pid(r.instance())).orElseThrow().destroyForcibly();
      assertThat(down).succeedsWithin(Duration.ofSeconds(10));
      assertThat(events).filteredOn(e -> e.instanceId().equals(id) && e.reason().contains("restart 1 of 3"))
          .allSatisfy(e -> assertThat(e.lifecycle()).isEqualTo(LifecycleStatus.RECOVERING));

      long asked = System.nanoTime();
      try (Resolution during = backend.resolveEndpoint(spec, opts())) {
        long waitedMs = (System.nanoTime() - asked) / 1_000_000;
        assertThat(during.instance().lifecycle()).isEqualTo(LifecycleStatus.READY);
        assertThat(during.endpoint().baseUrl()).isEqualTo(r.endpoint().baseUrl());
        HttpResponse<String> models = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create(during.endpoint().baseUrl() + "/models")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(models.statusCode()).as("the handed-out server serves").isEqualTo(200);
        Rel.figure("resolve during a restart (backoff 300 ms, load 500 ms)", "waited " + waitedMs
            + " ms, then got the restarted server (200 on /v1/models)");
      }
    }
  }

  @Test
  void aSpentRestartBudgetFailsAWaitingResolveAtOnce() throws Exception {
    backend(new RestartPolicy(1, Duration.ofMillis(50), Duration.ofMillis(50)));
    BootSpec spec = spec().alias("spent").extraArgs(FakeFaults.builder().loadTime(Duration.ofSeconds(20)).build().args()).build();
    Resolution r = backend.resolveEndpoint(spec, ResolveOptions.builder().ownerRef("crash")
        .awaitTimeout(Duration.ofSeconds(90)).build());
    String id = r.instance().instanceId();
    long first = Rel.pid(r.instance());
    ProcessHandle.of(first).orElseThrow().destroyForcibly();
    // the restarted server loads for 20 s; a resolve waits for it
    assertThat(Rel.await(Duration.ofSeconds(20), () -> backend.instance(id).map(s -> Rel.pid(s) != first
        && s.health() == HealthStatus.LOADING).orElse(false))).isTrue();
    CompletableFuture<Resolution> waiting = backend.resolveEndpointAsync(spec,
        io.github.llamacppsdk.core.ConsumerManifest.builder("waiter").build(), ResolveOptions.builder()
        .ownerRef("waiter").awaitTimeout(Duration.ofSeconds(60)).build());
    assertThat(waiting).isNotDone();

    long killedAt = System.nanoTime();
    ProcessHandle.of(Rel.pid(backend.instance(id).orElseThrow())).orElseThrow().destroyForcibly();

    assertThat(waiting).failsWithin(Duration.ofSeconds(20)).withThrowableThat().havingCause()
        .isInstanceOfSatisfying(NotServingException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.EXITED);
          assertThat(e.getMessage()).contains("restart budget spent (1 of 1 restarts used)");
          assertThat(e.outage().orElseThrow().restart().orElseThrow().attempt()).isEqualTo(1);
        });
    long failedMs = (System.nanoTime() - killedAt) / 1_000_000;
    assertThat(r.lease().isActive()).isFalse();
    assertThat(backend.instance(id)).isEmpty();
    Rel.figure("spent restart budget (1 of 1): waiting resolve failed", failedMs + " ms after the kill (its wait: 60 s)");
  }

  @Test
  void aDeterministicRestartFailureEndsTheInstanceAfterOneAttempt() throws IOException {
    backend(new RestartPolicy(5, Duration.ofMillis(50), Duration.ofMillis(200)));
    Resolution r = backend.resolveEndpoint(spec().alias("doomed").build(), opts());
    String id = r.instance().instanceId();
    CompletableFuture<Long> exited = when(e -> e.instanceId().equals(id) && e.health() == HealthStatus.EXITED);

    Files.writeString(model, "not a model any more"); // the restart will fail with NOT_GGUF
    ProcessHandle.of(Rel.pid(r.instance())).orElseThrow().destroyForcibly();

    assertThat(exited).succeedsWithin(Duration.ofSeconds(30));
    assertThat(r.lease().isActive()).isFalse();
    assertThat(backend.instance(id)).isEmpty();
    List<String> reasons = events.stream().filter(e -> e.instanceId().equals(id)).map(CoreEvent.InstanceEvent::reason)
        .toList();
    assertThat(reasons).anyMatch(s -> s.contains("restart 1 of 5"));
    assertThat(reasons).noneMatch(s -> s.contains("restart 2"));
    assertThat(reasons).last().asString().contains("restart 1 failed").contains("NOT_GGUF");
    Rel.figure("deterministic restart failure", "EXITED after 1 of 5 restarts: " + reasons.get(reasons.size() - 1)
        .lines().findFirst().orElse(""));
  }
}
