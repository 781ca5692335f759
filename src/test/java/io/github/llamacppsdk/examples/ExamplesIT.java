package io.github.llamacppsdk.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamacppsdk.core.ManagementMode;
import io.github.llamacppsdk.core.StartupKind;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import io.github.llamacppsdk.testkit.FakeHuggingFace;
import io.github.llamacppsdk.testkit.FakeLlamaServer;
import io.github.llamacppsdk.testkit.GgufFiles;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Runs every example in {@code examples/} against the fake server, so they cannot rot. */
@Timeout(180)
@ExtendWith(NoLeakedProcesses.class)
class ExamplesIT {
  private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
  private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
  private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

  private String out() {
    return outBytes.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return errBytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void theDemoShowsEveryStepOnTheFakeServerAndNeverPrintsTheKey() {
    int status = SpawnedEndpointDemo.run(new String[0], Map.of(), out, err);

    assertThat(status).as(err()).isZero();
    assertThat(err()).isEmpty();
    String text = out();
    assertThat(text).contains("bundled fake llama-server");
    assertThat(text).containsSubsequence("spawned", "loading", "ready", "ACQUIRED");
    assertThat(text).contains("--fake-load-ms 800");
    assertThat(text).contains("authorization: Bearer ****").contains("LLAMA_API_KEY='****'");
    assertThat(text).doesNotContain("demo-key-");
    assertThat(text).contains("reply: Fake llama response: Say hello to the demo in a few words.");
    assertThat(text).contains("reply: Fake llama response: Stream a short greeting, word by word.");
    assertThat(text).containsPattern("GET http://127\\.0\\.0\\.1:\\d+/health -> 200");
    assertThat(text).containsPattern("lease: lease-\\d+, owner demo-run, ttl PT5M");
    assertThat(text).containsSubsequence("RELEASED", "active=false, leases on the instance: 0", "STOPPED",
        "is gone; instances left: 0", "done in");
    assertThat(text.lines().filter(l -> l.matches("\\s+-> \\d+ ms"))).hasSize(8);
  }

  @Test
  void theDemoResolvesAModelByNameThroughTheHuggingFaceCache(@TempDir Path tmp) throws Exception {
    try (FakeHuggingFace hub = FakeHuggingFace.start().addFile("someone/tiny-GGUF", "tiny-Q4_K_M.gguf",
        GgufFiles.writeTinyModel(tmp.resolve("src.gguf")))) {
      Map<String, String> env = Map.of("LLAMA_HF_MODEL", "someone/tiny-GGUF:Q4_K_M",
          "MODEL_ENDPOINT", hub.endpoint().toString(), "LLAMA_CACHE", tmp.resolve("hub").toString());
      int status = SpawnedEndpointDemo.run(new String[0], env, out, err);

      assertThat(status).as(err()).isZero();
      assertThat(out()).contains("with the Hugging Face model someone/tiny-GGUF:Q4_K_M")
          .contains("huggingFace=someone/tiny-GGUF:Q4_K_M")
          .containsSubsequence("pull      someone/tiny-GGUF:Q4_K_M - RESOLVING", "DOWNLOADING", "COMPLETE", "spawned",
              "ready")
          .contains("modelIdentity     someone/tiny-GGUF:Q4_K_M");
      assertThat(hub.downloads()).isEqualTo(1);
    }
  }

  @Test
  void aWrongBinaryPathGivesTheLibrarysErrorOnStderrAndStatusOne() {
    int status = SpawnedEndpointDemo.run(new String[0], Map.of("LLAMA_SERVER_BIN", "/nonexistent/llama-server"), out, err);

    assertThat(status).isEqualTo(1);
    assertThat(err()).contains("LAUNCH_FAILED").contains("/nonexistent/llama-server")
        .doesNotContain("\tat ").doesNotContain("Exception");
  }

  @Test
  void aWrongModelPathGivesTheClassifiedCause(@TempDir Path tmp) throws Exception {
    Path binary = FakeLlamaServer.install(tmp);
    int status = SpawnedEndpointDemo.run(new String[] {"--binary", binary.toString(), "--model", "/nonexistent/m.gguf"},
        Map.of(), out, err);

    assertThat(status).isEqualTo(1);
    assertThat(err()).contains("LAUNCH_FAILED").contains("MODEL_FILE_MISSING").contains("/nonexistent/m.gguf: no such file")
        .doesNotContain("\tat ");
  }

  @Test
  void theOpenAiClientExampleChatsAndStreamsThroughLangchain4j() {
    OpenAiClientExample.Result r = OpenAiClientExample.run(new String[0], Map.of(), out);

    assertThat(r.reply()).isEqualTo("Fake llama response: Name three uses of a local language model.");
    assertThat(r.streamed()).isEqualTo("Fake llama response: Write one short sentence about streaming.");
    assertThat(r.partials()).isGreaterThan(1);
    assertThat(out()).doesNotContain("example-key");
  }

  @Test
  void theLeaseSharingExampleSharesOneServerThenLetsItStopWhenIdle() {
    LeaseSharingExample.Result r = LeaseSharingExample.run(new String[0], Map.of(), out);

    assertThat(r.firstReused()).isFalse();
    assertThat(r.secondReused()).isTrue();
    assertThat(r.sameServer()).isTrue();
    assertThat(r.leaseCounts()).containsExactly(2, 1, 0);
    assertThat(r.expiredLease()).isEqualTo("lease-2");
    assertThat(r.renewAfterExpiry()).isEqualTo("LEASE_NOT_ACTIVE");
    assertThat(r.stoppedWhenIdle()).isTrue();
    assertThat(r.serverAlive()).isFalse();
    assertThat(out()).containsSubsequence("lease-1 RENEWED", "lease-2 EXPIRED", "lease-1 RELEASED", "STOPPING", "STOPPED");
  }

  @Test
  void theAttachExampleDetachesWithoutStoppingTheExternalServer() {
    AttachExample.Result r = AttachExample.run(out);

    assertThat(r.managementMode()).isEqualTo(ManagementMode.EXTERNALLY_MANAGED);
    assertThat(r.startupKind()).isEqualTo(StartupKind.ATTACH_EXISTING_SERVICE);
    assertThat(r.replyStatus()).isEqualTo(200);
    assertThat(r.aliveAfterDetach()).isTrue();
    assertThat(r.healthAfterDetach()).isEqualTo(200);
    assertThat(r.externalExitCode()).isZero();
  }

  @Test
  void theReadmeQuickStartRuns(@TempDir Path tmp) throws Exception {
    Path binary = FakeLlamaServer.install(tmp);
    Path model = io.github.llamacppsdk.testkit.GgufFiles.writeTinyModel(tmp.resolve("qwen-tiny.gguf"));

    String json = QuickStart.chat(binary.toString(), model.toString());

    assertThat(json).contains("\"content\":\"Fake llama response: Hello!\"").contains("\"model\":\"qwen-tiny\"");
  }
}
