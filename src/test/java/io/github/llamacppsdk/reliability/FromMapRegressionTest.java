package io.github.llamacppsdk.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamacppsdk.AttachSpec;
import io.github.llamacppsdk.InvalidSpecException;
import io.github.llamacppsdk.core.ConsumerManifest;
import io.github.llamacppsdk.core.ErrorCode;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Faults {@link FromMapFuzzTest} found, pinned down. */
@Timeout(10)
class FromMapRegressionTest {

  @Test
  void aNullKeyInAnAttachMapIsATypedFailureNotANullPointerException() {
    Map<String, Object> map = new HashMap<>();
    map.put("root_url", "http://127.0.0.1:8080");
    map.put("alias", "a");
    map.put(null, 1);
    assertThatThrownBy(() -> AttachSpec.fromMap(map)).isInstanceOfSatisfying(InvalidSpecException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SPEC);
      assertThat(e.violations()).singleElement().satisfies(v -> {
        assertThat(v.field()).isEqualTo("null");
        assertThat(v.reason()).startsWith("is not an attach-spec key");
      });
    });
  }

  @Test
  void aNullMetadataValueInAConsumerMapIsDroppedLikeANullConstraint() {
    Map<String, Object> metadata = new HashMap<>();
    metadata.put("kept", 1);
    metadata.put("absent", null);
    ConsumerManifest m = ConsumerManifest.fromMap(Map.of("consumer", "c", "metadata", metadata));
    assertThat(m.metadata()).containsExactly(Map.entry("kept", 1));
  }
}
