package io.github.llamacppsdk;

import io.github.llamacppsdk.core.Secret;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Key files, unknown keys, the all-at-once report, identity, masking, builder round trips. */
@Timeout(10)
class BootSpecBehaviourTest {
  @TempDir Path dir;

  private List<Violation> violations(Map<String, ?> m) {
    return catchThrowableOfType(InvalidBootSpecException.class, () -> BootSpec.fromMap(m)).violations();
  }

  @Test
  void buildingASpecReadsNoKeyFile() {
    Path missing = dir.resolve("nope");
    BootSpec fromMap = BootSpec.fromMap(Map.of("model", "/m/a.gguf", "api_key_file", missing.toString()));
    BootSpec built = BootSpec.builder("/m/a.gguf").apiKeyFile(missing).build();

    assertThat(fromMap).isEqualTo(built);
    assertThat(built.apiKeyFile()).contains(missing.toString());
    assertThat(built.apiKey()).isEmpty();
    assertThat(built.toCommandLine().argv()).containsSequence("--api-key-file", missing.toString());
  }

  @Test
  void anInvalidKeyFilePathIsAViolationWithoutTouchingTheFileSystem() {
    assertThat(violations(Map.of("model", "/m/a.gguf", "api_key_file", "a\0b")))
        .singleElement().satisfies(v -> {
          assertThat(v.field()).isEqualTo("api_key_file");
          assertThat(v.reason()).contains("NUL");
        });
  }

  @Test
  void anInlineKeyAndAKeyFileBothReachTheServer() {
    BootSpec spec = BootSpec.fromMap(Map.of("model", "/m/a.gguf", "api_key", "inline",
        "api_key_file", dir.resolve("missing").toString()));
    assertThat(spec.apiKey()).contains(Secret.of("inline"));
    assertThat(spec.toCommandLine().environment()).containsEntry("LLAMA_API_KEY", "inline");
    assertThat(spec.toCommandLine().argv()).containsSequence("--api-key-file", dir.resolve("missing").toString());
  }

  @Test
  void aNullArgumentGivenToTheBuilderIsAViolationNotANullPointer() {
    for (boolean launcher : new boolean[] {true, false}) {
      BootSpecBuilder b = BootSpec.builder("/m/a.gguf");
      List<String> args = java.util.Arrays.asList("--verbose", null);
      InvalidBootSpecException e = catchThrowableOfType(
          () -> { if (launcher) b.launcherArgs(args); else b.extraArgs(args); }, InvalidBootSpecException.class);
      assertThat(e).as(launcher ? "launcher_args" : "extra_args").isNotNull();
      assertThat(e.violations()).singleElement().satisfies(v -> {
        assertThat(v.field()).isEqualTo(launcher ? "launcher_args" : "extra_args");
        assertThat(v.reason()).contains("element 1 must be a string, got null");
      });
    }
  }

  @Test
  void anUnknownKeyIsNamedWithTheClosestKnownKey() {
    assertThat(violations(Map.of("model", "/m/a.gguf", "ctx_sise", 4096))).singleElement()
        .satisfies(v -> {
          assertThat(v.field()).isEqualTo("ctx_sise");
          assertThat(v.value()).isEqualTo("4096");
          assertThat(v.reason()).contains("did you mean \"ctx_size\"?");
        });
    assertThat(violations(Map.of("model", "/m/a.gguf", "gpuLayers", 3)).get(0).reason())
        .contains("\"gpu_layers\"");
    assertThat(violations(Map.of("model", "/m/a.gguf", "zzzzzzzzzzzz", 1)).get(0).reason())
        .isEqualTo("is not a boot-spec key.");
  }

  @Test
  void derivedKeysCannotBeSetAndSecretLookingUnknownKeysAreMasked() {
    assertThat(violations(Map.of("model", "/m/a.gguf", "base_url", "http://x")).get(0).reason())
        .contains("derived");
    assertThat(violations(Map.of("model", "/m/a.gguf", "apikey", "hunter2"))).singleElement()
        .satisfies(v -> {
          assertThat(v.value()).isEqualTo("****");
          assertThat(v.reason()).contains("\"api_key\"");
        });
  }

  @Test
  void everyBadFieldIsReportedAtOnceAndNoSecretLeaks() {
    Map<String, Object> m = new HashMap<>();
    m.put("port", "8080");
    m.put("ctx_size", -1);
    m.put("gpu_layers", "lots");
    m.put("api_key", "a\nsecret-value");
    m.put("environment", Map.of("HF_TOKEN", List.of("secret-value")));
    m.put("extra_args", List.of("--port", "1"));
    m.put("ctx_sise", 1);

    InvalidBootSpecException e = catchThrowableOfType(InvalidBootSpecException.class, () -> BootSpec.fromMap(m));

    assertThat(e.violations()).extracting(Violation::field).containsExactly(
        "ctx_sise", "model", "port", "ctx_size", "gpu_layers", "api_key", "environment", "extra_args");
    assertThat(e.getMessage()).startsWith("INVALID_SPEC: invalid llama.cpp boot spec (8 problems)")
        .contains("ctx_size = -1: must be a whole number from 1 to 2147483647.")
        .doesNotContain("secret-value");
  }

  @Test
  void builderSettersRejectABadValueWhereItIsSetWithTheReasonFromMapGives() {
    Map<String, Object> bad = new java.util.LinkedHashMap<>();
    bad.put("model", "");
    bad.put("port", -1);
    bad.put("ctx_size", 0);
    bad.put("ready_timeout_ms", -1000);
    bad.put("extra_args", List.of("-ngl", "10"));
    List<Violation> fromMap = violations(bad);
    assertThat(fromMap).extracting(Violation::field)
        .containsExactly("model", "port", "ctx_size", "ready_timeout_ms", "extra_args");

    List<Runnable> setters = List.of(() -> BootSpec.builder(""), () -> BootSpec.builder("/m/x.gguf").port(-1),
        () -> BootSpec.builder("/m/x.gguf").ctxSize(0),
        () -> BootSpec.builder("/m/x.gguf").readyTimeout(Duration.ofSeconds(-1)),
        () -> BootSpec.builder("/m/x.gguf").extraArg("-ngl"));
    for (int i = 0; i < setters.size(); i++) {
      Violation expected = fromMap.get(i);
      assertThatThrownBy(setters.get(i)::run).isInstanceOfSatisfying(InvalidBootSpecException.class, e ->
          assertThat(e.violations()).singleElement().satisfies(v -> {
            assertThat(v.field()).isEqualTo(expected.field());
            assertThat(v.reason()).isEqualTo(expected.reason());
          }));
    }
  }

  @Test
  void equalityAndInstanceKeyIgnoreMetadataAndTimings() throws Exception {
    Path f1 = Files.writeString(dir.resolve("k1"), "one");
    BootSpec a = BootSpec.builder("/m/x.gguf").apiKeyFile(f1).metadata(Map.of("a", 1)).build();
    BootSpec b = a.toBuilder().metadata(Map.of("b", 2)).readyTimeout(Duration.ofSeconds(5))
        .readinessInterval(Duration.ofMillis(7)).healthInterval(Duration.ZERO)
        .stopTimeout(Duration.ofSeconds(1)).stallTimeout(Duration.ofSeconds(2))
        .idleShutdown(Duration.ofMinutes(1)).build();

    assertThat(b).isEqualTo(a).hasSameHashCodeAs(a);
    assertThat(b.instanceKey()).isEqualTo(a.instanceKey());
    assertThat(a.instanceKey()).matches("llama_cpp_sdk:x:[A-Za-z0-9_-]{43}");
  }

  @Test
  void everyIdentityFieldChangesEqualityAndKey() {
    BootSpec base = BootSpec.builder("/m/x.gguf").build();
    List<BootSpec> variants = List.of(
        base.toBuilder().binaryPath("/bin/other").build(),
        base.toBuilder().launcherArgs(List.of("nice")).build(),
        base.toBuilder().model("/m/y.gguf").alias("x").build(),
        base.toBuilder().alias("y").build(),
        base.toBuilder().modelIdentity("z").build(),
        base.toBuilder().host("::1").build(),
        base.toBuilder().port(0).build(),
        base.toBuilder().apiPrefix("/p").build(),
        base.toBuilder().ctxSize(1).build(),
        base.toBuilder().gpuLayers(GpuLayers.count(0)).build(),
        base.toBuilder().threads(1).build(),
        base.toBuilder().threadsBatch(1).build(),
        base.toBuilder().parallel(1).build(),
        base.toBuilder().flashAttn(FlashAttn.ON).build(),
        base.toBuilder().embeddings(true).build(),
        base.toBuilder().apiKey("k").build(),
        base.toBuilder().timeoutSeconds(1).build(),
        base.toBuilder().threadsHttp(1).build(),
        base.toBuilder().pooling(Pooling.MEAN).build(),
        base.toBuilder().executionSurface(Map.of("target_id", "t")).build(),
        base.toBuilder().environment(Map.of("A", "b")).build(),
        base.toBuilder().extraArgs(List.of("--verbose")).build());
    for (BootSpec v : variants) {
      assertThat(v).isNotEqualTo(base);
      assertThat(v.instanceKey()).isNotEqualTo(base.instanceKey());
    }
  }

  @Test
  void environmentAndSurfaceOrderDoNotMatterButArgOrderDoes() {
    Map<String, String> ab = new java.util.LinkedHashMap<>();
    ab.put("A", "1");
    ab.put("B", "2");
    Map<String, String> ba = new java.util.LinkedHashMap<>();
    ba.put("B", "2");
    ba.put("A", "1");
    BootSpec x = BootSpec.builder("/m/x.gguf").environment(ab).build();
    assertThat(x).isEqualTo(BootSpec.builder("/m/x.gguf").environment(ba).build());
    assertThat(BootSpec.builder("/m/x.gguf").extraArgs(List.of("--a", "--b")).build())
        .isNotEqualTo(BootSpec.builder("/m/x.gguf").extraArgs(List.of("--b", "--a")).build());
  }

  @Test
  void toStringMasksTheKeyAndShowsEnvironmentKeysOnly() {
    BootSpec spec = BootSpec.builder("/m/x.gguf").apiKey(Secret.of("hunter2"))
        .environment(Map.of("HF_HOME", "/very/private/place"))
        .extraArgs(List.of("--hf-token", "tok-123")).build();
    assertThat(spec.toString()).contains("apiKey=****", "environment keys=[HF_HOME]", "--hf-token, ****")
        .doesNotContain("hunter2", "/very/private/place", "tok-123");
    assertThat(spec.toCommandLine().toString()).doesNotContain("hunter2", "tok-123");
    assertThat(Secret.of("hunter2")).hasToString("****");
  }

  @Test
  void toBuilderRoundTripsAndLetsADerivedAliasFollowANewModel() {
    BootSpec spec = BootSpec.fromMap(BootSpecSeedTest.quickStart());
    assertThat(spec.toBuilder().build()).isEqualTo(spec);
    assertThat(spec.toBuilder().build().toCommandLine()).isEqualTo(spec.toCommandLine());

    BootSpec derived = BootSpec.builder(Path.of("/m/first.gguf")).build();
    BootSpec moved = derived.toBuilder().model("/m/second.gguf").build();
    assertThat(moved.alias()).isEqualTo("second");
    assertThat(moved.modelIdentity()).isEqualTo("second");
  }

  @Test
  void withPortResolvesAFreePort() throws Exception {
    BootSpec spec = BootSpec.builder("/m/x.gguf").port(0).apiKeyFile(dir.resolve("k")).build();

    BootSpec resolved = spec.withPort(39123);

    assertThat(resolved.port()).isEqualTo(39123);
    assertThat(resolved.rootUrl()).isEqualTo("http://127.0.0.1:39123");
    assertThat(resolved.apiKeyFile()).isEqualTo(spec.apiKeyFile());
    assertThatThrownBy(() -> spec.withPort(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theCanonicalConstructorRejectsABracketedHost() {
    BootSpec s = BootSpec.builder("/m/x.gguf").apiKey("k").build();
    assertThatThrownBy(() -> new BootSpec(s.binaryPath(), s.launcherArgs(), s.model(), s.alias(),
        s.modelIdentity(), "[::1]", s.port(), s.apiPrefix(), s.ctxSize(), s.gpuLayers(), s.threads(),
        s.threadsBatch(), s.parallel(), s.flashAttn(), s.embeddings(), s.apiKey(), s.apiKeyFile(),
        s.timeoutSeconds(), s.threadsHttp(), s.pooling(), s.readyTimeout(), s.readinessInterval(),
        s.healthInterval(), s.stopTimeout(), s.stallTimeout(), s.idleShutdown(), s.memoryEstimateBytes(),
        s.executionSurface(), s.environment(), s.extraArgs(), s.metadata(), s.huggingFace()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void nullInABuilderSetterRestoresTheDefault() {
    BootSpec spec = BootSpec.builder("/m/x.gguf").host("::1").ctxSize(5).build()
        .toBuilder().host(null).ctxSize(null).build();
    assertThat(spec.host()).isEqualTo("127.0.0.1");
    assertThat(spec.ctxSize()).isEmpty();
  }
}
