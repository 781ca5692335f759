package io.github.llamacppsdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.core.ResolveOptions;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import io.github.llamacppsdk.testkit.FakeLlamaServer;
import io.github.llamacppsdk.testkit.GgufFiles;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A spec with an {@code api_key_file} against fake-server processes: the file is read when the server
 * is launched, not when the spec is built; its key authenticates the probes and is published with the
 * endpoint, and it is never on the command line, in the spec, in a snapshot or in a {@code toString}.
 */
@Timeout(120)
@ExtendWith(NoLeakedProcesses.class)
class ApiKeyFileIT {
  private static final String KEY = "key-from-the-file-7f3a9c";
  private static final ResolveOptions OPTIONS = ResolveOptions.builder().ownerRef("key-file-it").build();
  private final HttpClient http = HttpClient.newHttpClient();
  @TempDir Path tmp;

  private int status(Resolution r, Map<String, String> headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(r.endpoint().baseUrl() + "/models"));
    headers.forEach(request::header);
    return http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  @Test
  void theKeyFileIsReadAtLaunchAndItsKeyStaysOutOfEverythingButTheEndpoint() throws Exception {
    Path keyFile = tmp.resolve("api.key");
    BootSpec spec = BootSpec.builder(GgufFiles.writeTinyModel(tmp.resolve("keyed.gguf")))
        .binaryPath(FakeLlamaServer.install(tmp)).port(0).apiKeyFile(keyFile).build(); // no file yet
    Files.writeString(keyFile, KEY + "\n");

    try (LlamaCppBackend backend = LlamaCppBackend.create(); Resolution r = backend.resolveEndpoint(spec, OPTIONS)) {
      assertThat(r.endpoint().headers()).containsEntry("authorization", "Bearer " + KEY);
      assertThat(status(r, r.endpoint().headers())).isEqualTo(200);
      assertThat(status(r, Map.of())).as("the server itself read the file").isEqualTo(401);

      long pid = r.instance().process().orElseThrow().pid().orElseThrow();
      String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ');
      assertThat(cmdline).contains("--api-key-file " + keyFile).doesNotContain(KEY);
      assertThat(spec.toString()).doesNotContain(KEY);
      assertThat(spec.toCommandLine().toString()).doesNotContain(KEY);
      assertThat(r.instance().toString()).doesNotContain(KEY);
      assertThat(backend.instances().toString()).doesNotContain(KEY);
      assertThat(r.endpoint().toString()).doesNotContain(KEY);
      assertThat(r.toString()).doesNotContain(KEY);
    }
  }

  @Test
  void aMissingKeyFileFailsTheStartNamingTheFileAndLaunchesNothing() throws Exception {
    Path keyFile = tmp.resolve("absent.key");
    BootSpec spec = BootSpec.builder(GgufFiles.writeTinyModel(tmp.resolve("nokey.gguf")))
        .binaryPath(FakeLlamaServer.install(tmp)).port(0).apiKeyFile(keyFile).build();

    try (LlamaCppBackend backend = LlamaCppBackend.create()) {
      ServerStartException e = catchThrowableOfType(ServerStartException.class,
          () -> backend.resolveEndpoint(spec, OPTIONS).close());

      assertThat(e.code()).isEqualTo(ErrorCode.LAUNCH_FAILED);
      assertThat(e.failure()).contains(StartFailure.API_KEY_FILE_UNREADABLE);
      assertThat(e.getMessage()).contains("api_key_file " + keyFile).contains("does not exist");
    }
  }
}
