package io.github.llamacppsdk.internal.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Quoting and secret names, checked against the regular expressions the hand-written scans replaced. */
class ShellTextTest {
  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");
  private static final Pattern SECRET_NAME = Pattern.compile("(.*_)?(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?)");

  @ParameterizedTest
  @ValueSource(strings = {"", "plain", "/usr/bin/llama-server", "--ctx-size=4096", "a b", "it's", "$HOME", "x*", "ü",
      "a\tb", "@%+=:,./-_", "(x)", "a;b", "~"})
  void quotesWhatTheShellWouldRead(String s) {
    String expected = SAFE.matcher(s).matches() ? s : "'" + s.replace("'", "'\\''") + "'";
    assertThat(ShellText.quote(s)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"LLAMA_API_KEY", "--api-key", "--hf-token", "--fake-tokens-per-second", "KEY", "key", "MONKEY",
      "A_CREDENTIAL", "A_CREDENTIALS", "CREDENTIALSS", "_PASSWD", "X_PASSWORD_FILE", "--api-key-file", "TOKEN_", "",
      "x-secret", "SECRETS"})
  void aNameIsSecretWhenItsLastWordIsASecretWord(String name) {
    boolean expected = SECRET_NAME.matcher(name.toUpperCase(Locale.ROOT).replace('-', '_')).matches();
    assertThat(ShellText.looksSecret(name)).isEqualTo(expected);
  }

  @org.junit.jupiter.api.Test
  void secretFlagValuesAreMaskedInACommandLine() {
    assertThat(ShellText.commandLine(java.util.Map.of("HF_TOKEN", "abc"), List.of("llama-server", "--api-key", "sk-1",
        "--hf-token=xyz", "--alias", "my model")))
        .isEqualTo("HF_TOKEN='****' llama-server --api-key '****' '--hf-token=****' --alias 'my model'");
  }
}
