package io.github.llamacppsdk.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.BootSpecBuilder;
import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.ServerStartException;
import io.github.llamacppsdk.StartFailure;
import io.github.llamacppsdk.core.ConsumerManifest;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.core.ResolveOptions;
import io.github.llamacppsdk.internal.llama.PortAllocator;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import io.github.llamacppsdk.testing.RecordingTransport;
import io.github.llamacppsdk.testkit.FakeLlamaServer;
import io.github.llamacppsdk.testkit.GgufFiles;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Item 2: every way a server can exit before it is ready gives a typed, classified failure right
 * after the exit (the readiness timeout is ten minutes; the class times out after two), with the
 * output tail, and leaves nothing running.
 */
@Timeout(120)
@ExtendWith(NoLeakedProcesses.class)
class ExitBeforeReadyIT {
  private static final Duration NEVER = Duration.ofMinutes(10);

  @TempDir Path tmp;
  private Path binary;
  private Path model;
  private LlamaCppBackend backend;

  @BeforeEach
  void setUp() throws IOException {
    binary = FakeLlamaServer.install(tmp);
    model = GgufFiles.writeTinyModel(tmp.resolve("m.gguf"));
    backend = LlamaCppBackend.create();
  }

  @AfterEach
  void tearDown() {
    backend.close();
  }

  private BootSpecBuilder spec() {
    return BootSpec.builder(model).binaryPath(binary).port(0).readyTimeout(NEVER).stallTimeout(NEVER);
  }

  private ServerStartException failure(BootSpec spec) {
    return failure(backend.resolveEndpointAsync(spec, ConsumerManifest.builder("t").build(),
        ResolveOptions.builder().awaitTimeout(NEVER).build()));
  }

  private ServerStartException failure(CompletableFuture<Resolution> f) {
    Throwable t = catchThrowable(() -> f.join().close());
    Throwable c = t instanceof CompletionException ? t.getCause() : t;
    assertThat(c).isInstanceOf(ServerStartException.class);
    ServerStartException e = (ServerStartException) c;
    assertThat(e.code()).isEqualTo(ErrorCode.EXITED_BEFORE_READY);
    assertThat(e.waited()).isLessThan(NEVER);
    assertThat(e.outputTail()).isNotEmpty();
    assertThat(e.getMessage()).contains("--- last").contains(e.outputTail().get(e.outputTail().size() - 1));
    assertThat(backend.instances()).isEmpty();
    assertThat(Rel.fakeServers()).isEmpty();
    return e;
  }

  private static void check(String cause, ServerStartException e, StartFailure expected, int code,
      Consumer<List<String>> tail) {
    assertThat(e.failure()).as(cause).contains(expected);
    assertThat(e.exit()).get().satisfies(x -> assertThat(x.code()).hasValue(code));
    tail.accept(e.outputTail());
    Rel.figure("exit before ready, " + cause, expected + " after " + e.waited().toMillis() + " ms (timeout "
        + NEVER.toMinutes() + " min)");
  }

  /** Behind a launcher the library does not judge the model path, so the server's output decides. */
  @Test
  void missingModelIsClassifiedFromTheOutput() throws IOException {
    Files.delete(model);
    check("missing model", failure(behindALauncher()), StartFailure.MODEL_FILE_MISSING, 1,
        t -> assertThat(t).anyMatch(l -> l.contains("failed to open GGUF file")));
  }

  @Test
  void notGgufIsClassifiedFromTheOutput() throws IOException {
    Files.writeString(model, "hello, not a model", StandardCharsets.UTF_8);
    check("not GGUF", failure(behindALauncher()), StartFailure.NOT_GGUF, 1,
        t -> assertThat(t).anyMatch(l -> l.contains("invalid magic characters")));
  }

  /** {@code env FAKE --model ...}: the binary is a launcher, the server comes after its arguments. */
  private BootSpec behindALauncher() {
    return spec().binaryPath("/usr/bin/env").launcherArgs(List.of(binary.toString())).build();
  }

  @Test
  void missingModelFailsBeforeAnythingIsLaunched() throws IOException {
    Files.delete(model);
    ServerStartException e = preflightFailure(StartFailure.MODEL_FILE_MISSING);
    assertThat(e.getMessage()).contains(model + ": no such file");
  }

  @Test
  void notGgufFailsBeforeAnythingIsLaunched() throws IOException {
    Files.writeString(model, "hello, not a model", StandardCharsets.UTF_8);
    ServerStartException e = preflightFailure(StartFailure.NOT_GGUF);
    assertThat(e.getMessage()).contains("not a GGUF file: it starts with 'hell' (68 65 6c 6c), expected 'GGUF'");
  }

  @Test
  void anIncompleteModelFailsBeforeAnythingIsLaunched() throws IOException {
    byte[] whole = Files.readAllBytes(GgufFiles.writeLoadableModel(model));
    Files.write(model, java.util.Arrays.copyOf(whole, whole.length - 4096));
    ServerStartException e = preflightFailure(StartFailure.NOT_GGUF);
    assertThat(e.getMessage()).contains("an incomplete download?");
  }

  /** Resolves through a recording transport and checks that the failure came before any launch. */
  private ServerStartException preflightFailure(StartFailure expected) {
    RecordingTransport transport = new RecordingTransport();
    try (LlamaCppBackend recording = LlamaCppBackend.builder().transport(transport).build()) {
      Throwable t = catchThrowable(() -> recording.resolveEndpoint(spec().build(), ConsumerManifest.builder("t").build(),
          ResolveOptions.builder().awaitTimeout(NEVER).build()).close());
      assertThat(t).isInstanceOf(ServerStartException.class);
      ServerStartException e = (ServerStartException) t;
      assertThat(e.code()).isEqualTo(ErrorCode.LAUNCH_FAILED);
      assertThat(e.failure()).contains(expected);
      assertThat(e.exit()).isEmpty();
      assertThat(e.outputTail()).isEmpty();
      assertThat(e.getMessage()).contains("nothing was started").contains(model.toString());
      assertThat(transport.launched).as("processes launched").isEmpty();
      assertThat(recording.instances()).isEmpty();
      Rel.figure("model preflight, " + expected, "LAUNCH_FAILED before launch");
      return e;
    }
  }

  @Test
  void unknownFlag() {
    check("bad flag", failure(spec().extraArgs(List.of("--bogus")).build()), StartFailure.INVALID_ARGUMENT, 1,
        t -> assertThat(t).anyMatch(l -> l.contains("invalid argument: --bogus")));
  }

  @Test
  void badFlagValue() {
    check("bad flag value", failure(spec().extraArgs(List.of("--log-colors", "maybe")).build()),
        StartFailure.INVALID_ARGUMENT, 1, t -> assertThat(t).anyMatch(l -> l.contains("--log-colors")));
  }

  /** The port is free when checked and taken (by a socket that never answers) before the server binds. */
  @Test
  void portTakenBeforeTheServerBinds() throws IOException {
    int port = PortAllocator.freePort("127.0.0.1");
    CompletableFuture<Resolution> f = backend.resolveEndpointAsync(spec().port(port).build(),
        ConsumerManifest.builder("t").build(), ResolveOptions.builder().awaitTimeout(NEVER).build());
    try (ServerSocket squatter = new ServerSocket()) {
      squatter.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
      check("port in use", failure(f), StartFailure.PORT_IN_USE, 1,
          t -> assertThat(t).anyMatch(l -> l.contains("couldn't bind HTTP server socket")));
    }
  }

  @Test
  void crashWhileLoading() throws IOException {
    Path crasher = script("crasher", "echo 'load_tensors: loading model tensors, 10% done' >&2\nexit 3\n");
    check("crash while loading (exit 3)", failure(spec().binaryPath(crasher).build()), StartFailure.OTHER, 3,
        t -> assertThat(t).anyMatch(l -> l.contains("10% done")));
  }

  @Test
  void killedBySignalWhileLoading() throws IOException {
    Path crasher = script("segv", "echo 'llama_model_load: loading' >&2\nkill -SEGV $$\n");
    ServerStartException e = failure(spec().binaryPath(crasher).build());
    assertThat(e.failure()).contains(StartFailure.OTHER);
    assertThat(e.exit()).get().satisfies(x -> assertThat(x.signal()).hasValue(11));
    Rel.figure("exit before ready, killed by SIGSEGV", "OTHER after " + e.waited().toMillis() + " ms");
  }

  private Path script(String name, String body) throws IOException {
    Path p = tmp.resolve(name);
    Files.writeString(p, "#!/bin/sh\n" + body);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    return p;
  }
}
