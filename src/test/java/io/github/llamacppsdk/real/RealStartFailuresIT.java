package io.github.llamacppsdk.real;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.ServerStartException;
import io.github.llamacppsdk.StartFailure;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.process.ExitStatus;
import io.github.llamacppsdk.process.LaunchRequest;
import io.github.llamacppsdk.process.LaunchedProcess;
import io.github.llamacppsdk.process.OutputLine;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import io.github.llamacppsdk.testing.RealServer;
import io.github.llamacppsdk.testing.RecordingTransport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every classified start failure, with the real llama-server's own output: a missing model, a file
 * that is not GGUF, a port held by another process (refused before launch, and lost to another
 * program between the library's check and the server's bind), and an option the server rejects.
 * Each fails at once (the readiness timeout is 10 minutes and is never what ends them) and leaves
 * nothing running.
 */
@Timeout(120)
@ExtendWith(NoLeakedProcesses.class)
class RealStartFailuresIT {
  @TempDir Path tmp;
  private Path binary;
  private Path model;
  private final List<AutoCloseable> held = new CopyOnWriteArrayList<>();
  private RecordingTransport transport;
  private LlamaCppBackend backend;

  @BeforeEach
  void setUp() {
    binary = RealServer.requireBinary();
    model = RealServer.tinyModel(tmp);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (backend != null) {
      backend.close();
    }
    if (transport != null) {
      transport.close();
    }
    for (AutoCloseable c : held) {
      c.close();
    }
  }

  private void backend(Consumer<LaunchRequest> beforeLaunch) {
    transport = new RecordingTransport(beforeLaunch);
    backend = LlamaCppBackend.builder().transport(transport).build();
  }

  /** {@return the start failure of {@code spec}} Any other outcome fails the test. */
  private ServerStartException failedStart(BootSpec spec) {
    try (Resolution unexpected = backend.resolveEndpoint(spec, RealFixture.options("fail"))) {
      throw new AssertionError("the start succeeded: " + unexpected.endpoint());
    } catch (ServerStartException e) {
      assertThat(backend.instances()).as("a failed start is not kept").isEmpty();
      return e;
    }
  }

  @Test
  void aMissingModelIsModelFileMissing() {
    backend(request -> { });
    Path absent = tmp.resolve("absent.gguf");

    ServerStartException e = failedStart(RealFixture.spec(binary, absent).readyTimeout(Duration.ofMinutes(10)).build());

    assertThat(e.failure()).as(e.getMessage()).contains(StartFailure.MODEL_FILE_MISSING);
    assertThat(e.getMessage()).contains("MODEL_FILE_MISSING").contains(absent.toString());
    if (e.exit().isPresent()) { // found by llama-server itself (a preflight may find it before launch)
      assertExitedWithStatus1(e);
      assertThat(e.outputTail()).anyMatch(l -> l.contains("failed to open GGUF file") && l.contains(absent.toString()));
    }
  }

  @Test
  void aFileThatIsNotGgufIsNotGguf() throws IOException {
    backend(request -> { });
    Path text = Files.writeString(tmp.resolve("notes.gguf"), "hello, I am a text file and not a model\n");

    ServerStartException e = failedStart(RealFixture.spec(binary, text).readyTimeout(Duration.ofMinutes(10)).build());

    assertThat(e.failure()).as(e.getMessage()).contains(StartFailure.NOT_GGUF);
    assertThat(e.getMessage()).contains("NOT_GGUF");
    if (e.exit().isPresent()) { // found by llama-server itself (a preflight may find it before launch)
      assertExitedWithStatus1(e);
      assertThat(e.outputTail()).anyMatch(l -> l.contains("invalid magic characters"));
    }
  }

  @Test
  void aFixedPortHeldByAnotherProcessIsRefusedBeforeLaunch() throws IOException {
    backend(request -> { });
    ServerSocket other = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    held.add(other);

    ServerStartException e = failedStart(RealFixture.spec(binary, model).port(other.getLocalPort()).build());

    assertThat(e.code()).isEqualTo(ErrorCode.FOREIGN_SERVER);
    assertThat(e.getMessage()).contains("port " + other.getLocalPort()).contains("nothing was started");
    assertThat(e.exit()).isEmpty();
    assertThat(transport.launched).as("nothing launched").isEmpty();
  }

  @Test
  void aPortTakenBetweenTheCheckAndTheBindIsPortInUseFromTheServersOwnOutput() throws IOException {
    int port = freePort();
    backend(request -> hold(RecordingTransport.port(request))); // another program binds it just before launch

    ServerStartException e = failedStart(RealFixture.spec(binary, model).port(port)
        .readyTimeout(Duration.ofMinutes(10)).build());

    assertThat(e.code()).as(e.getMessage()).isEqualTo(ErrorCode.EXITED_BEFORE_READY);
    assertThat(e.failure()).contains(StartFailure.PORT_IN_USE);
    assertExitedWithStatus1(e);
    assertThat(e.outputTail()).anyMatch(l -> l.contains("couldn't bind HTTP server socket") && l.contains("" + port));
    assertThat(e.getMessage()).contains("PORT_IN_USE").contains("couldn't bind HTTP server socket");
    assertThat(transport.launched).as("a fixed port is not retried").hasSize(1);
  }

  @Test
  void anyFreePortIsPickedAgainWhenAnotherProgramTakesThePickedOne() throws Exception {
    List<Integer> grabbed = new CopyOnWriteArrayList<>();
    backend(request -> {
      if (grabbed.isEmpty()) { // only the first launch loses its port
        grabbed.add(RecordingTransport.port(request));
        hold(grabbed.get(0));
      }
    });

    try (Resolution r = backend.resolveEndpoint(RealFixture.spec(binary, model).build(), RealFixture.options("retry"))) {
      assertThat(transport.launched).hasSize(2);
      LaunchedProcess lost = transport.launched.get(0);
      ExitStatus exit = lost.onExit().get(5, TimeUnit.SECONDS);
      assertThat(exit.code()).as(exit.describe()).hasValue(1);
      assertThat(lost.recentOutput()).extracting(OutputLine::text).anyMatch(l -> l.contains("couldn't bind"));
      assertThat(r.endpoint().baseUrl()).doesNotContain(":" + grabbed.get(0) + "/");
      HttpResponse<String> chat = RealHttp.post(r.endpoint().chatCompletionsUrl(), RealHttp.CHAT, r.endpoint().headers());
      assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
    }
  }

  @Test
  void anUnknownOptionIsInvalidArgumentWithTheServersErrorLine() {
    backend(request -> { });

    ServerStartException e = failedStart(RealFixture.spec(binary, model).extraArgs(List.of("--no-such-flag"))
        .readyTimeout(Duration.ofMinutes(10)).build());

    assertThat(e.code()).as(e.getMessage()).isEqualTo(ErrorCode.EXITED_BEFORE_READY);
    assertThat(e.failure()).contains(StartFailure.INVALID_ARGUMENT);
    assertExitedWithStatus1(e);
    assertThat(e.outputTail()).contains("error: invalid argument: --no-such-flag");
    assertThat(e.getMessage()).contains("INVALID_ARGUMENT").contains("error: invalid argument: --no-such-flag")
        .contains("--no-such-flag");
    assertThat(e.serverBuild()).get().satisfies(b -> assertThat(b.versionLine()).startsWith("version: "));
    assertThat(e.waited()).isLessThan(Duration.ofSeconds(30));
  }

  private static void assertExitedWithStatus1(ServerStartException e) {
    ExitStatus exit = e.exit().orElseThrow();
    assertThat(exit.code()).as(exit.describe()).hasValue(1);
    assertThat(exit.termination()).isEqualTo(ExitStatus.Termination.ON_ITS_OWN);
    assertThat(e.waited()).as("fails at once, not at the readiness timeout").isLessThan(Duration.ofSeconds(30));
  }

  /**
   * Binds {@code port} on the loopback address without listening: the server's bind fails with
   * {@code couldn't bind}, while the library's probes see nothing listening (so it is the server's
   * exit, not a foreign listener, that ends the start).
   */
  private void hold(int port) {
    try {
      Socket s = new Socket();
      s.setReuseAddress(false);
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      held.add(s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
