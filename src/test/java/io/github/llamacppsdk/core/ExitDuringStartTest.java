package io.github.llamacppsdk.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamacppsdk.core.CoreEvent.InstanceEvent;
import io.github.llamacppsdk.core.support.FakeBackend;
import io.github.llamacppsdk.core.support.FakeBackend.FakeInstance;
import io.github.llamacppsdk.core.support.RecordingListener;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A custom backend whose instance exits while {@code start} still runs ({@code reportExited} from
 * inside {@code start}, as a watcher thread may do before {@code start} returns): the instance fails,
 * and the handle {@code start} then returns is stopped; its capacity comes back only when that stop
 * completes.
 */
@Timeout(30)
class ExitDuringStartTest {
  private final RecordingListener listener = new RecordingListener();
  private final InferenceCore core = InferenceCore.builder().capacity(Capacity.maxInstances(1))
      .closeTimeout(Duration.ofSeconds(5)).listener(listener).build();
  /** Its instances report an exit from inside start and stop only when the test says so. */
  private final FakeBackend exits = new FakeBackend("exits") {
    @Override
    public ManagedInstance start(Options spec, StartupPlan plan, InstanceContext context) {
      FakeInstance i = (FakeInstance) super.start(spec, plan, context);
      i.stopCompletesAtOnce = false;
      context.reportExited("x");
      return i;
    }
  };
  private final FakeBackend healthy = new FakeBackend("healthy");

  {
    core.registerBackend(exits);
    core.registerBackend(healthy);
    healthy.readyAtOnce = true;
  }

  @AfterEach
  void cleanUp() {
    exits.started.forEach(i -> i.stopFuture.complete(null));
    core.close();
  }

  @Test
  void theHandleStartReturnsAfterTheInstanceExitedIsStoppedAndHoldsCapacityUntilItIsStopped() {
    assertThatThrownBy(() -> core.ensureInstance(exits.spec("m"), Duration.ofSeconds(5)))
        .isInstanceOfSatisfying(InferenceException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.EXITED_BEFORE_READY));
    FakeInstance leaked = exits.last();
    assertThat(leaked.stopCalls).as("the handle start returned is stopped").isEqualTo(1);
    assertThat(core.instances()).isEmpty();
    assertThat(listener.of(InstanceEvent.class)).extracting(InstanceEvent::lifecycle)
        .containsExactly(LifecycleStatus.STARTING, LifecycleStatus.FAILED);

    // Its capacity (one instance) comes back when its stop completes, not before.
    CompletableFuture<EnsureResult> next = core.ensureInstanceAsync(healthy.spec("m"), Duration.ofSeconds(10));
    assertThat(healthy.started).as("waits for the failed instance's room").isEmpty();
    leaked.stopFuture.complete(null);
    assertThat(next).succeedsWithin(Duration.ofSeconds(5));
    assertThat(healthy.started).hasSize(1);
    assertThat(leaked.stopCalls).isEqualTo(1);
  }
}
