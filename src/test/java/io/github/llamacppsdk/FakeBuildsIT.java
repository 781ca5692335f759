package io.github.llamacppsdk;

import io.github.llamacppsdk.core.Secret;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamacppsdk.core.EndpointDescriptor;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.core.ResolveOptions;
import io.github.llamacppsdk.internal.llama.ServerBuilds;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import io.github.llamacppsdk.testkit.FakeBuild;
import io.github.llamacppsdk.testkit.FakeLlamaServer;
import io.github.llamacppsdk.testkit.GgufFiles;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The library against the fake playing each build of {@code llama-server-versions.md}: version
 * detection reads the installed fake's {@code --version}/{@code --help} (all three version shapes),
 * and the default spec with a key resolves and answers chat on every build (the readiness probe
 * sends the key to {@code /v1/models}, which build 11669 protects).
 */
@Timeout(180)
@ExtendWith(NoLeakedProcesses.class)
class FakeBuildsIT {
  private final HttpClient http = HttpClient.newHttpClient();
  @TempDir Path tmp;

  static Stream<Arguments> builds() {
    return Stream.of(
        Arguments.of(FakeBuild.B6000, OptionalInt.empty(), ServerBuild.FlashAttnSyntax.SWITCH,
            ServerBuild.GpuLayersSyntax.NUMBER_ONLY),
        Arguments.of(FakeBuild.B6000.withVersionShape(FakeBuild.VersionShape.GIT), OptionalInt.of(6000),
            ServerBuild.FlashAttnSyntax.SWITCH, ServerBuild.GpuLayersSyntax.NUMBER_ONLY),
        Arguments.of(FakeBuild.MAY_2026, OptionalInt.empty(), ServerBuild.FlashAttnSyntax.VALUES,
            ServerBuild.GpuLayersSyntax.NUMBER_AUTO_ALL),
        Arguments.of(FakeBuild.CURRENT, OptionalInt.of(11669), ServerBuild.FlashAttnSyntax.VALUES,
            ServerBuild.GpuLayersSyntax.NUMBER_AUTO_ALL));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("builds")
  void versionDetectionReadsTheInstalledBuild(FakeBuild build, OptionalInt number,
      ServerBuild.FlashAttnSyntax flashAttn, ServerBuild.GpuLayersSyntax gpuLayers) throws Exception {
    Path binary = FakeLlamaServer.install(tmp.resolve("bin"), build);

    ServerBuild detected = ServerBuilds.shared().detect(binary.toString(), List.of(), Map.of(), List.of());

    assertThat(detected.unknownBecause()).isEmpty();
    assertThat(detected.buildNumber()).isEqualTo(number);
    assertThat(detected.flashAttnSyntax()).isEqualTo(flashAttn);
    assertThat(detected.gpuLayersSyntax()).isEqualTo(gpuLayers);
    assertThat(detected.options()).contains("--model", "--alias", "--port", "--api-key", "--api-prefix",
        "--pooling", "--flash-attn", "--gpu-layers", "--fake-build");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("builds")
  void theDefaultSpecWithAKeyResolvesAndAnswersChat(FakeBuild build) throws Exception {
    Path binary = FakeLlamaServer.install(tmp.resolve("bin"), build);
    BootSpec spec = BootSpec.builder(GgufFiles.writeTinyModel(tmp.resolve("tiny.gguf"))).binaryPath(binary).port(0)
        .apiKey(Secret.of("k-" + build.number())).build();
    ResolveOptions options = ResolveOptions.builder().ownerRef("builds-it").awaitTimeout(Duration.ofSeconds(60)).build();
    try (LlamaCppBackend backend = LlamaCppBackend.create();
        Resolution r = backend.resolveEndpoint(spec, options)) {
      EndpointDescriptor e = r.endpoint();
      HttpRequest.Builder chat = HttpRequest.newBuilder(URI.create(e.chatCompletionsUrl()))
          .header("content-type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
      e.headers().forEach(chat::header);
      HttpResponse<String> answer = http.send(chat.build(), HttpResponse.BodyHandlers.ofString());
      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(answer.body()).contains("Fake llama response: hi");
      String command = r.instance().process().orElseThrow().command();
      assertThat(command).as("the key stays off the command line").doesNotContain("k-" + build.number());
      if (build.number() < ServerBuild.GPU_LAYERS_AUTO_SINCE) {
        assertThat(command).as("rendered for the build").doesNotContain(" auto").doesNotContain(" all");
      }
    }
  }
}
