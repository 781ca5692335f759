package io.github.llamacppsdk.internal.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The probes' small JSON reader (no Jackson on the cold-start path) and the chunked-body decoder. */
class JsonTest {

  @Test
  void readsWhatLlamaServerAnswers() {
    assertThat(Json.status("{\"status\":\"ok\"}")).contains("ok");
    assertThat(Json.errorMessage("{\"error\":{\"code\":503,\"message\":\"Loading model\",\"type\":\"unavailable_error\"}}"))
        .contains("Loading model");
    assertThat(Json.modelIds("{\"models\":[{\"name\":\"n\",\"model\":\"m\"}],\"object\":\"list\",\"data\":[{\"id\":\"tiny\","
        + "\"meta\":{\"n_ctx\":4096,\"size\":1.5e3,\"ok\":true,\"x\":null},\"aliases\":[]}]}")).contains(List.of("tiny"));
    assertThat(Json.modelIds("{\"models\":[{\"name\":\"n\"},{\"model\":\"m\",\"name\":\"o\"}]}")).contains(List.of("n", "m"));
  }

  @Test
  void escapesAndUnicodeAreDecoded() {
    assertThat(Json.status("{\"status\":\"a\\\"b\\\\c\\/d\\n\\u00fc\"}")).contains("a\"b\\c/d\nü");
  }

  @Test
  void aNumberIsNeverTakenForText() {
    assertThat(Json.modelIds("{\"data\":[{\"id\":5}]}")).contains(List.of());
    assertThat(Json.status("{\"status\":200}")).isEmpty();
  }

  @Test
  void malformedOrCutDocumentsAreEmptyNeverAnException() {
    for (String bad : new String[] {"", "  ", "<html>hello</html>", "{\"data\":[{\"id\":\"x\"", "{\"a\":1}}", "{a:1}",
        "{\"a\":tru}", "[1,]", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "[".repeat(10_000), "\"unterminated"}) {
      assertThat(Json.parse(bad)).as(bad.length() > 40 ? bad.substring(0, 40) : bad).isEmpty();
      assertThat(Json.modelIds(bad)).isEmpty();
    }
  }

  @Test
  void aChunkedBodyIsDecodedAsFarAsItGoes() {
    String head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    assertThat(answer(head + "7\r\n{\"a\":1}\r\n3;ext=1\r\n   \r\n0\r\n\r\n", false).body()).isEqualTo("{\"a\":1}   ");
    assertThat(answer(head + "7\r\n{\"a\"", false)).isNull(); // not whole yet
    assertThat(answer(head + "7\r\n{\"a\"", true).body()).isEqualTo("{\"a\""); // cut by the close
  }

  private static ParsedAnswer answer(String raw, boolean atEof) {
    byte[] bytes = raw.getBytes(StandardCharsets.US_ASCII);
    return ParsedAnswer.of(java.nio.ByteBuffer.allocate(bytes.length + 16).put(bytes), atEof, 1024);
  }
}
