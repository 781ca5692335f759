package io.github.llamacppsdk.core;

import io.github.llamacppsdk.internal.core.Headers;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a backend's ready instance serves, as {@link ManagedInstance#ready()} reports it. The core
 * publishes it as an {@link EndpointDescriptor}, adding what the core owns: the endpoint id, the runtime
 * kind, the management mode (the plan's), the target class and the lease references.
 *
 * <p>Immutable. {@link #toString()} masks header values.
 *
 * @param baseUrl the OpenAI-compatible base URL, e.g. {@code http://127.0.0.1:8080/v1}
 * @param headers headers every request must carry (e.g. {@code authorization: Bearer ...})
 * @param modelIdentity the model name clients send; blank for the instance id
 * @param runtime the runtime that serves it (the descriptor's provider identity and source runtime);
 *     blank for the backend id
 * @param rootUrl the server's root URL (the descriptor's source runtime reference)
 * @param healthUrl the health URL
 * @param boundaryRef the execution surface's reference, if any
 * @param protocol the protocol spoken at {@code baseUrl}
 * @param capabilities per-endpoint capabilities ({@link Capabilities})
 * @param metadata backend facts for the descriptor (binary, host, port, prefix, ...); never secrets
 */
public record ServedEndpoint(
    String baseUrl,
    Map<String, String> headers,
    String modelIdentity,
    String runtime,
    String rootUrl,
    String healthUrl,
    Optional<String> boundaryRef,
    Protocol protocol,
    Map<String, Object> capabilities,
    Map<String, Object> metadata) {

  /** Validates and copies the components. */
  public ServedEndpoint {
    Objects.requireNonNull(baseUrl, "baseUrl");
    headers = Headers.copyOf(headers);
    Objects.requireNonNull(modelIdentity, "modelIdentity");
    Objects.requireNonNull(runtime, "runtime");
    Objects.requireNonNull(rootUrl, "rootUrl");
    Objects.requireNonNull(healthUrl, "healthUrl");
    Objects.requireNonNull(boundaryRef, "boundaryRef");
    Objects.requireNonNull(protocol, "protocol");
    capabilities = Map.copyOf(capabilities);
    metadata = Map.copyOf(metadata);
  }

  /**
   * Starts a served endpoint for a base URL.
   *
   * @param baseUrl the OpenAI-compatible base URL (ending in {@code /v1})
   * @return a builder; not thread-safe, single use
   */
  public static Builder builder(String baseUrl) {
    return new Builder(baseUrl);
  }

  @Override
  public String toString() {
    Map<String, String> masked = new LinkedHashMap<>();
    headers.keySet().stream().sorted().forEach(k -> masked.put(k, "****"));
    return "ServedEndpoint[baseUrl=" + baseUrl + ", model=" + modelIdentity + ", headers=" + masked + "]";
  }

  /** Builds a {@link ServedEndpoint}. Mutable, single use, not thread-safe. */
  public static final class Builder {
    private final String baseUrl;
    private Map<String, String> headers = Map.of();
    private String modelIdentity = "";
    private String runtime = "";
    private String rootUrl = "";
    private String healthUrl = "";
    private String boundaryRef;
    private Protocol protocol = Protocol.OPENAI_CHAT_COMPLETIONS;
    private Map<String, Object> capabilities = Map.of();
    private Map<String, Object> metadata = Map.of();

    private Builder(String baseUrl) {
      this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
    }

    /** @param v the headers
     * @return this */
    public Builder headers(Map<String, String> v) { headers = Objects.requireNonNull(v); return this; }
    /** @param v the model identity
     * @return this */
    public Builder modelIdentity(String v) { modelIdentity = Objects.requireNonNull(v); return this; }
    /** @param v the runtime that serves it
     * @return this */
    public Builder runtime(String v) { runtime = Objects.requireNonNull(v); return this; }
    /** @param v the server's root URL
     * @return this */
    public Builder rootUrl(String v) { rootUrl = Objects.requireNonNull(v); return this; }
    /** @param v the health URL
     * @return this */
    public Builder healthUrl(String v) { healthUrl = Objects.requireNonNull(v); return this; }
    /** @param v the boundary reference, or {@code null}
     * @return this */
    public Builder boundaryRef(String v) { boundaryRef = v; return this; }
    /** @param v the protocol
     * @return this */
    public Builder protocol(Protocol v) { protocol = Objects.requireNonNull(v); return this; }
    /** @param v the capabilities
     * @return this */
    public Builder capabilities(Map<String, Object> v) { capabilities = Objects.requireNonNull(v); return this; }
    /** @param v the metadata
     * @return this */
    public Builder metadata(Map<String, Object> v) { metadata = Objects.requireNonNull(v); return this; }

    /** {@return the served endpoint} */
    public ServedEndpoint build() {
      return new ServedEndpoint(baseUrl, headers, modelIdentity, runtime, rootUrl, healthUrl,
          Optional.ofNullable(boundaryRef), protocol, capabilities, metadata);
    }
  }
}
