package io.github.llamacppsdk.internal.llama;

import io.github.llamacppsdk.ServerBuild;
import io.github.llamacppsdk.internal.process.LaunchPreparation;
import io.github.llamacppsdk.process.LaunchRequest;
import io.github.llamacppsdk.process.ProcessLaunchException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Not API. Learns what a llama-server binary is and accepts ({@link ServerBuild}) by running it with
 * {@code --version} and {@code --help}, once per program: its resolved path, size and modification
 * time, the launcher arguments in front of it and the environment it runs with. The two runs go in
 * parallel (about 30 ms for a real build); their output goes to temporary files, so no thread reads
 * pipes. Concurrent launches of one program wait for one detection.
 *
 * <p>A binary that cannot be found is left to the transport, which reports it with its own error; a
 * binary that answers neither question is an {@linkplain ServerBuild#unknown unknown build}, which
 * rendering handles conservatively.
 *
 * <p>The answers are also kept on disk ({@link BuildRecords}), so a fresh JVM launching a binary it
 * has seen before does not run it twice more.
 */
public final class ServerBuilds {
  /** How long one {@code --version} or {@code --help} run may take. */
  static final Duration TIMEOUT = Duration.ofSeconds(15);
  private static final int OUTPUT_LIMIT = 1 << 20;
  private static final ServerBuilds SHARED = new ServerBuilds(BuildRecords.configured());

  private final Map<Key, CompletableFuture<ServerBuild>> builds = new ConcurrentHashMap<>();
  private final BuildRecords records;

  ServerBuilds(BuildRecords records) {
    this.records = records;
  }

  /** {@return the JVM-wide cache: a binary is the same binary for every backend} */
  public static ServerBuilds shared() {
    return SHARED;
  }

  /**
   * One program as launched. Equality is written out: a record's generated {@code equals}/{@code
   * hashCode} bootstrap {@code java.lang.invoke} on first use, about 10 ms of a fresh JVM's first launch.
   */
  private record Key(Path program, long size, long modifiedMillis, List<String> launcherArgs,
      Map<String, String> environment) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && program.equals(k.program) && size == k.size && modifiedMillis == k.modifiedMillis
          && launcherArgs.equals(k.launcherArgs) && environment.equals(k.environment);
    }

    @Override
    public int hashCode() {
      return Objects.hash(program, size, modifiedMillis, launcherArgs, environment);
    }
  }

  /**
   * {@return the build that {@code request}'s program is} Runs the program at most once per
   * path/size/modification time.
   *
   * @param binary the binary as the spec names it (a path, or a name on the {@code PATH})
   * @param launcherArgs the arguments between the binary and llama-server's own (usually none)
   * @param environment the spec's environment (it may be needed to run the binary at all)
   * @param scrubbedInherited inherited variables the server does not get
   */
  public ServerBuild detect(String binary, List<String> launcherArgs, Map<String, String> environment,
      List<String> scrubbedInherited) {
    LaunchRequest request = new LaunchRequest(List.of(binary), Optional.empty(), environment, true,
        scrubbedInherited, "llama-server --version");
    Map<String, String> parent = System.getenv();
    Map<String, String> env = LaunchPreparation.environment(parent, request);
    Path program;
    BasicFileAttributes attributes;
    try {
      program = LaunchPreparation.resolveProgram(binary, Optional.empty(), env, parent);
      attributes = Files.readAttributes(program, BasicFileAttributes.class);
    } catch (ProcessLaunchException | IOException e) {
      return ServerBuild.unknown("the binary could not be read: " + e.getMessage());
    }
    Key key = new Key(program, attributes.size(), attributes.lastModifiedTime().toMillis(),
        List.copyOf(launcherArgs), Map.copyOf(environment));
    CompletableFuture<ServerBuild> mine = new CompletableFuture<>();
    CompletableFuture<ServerBuild> known = builds.putIfAbsent(key, mine);
    if (known != null) {
      return known.join();
    }
    ServerBuild build = ServerBuild.unknown("detection failed");
    try {
      build = recordedOrRun(program, attributes, key.launcherArgs(), environment, env);
      return build;
    } finally {
      mine.complete(build);
    }
  }

  /** Answers recorded by an earlier JVM for this very binary, else the binary's own (then recorded). */
  private ServerBuild recordedOrRun(Path program, BasicFileAttributes attributes, List<String> launcher,
      Map<String, String> specEnvironment, Map<String, String> env) {
    Map<String, String> relevant = new java.util.TreeMap<>(specEnvironment);
    for (String name : List.of("LD_LIBRARY_PATH", "LD_PRELOAD")) { // what decides which libraries load
      if (env.containsKey(name)) {
        relevant.put(name, env.get(name));
      }
    }
    Optional<String> fingerprint = records.fingerprint(program, attributes, launcher, relevant);
    Optional<BuildRecords.Answers> recorded =
        fingerprint.isPresent() ? records.load(fingerprint.get()) : Optional.empty();
    if (recorded.isPresent()) {
      ServerBuild build = ServerBuild.parse(recorded.get().version(), recorded.get().help());
      if (build.unknownBecause().isEmpty()) {
        return build;
      }
    }
    Asked asked = run(program, launcher, env);
    if (asked.answers() != null && asked.build().unknownBecause().isEmpty() && fingerprint.isPresent()) {
      records.store(fingerprint.get(), asked.answers());
    }
    return asked.build();
  }

  /** What running the binary gave: the build, and its raw answers when it answered. */
  private record Asked(ServerBuild build, BuildRecords.Answers answers) {}

  private static Asked run(Path program, List<String> launcher, Map<String, String> env) {
    Path dir = null;
    try {
      dir = Files.createTempDirectory("llamacpp-build-");
      Process version = start(program, launcher, "--version", env, dir.resolve("version"));
      Process help = start(program, launcher, "--help", env, dir.resolve("help"));
      boolean finished = finish(version) & finish(help);
      String versionOut = read(dir.resolve("version"));
      String helpOut = read(dir.resolve("help"));
      ServerBuild build = ServerBuild.parse(versionOut, helpOut);
      if (!finished) {
        return new Asked(build.unknownBecause().isPresent()
            ? ServerBuild.unknown("--version/--help did not finish within " + TIMEOUT.toSeconds() + " s") : build, null);
      }
      return new Asked(build, BuildRecords.compact(versionOut, helpOut, build));
    } catch (IOException e) {
      return new Asked(ServerBuild.unknown("running --version/--help failed: " + e.getMessage()), null);
    } finally {
      deleteQuietly(dir);
    }
  }

  private static Process start(Path program, List<String> launcher, String question,
      Map<String, String> env, Path out) throws IOException {
    List<String> argv = new ArrayList<>();
    argv.add(program.toString());
    argv.addAll(launcher);
    argv.add(question);
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .redirectOutput(out.toFile());
    pb.environment().clear();
    pb.environment().putAll(env);
    return pb.start();
  }

  private static boolean finish(Process p) {
    try {
      if (p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        return true;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
    return false;
  }

  private static String read(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return new String(in.readNBytes(OUTPUT_LIMIT), StandardCharsets.UTF_8);
    }
  }

  private static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    try (var files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // a temporary directory left behind is harmless
    }
  }
}
