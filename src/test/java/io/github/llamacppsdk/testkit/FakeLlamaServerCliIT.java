package io.github.llamacppsdk.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The command line of each build the fake plays ({@code llama-server-versions.md}): {@code
 * --version} on stderr, {@code --help} on stdout, both exit 0; the {@code --flash-attn} and {@code
 * --gpu-layers} syntax and errors. Stdout and stderr are captured apart, as the lead's version
 * detection reads them.
 */
@Timeout(180)
class FakeLlamaServerCliIT {
  private static final String FA_SWITCH =
      "-fa,   --flash-attn                     enable Flash Attention (default: disabled)";
  private static final String FA_VALUES =
      "-fa,   --flash-attn [on|off|auto]       set Flash Attention use ('on', 'off', or 'auto', default: 'auto')";
  private static final String NGL_NUMBER =
      "-ngl,  --gpu-layers, --n-gpu-layers N   number of layers to store in VRAM";
  private static final String NGL_AUTO =
      "-ngl,  --gpu-layers, --n-gpu-layers N   max. number of layers to store in VRAM, either an exact number,\n"
          + "                                        'auto', or 'all' (default: auto)";

  @TempDir Path tmp;

  /** The exit status and the two streams of one finished run. */
  record Run(int exit, String stdout, String stderr) {}

  private Run run(List<String> args) throws IOException, InterruptedException {
    return run(args, Map.of());
  }

  private Run run(List<String> args, Map<String, String> env) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(FakeLlamaServer.javaCommand());
    cmd.addAll(args);
    return exec(cmd, env);
  }

  private Run exec(List<String> cmd) throws IOException, InterruptedException {
    return exec(cmd, Map.of());
  }

  private Run exec(List<String> cmd, Map<String, String> env) throws IOException, InterruptedException {
    Path out = Files.createTempFile(tmp, "out", ".txt");
    Path err = Files.createTempFile(tmp, "err", ".txt");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("LLAMA_") || k.startsWith("FAKE_LLAMA_"));
    pb.environment().putAll(env);
    Process p = pb.start();
    try {
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("exits by itself: " + cmd).isTrue();
      return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      p.destroyForcibly();
    }
  }

  static Stream<Arguments> versions() {
    return Stream.of(
        Arguments.of(FakeBuild.CURRENT,
            "version: 0.7.0 (build 11669, commit Debian)\nbuilt with GNU 16.2.0 for Linux x86_64\n"),
        Arguments.of(FakeBuild.MAY_2026,
            "version: 0 (unknown)\nbuilt with GNU 12.2.0 for Linux x86_64\n"),
        Arguments.of(FakeBuild.B6000,
            "version: 0 (unknown)\nbuilt with cc (Debian 12.2.0-14+deb12u1) 12.2.0 for x86_64-linux-gnu\n"),
        Arguments.of(FakeBuild.B6000.withVersionShape(FakeBuild.VersionShape.GIT),
            "version: 6000 (4762ad73)\nbuilt with cc (Debian 12.2.0-14+deb12u1) 12.2.0 for x86_64-linux-gnu\n"),
        Arguments.of(FakeBuild.of(9400).withVersionShape(FakeBuild.VersionShape.GIT),
            "version: 9400 (" + gitCommitOf(9400) + ")\nbuilt with GNU 12.2.0 for Linux x86_64\n"));
  }

  private static String gitCommitOf(int build) {
    return String.format("%08x", (build * 2654435761L) & 0xffffffffL);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("versions")
  void versionPrintsTheBuildsTwoLinesOnStderrAndExitsZero(FakeBuild build, String expected) throws Exception {
    List<String> args = new ArrayList<>(build.args());
    args.add("--version");
    Run r = run(args);
    assertThat(r.exit()).isZero();
    assertThat(r.stderr()).isEqualTo(expected);
    assertThat(r.stdout()).isEmpty();
  }

  static Stream<Arguments> helps() {
    return Stream.of(
        Arguments.of(FakeBuild.CURRENT, FA_VALUES, NGL_AUTO),
        Arguments.of(FakeBuild.MAY_2026, FA_VALUES, NGL_AUTO),
        Arguments.of(FakeBuild.of(7000), FA_VALUES, NGL_NUMBER),
        Arguments.of(FakeBuild.B6000, FA_SWITCH, NGL_NUMBER));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("helps")
  void helpPrintsTheBuildsUsageOnStdoutInLlamaServersLayout(FakeBuild build, String flashAttn, String gpuLayers)
      throws Exception {
    List<String> args = new ArrayList<>(build.args());
    args.add("--help");
    Run r = run(args);
    assertThat(r.exit()).isZero();
    assertThat(r.stderr()).isEmpty();
    assertThat(r.stdout()).startsWith("----- common params -----\n\n-h,    --help, --usage                  print usage and exit\n"
        + "--version                               show version and build info\n");
    assertThat(r.stdout()).contains("\n" + flashAttn + "\n                                        (env: LLAMA_ARG_FLASH_ATTN)\n");
    assertThat(r.stdout()).contains("\n" + gpuLayers + "\n                                        (env: LLAMA_ARG_N_GPU_LAYERS)\n");
    assertThat(r.stdout()).contains("\n\n\n----- example-specific params -----\n\n", "\n\n\n----- fake-llama-server params -----\n\n");
    for (String option : List.of("-m,    --model FNAME", "-a,    --alias STRING", "--host HOST", "--port PORT",
        "-c,    --ctx-size N", "-t,    --threads N", "-tb,   --threads-batch N", "-np,   --parallel N",
        "--embedding, --embeddings", "--api-key KEY", "--api-key-file FNAME", "--api-prefix PREFIX",
        "-to,   --timeout N", "--threads-http N", "--pooling {none,mean,cls,last,rank}", "--fake-build N",
        "--fake-version-shape {unknown,git,debian}", "--fake-load-ms N")) {
      assertThat(r.stdout()).as(option).containsPattern("\n" + java.util.regex.Pattern.quote(option) + "[ \n]");
    }
    for (String line : r.stdout().split("\n")) {
      assertThat(line.length()).as("wrapped like llama-server: " + line).isLessThanOrEqualTo(40 + 70);
    }
  }

  static Stream<Arguments> commandLines() {
    return Stream.of(
        // build, arguments, exit status, first line of stderr ("" = starts and is stopped)
        Arguments.of(FakeBuild.B6000, List.of("--flash-attn", "auto"), 1, "error: invalid argument: auto"),
        Arguments.of(FakeBuild.B6000, List.of("--flash-attn", "on"), 1, "error: invalid argument: on"),
        Arguments.of(FakeBuild.B6000, List.of("--gpu-layers", "auto"), 1, "error while handling argument \"--gpu-layers\": stoi"),
        Arguments.of(FakeBuild.B6000, List.of("-ngl", "all"), 1, "error while handling argument \"-ngl\": stoi"),
        Arguments.of(FakeBuild.of(6325), List.of("--flash-attn", "1"), 1,
            "error while handling argument \"--flash-attn\": error: unknown value for --flash-attn: '1'"),
        Arguments.of(FakeBuild.of(7552), List.of("--gpu-layers", "all"), 1, "error while handling argument \"--gpu-layers\": stoi"),
        Arguments.of(FakeBuild.CURRENT, List.of("-fa", "maybe"), 1,
            "error while handling argument \"-fa\": error: unknown value for --flash-attn: 'maybe'"),
        Arguments.of(FakeBuild.CURRENT, List.of("--flash-attn"), 1,
            "error while handling argument \"--flash-attn\": expected value for argument"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("commandLines")
  void badOptionsExitOneWithTheBuildsErrorAndNeverBind(FakeBuild build, List<String> options, int exit, String error)
      throws Exception {
    List<String> args = new ArrayList<>(build.args());
    args.addAll(List.of("-m", GgufFiles.writeTinyModel(tmp.resolve("m.gguf")).toString(), "--port", "0"));
    args.addAll(options);
    Run r = run(args);
    assertThat(r.exit()).isEqualTo(exit);
    assertThat(r.stderr().split("\n")[0]).isEqualTo(error);
    assertThat(r.stderr()).doesNotContain("binding port").doesNotContain("listening");
    assertThat(r.stdout()).isEmpty();
  }

  static Stream<Arguments> acceptedCommandLines() {
    return Stream.of(
        Arguments.of(FakeBuild.B6000, List.of("--flash-attn", "-ngl", "999")),
        Arguments.of(FakeBuild.B6000, List.of("-fa", "--gpu-layers=0")),
        Arguments.of(FakeBuild.of(6325), List.of("--flash-attn", "off", "--gpu-layers", "999")),
        Arguments.of(FakeBuild.of(6358), List.of("--flash-attn", "-1")),
        Arguments.of(FakeBuild.of(7553), List.of("--gpu-layers", "all", "--flash-attn", "auto")),
        Arguments.of(FakeBuild.CURRENT, List.of("--gpu-layers", "auto", "-fa", "1")));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("acceptedCommandLines")
  void optionsTheBuildAcceptsStartTheServer(FakeBuild build, List<String> options) {
    List<String> args = new ArrayList<>(List.of("-m", GgufFiles.writeTinyModel(tmp.resolve("m.gguf")).toString(),
        "--port", "0", "--fake-load-ms", "0"));
    args.addAll(options);
    try (FakeServerProcess p = FakeLlamaServer.start(build, args)) {
      assertThat(p.baseUri()).isPresent();
    }
  }

  @Test
  void anInstalledBuildAnswersVersionAndHelpWithNoOtherArguments() throws Exception {
    Path script = FakeLlamaServer.install(tmp.resolve("b6000"), FakeBuild.B6000);
    assertThat(Files.readString(script)).contains("'--fake-build' '6000' '--fake-version-shape' 'unknown' \"$@\"");
    Run version = exec(List.of(script.toString(), "--version"));
    assertThat(version.exit()).isZero();
    assertThat(version.stderr()).startsWith("version: 0 (unknown)\nbuilt with cc ");
    Run help = exec(List.of(script.toString(), "--help"));
    assertThat(help.exit()).isZero();
    assertThat(help.stdout()).contains(FA_SWITCH, NGL_NUMBER);
    Run current = exec(List.of(FakeLlamaServer.install(tmp.resolve("default")).toString(), "--version"));
    assertThat(current.stderr()).startsWith("version: 0.7.0 (build 11669, commit Debian)\n");
  }

  @Test
  void theEnvironmentVariablesSelectTheBuildAndAFlagWins() throws Exception {
    Map<String, String> env = Map.of("FAKE_LLAMA_BUILD", "6000", "FAKE_LLAMA_VERSION_SHAPE", "git");
    assertThat(run(List.of("--version"), env).stderr()).startsWith("version: 6000 (4762ad73)\n");
    assertThat(run(List.of("--fake-build", "11669", "--version"), env).stderr())
        .startsWith("version: 11669 (").contains("built with GNU 16.2.0");
    assertThat(run(List.of("--fake-build", "6000", "--fake-build", "11669", "--version")).stderr())
        .as("the last flag wins").startsWith("version: 0.7.0 (build 11669, commit Debian)\n");
  }

  @Test
  void aBadBuildNumberIsAUsageError() throws Exception {
    Run r = run(List.of("--fake-build", "latest", "--version"));
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.stderr()).startsWith("error while handling argument \"--fake-build\": stoi");
  }
}
