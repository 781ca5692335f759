package io.github.llamacppsdk;

import static io.github.llamacppsdk.ServerBuildTest.fixture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.llamacppsdk.core.ErrorCode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link BootSpec#toCommandLine(ServerBuild)}: what each llama-server build is given. */
class CommandLineForBuildTest {
  private static final ServerBuild CURRENT = ServerBuild.parse(fixture("b11669.version.txt"), fixture("b11669.help.txt"));
  private static final ServerBuild JULY_2025 = ServerBuild.parse(fixture("b6000.version.txt"), fixture("b6000.help.txt"));
  private static final ServerBuild UNKNOWN = ServerBuild.unknown("not run");
  private static final BootSpec DEFAULT = BootSpec.builder("/m/tiny.gguf").build();

  private static List<String> argv(BootSpec spec, ServerBuild build) {
    return spec.toCommandLine(build).argv();
  }

  @Test
  void theCurrentBuildGetsWhatToCommandLineRenders() {
    assertThat(argv(DEFAULT, CURRENT)).isEqualTo(DEFAULT.toCommandLine().argv())
        .containsSubsequence("--gpu-layers", "auto").containsSubsequence("--flash-attn", "auto");
  }

  @Test
  void theDefaultSpecLeavesAutoToTheDefaultsOfAnOldBuild() {
    assertThat(argv(DEFAULT, JULY_2025)).containsExactly("llama-server", "--model", "/m/tiny.gguf", "--alias", "tiny",
        "--host", "127.0.0.1", "--port", "8080");
  }

  @Test
  void allLayersIsANumberOnAnOldBuild() {
    BootSpec spec = DEFAULT.toBuilder().gpuLayers(GpuLayers.all()).build();

    assertThat(argv(spec, JULY_2025)).containsSubsequence("--gpu-layers", "999");
    assertThat(argv(spec, CURRENT)).containsSubsequence("--gpu-layers", "all");
    assertThat(argv(spec, UNKNOWN)).containsSubsequence("--gpu-layers", "999");
  }

  @Test
  void aLayerCountIsTheSameOnEveryBuild() {
    BootSpec spec = DEFAULT.toBuilder().gpuLayers(GpuLayers.count(20)).build();

    for (ServerBuild build : List.of(CURRENT, JULY_2025, UNKNOWN)) {
      assertThat(argv(spec, build)).as(build.toString()).containsSubsequence("--gpu-layers", "20");
    }
  }

  @Test
  void flashAttentionOnIsABareSwitchOnAnOldBuildAndOffIsItsDefault() {
    List<String> on = argv(DEFAULT.toBuilder().flashAttn(FlashAttn.ON).build(), JULY_2025);
    List<String> off = argv(DEFAULT.toBuilder().flashAttn(FlashAttn.OFF).build(), JULY_2025);

    assertThat(on).endsWith("--flash-attn");
    assertThat(off).doesNotContain("--flash-attn");
  }

  @Test
  void anUnknownBuildGetsExplicitValuesButNoAuto() {
    assertThat(argv(DEFAULT, UNKNOWN)).doesNotContain("--gpu-layers", "--flash-attn");
    assertThat(argv(DEFAULT.toBuilder().flashAttn(FlashAttn.OFF).build(), UNKNOWN))
        .containsSubsequence("--flash-attn", "off");
  }

  @Test
  void flashAttentionOnABuildWithoutItFailsBeforeLaunchNamingBuildAndOption() {
    String help = fixture("b6000.help.txt").lines().filter(l -> !l.contains("--flash-attn"))
        .reduce("", (a, l) -> a + l + "\n");
    ServerBuild noFlash = ServerBuild.parse("version: 0 (unknown)", help);
    BootSpec spec = DEFAULT.toBuilder().flashAttn(FlashAttn.ON).build();

    ServerStartException e = catchThrowableOfType(() -> spec.toCommandLine(noFlash), ServerStartException.class);

    assertThat(e.code()).isEqualTo(ErrorCode.LAUNCH_FAILED);
    assertThat(e.failure()).contains(StartFailure.UNSUPPORTED_OPTION);
    assertThat(e.serverBuild()).contains(noFlash);
    assertThat(e.exit()).isEmpty();
    assertThat(e.getMessage()).contains("version: 0 (unknown)").contains("--flash-attn").contains("nothing was started");
    assertThat(argv(DEFAULT.toBuilder().flashAttn(FlashAttn.OFF).build(), noFlash)).doesNotContain("--flash-attn");
  }

  @Test
  void anOptionMissingFromTheHelpIsRefusedWithTheSpecField() {
    String help = fixture("b11669.help.txt").lines().filter(l -> !l.contains("--api-prefix"))
        .reduce("", (a, l) -> a + l + "\n");
    ServerBuild noPrefix = ServerBuild.parse(fixture("b11669.version.txt"), help);

    ServerStartException e = catchThrowableOfType(
        () -> DEFAULT.toBuilder().apiPrefix("/v").apiKey("k").build().toCommandLine(noPrefix), ServerStartException.class);

    assertThat(e.failure()).contains(StartFailure.UNSUPPORTED_OPTION);
    assertThat(e.getMessage()).contains("does not accept --api-prefix").contains("api_prefix")
        .contains("build 11669").doesNotContain("=k ");
    assertThat(argv(DEFAULT, noPrefix)).doesNotContain("--api-prefix");
  }

  @Test
  void extraArgumentsAreTheUsersAndAreNotChecked() {
    BootSpec spec = DEFAULT.toBuilder().extraArgs(List.of("--no-such-flag")).build();

    assertThat(argv(spec, CURRENT)).endsWith("--no-such-flag");
  }
}
