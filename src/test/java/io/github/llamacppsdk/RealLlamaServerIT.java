package io.github.llamacppsdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamacppsdk.core.HealthStatus;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.core.ResolveOptions;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Against a real llama-server, when one is installed: set {@code LLAMA_SERVER_BIN} and {@code
 * LLAMA_MODEL} (a GGUF file). CI has neither, so the fake server carries the suite there.
 */
@Timeout(600)
@ExtendWith(NoLeakedProcesses.class)
@EnabledIfEnvironmentVariable(named = "LLAMA_SERVER_BIN", matches = ".+")
@EnabledIfEnvironmentVariable(named = "LLAMA_MODEL", matches = ".+")
class RealLlamaServerIT {

  @Test
  void resolvesChatsAndStopsARealServer() throws Exception {
    BootSpec spec = BootSpec.builder(System.getenv("LLAMA_MODEL"))
        .binaryPath(System.getenv("LLAMA_SERVER_BIN"))
        .port(0)
        .ctxSize(2048)
        .apiKey("real-server-it")
        .apiPrefix("/it")
        .build();
    try (LlamaCppBackend backend = LlamaCppBackend.create();
        Resolution r = backend.resolveEndpoint(spec, ResolveOptions.builder().ownerRef("real-it").build())) {
      assertThat(r.instance().health()).isEqualTo(HealthStatus.HEALTHY);
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(r.endpoint().chatCompletionsUrl()))
          .header("content-type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(
              "{\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"Say ok\"}]}"));
      r.endpoint().headers().forEach(request::header);

      HttpResponse<String> answer = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());

      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(answer.body()).contains("chat.completion");
    }
  }
}
