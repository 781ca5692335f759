package io.github.llamacppsdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamacppsdk.core.Secret;
import io.github.llamacppsdk.core.EndpointDescriptor;
import io.github.llamacppsdk.core.ErrorCode;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What a client needs from a descriptor and a spec (issue 16, "wiring a client"), and the attach map rules. */
class ClientWiringTest {

  private static EndpointDescriptor descriptor(Map<String, String> headers) {
    return EndpointDescriptor.builder("http://127.0.0.1:8080/v1").headers(headers).modelIdentity("m").build();
  }

  @Test
  void theDescriptorGivesTheKeyAnOpenAiClientNeedsMaskedWhenPrinted() {
    EndpointDescriptor d = descriptor(Map.of("authorization", "Bearer sk-123"));

    assertThat(d.apiKey()).map(Secret::reveal).contains("sk-123");
    assertThat(d.apiKey().orElseThrow()).hasToString("****");
    assertThat(d.toString()).doesNotContain("sk-123");
    assertThat(descriptor(Map.of()).apiKey()).isEmpty();
    assertThat(descriptor(Map.of("Authorization", "Basic abc")).apiKey()).isEmpty();
  }

  @Test
  void headerLookupsIgnoreCaseAsHttpDoes() {
    EndpointDescriptor d = descriptor(Map.of("authorization", "Bearer k"));

    assertThat(d.headers().get("Authorization")).isEqualTo("Bearer k");
    assertThat(d.headers().get("AUTHORIZATION")).isEqualTo("Bearer k");
    assertThat(d.headers()).containsOnlyKeys("authorization");
    assertThat(d).isEqualTo(descriptor(Map.of("authorization", "Bearer k")));
    assertThatThrownBy(() -> descriptor(Map.of("a", "1", "A", "2"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("twice");
    assertThat(AttachSpec.builder("127.0.0.1:1", "a").apiKey("k").build().headers().get("Authorization"))
        .isEqualTo("Bearer k");
  }

  @Test
  void anAttachSpecTakesTheKeyAsTextOrAsASecret() {
    AttachSpec text = AttachSpec.builder("http://127.0.0.1:8080", "a").apiKey("k").build();
    AttachSpec secret = AttachSpec.builder("http://127.0.0.1:8080", "a").apiKey(Secret.of("k")).build();

    assertThat(text).isEqualTo(secret);
    assertThat(text.toString()).doesNotContain("k]").contains("key=****");
  }

  @Test
  void attachFromMapReportsEveryViolationAtOnceWithDidYouMeanLikeBootSpec() {
    Map<String, Object> map = new HashMap<>();
    map.put("root_url", "ftp://x");
    map.put("alais", "a");
    map.put("ready_timeout", 5);
    map.put("health_interval_ms", -1);
    map.put("api_key", 42);

    assertThatThrownBy(() -> AttachSpec.fromMap(map)).isInstanceOfSatisfying(InvalidSpecException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SPEC);
      assertThat(e.getMessage()).startsWith("INVALID_SPEC: invalid attach spec (6 problems):");
      assertThat(e.violations()).extracting(Violation::field)
          .containsExactlyInAnyOrder("alais", "ready_timeout", "root_url", "alias", "api_key", "health_interval_ms");
      assertThat(e.violations()).filteredOn(v -> v.field().equals("alais")).singleElement()
          .satisfies(v -> assertThat(v.reason()).contains("did you mean \"alias\"?"));
      assertThat(e.violations()).filteredOn(v -> v.field().equals("ready_timeout")).singleElement()
          .satisfies(v -> assertThat(v.reason()).contains("did you mean \"ready_timeout_ms\"?"));
      assertThat(e.getMessage()).doesNotContain("42");
    });
  }

  @Test
  void attachFromMapAndBootSpecFromMapShareTheNullAndZeroRules() {
    Map<String, Object> map = new HashMap<>();
    map.put("root_url", "127.0.0.1:9/v1/");
    map.put("alias", "a");
    map.put("model_identity", null);
    map.put("health_interval_ms", null);

    AttachSpec absent = AttachSpec.fromMap(map);
    assertThat(absent.rootUrl()).isEqualTo("http://127.0.0.1:9");
    assertThat(absent.modelIdentity()).isEqualTo("a");
    assertThat(absent.healthInterval()).contains(Duration.ofSeconds(1));
    map.put("health_interval_ms", 0);
    assertThat(AttachSpec.fromMap(map).healthInterval()).isEqualTo(Optional.empty());
    assertThat(BootSpec.fromMap(Map.of("model", "/m.gguf", "health_interval_ms", 0)).healthInterval()).isEmpty();
  }

  @Test
  void theAttachBuilderThrowsTheSameTypeNamingTheField() {
    assertThatThrownBy(() -> AttachSpec.builder("http://h:1/x", "a").build())
        .isInstanceOfSatisfying(InvalidSpecException.class, e -> assertThat(e.violations()).singleElement()
            .satisfies(v -> assertThat(v.field()).isEqualTo("root_url")));
    assertThatThrownBy(() -> AttachSpec.builder("http://h:1", "a").readyTimeout(Duration.ZERO).build())
        .isInstanceOfSatisfying(InvalidSpecException.class, e -> assertThat(e.violations()).singleElement()
            .satisfies(v -> assertThat(v.field()).isEqualTo("ready_timeout_ms")));
  }

  @Test
  void aServerStartExceptionSummaryIsOneLineWithoutTheEvidence() {
    ServerStartException e = new ServerStartException(ErrorCode.EXITED_BEFORE_READY, "llama-server exited before it was ready",
        new io.github.llamacppsdk.process.ExitStatus(java.util.OptionalInt.of(1), java.util.OptionalInt.empty(),
            io.github.llamacppsdk.process.ExitStatus.Termination.ON_ITS_OWN), StartFailure.MODEL_FILE_MISSING,
        "GET /health -> connection refused", java.util.List.of("line 1", "line 2"), "llama-server --model /x",
        Duration.ofMillis(41), 8080, null, null);

    assertThat(e.summary()).startsWith("EXITED_BEFORE_READY: llama-server exited before it was ready (")
        .contains("cause MODEL_FILE_MISSING").doesNotContain("\n").doesNotContain("--model").doesNotContain("waited");
    assertThat(e.getMessage()).contains("waited 41 ms").contains("line 2");
  }
}
