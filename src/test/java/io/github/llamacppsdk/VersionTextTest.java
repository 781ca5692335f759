package io.github.llamacppsdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The hand-written scans of a build's answers read what the regular expressions they replaced found. */
class VersionTextTest {
  private static final Pattern VERSION = Pattern.compile("(?m)^\\s*version:\\s*(\\S+)\\s*\\(([^)]*)\\)");
  private static final Pattern BUILT_WITH = Pattern.compile("(?m)^\\s*(built with .*)$");
  private static final Pattern BUILD_IN_PARENS = Pattern.compile("\\bbuild\\s+(\\d+)");
  private static final Pattern COMMIT_IN_PARENS = Pattern.compile("\\bcommit\\s+([^,\\s]+)");

  static Stream<String> versionOutputs() {
    return Stream.concat(Stream.of("b11669", "b6000", "git6000", "may2026")
        .map(b -> ServerBuildTest.fixture(b + ".version.txt")), Stream.of(
        "", "version:", "version: 1", "version: 7000", "version: 7000 ()", "version: 7000(abc)", "version: a(b)c(d",
        "  version:\t12 (x)\nbuilt with y", "noise\r\nversion: 5 (build 77, commit abc,def)\r\n", "version: 1 (a\nb)",
        "xversion: 1 (a)\nversion: 2 (b)", "version: (x)", "version: 1 2 (x)", "built with\nbuilt with cc\r\nrest",
        "\n\n   built with  gcc  \n", "version: 3 (build x, build 12)", "version: 4 (rebuild 5)", "version: 4 (build\t5)",
        "version: 4 (commit , build 3)", "version: 9 (commit\u00a0x)", "built withx", "version: 1 (x)\u2028built with z"));
  }

  @ParameterizedTest
  @MethodSource("versionOutputs")
  void readsTheVersionLineAsTheExpressionDid(String out) {
    Matcher m = VERSION.matcher(out);
    String[] v = VersionText.version(out);
    if (m.find()) {
      assertThat(v).containsExactly(m.group(0).strip(), m.group(1), m.group(2));
      assertThat(VersionText.afterWord(m.group(2), "build", true)).isEqualTo(group(BUILD_IN_PARENS, m.group(2)));
      assertThat(VersionText.afterWord(m.group(2), "commit", false)).isEqualTo(group(COMMIT_IN_PARENS, m.group(2)));
    } else {
      assertThat(v).isNull();
    }
    assertThat(VersionText.builtWith(out)).isEqualTo(group(BUILT_WITH, out));
  }

  @ParameterizedTest
  @ValueSource(strings = {"build 12", "rebuild 12", "build12", "x build  3 build 4", "_build 1", "-build 2", "build ",
      "commit abc, build 9", "commit  d1e2f3", "commit ,x", "(build 5)"})
  void readsWhatFollowsAWordAsTheExpressionDid(String parens) {
    assertThat(VersionText.afterWord(parens, "build", true)).isEqualTo(group(BUILD_IN_PARENS, parens));
    assertThat(VersionText.afterWord(parens, "commit", false)).isEqualTo(group(COMMIT_IN_PARENS, parens));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " [on|off|auto]", ", -fa [on|off]", " , -fa,--x FA", ",", ", -", ", --flash", "FA", " ,-a ,-b  X"})
  void dropsTheAliasesAsTheExpressionDid(String afterName) {
    assertThat(VersionText.withoutLeadingAliases(afterName)).isEqualTo(afterName.replaceAll("^(\\s*,\\s*-[\\w-]+)*", ""));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "1", "123456789", "1234567890", "12a", "٣", " 1"})
  void aShortNumberIsOneToNineDigits(String s) {
    assertThat(VersionText.isShortNumber(s)).isEqualTo(s.matches("\\d{1,9}"));
  }

  private static String group(Pattern p, String s) {
    Matcher m = p.matcher(s);
    return m.find() ? m.group(1) : null;
  }
}
