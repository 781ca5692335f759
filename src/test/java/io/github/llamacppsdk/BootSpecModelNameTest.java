package io.github.llamacppsdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.llamacppsdk.models.HuggingFaceModel;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A spec that names its model on the Hugging Face Hub: keys, defaults, validation, identity, rendering. */
@Timeout(10)
class BootSpecModelNameTest {

  @Test
  void aNameGivesTheAliasTheModelTextAndLlamaServersOwnFlagsForADryRun() {
    BootSpec spec = BootSpec.builder().huggingFace("someone/tiny-GGUF:Q4_K_M").build();
    assertThat(spec.huggingFace()).contains(HuggingFaceModel.parse("someone/tiny-GGUF:Q4_K_M"));
    assertThat(spec.alias()).isEqualTo("someone/tiny-GGUF:Q4_K_M");
    assertThat(spec.modelIdentity()).isEqualTo("someone/tiny-GGUF:Q4_K_M");
    assertThat(spec.model()).isEqualTo("someone/tiny-GGUF:Q4_K_M");
    assertThat(spec.toCommandLine().argv()).containsSequence("--hf-repo", "someone/tiny-GGUF:Q4_K_M")
        .doesNotContain("--model");
    assertThat(spec.toString()).contains("huggingFace=someone/tiny-GGUF:Q4_K_M");
  }

  @Test
  void fromMapTakesTheSameKeysAndEqualSpecsAreEqual() {
    BootSpec built = BootSpec.builder().huggingFace(HuggingFaceModel.parse("o/r").withFile("sub/m-Q8_0.gguf")
        .withRevision("v2")).port(0).build();
    BootSpec mapped = BootSpec.fromMap(Map.of("hf_repo", "o/r", "hf_file", "sub/m-Q8_0.gguf",
        "hf_revision", "v2", "port", 0));
    assertThat(mapped).isEqualTo(built).hasSameHashCodeAs(built);
    assertThat(mapped.instanceKey()).isEqualTo(built.instanceKey());
    assertThat(mapped.alias()).isEqualTo("m-Q8_0");
    assertThat(mapped.toCommandLine().argv()).containsSequence("--hf-repo", "o/r", "--hf-file", "sub/m-Q8_0.gguf");
    assertThat(built.toBuilder().build()).isEqualTo(built);
    assertThat(built.toBuilder().build().huggingFace()).isEqualTo(built.huggingFace());
    assertThat(BootSpec.fromMap(Map.of("hf_repo", "o/r:Q4_K_M"))).isNotEqualTo(BootSpec.fromMap(Map.of("hf_repo", "o/r:Q8_0")));
    assertThat(BootSpec.fromMap(Map.of("hf_repo", "o/r:Q4_K_M", "hf_revision", "main")))
        .isEqualTo(BootSpec.fromMap(Map.of("hf_repo", "o/r:Q4_K_M")));
  }

  @Test
  void theLastOfPathAndNameWinsInTheBuilderAndAMapWithBothIsRefused() {
    assertThat(BootSpec.builder("/m/x.gguf").huggingFace("o/r").build().huggingFace()).isPresent();
    assertThat(BootSpec.builder().huggingFace("o/r").model(Path.of("/m/x.gguf")).build().huggingFace()).isEmpty();
    List<Violation> both = catchThrowableOfType(InvalidBootSpecException.class,
        () -> BootSpec.fromMap(Map.of("model", "/m/x.gguf", "hf_repo", "o/r"))).violations();
    assertThat(both).extracting(Violation::field).containsExactly("model");
    assertThat(both.get(0).reason()).contains("not both");
    InvalidBootSpecException none = catchThrowableOfType(InvalidBootSpecException.class,
        () -> BootSpec.builder().build());
    assertThat(none.getMessage()).contains("model", "hf_repo");
  }

  @Test
  void badNamesAreReportedPerField() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("hf_repo", "no-slash:Q4");
    assertThat(violations(m)).extracting(Violation::field).containsExactly("hf_repo");
    m.put("hf_repo", "o/r:Q4 K");
    assertThat(violations(m)).extracting(Violation::field).containsExactly("hf_repo");
    m.put("hf_repo", "o/r:Q4_K_M");
    m.put("hf_file", "m.gguf");
    assertThat(violations(m)).singleElement().satisfies(v -> {
      assertThat(v.field()).isEqualTo("hf_file");
      assertThat(v.reason()).contains("Q4_K_M");
    });
    m.put("hf_repo", "o/r");
    m.put("hf_file", "../escape.gguf");
    m.put("hf_revision", "a/../b");
    assertThat(violations(m)).extracting(Violation::field).containsExactlyInAnyOrder("hf_file", "hf_revision");
    assertThat(violations(Map.of("hf_file", "m.gguf"))).extracting(Violation::field).contains("hf_file");
    assertThat(violations(Map.of("hf_repo", "o/r", "extra_args", List.of("-hf", "x/y"))))
        .extracting(Violation::field).containsExactly("extra_args");
  }

  @Test
  void theNameParserFollowsLlamaServersSyntax() {
    HuggingFaceModel m = HuggingFaceModel.parse("ggml-org/Qwen3-0.6B-GGUF:q8_0");
    assertThat(m.repo()).isEqualTo("ggml-org/Qwen3-0.6B-GGUF");
    assertThat(m.quant()).contains("q8_0");
    assertThat(m.file()).isEmpty();
    assertThat(m.revision()).isEqualTo("main");
    assertThat(m.withRevision("v1").toString()).isEqualTo("ggml-org/Qwen3-0.6B-GGUF:q8_0 @v1");
    for (String bad : List.of("", "a", "a/b/c", "/a", "a/", "a//b", "a/b:", "a/b:Q4:K", "a/-b", "a b/c")) {
      assertThatThrownBy(() -> HuggingFaceModel.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> new HuggingFaceModel("a/b", Optional.of("Q4"), Optional.of("x.gguf"), "main"))
        .hasMessageContaining("not both");
  }

  private static List<Violation> violations(Map<String, ?> m) {
    return catchThrowableOfType(InvalidBootSpecException.class, () -> BootSpec.fromMap(m)).violations();
  }
}
