package io.github.llamacppsdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamacppsdk.core.Capacity;
import io.github.llamacppsdk.core.CapacityExhaustedException;
import io.github.llamacppsdk.core.CoreEvent;
import io.github.llamacppsdk.core.CoreListener;
import io.github.llamacppsdk.core.EnsureResult;
import io.github.llamacppsdk.core.InstanceSnapshot;
import io.github.llamacppsdk.core.MemoryEstimate;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.core.ResolveOptions;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import io.github.llamacppsdk.testing.OsConcurrencyTransport;
import io.github.llamacppsdk.testkit.FakeLlamaServer;
import io.github.llamacppsdk.testkit.GgufFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Capacity against real fake-server processes, with the number of live servers checked against the OS. */
@Timeout(180)
@ExtendWith(NoLeakedProcesses.class)
class CapacityIT {
  @TempDir Path tmp;
  private Path binary;
  private Path model;
  private final List<CoreEvent.CapacityEvent> capacityEvents = new CopyOnWriteArrayList<>();
  private final CoreListener listener = new CoreListener() {
    @Override
    public void onCapacityEvent(CoreEvent.CapacityEvent event) {
      capacityEvents.add(event);
    }
  };

  @BeforeEach
  void install() throws Exception {
    binary = FakeLlamaServer.install(tmp);
    model = GgufFiles.writeLoadableModel(tmp.resolve("tiny.gguf"));
  }

  private BootSpecBuilder spec(String alias) {
    return BootSpec.builder(model).binaryPath(binary).alias(alias).port(0).stopTimeout(Duration.ofSeconds(5));
  }

  private static ResolveOptions owner(String owner, Duration wait) {
    return ResolveOptions.builder().ownerRef(owner).awaitTimeout(wait).build();
  }

  private static List<String> aliases(LlamaCppBackend backend) {
    return backend.instances().stream().map(s -> s.endpoint().map(e -> e.modelIdentity()).orElse("?")).sorted()
        .toList();
  }

  @Test
  void twoSlotsEvictTheLeastRecentlyUsedAndWaitWhenEverythingIsLeased() {
    try (OsConcurrencyTransport os = new OsConcurrencyTransport();
        LlamaCppBackend backend = LlamaCppBackend.builder().transport(os).capacity(Capacity.maxInstances(2))
            .listener(listener).build()) {
      Resolution a = backend.resolveEndpoint(spec("a").build(), owner("app-a", Duration.ofSeconds(60)));
      Resolution b = backend.resolveEndpoint(spec("b").build(), owner("app-b", Duration.ofSeconds(60)));

      // both leased: c waits its full await timeout, then fails saying who holds the room
      assertThatThrownBy(() -> backend.resolveEndpoint(spec("c").build(), owner("app-c", Duration.ofSeconds(1))))
          .isInstanceOfSatisfying(CapacityExhaustedException.class, e -> {
            assertThat(e.neverFits()).isFalse();
            assertThat(e.holders()).extracting(CapacityExhaustedException.Holder::leaseOwners)
                .containsExactlyInAnyOrder(List.of("app-a"), List.of("app-b"));
            assertThat(e.getMessage()).contains("CAPACITY_EXHAUSTED", "app-a", "app-b", "was not admitted within PT1S");
          });
      assertThat(os.launches()).isEqualTo(2);

      b.close();
      a.close(); // a was used last: b is the least recently used
      try (Resolution c = backend.resolveEndpoint(spec("c").build(), owner("app-c", Duration.ofSeconds(60)))) {
        assertThat(aliases(backend)).containsExactly("a", "c");
        assertThat(capacityEvents).filteredOn(e -> e.kind() == CoreEvent.CapacityEvent.Kind.EVICTED).singleElement()
            .satisfies(e -> {
              assertThat(e.instanceId()).isEqualTo(b.instance().instanceId());
              assertThat(e.forInstanceId()).contains(c.instance().instanceId());
              assertThat(e.reason()).contains("resolve by owner app-c", "least recently used");
            });

        // a waiter gets the next free slot as soon as a lease is released
        Resolution again = backend.resolveEndpoint(spec("a").build(), owner("app-a", Duration.ofSeconds(60)));
        assertThat(again.reused()).isTrue();
        CompletableFuture<Resolution> d = backend.resolveEndpointAsync(spec("d").build(),
            io.github.llamacppsdk.core.ConsumerManifest.builder("it").build(), owner("app-d", Duration.ofSeconds(60)));
        assertThat(d).isNotDone(); // a and c are both leased
        again.close();
        try (Resolution dr = d.join()) {
          assertThat(aliases(backend)).containsExactly("c", "d");
          assertThat(dr.instance().leaseCount()).isEqualTo(1);
        }
      }
      assertThat(os.launches()).isEqualTo(4);
      assertThat(os.maxAlive()).as("servers alive at once, per the OS").isLessThanOrEqualTo(2);
    }
  }

  @Test
  void aMemoryBudgetCountsEstimatesAndRefusesASpecThatCanNeverFit() {
    long mib = 1L << 20;
    try (OsConcurrencyTransport os = new OsConcurrencyTransport();
        LlamaCppBackend backend = LlamaCppBackend.builder().transport(os)
            .capacity(Capacity.memoryBudget(1024 * mib)).listener(listener).build()) {
      backend.resolveEndpoint(spec("small").memoryEstimateBytes(600 * mib).build(),
          owner("app", Duration.ofSeconds(60))).close();
      try (Resolution r = backend.resolveEndpoint(spec("other").memoryEstimateBytes(600 * mib).build(),
          owner("app", Duration.ofSeconds(60)))) {
        assertThat(aliases(backend)).containsExactly("other"); // 600 + 600 MiB > 1 GiB: small was evicted
        assertThat(r.instance().memoryEstimate()).isEqualTo(MemoryEstimate.declared(600 * mib,
            "memory_estimate_bytes"));
      }

      assertThatThrownBy(() -> backend.resolveEndpoint(spec("huge").memoryEstimateBytes(2048 * mib).build(),
          owner("app", Duration.ofSeconds(60))))
          .isInstanceOfSatisfying(CapacityExhaustedException.class, e -> assertThat(e.neverFits()).isTrue());
      assertThat(os.launches()).isEqualTo(2); // huge never started

      // without a declaration the estimate comes from the model's GGUF metadata; resident memory is read
      EnsureResult measured = backend.preload(spec("measured").build());
      InstanceSnapshot s = measured.instance();
      assertThat(s.memoryEstimate().source()).isEqualTo(MemoryEstimate.Source.MODEL_METADATA);
      assertThat(s.memoryEstimate().parts()).containsKeys("weights", "kv_cache", "overhead");
      if (System.getProperty("os.name").startsWith("Linux")) {
        assertThat(s.residentMemoryBytes().orElse(0)).isGreaterThan(mib);
      }
      // 600 + 33 MiB fit together; the two 600 MiB ones never ran at once
      assertThat(aliases(backend)).containsExactly("measured", "other");
      assertThat(os.maxAlive()).isEqualTo(2);
    }
  }

  @Test
  void aPinnedPreloadIsNeverEvictedAndStoppingItLetsTheNextIn() {
    try (OsConcurrencyTransport os = new OsConcurrencyTransport();
        LlamaCppBackend backend = LlamaCppBackend.builder().transport(os).capacity(Capacity.maxInstances(1))
            .listener(listener).build()) {
      EnsureResult pinned = backend.preload(spec("pinned").build(), true);
      assertThat(pinned.instance().pinned()).isTrue();
      assertThat(pinned.instance().leaseCount()).isZero();

      assertThatThrownBy(() -> backend.resolveEndpoint(spec("b").build(), owner("app-b", Duration.ofSeconds(1))))
          .isInstanceOfSatisfying(CapacityExhaustedException.class,
              e -> assertThat(e.holders()).singleElement().satisfies(h -> {
                assertThat(h.pinned()).isTrue();
                assertThat(h.whyKept()).isEqualTo("pinned");
              }));

      CompletableFuture<Resolution> b = backend.resolveEndpointAsync(spec("b").build(),
          io.github.llamacppsdk.core.ConsumerManifest.builder("it").build(), owner("app-b", Duration.ofSeconds(60)));
      backend.stopInstance(pinned.instance().instanceId()).join();
      try (Resolution r = b.join()) {
        assertThat(aliases(backend)).containsExactly("b");
      }
      assertThat(os.maxAlive()).isEqualTo(1);
    }
  }
}
