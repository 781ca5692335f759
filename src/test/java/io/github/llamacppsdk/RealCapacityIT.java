package io.github.llamacppsdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamacppsdk.core.Capacity;
import io.github.llamacppsdk.core.CapacityExhaustedException;
import io.github.llamacppsdk.core.ConsumerManifest;
import io.github.llamacppsdk.core.CoreEvent;
import io.github.llamacppsdk.core.CoreListener;
import io.github.llamacppsdk.core.MemoryEstimate;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.core.ResolveOptions;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import io.github.llamacppsdk.testing.OsConcurrencyTransport;
import io.github.llamacppsdk.testing.RealServer;
import io.github.llamacppsdk.testkit.GgufFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Capacity on the real llama-server ({@code LLAMA_SERVER_BIN}): three tiny models, two slots. Resolves
 * evict and wait as specified, and the OS never sees more than two servers at once.
 */
@Timeout(180)
@ExtendWith(NoLeakedProcesses.class)
class RealCapacityIT {
  @TempDir Path tmp;

  @Test
  void threeModelsInTwoSlotsEvictAndWaitAndNeverRunThreeAtOnce() {
    Path binary = RealServer.requireBinary();
    List<BootSpec> specs = List.of("alpha", "beta", "gamma").stream()
        .map(name -> BootSpec.builder(GgufFiles.writeLoadableModel(tmp.resolve(name + ".gguf"))).binaryPath(binary)
            .port(0).ctxSize(512).build())
        .toList();
    List<CoreEvent.CapacityEvent> events = new CopyOnWriteArrayList<>();
    CoreListener listener = new CoreListener() {
      @Override
      public void onCapacityEvent(CoreEvent.CapacityEvent event) {
        events.add(event);
      }
    };
    ResolveOptions longWait = ResolveOptions.builder().ownerRef("it").awaitTimeout(Duration.ofSeconds(60)).build();
    try (OsConcurrencyTransport os = new OsConcurrencyTransport();
        LlamaCppBackend backend = LlamaCppBackend.builder().transport(os).capacity(Capacity.maxInstances(2))
            .listener(listener).build()) {
      Resolution alpha = backend.resolveEndpoint(specs.get(0), longWait);
      Resolution beta = backend.resolveEndpoint(specs.get(1), longWait);
      assertThat(alpha.instance().memoryEstimate().source()).isEqualTo(MemoryEstimate.Source.MODEL_METADATA);

      // both slots leased: gamma waits its await timeout and is refused, naming the holders
      assertThatThrownBy(() -> backend.resolveEndpoint(specs.get(2),
          ResolveOptions.builder().ownerRef("impatient").awaitTimeout(Duration.ofSeconds(1)).build()))
          .isInstanceOfSatisfying(CapacityExhaustedException.class,
              e -> assertThat(e.holders()).hasSize(2).allSatisfy(h -> assertThat(h.leaseOwners()).containsExactly("it")));

      // gamma waits; releasing beta's lease makes beta the idle one: it is evicted and gamma starts
      CompletableFuture<Resolution> gamma = backend.resolveEndpointAsync(specs.get(2),
          ConsumerManifest.builder("it").build(), ResolveOptions.builder().ownerRef("gamma-user")
              .awaitTimeout(Duration.ofSeconds(60)).build());
      assertThat(gamma).isNotDone();
      beta.close();
      try (Resolution g = gamma.join()) {
        assertThat(g.endpoint().modelIdentity()).isEqualTo("gamma");
        assertThat(backend.instances()).extracting(s -> s.endpoint().orElseThrow().modelIdentity())
            .containsExactlyInAnyOrder("alpha", "gamma");
        assertThat(events).filteredOn(e -> e.kind() == CoreEvent.CapacityEvent.Kind.EVICTED).singleElement()
            .satisfies(e -> {
              assertThat(e.instanceId()).isEqualTo(beta.instance().instanceId());
              // gamma-user may have joined the instance the impatient resolve queued before that one gave
              // up: the reason names the latest resolve that asked for it
              assertThat(e.reason()).contains("resolve by owner gamma-user");
            });
      }
      alpha.close();
      assertThat(os.launches()).isEqualTo(3);
      assertThat(os.maxAlive()).as("llama-servers alive at once, per the OS").isLessThanOrEqualTo(2);
    }
  }
}
