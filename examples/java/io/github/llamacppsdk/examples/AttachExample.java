package io.github.llamacppsdk.examples;

import io.github.llamacppsdk.AttachSpec;
import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.core.Secret;
import io.github.llamacppsdk.core.ConsumerManifest;
import io.github.llamacppsdk.core.EndpointDescriptor;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.core.ManagementMode;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.core.ResolveOptions;
import io.github.llamacppsdk.core.StartupKind;
import io.github.llamacppsdk.testkit.FakeFaults;
import io.github.llamacppsdk.testkit.FakeLlamaServer;
import io.github.llamacppsdk.testkit.FakeServerProcess;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Attaching to a llama-server started elsewhere ({@code attach_existing_service}): the library
 * checks readiness and that the server serves the expected model, publishes an {@code
 * externally_managed} endpoint and watches its health, but never stops the server. Here "elsewhere"
 * is a fake server this example starts itself, and stops itself at the end.
 *
 * <p>Run: {@code mvn -q test-compile exec:exec@demo -Ddemo.main=io.github.llamacppsdk.examples.AttachExample}
 */
public final class AttachExample {
  private static final String ALIAS = "shared-model";
  private static final String KEY = "attach-example-key";

  /**
   * What the example saw.
   *
   * @param managementMode the published endpoint's management mode
   * @param startupKind the instance's startup kind
   * @param replyStatus the status of a chat completion through the endpoint
   * @param aliveAfterDetach whether the external server was still running after the instance was stopped
   * @param healthAfterDetach the external server's {@code /health} status after the instance was stopped
   * @param externalExitCode the external server's exit code after its owner stopped it
   */
  record Result(ManagementMode managementMode, StartupKind startupKind, int replyStatus, boolean aliveAfterDetach,
      int healthAfterDetach, int externalExitCode) {}

  private AttachExample() {}

  /**
   * Runs the example; exits with status 1 and the library's message if attaching fails.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    try {
      run(System.out);
    } catch (InferenceException e) {
      System.err.println("example failed: " + e.getMessage());
      System.exit(1);
    }
  }

  static Result run(PrintStream out) {
    HttpClient http = HttpClient.newHttpClient();
    try (ExampleServer files = ExampleServer.fake(out);
         // Somebody else's server: started outside the library, with its key in the environment.
         FakeServerProcess external = FakeLlamaServer.start(
             FakeFaults.builder().loadTime(Duration.ofMillis(300)).build().args("--model", files.model(), "--alias", ALIAS, "--port", "0"),
             Map.of("LLAMA_API_KEY", KEY));
         LlamaCppBackend backend = LlamaCppBackend.create()) {
      String root = external.baseUri().orElseThrow().toString();
      out.println("external server pid " + external.pid() + " at " + root);

      AttachSpec spec = AttachSpec.builder(root, ALIAS).apiKey(Secret.of(KEY)).build();
      ConsumerManifest consumer = ConsumerManifest.builder("attach-example")
          .acceptedManagementModes(ManagementMode.EXTERNALLY_MANAGED)
          .startupKind(StartupKind.ATTACH_EXISTING_SERVICE)
          .build();
      Resolution r = backend.attach(spec, consumer, ResolveOptions.builder().ownerRef("attach-example").build());
      EndpointDescriptor endpoint = r.endpoint();
      out.println("attached: " + endpoint);
      out.println("  management mode " + endpoint.managementMode().wireName() + ", startup kind "
          + r.instance().startupKind().wireName() + ", health " + r.instance().health());

      HttpResponse<String> reply = send(http, chatRequest(endpoint));
      out.println("  chat -> " + reply.statusCode() + " " + reply.body().substring(0, Math.min(120, reply.body().length())) + "...");

      out.println("stopping the instance (only detaches: the server is not ours)");
      r.close();
      backend.stopInstance(r.instance().instanceId()).join();
      boolean alive = external.process().isAlive();
      int health = send(http, HttpRequest.newBuilder(URI.create(endpoint.healthRef())).build()).statusCode();
      out.println("  external server alive " + alive + ", GET /health -> " + health + ", instances " + backend.instances().size());

      out.println("its owner stops it");
      external.terminate();
      int exit = external.awaitExit(Duration.ofSeconds(30));
      out.println("  exit code " + exit);
      return new Result(endpoint.managementMode(), r.instance().startupKind(), reply.statusCode(), alive, health, exit);
    }
  }

  private static HttpRequest chatRequest(EndpointDescriptor e) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(e.chatCompletionsUrl()))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"model\":\"" + e.modelIdentity() + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hello from attach\"}]}"));
    e.headers().forEach(b::header);
    return b.build();
  }

  private static HttpResponse<String> send(HttpClient http, HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
