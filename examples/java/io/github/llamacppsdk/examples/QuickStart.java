package io.github.llamacppsdk.examples;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.core.Secret;
import io.github.llamacppsdk.core.EndpointDescriptor;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.core.ResolveOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * The README's quick start, kept compiling and running: the same code with the binary and model
 * paths as parameters.
 *
 * <p>Run: {@code mvn -q test-compile exec:exec@demo -Ddemo.main=io.github.llamacppsdk.examples.QuickStart}
 */
public final class QuickStart {
  private QuickStart() {}

  /**
   * Runs the quick start on the fake server (or the real one, see {@link ExampleServer}).
   *
   * @param args optional {@code --binary PATH --model PATH}
   * @throws Exception if the request fails
   */
  public static void main(String[] args) throws Exception {
    try (ExampleServer server = ExampleServer.choose(System.getenv(), args, List.of(), System.out)) {
      System.out.println(chat(server.binary(), server.model()));
    }
  }

  /**
   * The README's quick start.
   *
   * @param binary the llama-server executable
   * @param model the GGUF model
   * @return the chat completion's JSON
   * @throws IOException if the request fails
   * @throws InterruptedException if interrupted
   */
  static String chat(String binary, String model) throws IOException, InterruptedException {
    // --- README quick start: begin ---
    try (LlamaCppBackend backend = LlamaCppBackend.create()) {
      BootSpec spec = BootSpec.builder(model)             // a GGUF file
          .binaryPath(binary)                             // default: llama-server on the PATH
          .port(0)                                        // any free port
          .apiKey(Secret.of("change-me"))                 // reaches the server as LLAMA_API_KEY
          .build();
      ResolveOptions options = ResolveOptions.builder().ownerRef("my-app").ttl(Duration.ofMinutes(5)).build();
      try (Resolution r = backend.resolveEndpoint(spec, options)) {   // starts it, waits until it serves the model
        EndpointDescriptor endpoint = r.endpoint();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(endpoint.chatCompletionsUrl()))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("""
                {"model": "%s", "messages": [{"role": "user", "content": "Hello!"}]}
                """.formatted(endpoint.modelIdentity())));
        endpoint.headers().forEach(request::header);                  // authorization: Bearer ...
        String json = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString()).body();
        return json;
      }   // the lease is released; the server keeps running for other leases
    }     // every server this backend started is stopped
    // --- README quick start: end ---
  }
}
