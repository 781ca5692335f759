package io.github.llamacppsdk.internal.fake;

import java.util.List;
import java.util.Map;

/**
 * Not API. What the fake prints for {@code --version} and {@code --help}, without loading anything of
 * its HTTP server: the install script is written in the user's JVM, which need not have the {@code
 * jdk.httpserver} module.
 */
public final class FakeAnswers {
  private FakeAnswers() {}

  /**
   * {@return what {@code --version} (stderr) and {@code --help} (stdout) print for a fake started
   * with {@code buildArgs} and no build variables in its environment: the install script answers
   * these two questions itself instead of starting a JVM}
   *
   * @param buildArgs the {@code --fake-build}/{@code --fake-version-shape} arguments, or none
   */
  public static List<String> versionAndHelp(List<String> buildArgs) {
    try {
      FakeBuildRules rules = FakeBuildRules.from(buildArgs, Map.of());
      return List.of(String.join("\n", rules.versionLines()) + "\n", FakeOptions.help(FakeOptions.of(rules)));
    } catch (FakeArgs.UsageError e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }
}
