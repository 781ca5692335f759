package io.github.llamacppsdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamacppsdk.core.CoreEvent;
import io.github.llamacppsdk.core.CoreListener;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.HealthStatus;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.core.LifecycleStatus;
import io.github.llamacppsdk.core.ManagementMode;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.core.ResolveOptions;
import io.github.llamacppsdk.process.ProcessTransport;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import io.github.llamacppsdk.testkit.FakeLlamaServer;
import io.github.llamacppsdk.testkit.FakeServerProcess;
import io.github.llamacppsdk.testkit.GgufFiles;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** What a new user hits first (issue 16), against real fake-server processes. */
@Timeout(120)
@ExtendWith(NoLeakedProcesses.class)
class FirstUseIT {
  private static final ResolveOptions WAIT = ResolveOptions.builder().ownerRef("first-use")
      .awaitTimeout(Duration.ofSeconds(60)).build();

  @TempDir Path tmp;
  private Path binary;
  private Path model;
  private final List<CoreEvent> events = new CopyOnWriteArrayList<>();
  /** The threads instance events were delivered on (a library callback on an unnamed thread shows here). */
  private final List<String> eventThreads = new CopyOnWriteArrayList<>();
  private final CoreListener recorder = new CoreListener() {
    @Override
    public void onInstanceEvent(CoreEvent.InstanceEvent event) {
      events.add(event);
      eventThreads.add(Thread.currentThread().getName());
    }

    @Override
    public void onLeaseEvent(CoreEvent.LeaseEvent event) {
      events.add(event);
    }
  };

  @BeforeEach
  void setUp() throws IOException {
    binary = FakeLlamaServer.install(tmp);
    model = GgufFiles.writeTinyModel(tmp.resolve("first.gguf"));
  }

  /** Waits for a condition with a deadline (no sleep: a short park between checks). */
  private static boolean await(Duration deadline, java.util.function.BooleanSupplier condition) {
    long end = System.nanoTime() + deadline.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        return false;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
    }
    return true;
  }

  private java.util.Optional<CoreEvent.InstanceEvent> failedEvent() {
    return events.stream().filter(CoreEvent.InstanceEvent.class::isInstance).map(CoreEvent.InstanceEvent.class::cast)
        .filter(x -> x.lifecycle() == LifecycleStatus.FAILED).findFirst();
  }

  private BootSpecBuilder spec() {
    return BootSpec.builder(model).binaryPath(binary).port(0).stopTimeout(Duration.ofSeconds(5));
  }

  @Test
  void aServerStoppedByItsTransportIsReportedAsStoppedNotAsACrash() {
    // The JVM's shutdown hook stops servers through the transport; closing the transport takes the same path.
    ProcessTransport transport = ProcessTransport.local();
    try (LlamaCppBackend backend = LlamaCppBackend.builder().transport(transport).listener(recorder).build()) {
      Resolution r = backend.resolveEndpoint(spec().build(), WAIT);
      long pid = r.instance().process().orElseThrow().pid().orElseThrow();

      transport.close();

      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
      assertThat(await(Duration.ofSeconds(10), () -> backend.instances().isEmpty())).isTrue();
      List<CoreEvent.InstanceEvent> instance = events.stream().filter(CoreEvent.InstanceEvent.class::isInstance)
          .map(CoreEvent.InstanceEvent.class::cast).toList();
      assertThat(instance.get(instance.size() - 1)).satisfies(e -> {
        assertThat(e.lifecycle()).isEqualTo(LifecycleStatus.STOPPED);
        assertThat(e.health()).isEqualTo(HealthStatus.STOPPED);
        assertThat(e.reason()).contains("graceful stop").contains("stopped by the process transport");
      });
      assertThat(instance).noneMatch(e -> e.lifecycle() == LifecycleStatus.FAILED || e.health() == HealthStatus.EXITED);
      assertThatThrownBy(r.lease()::renew).isInstanceOfSatisfying(InferenceException.class,
          e -> assertThat(e.code()).isEqualTo(ErrorCode.LEASE_NOT_ACTIVE)).hasMessageContaining("its instance was stopped");
    } finally {
      transport.close();
    }
  }

  @Test
  void attachingWithTheWrongAliasSaysWhatWasServedAndClaimsNothingWasStarted() throws Exception {
    try (FakeServerProcess external = FakeLlamaServer.start(List.of("--model", model.toString(), "--alias", "served-model",
        "--port", "0"), Map.of());
         LlamaCppBackend backend = LlamaCppBackend.create()) {
      String root = external.awaitListening(Duration.ofSeconds(60)).toString();

      try (Resolution ok = backend.attach(AttachSpec.builder(root, "served-model").build(), WAIT)) {
        assertThat(ok.endpoint().managementMode()).isEqualTo(ManagementMode.EXTERNALLY_MANAGED);
      }
      assertThatThrownBy(() -> backend.attach(AttachSpec.builder(root, "expected-model").build(), WAIT))
          .isInstanceOfSatisfying(ServerStartException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.FOREIGN_SERVER);
            assertThat(e.summary()).contains("serves [served-model], not the expected model \"expected-model\"")
                .doesNotContain("this library started");
          });
    }
  }

  @Test
  void aPortHeldByASocketThatNeverAnswersReportsTheTimeReallyWaited() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
         LlamaCppBackend backend = LlamaCppBackend.builder().probeTimeout(Duration.ofMillis(400)).build()) {
      BootSpec spec = spec().port(silent.getLocalPort()).build();

      assertThatThrownBy(() -> backend.resolveEndpoint(spec, WAIT)).isInstanceOfSatisfying(ServerStartException.class, e -> {
        assertThat(e.code()).isEqualTo(ErrorCode.FOREIGN_SERVER);
        assertThat(e.waited()).isGreaterThanOrEqualTo(Duration.ofMillis(350));
        assertThat(e.getMessage()).doesNotContain("waited 0 ms").contains("last probe: GET /health -> timed out");
      });
    }
  }

  @Test
  void aBlockingStopReturnsWhenTheServerIsGoneAndEveryLibraryThreadIsNamed() {
    try (LlamaCppBackend backend = LlamaCppBackend.builder().listener(recorder).build()) {
      Resolution r = backend.resolveEndpoint(spec().build(), WAIT);
      long pid = r.instance().process().orElseThrow().pid().orElseThrow();
      List<String> unnamed = Thread.getAllStackTraces().entrySet().stream()
          .filter(t -> t.getKey().getName().matches("Thread-\\d+"))
          .filter(t -> List.of(t.getValue()).stream().anyMatch(f -> f.getClassName().startsWith("io.github.llamacppsdk")
              || f.getClassName().startsWith("sun.nio.ch")))
          .map(t -> t.getKey().getName()).toList();
      assertThat(unnamed).as("library threads without a name").isEmpty();

      backend.stopInstance(r.instance().instanceId(), Duration.ofSeconds(10));

      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
      assertThat(backend.instances()).isEmpty();
      assertThat(events).filteredOn(CoreEvent.InstanceEvent.class::isInstance).map(CoreEvent.InstanceEvent.class::cast)
          .allSatisfy(e -> assertThat(e.reason()).doesNotContain("\n"));
      assertThat(eventThreads).as("threads the start and the stop were reported on").isNotEmpty()
          .noneMatch(n -> n.matches("Thread-\\d+"));
    }
  }

  @Test
  void aFailedStartsEventReasonIsOneLineAndTheExceptionKeepsTheDetail() {
    try (LlamaCppBackend backend = LlamaCppBackend.builder().listener(recorder).build()) {
      BootSpec spec = spec().extraArgs(List.of("--bogus")).build();

      assertThatThrownBy(() -> backend.resolveEndpoint(spec, WAIT)).isInstanceOfSatisfying(ServerStartException.class, e -> {
        assertThat(e.getMessage()).contains("\n--- last ");
        // the waiter may hear of the failure before the listener does: wait for the event
        assertThat(await(Duration.ofSeconds(10), () -> failedEvent().isPresent())).isTrue();
        CoreEvent.InstanceEvent failed = failedEvent().orElseThrow();
        assertThat(failed.reason()).isEqualTo(e.summary()).doesNotContain("\n").doesNotContain("command:")
            .startsWith("EXITED_BEFORE_READY: ");
      });
    }
  }
}
