package io.github.llamacppsdk.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamacppsdk.InvalidSpecException;
import io.github.llamacppsdk.Violation;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

@Timeout(10)
class ManifestParsingTest {

  @Test
  void readsTheSeedsCanonicalConsumer() {
    Map<String, Object> required = new LinkedHashMap<>();
    required.put("streaming?", true);
    required.put(":tool_calling?", "unknown");
    ConsumerManifest m = ConsumerManifest.fromMap(Map.of(
        "contract_version", "inference.v1",
        "consumer", "jido_integration_req_llm",
        "accepted_runtime_kinds", List.of("service"),
        "accepted_management_modes", List.of("jido_managed", ":externally_managed"),
        "accepted_protocols", "openai_chat_completions",
        "required_capabilities", required,
        "optional_capabilities", Map.of("embeddings", ":unknown"),
        "constraints", Map.of("startup_kind", "attach_existing_service", "region", "eu"),
        "metadata", Map.of("team", "x")));
    assertThat(m.consumer()).isEqualTo("jido_integration_req_llm");
    assertThat(m.acceptedRuntimeKinds()).containsExactly(RuntimeKind.SERVICE);
    assertThat(m.acceptedManagementModes())
        .containsExactly(ManagementMode.JIDO_MANAGED, ManagementMode.EXTERNALLY_MANAGED);
    assertThat(m.acceptedProtocols()).containsExactly(Protocol.OPENAI_CHAT_COMPLETIONS);
    assertThat(m.requiredCapabilities()).containsExactly(Map.entry("streaming", true),
        Map.entry("tool_calling", Capabilities.UNKNOWN));
    assertThat(m.optionalCapabilities()).containsExactly(Map.entry("embeddings", Capabilities.UNKNOWN));
    assertThat(m.startupKindConstraint()).contains(StartupKind.ATTACH_EXISTING_SERVICE);
    assertThat(m.constraints()).containsEntry("region", "eu");
    assertThat(m.metadata()).containsEntry("team", "x");
  }

  @Test
  void defaultsAreTheSeedsExceptThatNoModesMeansAny() {
    ConsumerManifest m = ConsumerManifest.fromMap(Map.of("consumer", "c"));
    assertThat(m.contractVersion()).isEqualTo("inference.v1");
    assertThat(m.acceptedRuntimeKinds()).containsExactly(RuntimeKind.SERVICE);
    assertThat(m.acceptedManagementModes()).isEmpty();
    assertThat(m.acceptedProtocols()).containsExactly(Protocol.OPENAI_CHAT_COMPLETIONS);
    assertThat(m.startupKindConstraint()).isEmpty();
  }

  static List<Object[]> badConsumerMaps() {
    return List.of(
        new Object[] {Map.of("consumer", "c", "accepted_modes", List.of()), "accepted_modes"},
        new Object[] {Map.of(), "consumer"},
        new Object[] {Map.of("consumer", "c", "contract_version", "v2"), "contract_version"},
        new Object[] {Map.of("consumer", "c", "accepted_management_modes", List.of("self_managed")),
            "accepted_management_modes"},
        new Object[] {Map.of("consumer", "c", "accepted_runtime_kinds", List.of(42)), "accepted_runtime_kinds"},
        new Object[] {Map.of("consumer", "c", "accepted_protocols", "grpc"), "accepted_protocols"},
        new Object[] {Map.of("consumer", "c", "required_capabilities", Map.of("streaming?", "yes")),
            "required_capabilities.streaming"},
        new Object[] {Map.of("consumer", "c", "optional_capabilities", List.of()), "optional_capabilities"},
        new Object[] {Map.of("consumer", "c", "constraints", Map.of("startup_kind", "forked")),
            "constraints.startup_kind"});
  }

  @ParameterizedTest
  @MethodSource("badConsumerMaps")
  void badConsumerMapsAreInvalidSpecNamingTheKey(Map<String, ?> map, String key) {
    assertThatThrownBy(() -> ConsumerManifest.fromMap(map))
        .isInstanceOfSatisfying(InferenceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SPEC))
        .hasMessageStartingWith("INVALID_SPEC: ").hasMessageContaining(key);
  }

  @Test
  void resolveOptionsFromMap() {
    ResolveOptions o = ResolveOptions.fromMap(Map.of("owner_ref", "run-1", "ttl_ms", 30_000, "await_timeout_ms", "5000"));
    assertThat(o.ownerRef()).contains("run-1");
    assertThat(o.ttl()).contains(Duration.ofSeconds(30));
    assertThat(o.awaitTimeout()).isEqualTo(Duration.ofSeconds(5));
    ResolveOptions d = ResolveOptions.fromMap(Map.of("ttl_ms", 0));
    assertThat(d.ttl()).as("only a positive ttl arms expiry, as in the seed").isEmpty();
    assertThat(d.ownerRef()).isEmpty();
    assertThat(d.awaitTimeout()).isEqualTo(Duration.ofSeconds(150));
  }

  @Test
  void resolveOptionsRejectUnknownKeysAndBadValues() {
    assertThatThrownBy(() -> ResolveOptions.fromMap(Map.of("ttl", 5)))
        .isInstanceOf(InferenceException.class).hasMessageStartingWith("INVALID_SPEC: ").hasMessageContaining("ttl = 5")
        .hasMessageContaining("is not a resolve-options key");
    assertThatThrownBy(() -> ResolveOptions.fromMap(Map.of("ttl_ms", -1)))
        .hasMessageStartingWith("INVALID_SPEC: ").hasMessageContaining("ttl_ms");
    assertThatThrownBy(() -> ResolveOptions.fromMap(Map.of("await_timeout_ms", "soon")))
        .hasMessageStartingWith("INVALID_SPEC: ").hasMessageContaining("await_timeout_ms");
    assertThatThrownBy(() -> ResolveOptions.builder().ttl(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void everyMapIsValidatedOneWayReportingEveryViolationAtOnce() {
    Map<String, Object> manifest = new LinkedHashMap<>();
    manifest.put("consumr", "c");
    manifest.put("accepted_protocols", List.of("grpc"));
    manifest.put("required_capabilities", Map.of("streaming?", "yes"));
    assertThatThrownBy(() -> ConsumerManifest.fromMap(manifest))
        .isInstanceOfSatisfying(InvalidSpecException.class, e -> assertThat(e.violations())
            .extracting(Violation::field).containsExactly("consumr", "consumer", "accepted_protocols",
                "required_capabilities.streaming"))
        .hasMessageContaining("did you mean \"consumer\"");
    assertThatThrownBy(() -> ResolveOptions.fromMap(Map.of("owner_ref", 7, "await_timeout_ms", "soon")))
        .isInstanceOfSatisfying(InvalidSpecException.class, e -> assertThat(e.violations())
            .extracting(Violation::field).containsExactlyInAnyOrder("owner_ref", "await_timeout_ms"));
  }

  @Test
  void theTypedApiTakesPlainNamesAndFromMapAlsoTheElixirSpellings() {
    assertThatThrownBy(() -> ConsumerManifest.builder("c").require("streaming?", true))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"streaming\"");
    assertThatThrownBy(() -> ConsumerManifest.builder("c").prefer(":tool_calling", Capabilities.UNKNOWN))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fromMap");
    ConsumerManifest typed = ConsumerManifest.builder("c").require("streaming", true).build();
    ConsumerManifest mapped = ConsumerManifest.fromMap(Map.of("consumer", "c",
        "required_capabilities", Map.of("streaming?", true)));
    assertThat(mapped.requiredCapabilities()).isEqualTo(typed.requiredCapabilities());

    assertThatThrownBy(() -> ManagementMode.fromWire(":jido_managed")).isInstanceOf(IllegalArgumentException.class);
    assertThat(ManagementMode.fromWire(" jido_managed ")).isEqualTo(ManagementMode.JIDO_MANAGED);
    assertThat(ConsumerManifest.fromMap(Map.of("consumer", "c", "accepted_management_modes", List.of(":jido_managed")))
        .acceptedManagementModes()).containsExactly(ManagementMode.JIDO_MANAGED);
  }
}
