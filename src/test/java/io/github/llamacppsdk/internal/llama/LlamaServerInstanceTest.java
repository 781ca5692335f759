package io.github.llamacppsdk.internal.llama;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.RestartPolicy;
import io.github.llamacppsdk.core.HealthStatus;
import io.github.llamacppsdk.core.InstanceContext;
import io.github.llamacppsdk.internal.probe.ReadinessProber;
import io.github.llamacppsdk.process.LaunchRequest;
import io.github.llamacppsdk.process.LaunchedProcess;
import io.github.llamacppsdk.process.ProcessTransport;
import io.github.llamacppsdk.process.TransportCapabilities;
import io.github.llamacppsdk.testing.FakeLaunchedProcess;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The spawned instance's lifecycle with an in-memory transport: no processes, no sockets. */
@Timeout(30)
class LlamaServerInstanceTest {
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);

  @AfterEach
  void shutDown() {
    scheduler.shutdownNow();
  }

  /** A transport whose second launch blocks until the test lets it go. */
  private static final class SlowSecondLaunch implements ProcessTransport {
    final List<FakeLaunchedProcess> launched = new CopyOnWriteArrayList<>();
    final CountDownLatch secondLaunchStarted = new CountDownLatch(1);
    final CountDownLatch letSecondLaunchFinish = new CountDownLatch(1);

    @Override
    public TransportCapabilities capabilities() {
      return new TransportCapabilities(false, true, true, false, true, true, false);
    }

    @Override
    public LaunchedProcess launch(LaunchRequest request) {
      FakeLaunchedProcess p = new FakeLaunchedProcess(request.displayName());
      if (launched.isEmpty()) { // the first server loses its port and exits, as llama-server does
        p.print("0.00.001.000 E srv start: couldn't bind HTTP server socket, hostname: 127.0.0.1, port: 1");
        p.exit(1);
      } else {
        secondLaunchStarted.countDown();
        try {
          letSecondLaunchFinish.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      launched.add(p);
      return p;
    }

    @Override
    public void close() {}
  }

  private InstanceContext context() {
    return new InstanceContext() {
      @Override public String instanceId() { return "test"; }
      @Override public Clock clock() { return Clock.systemUTC(); }
      @Override public ScheduledExecutorService scheduler() { return scheduler; }
      @Override public void reportHealth(HealthStatus status, String reason) { }
      @Override public void reportExited(String reason) { }
    };
  }

  @Test
  void aStopDuringABindRetryWaitsForTheRelaunchedProcessAndStopsIt() throws Exception {
    SlowSecondLaunch transport = new SlowSecondLaunch();
    LlamaServices services = new LlamaServices(transport,
        new ReadinessProber(ReadinessProber.newHttpClient(Duration.ofSeconds(1)), Duration.ofSeconds(1)),
        RestartPolicy.never(), 2, ServerBuilds.shared(), false);
    LlamaServerInstance instance = LlamaServerInstance.start(
        BootSpec.builder("/m/tiny.gguf").port(0).stopTimeout(Duration.ofSeconds(1)).build(), services, context());

    assertThat(transport.secondLaunchStarted.await(10, TimeUnit.SECONDS)).as("a retry with a new port").isTrue();
    CompletableFuture<Void> stopped = instance.stop();
    assertThat(stopped).as("stop waits for the launch under way").isNotDone();

    transport.letSecondLaunchFinish.countDown();

    assertThat(stopped).succeedsWithin(Duration.ofSeconds(10));
    assertThat(transport.launched).hasSize(2);
    assertThat(transport.launched.get(1).stopCalls()).as("the relaunched server is stopped").isPositive();
    assertThat(transport.launched.get(1).isAlive()).isFalse();
    assertThat(instance.ready()).isCompletedExceptionally();
  }
}
