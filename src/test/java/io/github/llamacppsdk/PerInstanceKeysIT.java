package io.github.llamacppsdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamacppsdk.core.EndpointDescriptor;
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

/** {@code LlamaCppBackend.builder().perInstanceKeys(true)} against fake-server processes. */
@Timeout(120)
@ExtendWith(NoLeakedProcesses.class)
class PerInstanceKeysIT {
  private static final ResolveOptions OPTIONS = ResolveOptions.builder().ownerRef("keys-it").build();
  private final HttpClient http = HttpClient.newHttpClient();
  @TempDir Path tmp;

  private BootSpecBuilder spec(Path binary, String alias) {
    return BootSpec.builder(GgufFiles.writeTinyModel(tmp.resolve(alias + ".gguf"))).binaryPath(binary).port(0);
  }

  private int status(EndpointDescriptor endpoint, Map<String, String> headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(endpoint.chatCompletionsUrl()))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
    headers.forEach(request::header);
    return http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  @Test
  void aServerWithoutAKeyGetsARandomOneThatOnlyTheDescriptorCarries() throws Exception {
    Path binary = FakeLlamaServer.install(tmp);
    try (LlamaCppBackend backend = LlamaCppBackend.builder().perInstanceKeys(true).build();
        Resolution a = backend.resolveEndpoint(spec(binary, "first").build(), OPTIONS);
        Resolution b = backend.resolveEndpoint(spec(binary, "second").build(), OPTIONS)) {
      String auth = a.endpoint().headers().get("authorization");

      assertThat(auth).startsWith("Bearer ").hasSizeGreaterThan("Bearer ".length() + 40);
      assertThat(b.endpoint().headers().get("authorization")).as("each server its own key").isNotEqualTo(auth);
      assertThat(status(a.endpoint(), a.endpoint().headers())).isEqualTo(200);
      assertThat(status(a.endpoint(), Map.of())).isEqualTo(401);
      assertThat(status(a.endpoint(), b.endpoint().headers())).isEqualTo(401);

      String key = auth.substring("Bearer ".length());
      long pid = a.instance().process().orElseThrow().pid().orElseThrow();
      String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ');
      assertThat(cmdline).as("the key is never on the command line").doesNotContain(key);
      assertThat(a.instance().metadata().toString()).doesNotContain(key);
      assertThat(a.endpoint().toString()).doesNotContain(key);
      assertThat(a.toString()).doesNotContain(key);
    }
  }

  @Test
  void aSpecWithItsOwnKeyKeepsIt() throws Exception {
    Path binary = FakeLlamaServer.install(tmp);
    try (LlamaCppBackend backend = LlamaCppBackend.builder().perInstanceKeys(true).build();
        Resolution r = backend.resolveEndpoint(spec(binary, "own").apiKey("mine").build(), OPTIONS)) {
      assertThat(r.endpoint().headers()).containsEntry("authorization", "Bearer mine");
      assertThat(status(r.endpoint(), Map.of("authorization", "Bearer mine"))).isEqualTo(200);
    }
  }

  @Test
  void offByDefault() throws Exception {
    Path binary = FakeLlamaServer.install(tmp);
    try (LlamaCppBackend backend = LlamaCppBackend.create();
        Resolution r = backend.resolveEndpoint(spec(binary, "open").build(), OPTIONS)) {
      assertThat(r.endpoint().headers()).doesNotContainKey("authorization");
      assertThat(status(r.endpoint(), Map.of())).isEqualTo(200);
    }
  }
}
