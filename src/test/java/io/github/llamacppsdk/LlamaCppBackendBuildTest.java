package io.github.llamacppsdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamacppsdk.core.Capacity;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceCore;
import io.github.llamacppsdk.core.InferenceException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** A build of the facade that fails leaves nothing running: no thread, transport or prober of its own. */
class LlamaCppBackendBuildTest {

  @Test
  void aCapacityWithAGivenCoreIsRefusedBeforeAnythingStarts() {
    Set<Thread> before = libraryThreads();
    try (InferenceCore core = InferenceCore.builder().build()) {
      Set<Thread> withCore = libraryThreads();
      assertThatThrownBy(() -> LlamaCppBackend.builder().core(core).capacity(Capacity.maxInstances(1)).build())
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("capacity is the core's");
      assertThat(started(withCore)).as("threads the refused build started").isEmpty();
    }
    assertThat(awaitNoneStartedSince(before)).as("threads left after the core's close").isEmpty();
  }

  @Test
  void aBuildThatFailsAfterCreatingItsPartsClosesThem() {
    InferenceCore closed = InferenceCore.builder().build();
    closed.close();
    Set<Thread> before = libraryThreads();
    // the prober (its I/O thread) and the local transport are created before the closed core refuses the backends
    assertThatThrownBy(() -> LlamaCppBackend.builder().core(closed).build())
        .isInstanceOfSatisfying(InferenceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CLOSED));
    assertThat(awaitNoneStartedSince(before)).as("threads of the failed build still running").isEmpty();
  }

  private static Set<Thread> libraryThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("llamacpp-"))
        .collect(Collectors.toSet());
  }

  private static List<String> started(Set<Thread> before) {
    return libraryThreads().stream().filter(t -> !before.contains(t)).map(Thread::getName).sorted().toList();
  }

  /** {@return the library threads started since {@code before} still alive after up to 5 s} */
  private static List<String> awaitNoneStartedSince(Set<Thread> before) {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    List<String> left = started(before);
    while (!left.isEmpty() && System.nanoTime() < end) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
      left = started(before);
    }
    return left;
  }
}
