package io.github.llamacppsdk.internal.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamacppsdk.process.OutputLine.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(10)
class OutputLevelsTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "0.00.012.217 I srv          main: model loaded | INFO",
      "0.00.012.217 W srv  init: no usable GPU found | WARN",
      "0.01.002.001 E main: failed to load model | ERROR",
      "12.34.567.890 D slot update_slots: id 0 | DEBUG",
      "I srv  main: no timestamp prefix | INFO",
      "W llama_model_loader: warning without timestamp | WARN",
      "error: unknown argument: --bogus | ERROR",
      "  Error while loading shared libraries | ERROR",
      "main: server is listening on http://127.0.0.1:8080 | INFO",
      "Everything fine | INFO",
      "E | INFO",
      "errors are fun | ERROR",
  })
  void readsTheLevel(String line, Level expected) {
    assertThat(OutputLevels.parse(line)).isEqualTo(expected);
  }

  /** The hand-written scan reads the same prefixes as the regular expression it replaced. */
  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"1.2.3.4 W x", "1.2.3 W x", "1.2.3.4W x", "  1.2.3.4   E\tx",
      "1.2.3.4.5 I x", "D", "D ", "x D x", "1.2.3.4 X y", "1.2.3.4 ", "1..2.3.4 I x", "\t I\tx", "12.34.567.890  D  x",
      "1.2.3.4 error here", "I", " W", "EE x", "0.00.012.217 I", "0.00.012.217 I ",
      // \s is [ \t\n\x0B\f\r] only: not U+001C-U+001F nor Unicode spaces, which Character.isWhitespace takes
      "W\u2003x", "\u3000E x", "\u001cD x", "I\u001cx", "1.2.3.4\u2003W x", "\u2003error here", "\u000bW\fx"})
  void readsThePrefixAsTheRegularExpressionDid(String line) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("^\\s*(?:\\d+(?:\\.\\d+){3}\\s+)?([DIWE])\\s").matcher(line);
    Level expected = m.find() ? switch (m.group(1)) {
      case "D" -> Level.DEBUG;
      case "W" -> Level.WARN;
      case "E" -> Level.ERROR;
      default -> Level.INFO;
    } : line.stripLeading().regionMatches(true, 0, "error", 0, 5) ? Level.ERROR : Level.INFO;
    assertThat(OutputLevels.parse(line)).isEqualTo(expected);
  }

  @Test
  void emptyLineIsInfo() {
    assertThat(OutputLevels.parse("")).isEqualTo(Level.INFO);
  }

  @Test
  void aProductionLogAtInfoShowsTheServersWarningsAndErrorsOnly() {
    assertThat(ProcessOutput.logLevel(OutputLevels.parse("0.00.134.121 W srv  llama_server: security: no API key")))
        .isEqualTo(io.github.llamacppsdk.internal.Log.Level.WARN);
    assertThat(ProcessOutput.logLevel(OutputLevels.parse("E gguf_init_from_file: failed to open GGUF file")))
        .isEqualTo(io.github.llamacppsdk.internal.Log.Level.ERROR);
    assertThat(ProcessOutput.logLevel(OutputLevels.parse("error: invalid argument: --bogus")))
        .isEqualTo(io.github.llamacppsdk.internal.Log.Level.ERROR);
    assertThat(ProcessOutput.logLevel(OutputLevels.parse("0.00.012.217 I srv  main: model loaded")))
        .isEqualTo(io.github.llamacppsdk.internal.Log.Level.DEBUG);
    assertThat(ProcessOutput.logLevel(OutputLevels.parse("usage text without a level")))
        .isEqualTo(io.github.llamacppsdk.internal.Log.Level.DEBUG);
    assertThat(ProcessOutput.logLevel(OutputLevels.parse("0.00.012.300 D slot update")))
        .isEqualTo(io.github.llamacppsdk.internal.Log.Level.TRACE);
  }
}
