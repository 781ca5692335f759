package io.github.llamacppsdk.internal.llama;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamacppsdk.core.Secret;
import io.github.llamacppsdk.models.HubSettings;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServerPullTest {
  @Test
  void thePublicHubWithNoTokenAddsNothing() {
    ServerPull pull = ServerPull.of(HubSettings.fromEnvironment(Map.of()));

    assertThat(pull.environment()).isEmpty();
    assertThat(pull.args()).isEmpty();
  }

  @Test
  void aMirrorATokenAndOfflineModeReachTheServer() {
    ServerPull pull = ServerPull.of(HubSettings.builder().endpoint(URI.create("http://mirror.local:8080/"))
        .token(Secret.of("hf_abcdef0123456789")).offline(true).build());

    assertThat(pull.environment()).containsExactly(Map.entry("MODEL_ENDPOINT", "http://mirror.local:8080/"),
        Map.entry("HF_TOKEN", "hf_abcdef0123456789"));
    assertThat(pull.args()).containsExactly("--offline");
    assertThat(pull.toString()).doesNotContain("hf_abcdef0123456789").contains("token=***");
  }

  @Test
  void theTokenFromTheEnvironmentIsTheApplications() {
    ServerPull pull = ServerPull.of(HubSettings.fromEnvironment(Map.of("HF_TOKEN", "hf_from_env_0123")));

    assertThat(pull.environment()).containsEntry("HF_TOKEN", "hf_from_env_0123");
  }
}
