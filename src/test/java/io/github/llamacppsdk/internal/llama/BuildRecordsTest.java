package io.github.llamacppsdk.internal.llama;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamacppsdk.ServerBuild;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The on-disk record of what binaries answered: what it keys on, and that a fresh JVM skips the runs. */
class BuildRecordsTest {
  private static final String VERSION = "version: 0.7.0 (build 11669, commit Debian)\nbuilt with GNU 16.2.0 for Linux x86_64\n";
  private static final String HELP = "-fa,   --flash-attn [on|off|auto]       set Flash Attention use\n"
      + "-ngl,  --gpu-layers, --n-gpu-layers N   max. number of layers, either an exact number,\n"
      + "                                        'auto', or 'all' (default: auto)\n"
      + "--port PORT                              port to listen\n";

  @TempDir Path tmp;

  @Test
  void answersComeBackUnderTheSameFingerprintAndAChangedBinaryHasAnother() throws IOException {
    BuildRecords records = new BuildRecords(Optional.of(tmp.resolve("records")));
    Path binary = binary("server", "\u007fELF binary v1");
    String first = fingerprint(records, binary, Map.of()).orElseThrow();

    records.store(first, new BuildRecords.Answers(VERSION, HELP));

    assertThat(records.load(first)).contains(new BuildRecords.Answers(VERSION, HELP));
    assertThat(fingerprint(records, binary, Map.of())).contains(first);
    assertThat(fingerprint(records, binary, Map.of("LLAMA_ARG_X", "1"))).isPresent().get().isNotEqualTo(first);
    Files.writeString(binary, "\u007fELF binary v2, longer");
    assertThat(fingerprint(records, binary, Map.of())).isPresent().get().isNotEqualTo(first);
    assertThat(records.load("0123456789abcdef0123456789abcdef")).isEmpty();
  }

  @Test
  void aRecordThatCannotBeMovedIntoPlaceLeavesNoTemporaryFile() throws Exception {
    Path dir = tmp.resolve("records");
    BuildRecords records = new BuildRecords(Optional.of(dir));
    String f = String.format("%032x", 7);
    Files.createDirectories(dir.resolve(f + ".build").resolve("in-the-way")); // the move onto it fails
    records.store(f, new BuildRecords.Answers(VERSION, HELP));
    assertThat(records.load(f)).isEmpty();
    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly(f + ".build");
    }
  }

  @Test
  void aWrapperScriptIsFingerprintedByTheFilesItNamesAndOneThatNamesNoneIsNotRecorded() throws IOException {
    BuildRecords records = new BuildRecords(Optional.of(tmp.resolve("records")));
    Path real = binary("real-llama-server", "\u007fELF real");
    Path wrapper = binary("wrapper", "#!/bin/sh\nexec \"" + real + "\" --library-path /nonexistent \"$@\"\n");
    String before = fingerprint(records, wrapper, Map.of()).orElseThrow();

    Files.setLastModifiedTime(real, FileTime.fromMillis(Files.getLastModifiedTime(real).toMillis() + 60_000));

    assertThat(fingerprint(records, wrapper, Map.of())).as("the wrapped binary was upgraded").isPresent().get()
        .isNotEqualTo(before);
    Path byName = binary("by-name", "#!/bin/sh\nexec llama-server \"$@\"\n");
    assertThat(fingerprint(records, byName, Map.of())).as("what runs depends on PATH").isEmpty();
  }

  @Test
  void aDamagedRecordIsIgnoredAndOffRecordsNothing() throws IOException {
    BuildRecords records = new BuildRecords(Optional.of(tmp.resolve("records")));
    String f = fingerprint(records, binary("server", "\u007fELF"), Map.of()).orElseThrow();
    records.store(f, new BuildRecords.Answers(VERSION, HELP));
    Path file = tmp.resolve("records").resolve(f + ".build");
    byte[] whole = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(whole, whole.length - 10));

    assertThat(records.load(f)).isEmpty();
    assertThat(fingerprint(new BuildRecords(Optional.empty()), binary("other", "\u007fELF"), Map.of())).isEmpty();
  }

  @Test
  void atMostMaxRecordsAreKept() throws IOException {
    BuildRecords records = new BuildRecords(Optional.of(tmp.resolve("records")));
    for (int i = 0; i < BuildRecords.MAX_RECORDS + 5; i++) {
      records.store(String.format("%032x", i), new BuildRecords.Answers(VERSION, HELP));
    }
    try (var files = Files.list(tmp.resolve("records"))) {
      assertThat(files.filter(p -> p.toString().endsWith(".build")).count()).isEqualTo(BuildRecords.MAX_RECORDS);
    }
  }

  @Test
  void aFreshJvmReadsTheRecordInsteadOfRunningTheBinaryAgain() throws IOException {
    Path answers = tmp.resolve("answers");
    Files.createDirectories(answers);
    Files.writeString(answers.resolve("version"), VERSION);
    String help = fixture("b11669.help.txt"); // a real build's 60 KB help
    Files.writeString(answers.resolve("help"), help);
    Path runs = tmp.resolve("runs.log");
    Path binary = binary("llama-server", "#!/bin/sh\necho \"$1\" >> \"$RUNS\"\n"
        + "case \"$1\" in --version) cat " + answers.resolve("version") + ";; --help) cat " + answers.resolve("help") + ";; esac\n");
    BuildRecords records = new BuildRecords(Optional.of(tmp.resolve("records")));
    Map<String, String> env = Map.of("RUNS", runs.toString()); // not a path the script names: not fingerprinted

    ServerBuild first = new ServerBuilds(records).detect(binary.toString(), List.of(), env, List.of());
    ServerBuild second = new ServerBuilds(records).detect(binary.toString(), List.of(), env, List.of());

    assertThat(first.buildNumber()).hasValue(11669);
    assertThat(second).isEqualTo(first);
    assertThat(Files.readAllLines(runs)).containsExactlyInAnyOrder("--version", "--help");
    try (java.util.stream.Stream<Path> recorded = Files.list(tmp.resolve("records"))) {
      assertThat(recorded.toList()).singleElement() // what the next JVM reads: the digest, not the whole help
          .satisfies(r -> assertThat(Files.size(r)).isLessThan(help.length() / 3));
    }

    Files.writeString(answers.resolve("version"), "version: 9842 (b9842)\n"); // the wrapped answers changed
    ServerBuild third = new ServerBuilds(records).detect(binary.toString(), List.of(), env, List.of());
    assertThat(third.buildNumber()).hasValue(9842);
    assertThat(Files.readAllLines(runs)).hasSize(4);
  }

  /**
   * What is recorded for a build is its help cut to a digest: a fraction of the size (what a fresh JVM
   * reads before its first launch), and read back it is the same build, for the recorded real builds,
   * a help without the flash-attention option, and the fake's builds.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"b11669", "b6000", "b11669-without-fa", "fake", "fake-6000",
      "fake-7000", "empty"})
  void theRecordedHelpIsADigestThatReadsAsTheSameBuild(String which) {
    List<String> answers = switch (which) {
      case "b11669", "b6000" -> List.of(fixture(which + ".version.txt"),
          fixture(which + ".help.txt"));
      case "b11669-without-fa" -> List.of(fixture("b11669.version.txt"),
          fixture("b11669.help.txt").lines().filter(l -> !l.contains("--flash-attn"))
              .collect(java.util.stream.Collectors.joining("\n")));
      case "fake" -> io.github.llamacppsdk.internal.fake.FakeAnswers.versionAndHelp(List.of());
      case "fake-6000" -> io.github.llamacppsdk.internal.fake.FakeAnswers.versionAndHelp(List.of("--fake-build", "6000"));
      case "fake-7000" -> io.github.llamacppsdk.internal.fake.FakeAnswers.versionAndHelp(List.of("--fake-build", "7000"));
      default -> List.of("", "");
    };
    ServerBuild build = ServerBuild.parse(answers.get(0), answers.get(1));

    BuildRecords.Answers recorded = BuildRecords.compact(answers.get(0), answers.get(1), build);

    assertThat(recorded.version()).isEqualTo(answers.get(0));
    assertThat(ServerBuild.parse(recorded.version(), recorded.help())).isEqualTo(build);
    assertThat(recorded.help().length()).isLessThanOrEqualTo(Math.max(1, answers.get(1).length() / 3));
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"", "exec \"/usr/lib/ld.so\" --library-path \"/a/b:/c/d\" \"/x/llama\" \"$@\"",
      "$HOME/x ${DIR}/y a/b /", "//x /a,b+c@d%e.f-g /é", "cd /tmp && ./run", "x=/opt/a;y=/opt/b", "\t/one\n/two"})
  void aScriptsAbsolutePathsAreWhatTheExpressionFound(String script) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?<![\\w$}])/[\\w.+@%,/-]+").matcher(script);
    List<String> expected = new java.util.ArrayList<>();
    while (m.find()) {
      expected.add(m.group());
    }
    assertThat(BuildRecords.absolutePaths(script)).isEqualTo(expected);
  }

  private static String fixture(String name) {
    try (InputStream in = BuildRecordsTest.class.getResourceAsStream("/server-builds/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private Path binary(String name, String content) throws IOException {
    Path p = tmp.resolve(name);
    Files.write(p, content.getBytes(StandardCharsets.UTF_8));
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    return p;
  }

  private static Optional<String> fingerprint(BuildRecords records, Path program, Map<String, String> env)
      throws IOException {
    return records.fingerprint(program, Files.readAttributes(program, BasicFileAttributes.class), List.of(), env);
  }
}
