package io.github.llamacppsdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamacppsdk.ServerBuild.FlashAttnSyntax;
import io.github.llamacppsdk.ServerBuild.GpuLayersSyntax;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** {@link ServerBuild#parse} on outputs of real builds (see {@code src/test/resources/server-builds}). */
class ServerBuildTest {

  static String fixture(String name) {
    try (InputStream in = ServerBuildTest.class.getResourceAsStream("/server-builds/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void debiansCurrentBuildNamesItsBuildNumberAndTakesValues() {
    ServerBuild b = ServerBuild.parse(fixture("b11669.version.txt"), fixture("b11669.help.txt"));

    assertThat(b.versionLine()).isEqualTo("version: 0.7.0 (build 11669, commit Debian)");
    assertThat(b.builtWith()).contains("built with GNU 16.2.0 for Linux x86_64");
    assertThat(b.buildNumber()).hasValue(11669);
    assertThat(b.commit()).contains("Debian");
    assertThat(b.flashAttnSyntax()).isEqualTo(FlashAttnSyntax.VALUES);
    assertThat(b.gpuLayersSyntax()).isEqualTo(GpuLayersSyntax.NUMBER_AUTO_ALL);
    assertThat(b.options()).contains("--model", "--alias", "--host", "--port", "--ctx-size", "--gpu-layers",
        "--n-gpu-layers", "--threads", "--threads-batch", "--parallel", "--flash-attn", "--embedding", "--embeddings",
        "--api-key", "--api-key-file", "--api-prefix", "--timeout", "--threads-http", "--pooling", "--help",
        "--models-max");
    assertThat(b.options()).allMatch(o -> o.matches("--[a-z0-9][a-z0-9-]*")).hasSizeGreaterThan(150);
    assertThat(b.accepts("--api-prefix")).isTrue();
    assertThat(b.accepts("--no-such-option")).isFalse();
    assertThat(b.unknownBecause()).isEmpty();
    assertThat(b.toString()).startsWith("version: 0.7.0 (build 11669, commit Debian) [build 11669], ");
  }

  /**
   * The hand-written scan of the option names finds what the regular expressions it replaced found
   * (what follows two spaces and a non-dash is description, not options).
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"b11669.help.txt", "b6000.help.txt"})
  void theOptionScanFindsWhatTheRegularExpressionsFound(String help) {
    java.util.regex.Pattern headEnd = java.util.regex.Pattern.compile(" {2,}(?=[^ -])");
    java.util.regex.Pattern longOption = java.util.regex.Pattern.compile("(?<![\\w-])--[a-z0-9][a-z0-9-]*");
    java.util.Set<String> expected = new java.util.TreeSet<>();
    for (String line : fixture(help).lines().toList()) {
      if (line.startsWith("-") && !line.startsWith("---")) {
        java.util.regex.Matcher end = headEnd.matcher(line);
        java.util.regex.Matcher m = longOption.matcher(end.find() ? line.substring(0, end.start()) : line);
        while (m.find()) {
          expected.add(m.group());
        }
      }
    }
    assertThat(ServerBuild.parse("", fixture(help)).options()).hasSizeGreaterThan(100).isEqualTo(expected);
    assertThat(ServerBuild.parse("", "-x,  --a-b, --c  --not-this  text --nor-this\n--d_e  x\nfoo--bar --9z\n").options())
        .containsExactly("--a-b", "--c", "--d", "--not-this");
  }

  @Test
  void aHelpReadsTheSameWhateverEndsItsLines() {
    String help = "usage\n-m,  --model F  model path\n--port N  port\n    continued\n--flash-attn FA  on|off|auto\n"
        + "--gpu-layers N  max layers, 'auto' or 'all'\n--last";
    ServerBuild unix = ServerBuild.parse("", help);

    for (String eol : new String[] {"\r\n", "\r"}) {
      ServerBuild other = ServerBuild.parse("", help.replace("\n", eol));
      assertThat(other.options()).isEqualTo(unix.options());
      assertThat(other.flashAttnSyntax()).isEqualTo(unix.flashAttnSyntax());
      assertThat(other.gpuLayersSyntax()).isEqualTo(unix.gpuLayersSyntax());
    }
    assertThat(unix.options()).containsExactly("--flash-attn", "--gpu-layers", "--last", "--model", "--port");
    assertThat(unix.flashAttnSyntax()).isEqualTo(ServerBuild.FlashAttnSyntax.VALUES);
    assertThat(unix.gpuLayersSyntax()).isEqualTo(ServerBuild.GpuLayersSyntax.NUMBER_AUTO_ALL);
  }

  @Test
  void theOptionsAreDistinctSortedAndUnmodifiable() {
    ServerBuild b = ServerBuild.parse("", "--port N  port\n--alias A  alias\n--port N  again\n-m,  --model F  model\n");

    assertThat(b.options()).containsExactly("--alias", "--model", "--port");
    assertThat(b.options()).contains("--model").doesNotContain("--ctx-size", "-m");
    assertThat(b.options().contains(42)).isFalse();
    assertThat(b.options()).isEqualTo(java.util.Set.of("--port", "--model", "--alias"))
        .hasSameHashCodeAs(java.util.Set.of("--port", "--model", "--alias"));
    assertThatThrownBy(() -> b.options().add("--x")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> b.options().remove("--port")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> b.options().iterator().remove()).isInstanceOf(RuntimeException.class);
    assertThat(b.accepts("--port")).isTrue();
    assertThat(b.accepts("--ctx-size")).isFalse();
  }

  @Test
  void aJuly2025BuildMadeOutsideGitIsReadFromItsHelp() {
    ServerBuild b = ServerBuild.parse(fixture("b6000.version.txt"), fixture("b6000.help.txt"));

    assertThat(b.versionLine()).isEqualTo("version: 0 (unknown)");
    assertThat(b.buildNumber()).isEmpty();
    assertThat(b.commit()).isEmpty();
    assertThat(b.flashAttnSyntax()).isEqualTo(FlashAttnSyntax.SWITCH);
    assertThat(b.gpuLayersSyntax()).isEqualTo(GpuLayersSyntax.NUMBER_ONLY);
    assertThat(b.unknownBecause()).isEmpty();
  }

  @Test
  void aMay2026BuildMadeOutsideGitTakesTheCurrentSyntax() {
    ServerBuild b = ServerBuild.parse(fixture("may2026.version.txt"), fixture("b11669.help.txt"));

    assertThat(b.buildNumber()).isEmpty();
    assertThat(b.builtWith()).contains("built with GNU 12.2.0 for Linux x86_64");
    assertThat(b.flashAttnSyntax()).isEqualTo(FlashAttnSyntax.VALUES);
    assertThat(b.gpuLayersSyntax()).isEqualTo(GpuLayersSyntax.NUMBER_AUTO_ALL);
  }

  @Test
  void aGitBuildNamesItsNumberAndCommitAfterBackendNoise() {
    ServerBuild b = ServerBuild.parse(fixture("git6000.version.txt"), "");

    assertThat(b.versionLine()).isEqualTo("version: 6000 (4762ad73)");
    assertThat(b.buildNumber()).hasValue(6000);
    assertThat(b.commit()).contains("4762ad73");
    assertThat(b.options()).isEmpty();
    assertThat(b.accepts("--anything")).as("no help read: nothing is refused").isTrue();
  }

  @ParameterizedTest(name = "build {0} without help: flash-attn {1}, gpu-layers {2}")
  @CsvSource({
      "6000, SWITCH, NUMBER_ONLY",
      "6324, SWITCH, NUMBER_ONLY",
      "6325, VALUES, NUMBER_ONLY",
      "7552, VALUES, NUMBER_ONLY",
      "7553, VALUES, NUMBER_AUTO_ALL",
      "11669, VALUES, NUMBER_AUTO_ALL"})
  void withoutHelpTheBuildNumberDecides(int build, FlashAttnSyntax fa, GpuLayersSyntax ngl) {
    ServerBuild b = ServerBuild.parse("version: " + build + " (abc1234)\n", "");

    assertThat(b.flashAttnSyntax()).isEqualTo(fa);
    assertThat(b.gpuLayersSyntax()).isEqualTo(ngl);
  }

  @Test
  void theHelpWinsOverTheBuildNumber() {
    ServerBuild b = ServerBuild.parse("version: 0.7.0 (build 11669, commit Debian)", fixture("b6000.help.txt"));

    assertThat(b.flashAttnSyntax()).isEqualTo(FlashAttnSyntax.SWITCH);
    assertThat(b.gpuLayersSyntax()).isEqualTo(GpuLayersSyntax.NUMBER_ONLY);
  }

  @Test
  void aHelpWithoutFlashAttentionSaysItIsAbsent() {
    String help = fixture("b11669.help.txt").lines().filter(l -> !l.contains("--flash-attn"))
        .reduce("", (a, l) -> a + l + "\n");

    assertThat(ServerBuild.parse("", help).flashAttnSyntax()).isEqualTo(FlashAttnSyntax.ABSENT);
  }

  @Test
  void aBinaryThatSaysNothingIsUnknown() {
    ServerBuild b = ServerBuild.parse("Segmentation fault\n", "usage: something else\n");

    assertThat(b.unknownBecause()).isPresent();
    assertThat(b.flashAttnSyntax()).isEqualTo(FlashAttnSyntax.UNKNOWN);
    assertThat(b.gpuLayersSyntax()).isEqualTo(GpuLayersSyntax.UNKNOWN);
    assertThat(b.toString()).contains("neither --version nor --help");
  }

  @Test
  void unknownCarriesItsReason() {
    assertThat(ServerBuild.unknown("remote").toString()).isEqualTo("version: unknown (remote)");
  }
}
