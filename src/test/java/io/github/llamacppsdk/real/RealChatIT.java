package io.github.llamacppsdk.real;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.core.HealthStatus;
import io.github.llamacppsdk.core.InstanceSnapshot;
import io.github.llamacppsdk.core.ServerProcess;
import io.github.llamacppsdk.core.LifecycleStatus;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.process.ExitStatus;
import io.github.llamacppsdk.process.LaunchedProcess;
import io.github.llamacppsdk.process.OutputLine;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import io.github.llamacppsdk.testing.RealServer;
import io.github.llamacppsdk.testing.RecordingTransport;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real llama-server end to end through {@code resolveEndpoint}: a JSON and a streamed chat
 * completion, the build the library detected from the binary and the command line it rendered for
 * it, and a stop.
 */
@Timeout(120)
@ExtendWith(NoLeakedProcesses.class)
class RealChatIT {
  @TempDir Path tmp;
  private Path binary;
  private Path model;
  private RecordingTransport transport;
  private final InstanceEvents events = new InstanceEvents();
  private LlamaCppBackend backend;

  @BeforeEach
  void setUp() {
    binary = RealServer.requireBinary();
    model = RealServer.tinyModel(tmp);
    transport = new RecordingTransport();
    backend = LlamaCppBackend.builder().transport(transport).listener(events).build();
  }

  @AfterEach
  void tearDown() {
    if (backend != null) {
      backend.close();
    }
    if (transport != null) {
      transport.close();
    }
  }

  @Test
  void aJsonChatCompletionThroughTheResolvedEndpoint() {
    try (Resolution r = backend.resolveEndpoint(RealFixture.spec(binary, model).build(), RealFixture.options("chat"))) {
      assertThat(r.instance().lifecycle()).isEqualTo(LifecycleStatus.READY);
      assertThat(r.instance().health()).isEqualTo(HealthStatus.HEALTHY);
      assertThat(r.endpoint().modelIdentity()).isEqualTo(RealFixture.ALIAS);

      HttpResponse<String> answer = RealHttp.post(r.endpoint().chatCompletionsUrl(), RealHttp.CHAT, r.endpoint().headers());

      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      JsonNode body = RealHttp.json(answer);
      assertThat(body.path("object").asText()).isEqualTo("chat.completion");
      assertThat(body.path("model").asText()).isEqualTo(RealFixture.ALIAS);
      JsonNode choice = body.path("choices").path(0);
      assertThat(choice.path("message").path("role").asText()).isEqualTo("assistant");
      assertThat(choice.path("message").path("content").asText()).isEqualTo(" ok ok ok");
      assertThat(choice.path("finish_reason").asText()).isEqualTo("length");
      assertThat(body.path("usage").path("completion_tokens").asInt()).isEqualTo(3);
    }
  }

  @Test
  void aStreamedChatCompletionArrivesAsServerSentEventsEndingInDone() {
    try (Resolution r = backend.resolveEndpoint(RealFixture.spec(binary, model).build(), RealFixture.options("sse"))) {
      RealHttp.Streamed answer = RealHttp.postStreaming(r.endpoint().chatCompletionsUrl(), RealHttp.CHAT_STREAM,
          r.endpoint().headers());

      assertThat(answer.status()).as("%s", answer.lines()).isEqualTo(200);
      assertThat(answer.contentType()).startsWith("text/event-stream");
      List<String> data = answer.lines().stream().filter(l -> !l.isEmpty()).toList();
      assertThat(data).as("every non-blank line is one SSE data field").allMatch(l -> l.startsWith("data: "));
      assertThat(answer.lines()).as("events are separated by blank lines").contains("");
      assertThat(data).last().isEqualTo("data: [DONE]");
      List<JsonNode> chunks = data.subList(0, data.size() - 1).stream()
          .map(l -> RealHttp.json(l.substring("data: ".length()))).toList();
      assertThat(chunks).hasSizeGreaterThanOrEqualTo(3)
          .allSatisfy(c -> assertThat(c.path("object").asText()).isEqualTo("chat.completion.chunk"));
      assertThat(chunks.get(0).path("choices").path(0).path("delta").path("role").asText()).isEqualTo("assistant");
      StringBuilder content = new StringBuilder();
      chunks.forEach(c -> content.append(c.path("choices").path(0).path("delta").path("content").asText("")));
      assertThat(content.toString()).isEqualTo(" ok ok ok");
      assertThat(chunks).anySatisfy(c ->
          assertThat(c.path("choices").path(0).path("finish_reason").asText()).isEqualTo("length"));
    }
  }

  @Test
  void theBuildIsReadFromTheBinaryAndTheDefaultSpecRendersWhatThatBuildAccepts() throws Exception {
    String versionLine = ask(binary, "--version").lines().map(String::strip)
        .filter(l -> l.startsWith("version:")).findFirst().orElseThrow();
    // what this binary's own --help says it accepts (the versions reference: values for --flash-attn
    // since build 6325, 'auto' GPU layers since 7553; before, the default spec leaves them out)
    String help = ask(binary, "--help");
    boolean flashAttnTakesValues = Pattern.compile("--flash-attn \\[on\\|off\\|auto\\]").matcher(help).find();
    boolean gpuLayersAuto = Pattern.compile("--gpu-layers, --n-gpu-layers N[^\\n]*\\n?[^\\n]*'auto'").matcher(help).find();
    try (Resolution r = backend.resolveEndpoint(RealFixture.spec(binary, model).build(), RealFixture.options("build"))) {
      InstanceSnapshot snapshot = backend.instance(r.instance().instanceId()).orElseThrow();

      ServerProcess process = snapshot.process().orElseThrow();
      String version = process.serverVersion();
      assertThat(version).as("snapshot process %s", process).isEqualTo(versionLine);
      assertThat(version).matches("version: \\S+ \\(.+\\)");
      Matcher build = Pattern.compile("\\bbuild (\\d+)|^version: (\\d+) \\(b\\d+\\)").matcher(versionLine);
      if (build.find()) { // Debian's and git builds say it; a build made outside git says "0 (unknown)"
        int number = Integer.parseInt(build.group(1) != null ? build.group(1) : build.group(2));
        assertThat(process.serverBuildNumber()).hasValue(number);
      }
      assertThat(process.serverOptions())
          .contains("--model", "--alias", "--port", "--api-prefix", "--gpu-layers", "--flash-attn", "--embedding",
              "--pooling");
      String command = process.command();
      String argv = String.join(" ", RealProcesses.cmdline(RealProcesses.pid(snapshot)));
      for (String rendered : List.of(command, argv)) {
        if (gpuLayersAuto) {
          assertThat(rendered).contains("--gpu-layers auto");
        } else {
          assertThat(rendered).doesNotContain("--gpu-layers");
        }
        if (flashAttnTakesValues) {
          assertThat(rendered).contains("--flash-attn auto");
        } else {
          assertThat(rendered).doesNotContain("--flash-attn");
        }
      }
    }
  }

  @Test
  void aStopEndsTheServerGracefully() throws Exception {
    Resolution r = backend.resolveEndpoint(RealFixture.spec(binary, model).build(), RealFixture.options("stop"));
    String id = r.instance().instanceId();
    long pid = RealProcesses.pid(r.instance());
    LaunchedProcess process = transport.launched.get(transport.launched.size() - 1);
    assertThat(process.pid()).isEqualTo(pid);
    var stopped = events.next(e -> e.instanceId().equals(id) && e.lifecycle() == LifecycleStatus.STOPPED);
    r.close();
    // llama-server answers /health 200 a little before it installs its SIGTERM handler (its "listening
    // on ... main loop" line comes right after); a SIGTERM in that window ends it by the signal's
    // default action (still GRACEFUL to the library). This test is about the handler's clean exit.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (process.recentOutput().stream().noneMatch(l -> l.text().contains("listening on"))
        && System.nanoTime() < deadline) {
      java.util.concurrent.locks.LockSupport.parkNanos(5_000_000L); // poll the condition, with a deadline
    }

    backend.stopInstance(id).get(30, TimeUnit.SECONDS);

    ExitStatus exit = process.onExit().get(5, TimeUnit.SECONDS);
    assertThat(exit.termination()).as(exit.describe()).isEqualTo(ExitStatus.Termination.GRACEFUL);
    assertThat(exit.code()).hasValue(0);
    assertThat(process.recentOutput()).extracting(OutputLine::text)
        .as("llama-server handled SIGTERM itself").anyMatch(l -> l.contains("cleaning up before exit"));
    assertThat(RealProcesses.running(pid)).isFalse();
    assertThat(stopped).succeedsWithin(Duration.ofSeconds(5));
    assertThat(backend.instance(id)).isEmpty();
  }

  private static String ask(Path binary, String question) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(binary.toString(), question).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(15, TimeUnit.SECONDS)).isTrue();
    return new String(out, StandardCharsets.UTF_8);
  }
}
