package io.github.llamacppsdk.examples;

import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.core.Secret;
import io.github.llamacppsdk.core.Secret;
import io.github.llamacppsdk.core.EndpointDescriptor;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.core.ResolveOptions;
import io.github.llamacppsdk.testkit.FakeFaults;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A published endpoint used by a real, unmodified OpenAI-compatible Java client: langchain4j's
 * {@code OpenAiChatModel} and {@code OpenAiStreamingChatModel}, each built in one line from the descriptor's
 * {@code baseUrl()}, {@code apiKey()} and {@code modelIdentity()}.
 *
 * <p>Run: {@code mvn -q test-compile exec:exec@demo -Ddemo.main=io.github.llamacppsdk.examples.OpenAiClientExample}
 */
public final class OpenAiClientExample {

  /**
   * What the example saw.
   *
   * @param reply the JSON (blocking) reply
   * @param streamed the streamed reply, joined
   * @param partials how many partial responses the stream delivered
   */
  record Result(String reply, String streamed, int partials) {}

  private OpenAiClientExample() {}

  /**
   * Runs the example; exits with status 1 and the library's message if the server does not start.
   *
   * @param args optional {@code --binary PATH --model PATH}
   */
  public static void main(String[] args) {
    try {
      run(args, System.getenv(), System.out);
    } catch (InferenceException e) {
      System.err.println("example failed: " + e.getMessage());
      System.exit(1);
    }
  }

  static Result run(String[] args, Map<String, String> env, PrintStream out) {
    try (ExampleServer server = ExampleServer.choose(env, args, FakeFaults.builder().loadTime(Duration.ofMillis(300)).build().args(), out);
         LlamaCppBackend backend = LlamaCppBackend.create();
         Resolution resolution = backend.resolveEndpoint(server.spec().apiKey(Secret.of("example-key")).build(),
             ResolveOptions.builder().ownerRef("openai-client-example").build())) {
      EndpointDescriptor endpoint = resolution.endpoint();
      out.println("endpoint " + endpoint);

      // 1. Blocking chat: base URL, key and model name straight from the descriptor, in one line.
      OpenAiChatModel chat = OpenAiChatModel.builder().baseUrl(endpoint.baseUrl()).apiKey(endpoint.apiKey().map(Secret::reveal).orElse(null)).modelName(endpoint.modelIdentity()).build();
      String reply = chat.chat("Name three uses of a local language model.");
      out.println("OpenAiChatModel: " + reply);

      // 2. Streaming chat: the same line; partial responses arrive as the server produces them.
      OpenAiStreamingChatModel streaming = OpenAiStreamingChatModel.builder().baseUrl(endpoint.baseUrl()).apiKey(endpoint.apiKey().map(Secret::reveal).orElse(null)).modelName(endpoint.modelIdentity()).build();
      AtomicInteger partials = new AtomicInteger();
      CompletableFuture<ChatResponse> done = new CompletableFuture<>();
      out.print("OpenAiStreamingChatModel: ");
      streaming.chat("Write one short sentence about streaming.", new StreamingChatResponseHandler() {
        @Override
        public void onPartialResponse(String partial) {
          partials.incrementAndGet();
          out.print(partial);
          out.flush();
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
      String streamed = await(done).aiMessage().text();
      out.println();
      out.println(partials.get() + " partial responses");
      return new Result(reply, streamed, partials.get());
    }
  }

  private static ChatResponse await(CompletableFuture<ChatResponse> done) {
    try {
      return done.get(2, TimeUnit.MINUTES);
    } catch (ExecutionException e) {
      throw new IllegalStateException("streaming chat failed: " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("streaming chat did not finish within 2 minutes", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
