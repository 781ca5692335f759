package io.github.llamacppsdk.optional;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.core.ResolveOptions;
import io.github.llamacppsdk.kubernetes.KubernetesPlacement;
import io.github.llamacppsdk.testkit.FakeLlamaServer;
import io.github.llamacppsdk.testkit.GgufFiles;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs in a JVM without fabric8 ({@link WithoutFabric8IT}): the facade resolves, chats and stops a
 * local server; asking for the Kubernetes placement fails with a clear message. Prints {@code OK}.
 */
public final class NoFabric8Main {
  private NoFabric8Main() {}

  public static void main(String[] args) throws Exception {
    try {
      Class.forName("io.fabric8.kubernetes.client.KubernetesClient");
      throw new AssertionError("fabric8 is on the class path");
    } catch (ClassNotFoundException expected) {
      // as it should be
    }
    Path dir = Files.createTempDirectory("nofabric8");
    BootSpec spec = BootSpec.builder(GgufFiles.writeTinyModel(dir.resolve("m.gguf")))
        .binaryPath(FakeLlamaServer.install(dir).toString()).port(0).build();
    try (LlamaCppBackend backend = LlamaCppBackend.create();
        Resolution r = backend.resolveEndpoint(spec, ResolveOptions.builder().ownerRef("no-fabric8").build())) {
      HttpResponse<String> chat = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create(r.endpoint().chatCompletionsUrl())).header("content-type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
          .build(), HttpResponse.BodyHandlers.ofString());
      if (chat.statusCode() != 200) {
        throw new AssertionError("chat answered " + chat.statusCode());
      }
    }
    try {
      LlamaCppBackend.builder().kubernetes(KubernetesPlacement.builder().build()).build().close();
      throw new AssertionError("a Kubernetes placement worked without fabric8");
    } catch (InferenceException e) {
      if (!e.getMessage().contains("io.fabric8:kubernetes-client")) {
        throw new AssertionError("unclear message: " + e.getMessage(), e);
      }
    }
    System.out.println("OK");
  }
}
