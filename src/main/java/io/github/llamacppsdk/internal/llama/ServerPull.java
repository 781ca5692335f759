package io.github.llamacppsdk.internal.llama;

import io.github.llamacppsdk.core.Secret;
import io.github.llamacppsdk.models.HubSettings;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Not API. What a llama-server that pulls a named model itself ({@code --hf-repo}, on a remote
 * transport such as a Kubernetes pod) takes from the backend's {@link HubSettings}: the Hub's base
 * URL ({@code MODEL_ENDPOINT}, only when it is not the public Hub), the token ({@code HF_TOKEN}) and
 * offline mode ({@code --offline}). The variables go into the launch request's environment, which a
 * remote transport keeps out of its command line (the Kubernetes transport puts it in a Secret).
 *
 * @param endpoint the Hub's base URL when it is not the public Hub
 * @param token the Hub token
 * @param offline whether the server must use its cache only
 */
public record ServerPull(Optional<URI> endpoint, Optional<Secret> token, boolean offline) {
  /** Validates the components. */
  public ServerPull {
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(token, "token");
  }

  /** {@return the settings of a server pull that adds nothing: public Hub, no token, online} */
  public static ServerPull none() {
    return new ServerPull(Optional.empty(), Optional.empty(), false);
  }

  /** {@return what a server pull takes from {@code hub}}
   * @param hub the backend's Hub settings */
  public static ServerPull of(HubSettings hub) {
    Optional<URI> endpoint = hub.endpoint().equals(HubSettings.DEFAULT_ENDPOINT) ? Optional.empty()
        : Optional.of(hub.endpoint());
    return new ServerPull(endpoint, hub.token(), hub.offline());
  }

  /** {@return the server's extra environment: {@code MODEL_ENDPOINT}, {@code HF_TOKEN} (revealed: keep it out of logs)} */
  public Map<String, String> environment() {
    Map<String, String> env = new LinkedHashMap<>();
    endpoint.ifPresent(u -> env.put("MODEL_ENDPOINT", u.toString()));
    token.ifPresent(t -> env.put("HF_TOKEN", t.reveal()));
    return env;
  }

  /** {@return the server's extra arguments: {@code --offline} in offline mode} */
  public List<String> args() {
    return offline ? List.of("--offline") : List.of();
  }

  @Override
  public String toString() {
    return "ServerPull[endpoint=" + endpoint.map(URI::toString).orElse("(public Hub)") + ", token="
        + (token.isPresent() ? "***" : "none") + ", offline=" + offline + "]";
  }
}
