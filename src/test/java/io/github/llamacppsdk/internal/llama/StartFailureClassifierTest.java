package io.github.llamacppsdk.internal.llama;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamacppsdk.StartFailure;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StartFailureClassifierTest {

  @ParameterizedTest(name = "{1}")
  @CsvSource(delimiter = '|', value = {
      "0.00.001.000 E gguf_init_from_file: failed to open GGUF file '/x.gguf' (No such file or directory) | MODEL_FILE_MISSING",
      "0.00.001.000 E gguf_init_from_file_ptr: invalid magic characters: 'hell', expected 'GGUF' | NOT_GGUF",
      "0.00.001.000 E srv start: couldn't bind HTTP server socket, hostname: 127.0.0.1, port: 18082 | PORT_IN_USE",
      "error: invalid argument: --bogus | INVALID_ARGUMENT",
      "ggml_backend_cpu_buffer_type_alloc_buffer: failed to allocate buffer of size 1234 | OUT_OF_MEMORY",
      "0.00.001.000 I main: something unrelated | OTHER",
  })
  void readsTheCauseFromTheOutput(String line, StartFailure expected) {
    assertThat(StartFailureClassifier.classify(List.of("build: 1 (abc)", line))).isEqualTo(expected);
  }

  @Test
  void theFirstRootCauseWinsOverFollowUpLines() {
    List<String> tail = List.of(
        "E gguf_init_from_file_ptr: invalid magic characters: 'hell', expected 'GGUF'",
        "E llama_model_load: error loading model: failed to open GGUF file");

    assertThat(StartFailureClassifier.classify(tail)).isEqualTo(StartFailure.NOT_GGUF);
  }
}
