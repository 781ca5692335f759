package io.github.llamacppsdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.llamacppsdk.core.HealthStatus;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.core.ResolveOptions;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import io.github.llamacppsdk.testing.RealServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model written by {@code GgufFiles.writeLoadableModel} loads on the real llama-server ({@code
 * LLAMA_SERVER_BIN}) and answers a chat completion through {@code resolveEndpoint}.
 */
@Timeout(120)
@ExtendWith(NoLeakedProcesses.class)
class RealTinyModelIT {
  @TempDir Path tmp;

  @Test
  void javaWrittenTinyModelLoadsAndAnswersChatOnTheRealServer() throws Exception {
    Path binary = RealServer.requireBinary();
    Path model = RealServer.tinyModel(tmp);
    BootSpec spec = BootSpec.builder(model)
        .binaryPath(binary)
        .alias("tiny")
        .port(0)
        .ctxSize(512)
        .build();

    try (LlamaCppBackend backend = LlamaCppBackend.create();
        Resolution r = backend.resolveEndpoint(spec, ResolveOptions.builder().ownerRef("real-tiny").build())) {
      assertThat(r.instance().health()).isEqualTo(HealthStatus.HEALTHY);
      assertThat(backend.instance(r.instance().instanceId()).orElseThrow().metadata())
          .containsEntry("model_architecture", "llama").containsEntry("model_context_length", 512L);
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(r.endpoint().chatCompletionsUrl()))
          .header("content-type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(
              "{\"max_tokens\":3,\"messages\":[{\"role\":\"user\",\"content\":\"Say ok\"}]}"));
      r.endpoint().headers().forEach(request::header);

      HttpResponse<String> answer = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());

      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      JsonNode body = new ObjectMapper().readTree(answer.body());
      assertThat(body.path("object").asText()).isEqualTo("chat.completion");
      assertThat(body.path("choices").path(0).path("message").path("content").asText()).isEqualTo(" ok ok ok");
    }
  }
}
