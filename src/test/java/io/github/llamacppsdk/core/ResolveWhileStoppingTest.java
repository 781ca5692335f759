package io.github.llamacppsdk.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamacppsdk.core.support.FakeBackend;
import io.github.llamacppsdk.core.support.FakeBackend.FakeInstance;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A resolve or ensure for an instance whose previous incarnation is still stopping: the caller's wait
 * deadline runs from the call and covers that stop, and closing the core releases such a caller. The
 * backend's stop never completes on its own here (a server stuck in the kernel after SIGKILL); the
 * test completes it when it cleans up. Real scheduler: the deadline is real time.
 */
@Timeout(60)
class ResolveWhileStoppingTest {
  private final FakeBackend backend = new FakeBackend("fb");
  private final ConsumerManifest consumer = ConsumerManifest.builder("c").build();
  private final InferenceCore core = InferenceCore.builder().closeTimeout(Duration.ofSeconds(5)).build();
  private final ExecutorService callers = Executors.newCachedThreadPool();

  {
    core.registerBackend(backend);
    backend.readyAtOnce = true;
  }

  @AfterEach
  void cleanUp() throws InterruptedException {
    backend.started.forEach(i -> i.stopFuture.complete(null)); // the stuck stops end, so nothing stays blocked
    core.close();
    callers.shutdownNow();
    assertThat(callers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  /** The instance "fb:m" ready, then asked to stop, with a stop that does not complete by itself. */
  private FakeInstance stuckStopping() {
    core.ensureInstance(backend.spec("m"), Duration.ofSeconds(10));
    FakeInstance first = backend.last();
    first.stopCompletesAtOnce = false;
    core.stopInstance("fb:m");
    assertThat(first.stopCalls).isEqualTo(1);
    assertThat(core.instance("fb:m").orElseThrow().lifecycle()).isEqualTo(LifecycleStatus.STOPPING);
    return first;
  }

  private static void assertFailsWith(CompletableFuture<?> f, ErrorCode code, String messagePart) {
    assertThat(f).failsWithin(Duration.ofSeconds(5)).withThrowableThat().havingCause()
        .isInstanceOfSatisfying(InferenceException.class, e -> {
          assertThat(e.code()).isEqualTo(code);
          assertThat(e.getMessage()).contains(messagePart);
        });
  }

  private static void awaitTrue(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(condition.getAsBoolean()).as(what).isTrue();
  }

  /** {@return whether the thread is parked in the core's wait for a result} */
  private static boolean blockedInJoin(Thread t) {
    if (t == null || t.getState() != Thread.State.WAITING) {
      return false;
    }
    return Arrays.stream(t.getStackTrace()).anyMatch(f -> f.getClassName().endsWith(".ReadyWaiter")
        && f.getMethodName().equals("join"));
  }

  @Test
  void aResolveWaitingForAStuckStopTimesOutAtItsAwaitTimeoutAndTheStopAndTheNextStartGoOn() {
    FakeInstance first = stuckStopping();
    ResolveOptions hasty = ResolveOptions.builder().awaitTimeout(Duration.ofMillis(200)).build();
    long called = System.nanoTime();
    CompletableFuture<Resolution> resolve =
        CompletableFuture.supplyAsync(() -> core.resolveEndpoint(backend.spec("m"), consumer, hasty), callers);
    CompletableFuture<EnsureResult> ensure =
        CompletableFuture.supplyAsync(() -> core.ensureInstance(backend.spec("m"), Duration.ofMillis(200)), callers);

    assertFailsWith(resolve, ErrorCode.WAIT_TIMEOUT, "waiting for the previous instance of this spec to stop");
    assertFailsWith(ensure, ErrorCode.WAIT_TIMEOUT, "waiting for the previous instance of this spec to stop");
    assertThat(System.nanoTime() - called).as("not before its await timeout")
        .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
    assertThat(core.instance("fb:m").orElseThrow().lifecycle()).as("the stop goes on")
        .isEqualTo(LifecycleStatus.STOPPING);
    assertThat(backend.started).hasSize(1);

    // The stop ends: the new start the callers asked for goes on without them.
    first.stopFuture.complete(null);
    awaitTrue(() -> backend.started.size() == 2, "a new instance started after the stop");
    assertThat(backend.started).hasSize(2);
    assertThat(core.resolveEndpoint(backend.spec("m"), consumer, ResolveOptions.defaults()))
        .satisfies(r -> {
          assertThat(r.reused()).isTrue();
          assertThat(r.endpoint().baseUrl()).isEqualTo(backend.last().endpoint().baseUrl());
          r.close();
        });
    assertThat(first.stopCalls).isEqualTo(1);
  }

  @Test
  void closingTheCoreFailsAResolveStillWaitingForAStuckStopWithClosed() {
    stuckStopping();
    AtomicReference<Thread> caller = new AtomicReference<>();
    CompletableFuture<Resolution> resolve = CompletableFuture.supplyAsync(() -> {
      caller.set(Thread.currentThread());
      return core.resolveEndpoint(backend.spec("m"), consumer, ResolveOptions.defaults());
    }, callers);
    CompletableFuture<EnsureResult> ensure = core.ensureInstanceAsync(backend.spec("m"), Duration.ofMinutes(5));
    awaitTrue(() -> blockedInJoin(caller.get()), "the resolve waits for the stop");
    assertThat(ensure).isNotDone();

    CompletableFuture<Void> closing = CompletableFuture.runAsync(core::close, callers);
    // Released at once, not after the close timeout: the stuck stop keeps close() waiting meanwhile.
    assertFailsWith(resolve, ErrorCode.CLOSED, "closed");
    assertFailsWith(ensure, ErrorCode.CLOSED, "closed");
    assertThat(closing).isNotDone();
    backend.last().stopFuture.complete(null);
    assertThat(closing).succeedsWithin(Duration.ofSeconds(10));
    assertThat(backend.started).as("nothing starts in a closed core").hasSize(1);
  }
}
