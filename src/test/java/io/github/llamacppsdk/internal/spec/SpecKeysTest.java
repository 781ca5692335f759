package io.github.llamacppsdk.internal.spec;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(10)
class SpecKeysTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "ctx_sise, ctx_size", "ctxsize, ctx_size", "CTX_SIZE, ctx_size", "ctx-size, ctx_size",
      "gpu_layer, gpu_layers", "flash_atn, flash_attn", "embedding, embeddings",
      "api_kye, api_key", "apikeyfile, api_key_file", "modle, model", "timeout, timeout_seconds",
      "ready_timeout, ready_timeout_ms", "idle_shutdown, idle_shutdown_ms", "env, ''",
      "banana, ''", "'', ''"})
  void suggestsTheClosestKnownKey(String typo, String expected) {
    assertThat(SpecKeys.closest(typo).orElse("")).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"kitten, sitting, 3", "'', abc, 3", "same, same, 0", "ab, ba, 2"})
  void editDistance(String a, String b, int d) {
    assertThat(SpecKeys.distance(a, b)).isEqualTo(d);
  }
}
