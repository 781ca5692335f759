package io.github.llamacppsdk.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamacppsdk.core.CompatibilityResult.Reason;
import io.github.llamacppsdk.core.support.FakeBackend;
import io.github.llamacppsdk.core.support.ManualScheduler;
import io.github.llamacppsdk.core.support.MutableClock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class CompatibilityTest {
  private final BackendManifest spawned =
      FakeBackend.manifest("spawned_backend", List.of(ManagementMode.JIDO_MANAGED), StartupKind.SPAWNED);
  private final BackendManifest attached = FakeBackend.manifest("attached_backend",
      List.of(ManagementMode.EXTERNALLY_MANAGED), StartupKind.ATTACH_EXISTING_SERVICE);
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final InferenceCore core =
      InferenceCore.builder().clock(clock).scheduler(new ManualScheduler(clock)).build();

  /** The seed's canonical consumer (§2.5). */
  private static ConsumerManifest.Builder canonical() {
    return ConsumerManifest.builder("jido_integration_req_llm")
        .acceptedManagementModes(ManagementMode.JIDO_MANAGED)
        .require("streaming", true)
        .prefer("tool_calling", Capabilities.UNKNOWN)
        .startupKind(StartupKind.SPAWNED);
  }

  @AfterEach
  void close() {
    core.close();
  }

  @Test
  void canonicalConsumerMatchesASpawnedBackend() {
    CompatibilityResult r = CompatibilityResult.evaluate(spawned, Optional.empty(), canonical().build());
    assertThat(r.compatible()).isTrue();
    assertThat(r.reason()).isEqualTo(Reason.PROTOCOL_MATCH);
    assertThat(r.reason().wireName()).isEqualTo("protocol_match");
    assertThat(r.resolvedRuntimeKind()).contains(RuntimeKind.SERVICE);
    assertThat(r.resolvedManagementMode()).contains(ManagementMode.JIDO_MANAGED);
    assertThat(r.resolvedProtocol()).contains(Protocol.OPENAI_CHAT_COMPLETIONS);
    assertThat(r.warnings()).isEmpty();
    assertThat(r.missingRequirements()).isEmpty();
    assertThat(r.metadata()).containsEntry("backend", "spawned_backend")
        .containsEntry("consumer", "jido_integration_req_llm");
  }

  @Test
  void seedKernelCases16And17ThroughTheRegistry() {
    core.registerBackend(new FakeBackend("test_spawned_backend"));
    core.registerBackend(new FakeBackend("test_attached_backend", FakeBackend.manifest("test_attached_backend",
        List.of(ManagementMode.EXTERNALLY_MANAGED), StartupKind.ATTACH_EXISTING_SERVICE)));
    assertThat(core.backends()).extracting(BackendManifest::backend)
        .containsExactly("test_attached_backend", "test_spawned_backend");
    BackendManifest m = core.manifest("test_spawned_backend").orElseThrow();
    assertThat(m.runtimeKind()).isEqualTo(RuntimeKind.SERVICE);
    assertThat(m.startupKind()).contains(StartupKind.SPAWNED);
    assertThat(m.managementModes()).containsExactly(ManagementMode.JIDO_MANAGED);

    ConsumerManifest dflt = ConsumerManifest.builder("c").require("streaming", true).build();
    assertThat(core.compatibility("test_spawned_backend", dflt).reason()).isEqualTo(Reason.PROTOCOL_MATCH);
    CompatibilityResult attach = core.compatibility("test_spawned_backend",
        ConsumerManifest.builder("c").startupKind(StartupKind.ATTACH_EXISTING_SERVICE).build());
    assertThat(attach.compatible()).isFalse();
    assertThat(attach.reason()).isEqualTo(Reason.STARTUP_KIND_UNSUPPORTED);
    assertThat(attach.missingRequirements()).containsExactly("startup_kind");
  }

  @Test
  void unregisteredBackend() {
    CompatibilityResult r = core.compatibility("nope", canonical().build());
    assertThat(r.compatible()).isFalse();
    assertThat(r.reason()).isEqualTo(Reason.BACKEND_UNREGISTERED);
    assertThat(r.missingRequirements()).containsExactly("backend");
    assertThat(r.metadata()).containsEntry("reason", "backend_unregistered");
  }

  @Test
  void checksRunInTheSeedsOrderAndTheFirstFailureWins() {
    // Everything is wrong: runtime kind is reported first.
    ConsumerManifest allWrong = ConsumerManifest.builder("c").acceptedRuntimeKinds(RuntimeKind.TASK)
        .acceptedManagementModes(ManagementMode.EXTERNALLY_MANAGED).acceptedProtocols(Protocol.ROUTE_LOGITS)
        .startupKind(StartupKind.ATTACH_EXISTING_SERVICE).require("streaming", false).build();
    assertFailure(allWrong, Reason.RUNTIME_KIND_MISMATCH, "runtime_kind");
    assertFailure(ConsumerManifest.builder("c").acceptedManagementModes(ManagementMode.EXTERNALLY_MANAGED)
        .acceptedProtocols(Protocol.ROUTE_LOGITS).startupKind(StartupKind.ATTACH_EXISTING_SERVICE)
        .require("streaming", false).build(), Reason.MANAGEMENT_MODE_MISMATCH, "management_mode");
    assertFailure(ConsumerManifest.builder("c").acceptedProtocols(Protocol.ROUTE_LOGITS)
        .startupKind(StartupKind.ATTACH_EXISTING_SERVICE).require("streaming", false).build(),
        Reason.UNSUPPORTED_PROTOCOL, "protocol");
    assertFailure(ConsumerManifest.builder("c").startupKind(StartupKind.ATTACH_EXISTING_SERVICE)
        .require("streaming", false).build(), Reason.STARTUP_KIND_UNSUPPORTED, "startup_kind");
    assertFailure(ConsumerManifest.builder("c").require("streaming", false).require("tool_calling", true).build(),
        Reason.MISSING_STREAMING, "streaming");
    assertFailure(ConsumerManifest.builder("c").require("tool_calling", true).require("streaming", false).build(),
        Reason.MISSING_CAPABILITY, "tool_calling");
  }

  private void assertFailure(ConsumerManifest c, Reason reason, String missing) {
    CompatibilityResult r = CompatibilityResult.evaluate(spawned, Optional.empty(), c);
    assertThat(r.compatible()).isFalse();
    assertThat(r.reason()).isEqualTo(reason);
    assertThat(r.missingRequirements()).containsExactly(missing);
    assertThat(r.resolvedManagementMode()).isEmpty();
    assertThat(r.warnings()).isEmpty();
  }

  @Test
  void emptyAcceptedModesMeansAnyModeAndResolvesTheBackendsFirst() {
    ConsumerManifest any = ConsumerManifest.builder("c").build();
    assertThat(any.acceptedManagementModes()).isEmpty();
    assertThat(CompatibilityResult.evaluate(attached, Optional.empty(), any).resolvedManagementMode())
        .contains(ManagementMode.EXTERNALLY_MANAGED);
    BackendManifest both = FakeBackend.manifest("b",
        List.of(ManagementMode.EXTERNALLY_MANAGED, ManagementMode.JIDO_MANAGED), null);
    assertThat(CompatibilityResult.evaluate(both, Optional.empty(),
        ConsumerManifest.builder("c").acceptedManagementModes(ManagementMode.JIDO_MANAGED,
            ManagementMode.EXTERNALLY_MANAGED).build()).resolvedManagementMode())
        .as("backend order wins").contains(ManagementMode.EXTERNALLY_MANAGED);
    assertThat(CompatibilityResult.evaluate(attached, Optional.empty(),
        ConsumerManifest.builder("c").acceptedManagementModes(ManagementMode.JIDO_MANAGED).build()).reason())
        .isEqualTo(Reason.MANAGEMENT_MODE_MISMATCH);
  }

  @Test
  void unknownSatisfiesOnlyUnknownAndUnmetOptionalsAreWarnings() {
    assertThat(CompatibilityResult.evaluate(spawned, Optional.empty(),
        ConsumerManifest.builder("c").require("embeddings", true).build()).reason())
        .isEqualTo(Reason.MISSING_CAPABILITY);
    assertThat(CompatibilityResult.evaluate(spawned, Optional.empty(),
        ConsumerManifest.builder("c").require("embeddings", "unknown").build()).compatible()).isTrue();
    assertThat(CompatibilityResult.evaluate(spawned, Optional.empty(),
        ConsumerManifest.builder("c").require("vision", false).build()).reason())
        .as("a missing capability is not false").isEqualTo(Reason.MISSING_CAPABILITY);
    CompatibilityResult r = CompatibilityResult.evaluate(spawned, Optional.empty(), ConsumerManifest.builder("c")
        .prefer("tool_calling", true).prefer("streaming", true).prefer("embeddings", false).build());
    assertThat(r.compatible()).isTrue();
    assertThat(r.warnings()).containsExactly("tool_calling", "embeddings");
  }

  @Test
  void instanceLevelCapabilitiesOverrideTheManifest() {
    StartupPlan embeddingServer = new StartupPlan("k", StartupKind.SPAWNED, ManagementMode.JIDO_MANAGED, Set.of(),
        Map.of("embeddings?", true), Optional.empty(), Map.of());
    ConsumerManifest wantsEmbeddings = ConsumerManifest.builder("c").require("embeddings", true).build();
    assertThat(CompatibilityResult.evaluate(spawned, Optional.of(embeddingServer), wantsEmbeddings).compatible())
        .isTrue();

    FakeBackend backend = new FakeBackend("fb");
    core.registerBackend(backend);
    InstanceSpec withEmbeddings = InstanceSpec.of("fb", StartupKind.SPAWNED, Map.of("model", "m", "embeddings", true));
    assertThat(core.compatibility(withEmbeddings, wantsEmbeddings).compatible()).isTrue();
    assertThat(core.compatibility("fb", wantsEmbeddings).compatible()).as("static manifest says unknown").isFalse();
    assertThat(core.compatibility(backend.spec("m"), wantsEmbeddings).reason()).isEqualTo(Reason.MISSING_CAPABILITY);
  }

  @Test
  void incompatibleConsumerIsATypedErrorAndNothingStarts() {
    FakeBackend backend = new FakeBackend("fb");
    core.registerBackend(backend);
    ConsumerManifest c = ConsumerManifest.builder("c").require("tool_calling", true).build();
    assertThatThrownBy(() -> core.resolveEndpoint(backend.spec("m"), c, ResolveOptions.defaults()))
        .isInstanceOfSatisfying(IncompatibleConsumerException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.INCOMPATIBLE);
          assertThat(e.result().reason()).isEqualTo(Reason.MISSING_CAPABILITY);
          assertThat(e.getMessage()).startsWith("INCOMPATIBLE: ").contains("tool_calling");
        });
    assertThat(core.resolveEndpointAsync(backend.spec("m"), c, ResolveOptions.defaults()))
        .isCompletedExceptionally();
    assertThat(backend.started).isEmpty();
    assertThat(core.instances()).isEmpty();
  }
}
