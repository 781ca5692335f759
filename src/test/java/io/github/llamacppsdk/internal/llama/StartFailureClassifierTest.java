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
      // llama-server -hf, build 11669, against a local Hub stand-in (guides/kubernetes.md, models by name)
      "0.00.800.240 E get_repo_commit: error: GET failed (404): Repository not found | MODEL_NOT_FOUND",
      "0.00.902.949 E common_download_get_hf_plan: no GGUF files found in repository someone/tiny-GGUF | MODEL_NOT_FOUND",
      "0.00.830.703 E llama_model_load_from_file_impl: exactly one out metadata, path_model, and file must be defined | MODEL_NOT_FOUND",
      "0.00.792.556 E srv  llama_server: failed to download model: Download 'http://127.0.0.1:44001/someone/gated-GGUF/resolve/8cbafeb9fe0b9cec51ce7faa5c212bf3daf06f24/tiny-Q4_K_M.gguf' failed with status code: 401 | MODEL_ACCESS_DENIED",
      "0.00.800.240 E get_repo_commit: error: GET failed (403): Forbidden | MODEL_ACCESS_DENIED",
      "0.00.288.359 E get_repo_commit: error: HTTPLIB failed: Could not establish connection | HUB_UNREACHABLE",
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

  @Test
  void aPullThatCouldNotReachTheHubIsNotTheMisleadingLoadLineThatFollowsIt() {
    List<String> tail = List.of( // build 11669, MODEL_ENDPOINT=http://127.0.0.1:9/
        "0.00.288.359 E get_repo_commit: error: HTTPLIB failed: Could not establish connection",
        "0.00.290.866 W get_repo_files: failed to resolve commit for someone/tiny-GGUF",
        "0.00.307.346 E llama_model_load_from_file_impl: exactly one out metadata, path_model, and file must be defined",
        "0.00.307.468 E cmn  common_init_: failed to load model ''");

    assertThat(StartFailureClassifier.classify(tail)).isEqualTo(StartFailure.HUB_UNREACHABLE);
    assertThat(StartFailure.HUB_UNREACHABLE.isDeterministic()).isFalse();
    assertThat(StartFailure.MODEL_NOT_FOUND.isDeterministic()).isTrue();
    assertThat(StartFailure.MODEL_ACCESS_DENIED.isDeterministic()).isTrue();
  }
}
