package io.github.llamacppsdk.testkit;

import static io.github.llamacppsdk.testkit.FakeHttpSupport.args;
import static io.github.llamacppsdk.testkit.FakeHttpSupport.tinyModel;
import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A real, unmodified OpenAI-compatible client (langchain4j) talks to the fake server. */
@Timeout(120)
class OpenAiClientsAgainstFakeIT {
  @TempDir static Path tmp;
  private static FakeServerProcess server;
  private static String baseUrl;

  @BeforeAll
  static void start() {
    server = FakeLlamaServer.start(args(tinyModel(tmp, "m.gguf"), "--alias", "tiny", "--api-key", "client-key",
        "--fake-tokens-per-second", "200"));
    baseUrl = server.baseUri().orElseThrow() + "/v1";
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void jsonChatCompletion() {
    OpenAiChatModel model = OpenAiChatModel.builder().baseUrl(baseUrl).apiKey("client-key").modelName("tiny")
        .timeout(Duration.ofSeconds(20)).maxRetries(0).build();
    ChatResponse response = model.chat(dev.langchain4j.model.chat.request.ChatRequest.builder()
        .messages(List.of(dev.langchain4j.data.message.UserMessage.from("what is two plus two"))).build());
    assertThat(response.aiMessage().text()).isEqualTo("Fake llama response: what is two plus two");
    assertThat(response.metadata().finishReason()).hasToString("STOP");
    assertThat(response.metadata().tokenUsage().outputTokenCount()).isEqualTo(8);
  }

  @Test
  void streamingChatCompletion() {
    OpenAiStreamingChatModel model = OpenAiStreamingChatModel.builder().baseUrl(baseUrl).apiKey("client-key")
        .modelName("tiny").timeout(Duration.ofSeconds(20)).build();
    List<String> partials = new CopyOnWriteArrayList<>();
    CompletableFuture<ChatResponse> done = new CompletableFuture<>();
    model.chat("stream this", new StreamingChatResponseHandler() {
      @Override
      public void onPartialResponse(String partial) {
        partials.add(partial);
      }

      @Override
      public void onCompleteResponse(ChatResponse response) {
        done.complete(response);
      }

      @Override
      public void onError(Throwable error) {
        done.completeExceptionally(error);
      }
    });
    assertThat(done).succeedsWithin(Duration.ofSeconds(30)).satisfies(r -> {
      assertThat(r.aiMessage().text()).isEqualTo("Fake llama response: stream this");
      assertThat(r.metadata().finishReason()).hasToString("STOP");
    });
    assertThat(partials).hasSizeGreaterThan(3);
    assertThat(String.join("", partials)).isEqualTo("Fake llama response: stream this");
  }

  @Test
  void wrongKeyIsRejectedByTheClient() {
    OpenAiChatModel model = OpenAiChatModel.builder().baseUrl(baseUrl).apiKey("wrong").modelName("tiny")
        .timeout(Duration.ofSeconds(20)).maxRetries(0).build();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> model.chat("hi")).hasMessageContaining("Invalid API Key");
  }
}
