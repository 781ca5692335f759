package io.github.llamacppsdk.testkit;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.llamacppsdk.internal.fake.FakeAnswers;
import io.github.llamacppsdk.internal.fake.FakeServerRuntime;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.CodeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A test aid: a fake {@code llama-server} that runs as a real OS process and behaves like the real
 * one as seen from outside, so tests need neither the binary nor model weights. Not for production
 * traffic. This class is stateless and thread-safe.
 *
 * <p><b>Which llama-server.</b> By default it plays Debian's build 11669 (October 2026), the current
 * one; {@code --fake-build N} (env {@code FAKE_LLAMA_BUILD}, typed: {@link FakeBuild}) makes it play
 * an older build: the {@code --flash-attn} and {@code --gpu-layers} syntax, {@code --version} and
 * {@code --help} output, {@code /v1/health}, the models list, which routes need the key, error body
 * member order and the log wording follow that build (thresholds in {@code
 * guides/testing_with_the_fake_server.md}). {@code --fake-version-shape unknown|git|debian} chooses
 * the {@code --version} line.
 *
 * <p><b>Command line.</b> {@link #main(String[])} takes llama-server's own flags in any order, long
 * or short, as {@code --flag value} or {@code --flag=value}: {@code -m/--model}, {@code
 * -a/--alias}, {@code --host} (default 127.0.0.1), {@code --port} (default 8080, 0 = any), {@code
 * -c/--ctx-size}, {@code -ngl/--gpu-layers/--n-gpu-layers N} ({@code auto|all} from build 7553),
 * {@code -t/--threads}, {@code -tb/--threads-batch}, {@code -np/--parallel} (default 4 slots), {@code
 * -fa/--flash-attn} (a bare switch before build 6325, then {@code on|off|auto}), {@code
 * --embedding/--embeddings}, {@code --api-key} (comma list), {@code --api-key-file} (one key per
 * line), {@code --api-prefix}, {@code -to/--timeout}, {@code --threads-http}, {@code --pooling
 * none|mean|cls|last|rank}, and harmless ones listed by {@code --help}. {@code LLAMA_ARG_*} variables
 * and {@code LLAMA_API_KEY} fill in flags that were not given, as in llama-server. An unknown flag
 * prints {@code error: invalid argument: --bogus} on stderr and exits 1; a bad value prints the
 * usage text of that flag and exits 1. {@code --version} prints two lines on stderr and {@code
 * --help} the usage on stdout, both exit 0.
 *
 * <p><b>What it mirrors.</b> Binds the port first, then "loads": a missing model file or one without
 * the {@code GGUF} magic fails with llama.cpp's loader messages and exit 1; a taken port logs {@code
 * couldn't bind HTTP server socket, hostname: H, port: P} and exits 1. While loading, every route
 * answers 503 {@code Loading model}; then it logs {@code llama_server: model loaded} and {@code
 * llama_server: listening on http://H:P} (older builds: {@code main: model loaded}, {@code main:
 * server is listening on http://H:P ...}) on stderr in llama-server's line format. Routes: {@code
 * /health}, {@code /v1/health}, {@code /models}, {@code /v1/models} (OpenAI {@code data} and Ollama
 * {@code models}), {@code /props}, {@code /slots}, {@code /metrics} (with {@code --metrics}), {@code
 * POST /v1/chat/completions} (JSON or Server-Sent Events; the reply is {@code Fake llama response:
 * <last user message>}, cut to {@code max_tokens} with finish reason {@code length}), {@code POST
 * /v1/embeddings} (with {@code --embedding}; deterministic unit vectors), 404 JSON otherwise. API
 * keys and {@code --api-prefix} behave as in llama-server (with a key, only health stays public on
 * the current build; health and models before it; nothing with a prefix). SIGTERM and SIGINT log
 * {@code cleaning up before exit...} and exit 0.
 *
 * <p><b>Fault knobs</b>, as extra flags or as environment variables ({@code --fake-load-ms} is also
 * {@code FAKE_LLAMA_LOAD_MS}, and so on; a flag wins over the variable):
 *
 * <ul>
 *   <li>{@code --fake-load-ms N}: how long the load takes (default 200).
 *   <li>{@code --fake-progress-every-ms N}: log a {@code load_tensors: ... N% done} line this often
 *       while loading.
 *   <li>{@code --fake-stall loading|before-bind}: hang forever without further output, either bound
 *       and answering 503, or before binding the port.
 *   <li>{@code --fake-exit-after-ms N}, {@code --fake-exit-after-requests N}, {@code
 *       --fake-exit-code C} (default 1): crash after readiness, after a time or after answering N
 *       requests.
 *   <li>{@code --fake-ignore-signals}: ignore SIGTERM and SIGINT; only SIGKILL stops it.
 *   <li>{@code --fake-health ok|degraded|unavailable|loading}: a fixed {@code /health} answer;
 *       {@code --fake-health-file F}: the file's content (same words) decides each {@code /health}
 *       answer, read per request, missing or empty means ok; {@code --fake-health-flap-every N}:
 *       N answers ok, N unavailable, and so on; {@code --fake-unhealthy-after-ms N}: unavailable from
 *       N ms after readiness. Degraded is 200 {@code {"status":"degraded"}}, unavailable is 503
 *       {@code Service Unavailable}, loading is the 503 {@code Loading model} body.
 *   <li>{@code --fake-response-delay-ms N}: every answer after readiness waits N ms.
 *   <li>{@code --fake-tokens-per-second N}: streaming rate of content chunks.
 *   <li>{@code --fake-spawn-child}: spawns {@code sleep 3600} sharing its stdio, logs {@code fake:
 *       spawned child process, pid = N}, and leaves it behind when it exits (to test process-tree
 *       stop).
 *   <li>{@code --fake-model-id ID}: {@code /v1/models} answers with this id (identity mismatch).
 *   <li>{@code --fake-ready-stamp F}: writes {@link System#nanoTime()} of the moment it starts
 *       answering 200 to F (CLOCK_MONOTONIC on Linux, comparable across processes).
 * </ul>
 *
 * <p>Use {@link #install(Path)} for an executable to put where a llama-server binary goes, or
 * {@link #start(List)} to run one in a test.
 */
public final class FakeLlamaServer {
  /** The name of the wrapper script written by {@link #install(Path)}. */
  public static final String SCRIPT_NAME = "fake-llama-server";

  /**
   * Fast-start flags, and TCP_NODELAY for the JDK's HTTP server: without it every keep-alive answer
   * stalls about 40 ms on Linux (the headers and the body go out as two writes, Nagle holds the second
   * until the client's delayed ACK), which would dominate every timing taken against the fake.
   */
  private static final List<String> JVM_FLAGS = List.of("-XX:TieredStopAtLevel=1", "-Xshare:auto",
      "-XX:+UseSerialGC", "-Xss512k", "-Xmx64m", "-Dsun.net.httpserver.nodelay=true",
      "-Dslf4j.internal.verbosity=ERROR"); // the -hf pull's Hub client logs through SLF4J; no provider here: silent

  private FakeLlamaServer() {}

  /**
   * Runs the fake server with llama-server's command line.
   *
   * @param args the flags, as llama-server takes them
   */
  public static void main(String[] args) {
    FakeServerRuntime.run(args);
  }

  /**
   * {@return the command that runs the fake server in a new JVM: this JVM's {@code java}, fast-start
   * flags, a class path made of the code sources of this class, of Jackson and of SLF4J's API, and the class name}
   * Works under any class loader, since it does not read {@code java.class.path}.
   */
  public static List<String> javaCommand() {
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(JVM_FLAGS);
    cmd.add("-cp");
    cmd.add(classPath());
    cmd.add(FakeLlamaServer.class.getName());
    return List.copyOf(cmd);
  }

  private static String classPath() {
    Set<String> entries = new LinkedHashSet<>();
    for (Class<?> c : List.of(FakeLlamaServer.class, ObjectMapper.class, JsonFactory.class, JsonProperty.class,
        org.slf4j.Logger.class)) {
      CodeSource source = c.getProtectionDomain().getCodeSource();
      if (source == null || source.getLocation() == null) {
        throw new IllegalStateException("no code source for " + c.getName() + "; cannot build the class path");
      }
      try {
        entries.add(Paths.get(source.getLocation().toURI()).toString());
      } catch (URISyntaxException e) {
        throw new IllegalStateException("bad code source " + source.getLocation(), e);
      }
    }
    return String.join(File.pathSeparator, entries);
  }

  /**
   * Writes an executable {@code fake-llama-server} shell script into {@code dir} that {@code exec}s
   * {@link #javaCommand()} with its arguments (so signals reach the JVM). Use the returned path as
   * the llama-server binary.
   *
   * @param dir an existing or new directory
   * @return the script's path
   * @throws IOException if it cannot be written
   */
  public static Path install(Path dir) throws IOException {
    return write(dir, javaCommand(), List.of());
  }

  /**
   * Writes an executable {@code fake-llama-server} script into {@code dir} that always plays {@code
   * build}: it passes {@link FakeBuild#args()} before its own arguments, so {@code <script> --version}
   * and {@code <script> --help} answer as that build does. One build per directory: the script's
   * name is fixed.
   *
   * @param dir an existing or new directory
   * @param build the llama.cpp build to play
   * @return the script's path
   * @throws IOException if it cannot be written
   */
  public static Path install(Path dir, FakeBuild build) throws IOException {
    List<String> command = new ArrayList<>(javaCommand());
    command.addAll(build.args());
    return write(dir, command, build.args());
  }

  /**
   * The script answers a lone {@code --version} or {@code --help} from files written beside it (as
   * the fake would print them, in a few milliseconds instead of a JVM start: the library asks every
   * new binary both questions), unless the environment chooses another build.
   */
  private static Path write(Path dir, List<String> command, List<String> buildArgs) throws IOException {
    Files.createDirectories(dir);
    List<String> answers = FakeAnswers.versionAndHelp(buildArgs);
    Path version = Files.writeString(dir.resolve(SCRIPT_NAME + ".version"), answers.get(0));
    Path help = Files.writeString(dir.resolve(SCRIPT_NAME + ".help"), answers.get(1));
    String line = command.stream().map(FakeLlamaServer::quote).collect(Collectors.joining(" "));
    Path script = dir.resolve(SCRIPT_NAME);
    Files.writeString(script, "#!/bin/sh\n"
        + "if [ $# -eq 1 ] && [ -z \"${FAKE_LLAMA_BUILD:-}${FAKE_LLAMA_VERSION_SHAPE:-}\" ]; then\n"
        + "  case \"$1\" in\n"
        + "    --version) exec cat " + quote(version.toAbsolutePath().toString()) + " >&2 ;;\n"
        + "    -h|--help|--usage) exec cat " + quote(help.toAbsolutePath().toString()) + " ;;\n"
        + "  esac\n"
        + "fi\n"
        + "exec " + line + " \"$@\"\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  private static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  /**
   * Starts the fake server and waits (up to 30 s) for its {@code listening on http://...} line.
   *
   * @param args llama-server flags and {@code --fake-*} knobs
   * @return the running process; close it to kill it
   * @throws io.github.llamacppsdk.core.InferenceException if it exits or does not get ready, with
   *     its output
   */
  public static FakeServerProcess start(List<String> args) {
    return start(args, Map.of());
  }

  /**
   * Starts the fake server playing {@code build} and waits for it to listen.
   *
   * @param build the llama.cpp build to play
   * @param args llama-server flags (in that build's syntax) and {@code --fake-*} knobs
   * @return the running process; close it to kill it
   * @throws io.github.llamacppsdk.core.InferenceException if it exits or does not get ready, with
   *     its output
   */
  public static FakeServerProcess start(FakeBuild build, List<String> args) {
    List<String> all = new ArrayList<>(build.args());
    all.addAll(args);
    return start(all, Map.of());
  }

  /**
   * Starts the fake server with extra environment variables and waits for it to listen.
   *
   * @param args llama-server flags and {@code --fake-*} knobs
   * @param env variables added to the child's environment (inherited {@code LLAMA_*} ones are removed)
   * @return the running process; close it to kill it
   * @throws io.github.llamacppsdk.core.InferenceException if it exits or does not get ready, with
   *     its output
   */
  public static FakeServerProcess start(List<String> args, Map<String, String> env) {
    FakeServerProcess p = launch(args, env);
    try {
      p.awaitListening(Duration.ofSeconds(30));
      return p;
    } catch (RuntimeException e) {
      p.close();
      throw e;
    }
  }

  /**
   * Starts the fake server without waiting for anything (for tests of start-up failures).
   *
   * @param args llama-server flags and {@code --fake-*} knobs
   * @param env variables added to the child's environment (inherited {@code LLAMA_*} ones are removed)
   * @return the process handle
   * @throws io.github.llamacppsdk.core.InferenceException if the JVM cannot be launched
   */
  public static FakeServerProcess launch(List<String> args, Map<String, String> env) {
    List<String> cmd = new ArrayList<>(javaCommand());
    cmd.addAll(args);
    return FakeServerProcess.launch(cmd, env);
  }
}
