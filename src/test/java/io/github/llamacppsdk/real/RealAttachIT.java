package io.github.llamacppsdk.real;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamacppsdk.AttachSpec;
import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.core.Secret;
import io.github.llamacppsdk.core.ConsumerManifest;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.core.ManagementMode;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import io.github.llamacppsdk.testing.RealServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attaching to a real llama-server started outside the library (a plain {@link ProcessBuilder}, its
 * key in its environment): the attach resolves and chats through the descriptor, a wrong or missing
 * key is {@code UNAUTHORIZED}, and closing the backend leaves the server running; the test stops it.
 */
@Timeout(120)
@ExtendWith(NoLeakedProcesses.class)
class RealAttachIT {
  private static final ConsumerManifest EXTERNAL = ConsumerManifest.builder("attach-it")
      .acceptedManagementModes(ManagementMode.EXTERNALLY_MANAGED).build();

  @TempDir Path tmp;
  private Process external;
  private String root;
  private final String key = "sk-attach-" + UUID.randomUUID();

  @BeforeEach
  void startAServerOutsideTheLibrary() throws IOException {
    Path binary = RealServer.requireBinary();
    Path model = RealServer.tinyModel(tmp);
    int port;
    try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    ProcessBuilder pb = new ProcessBuilder(binary.toString(), "--model", model.toString(), "--alias", "outside",
        "--host", "127.0.0.1", "--port", String.valueOf(port))
        .redirectErrorStream(true).redirectOutput(tmp.resolve("outside.log").toFile());
    pb.environment().put("LLAMA_API_KEY", key);
    external = pb.start();
    root = "http://127.0.0.1:" + port;
  }

  @AfterEach
  void stopIt() throws Exception {
    if (external != null && external.isAlive()) {
      external.destroy();
      if (!external.waitFor(10, TimeUnit.SECONDS)) {
        external.destroyForcibly().waitFor();
      }
    }
  }

  @Test
  void attachesChatsAndLeavesTheServerRunningOnClose() throws Exception {
    try (LlamaCppBackend backend = LlamaCppBackend.create()) {
      AttachSpec spec = AttachSpec.builder(root, "outside").apiKey(Secret.of(key))
          .readyTimeout(Duration.ofSeconds(60)).build();
      try (Resolution r = backend.attach(spec, EXTERNAL, RealFixture.options("attach"))) {
        assertThat(r.endpoint().managementMode()).isEqualTo(ManagementMode.EXTERNALLY_MANAGED);
        assertThat(r.endpoint().baseUrl()).isEqualTo(root + "/v1");
        assertThat(r.endpoint().modelIdentity()).isEqualTo("outside");
        HttpResponse<String> chat = RealHttp.post(r.endpoint().chatCompletionsUrl(), RealHttp.CHAT, r.endpoint().headers());
        assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
        assertThat(RealHttp.json(chat).path("choices").path(0).path("message").path("content").asText())
            .isEqualTo(" ok ok ok");
      }
    }

    assertThat(external.isAlive()).as("closing the backend does not stop an attached server").isTrue();
    HttpResponse<String> after = RealHttp.post(root + "/v1/chat/completions", RealHttp.CHAT,
        Map.of("authorization", "Bearer " + key));
    assertThat(after.statusCode()).as(after.body()).isEqualTo(200);

    external.destroy(); // the test started it, the test stops it
    assertThat(external.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(external.exitValue()).as("llama-server's own SIGTERM exit").isEqualTo(0);
  }

  @Test
  void aWrongOrMissingKeyIsUnauthorized() throws IOException {
    try (LlamaCppBackend backend = LlamaCppBackend.create()) {
      for (AttachSpec spec : List.of(
          AttachSpec.builder(root, "outside").apiKey(Secret.of(key + "-wrong")).readyTimeout(Duration.ofSeconds(60)).build(),
          AttachSpec.builder(root, "outside").readyTimeout(Duration.ofSeconds(60)).build())) {
        assertThatThrownBy(() -> backend.attach(spec, EXTERNAL, RealFixture.options("unauthorized")))
            .as("%s", spec)
            .isInstanceOfSatisfying(InferenceException.class, e -> {
              assertThat(e.code()).as(e.getMessage()).isEqualTo(ErrorCode.UNAUTHORIZED);
              assertThat(e.getMessage()).contains("401").doesNotContain(key);
            });
      }
      assertThat(backend.instances()).isEmpty();
    }
    assertThat(external.isAlive()).isTrue();
    // the server itself refused the probe (every build logs a refused key; the wording differs)
    assertThat(Files.readString(tmp.resolve("outside.log"))).containsIgnoringCase("unauthorized");
  }
}
