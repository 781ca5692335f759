package io.github.llamacppsdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamacppsdk.core.CoreEvent;
import io.github.llamacppsdk.core.CoreListener;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.HealthStatus;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.core.ResolveOptions;
import io.github.llamacppsdk.process.LaunchRequest;
import io.github.llamacppsdk.process.LaunchedProcess;
import io.github.llamacppsdk.process.ProcessLaunchException;
import io.github.llamacppsdk.process.ProcessTransport;
import io.github.llamacppsdk.process.TransportCapabilities;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import io.github.llamacppsdk.testkit.FakeFaults;
import io.github.llamacppsdk.testkit.FakeLlamaServer;
import io.github.llamacppsdk.testkit.GgufFiles;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Readiness and health rules (issue 5) against real fake-server processes. */
@Timeout(120)
@ExtendWith(NoLeakedProcesses.class)
class ReadinessIT {
  private static final Duration LONG = Duration.ofMinutes(10);

  @TempDir Path tmp;
  private Path binary;
  private Path model;
  private final List<CoreEvent.InstanceEvent> events = new CopyOnWriteArrayList<>();
  private final List<LlamaCppBackend> backends = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    binary = FakeLlamaServer.install(tmp);
    model = GgufFiles.writeTinyModel(tmp.resolve("tiny.gguf"));
  }

  @AfterEach
  void tearDown() {
    backends.forEach(LlamaCppBackend::close);
  }

  private LlamaCppBackend backend(LlamaCppBackend.Builder builder) {
    LlamaCppBackend b = builder.listener(new CoreListener() {
      @Override
      public void onInstanceEvent(CoreEvent.InstanceEvent event) {
        events.add(event);
      }
    }).build();
    backends.add(b);
    return b;
  }

  private LlamaCppBackend backend() {
    return backend(LlamaCppBackend.builder());
  }

  private BootSpecBuilder spec(String... fakeArgs) {
    return BootSpec.builder(model).binaryPath(binary).port(0).readyTimeout(LONG).stopTimeout(Duration.ofSeconds(5))
        .healthInterval(Duration.ofMillis(50)).extraArgs(List.of(fakeArgs));
  }

  private BootSpecBuilder spec(FakeFaults.Builder faults) {
    return spec().extraArgs(faults.build().args());
  }

  private static ResolveOptions wait(Duration d) {
    return ResolveOptions.builder().ownerRef("it").awaitTimeout(d).build();
  }

  private static ServerStartException startFailure(Runnable r) {
    Throwable[] caught = new Throwable[1];
    try {
      r.run();
    } catch (Throwable t) {
      caught[0] = t;
    }
    assertThat(caught[0]).isInstanceOf(ServerStartException.class);
    return (ServerStartException) caught[0];
  }

  @Test
  void loadingIsReportedAsProgressBeforeTheEndpointIsPublished() {
    try (Resolution r = backend().resolveEndpoint(spec(FakeFaults.builder().loadTime(Duration.ofMillis(700))).build(), wait(LONG))) {
      assertThat(events).extracting(CoreEvent.InstanceEvent::health)
          .containsSubsequence(HealthStatus.STARTING, HealthStatus.LOADING, HealthStatus.HEALTHY);
      assertThat(events).filteredOn(e -> e.health() == HealthStatus.LOADING).first()
          .satisfies(e -> assertThat(e.reason()).contains("503 Loading model"));
    }
  }

  @Test
  void ourOwnProcessServingAnotherModelIsNotPublished() {
    ServerStartException e = startFailure(() ->
        backend().resolveEndpoint(spec(FakeFaults.builder().modelId("another-model")).build(), wait(LONG)));

    assertThat(e.code()).isEqualTo(ErrorCode.FOREIGN_SERVER);
    assertThat(e.lastProbe()).contains("another-model").contains("\"tiny\"");
  }

  @Test
  void aLoadThatShowsNoProgressIsStalledAndCleanedUp() {
    // the fake's JVM must bind and answer within the stall window: 3 s leaves room on a busy machine
    BootSpec spec = spec(FakeFaults.builder().stall(FakeFaults.Stall.LOADING)).stallTimeout(Duration.ofSeconds(3)).build();

    ServerStartException e = startFailure(() -> backend().resolveEndpoint(spec, wait(LONG)));

    assertThat(e.code()).isEqualTo(ErrorCode.STALLED);
    assertThat(e.lastProbe()).contains("503 Loading model");
    assertThat(e.exit()).isEmpty();
  }

  @Test
  void aLoadThatKeepsLoggingIsNotStalledButHitsTheHardTimeout() {
    BootSpec spec = spec(FakeFaults.builder().loadTime(Duration.ofMinutes(10)).progressEvery(Duration.ofMillis(100)))
        .stallTimeout(Duration.ofSeconds(3)).readyTimeout(Duration.ofSeconds(8)).build();

    ServerStartException e = startFailure(() -> backend().resolveEndpoint(spec, wait(LONG)));

    assertThat(e.code()).isEqualTo(ErrorCode.READINESS_TIMEOUT);
    assertThat(e.outputTail()).anyMatch(line -> line.contains("load_tensors"));
    assertThat(e.getMessage()).contains("last probe: GET /health -> 503 Loading model");
  }

  @Test
  void aFileThatIsNotGgufFailsBeforeLaunchWithTheReason() throws IOException {
    Files.writeString(model, "hello, not a model");

    ServerStartException e = startFailure(() -> backend().resolveEndpoint(spec().build(), wait(LONG)));

    assertThat(e.code()).isEqualTo(ErrorCode.LAUNCH_FAILED);
    assertThat(e.failure()).contains(StartFailure.NOT_GGUF);
    assertThat(e.getMessage()).contains("not a GGUF file: it starts with 'hell'");
  }

  @Test
  void anUnknownFlagIsClassifiedAsAnInvalidArgument() {
    ServerStartException e = startFailure(() -> backend().resolveEndpoint(spec("--bogus").build(), wait(LONG)));

    assertThat(e.failure()).contains(StartFailure.INVALID_ARGUMENT);
    assertThat(e.outputTail()).contains("error: invalid argument: --bogus");
  }

  @Test
  void aMissingBinaryFailsAtOnceNamingIt() {
    BootSpec spec = spec().binaryPath(tmp.resolve("no-such-llama-server")).build();

    ServerStartException e = startFailure(() -> backend().resolveEndpoint(spec, wait(LONG)));

    assertThat(e.code()).isEqualTo(ErrorCode.LAUNCH_FAILED);
    assertThat(e.getMessage()).startsWith("LAUNCH_FAILED: binary does not exist: ").contains("no-such-llama-server")
        .contains("; command: ");
    assertThat(e.commandLine()).contains(tmp.resolve("no-such-llama-server").toString()).contains("--model");
    assertThat(e.exit()).isEmpty();
    assertThat(e.getCause()).isInstanceOf(ProcessLaunchException.class);
  }

  @Test
  void aPickedPortLostToSomeoneElseIsRetriedWithANewPort() {
    PortThief thief = new PortThief(ProcessTransport.local());
    try (Resolution r = backend(LlamaCppBackend.builder().transport(thief)).resolveEndpoint(spec().build(), wait(LONG))) {
      assertThat(thief.launches.get()).isEqualTo(2);
      assertThat(r.endpoint().baseUrl()).doesNotContain(":" + thief.stolenPort + "/");
    } finally {
      thief.close();
    }
  }

  @Test
  void healthChangesAfterPublicationReachListenersAndTheSnapshot() throws IOException {
    Path healthFile = tmp.resolve("health.txt");
    LlamaCppBackend backend = backend();
    try (Resolution r = backend.resolveEndpoint(spec(FakeFaults.builder().healthFile(healthFile)).build(), wait(LONG))) {
      String id = r.instance().instanceId();

      Files.writeString(healthFile, "degraded");
      assertThat(awaitHealth(id, HealthStatus.DEGRADED)).succeedsWithin(Duration.ofSeconds(20));
      assertThat(backend.instance(id)).get().satisfies(s -> assertThat(s.health()).isEqualTo(HealthStatus.DEGRADED));

      Files.writeString(healthFile, "ok");
      assertThat(awaitHealth(id, HealthStatus.HEALTHY)).succeedsWithin(Duration.ofSeconds(20));
    }
  }

  private CompletableFuture<Void> awaitHealth(String id, HealthStatus wanted) {
    CompletableFuture<Void> seen = new CompletableFuture<>();
    LlamaCppBackend b = backends.get(0);
    b.addListener(new CoreListener() {
      @Override
      public void onInstanceEvent(CoreEvent.InstanceEvent event) {
        if (event.instanceId().equals(id) && event.health() == wanted) {
          seen.complete(null);
        }
      }
    });
    b.instance(id).filter(s -> s.health() == wanted).ifPresent(s -> seen.complete(null));
    return seen;
  }

  /** A transport that takes the port of the first launch just before the server binds it. */
  private static final class PortThief implements ProcessTransport {
    private final ProcessTransport delegate;
    final AtomicInteger launches = new AtomicInteger();
    volatile int stolenPort;
    private ServerSocket stolen;

    PortThief(ProcessTransport delegate) {
      this.delegate = delegate;
    }

    @Override
    public TransportCapabilities capabilities() {
      return delegate.capabilities();
    }

    @Override
    public LaunchedProcess launch(LaunchRequest request) {
      if (launches.incrementAndGet() == 1) {
        int port = Integer.parseInt(request.argv().get(request.argv().indexOf("--port") + 1));
        try {
          stolen = new ServerSocket();
          stolen.bind(new InetSocketAddress("127.0.0.1", port));
          stolenPort = port;
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      }
      return delegate.launch(request);
    }

    @Override
    public void close() {
      delegate.close();
      try {
        if (stolen != null) {
          stolen.close();
        }
      } catch (IOException ignored) {
        // test cleanup
      }
    }
  }
}
