package io.github.llamacppsdk.core;

import io.github.llamacppsdk.internal.core.Headers;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a consumer calls: an OpenAI-compatible base URL, the headers to send (the bearer key), and
 * the model name to put in requests. Published by the core when an instance is ready; every lease
 * gets a copy with its {@link #leaseRef()} set.
 *
 * <p>Immutable and thread-safe. {@link #toString()} masks header values, so a descriptor can be
 * logged safely. Constructed by backends through {@link #builder(String)}.
 *
 * @param contractVersion always {@code inference.v1}
 * @param endpointId {@code <instance id>:endpoint}, set by the core
 * @param runtimeKind always {@link RuntimeKind#SERVICE} for self-hosted instances
 * @param managementMode who manages the service
 * @param targetClass always {@link TargetClass#SELF_HOSTED_ENDPOINT} for self-hosted instances
 * @param protocol the protocol spoken at {@code baseUrl}
 * @param baseUrl e.g. {@code http://127.0.0.1:8080/v1}; append {@code /chat/completions}
 * @param headers headers every request must carry (e.g. {@code authorization: Bearer ...}); lookups
 *     ignore case, as HTTP header names do ({@code headers().get("Authorization")} finds it)
 * @param providerIdentity the backend that provides the endpoint
 * @param modelIdentity the model name clients send
 * @param sourceRuntime the runtime that serves it
 * @param sourceRuntimeRef the server's root URL
 * @param leaseRef the lease this copy belongs to; empty on the published copy
 * @param healthRef the health URL
 * @param boundaryRef the execution surface's reference, if any
 * @param capabilities per-endpoint capabilities ({@link Capabilities})
 * @param metadata backend facts (binary, host, port, prefix, ...); never secrets
 */
public record EndpointDescriptor(
    String contractVersion,
    String endpointId,
    RuntimeKind runtimeKind,
    ManagementMode managementMode,
    TargetClass targetClass,
    Protocol protocol,
    String baseUrl,
    Map<String, String> headers,
    String providerIdentity,
    String modelIdentity,
    String sourceRuntime,
    String sourceRuntimeRef,
    Optional<String> leaseRef,
    String healthRef,
    Optional<String> boundaryRef,
    Map<String, Object> capabilities,
    Map<String, Object> metadata) {

  /** Validates and copies the components. */
  public EndpointDescriptor {
    Objects.requireNonNull(contractVersion, "contractVersion");
    Objects.requireNonNull(endpointId, "endpointId");
    Objects.requireNonNull(runtimeKind, "runtimeKind");
    Objects.requireNonNull(managementMode, "managementMode");
    Objects.requireNonNull(targetClass, "targetClass");
    Objects.requireNonNull(protocol, "protocol");
    Objects.requireNonNull(baseUrl, "baseUrl");
    headers = Headers.copyOf(headers);
    Objects.requireNonNull(providerIdentity, "providerIdentity");
    Objects.requireNonNull(modelIdentity, "modelIdentity");
    Objects.requireNonNull(sourceRuntime, "sourceRuntime");
    Objects.requireNonNull(sourceRuntimeRef, "sourceRuntimeRef");
    Objects.requireNonNull(leaseRef, "leaseRef");
    Objects.requireNonNull(healthRef, "healthRef");
    Objects.requireNonNull(boundaryRef, "boundaryRef");
    capabilities = Map.copyOf(capabilities);
    metadata = Map.copyOf(metadata);
  }

  /**
   * Starts a descriptor for a base URL.
   *
   * @param baseUrl the OpenAI-compatible base URL (ending in {@code /v1})
   * @return a builder; not thread-safe, single use
   */
  public static Builder builder(String baseUrl) {
    return new Builder(baseUrl);
  }

  /** {@return a builder initialised from this descriptor} */
  public Builder toBuilder() {
    Builder b = new Builder(baseUrl);
    b.endpointId = endpointId;
    b.runtimeKind = runtimeKind;
    b.managementMode = managementMode;
    b.targetClass = targetClass;
    b.protocol = protocol;
    b.headers = new LinkedHashMap<>(headers);
    b.providerIdentity = providerIdentity;
    b.modelIdentity = modelIdentity;
    b.sourceRuntime = sourceRuntime;
    b.sourceRuntimeRef = sourceRuntimeRef;
    b.leaseRef = leaseRef.orElse(null);
    b.healthRef = healthRef;
    b.boundaryRef = boundaryRef.orElse(null);
    b.capabilities = new LinkedHashMap<>(capabilities);
    b.metadata = new LinkedHashMap<>(metadata);
    return b;
  }

  /**
   * {@return a copy carrying a lease reference}
   *
   * @param newLeaseRef the lease reference
   */
  public EndpointDescriptor withLeaseRef(String newLeaseRef) {
    return toBuilder().leaseRef(newLeaseRef).build();
  }

  /**
   * {@return the key an OpenAI client sends, from the {@code authorization: Bearer KEY} header; empty
   * when the server has no key} Masked in {@code toString}. For example, langchain4j in one line:
   * {@code OpenAiChatModel.builder().baseUrl(e.baseUrl()).apiKey(e.apiKey().map(Secret::reveal).orElse(null))
   * .modelName(e.modelIdentity()).build()}.
   */
  public Optional<Secret> apiKey() {
    return Optional.ofNullable(Headers.bearerToken(headers)).map(Secret::of);
  }

  /** {@return {@link #baseUrl()} + {@code /chat/completions}} */
  public String chatCompletionsUrl() {
    return baseUrl + "/chat/completions";
  }

  @Override
  public String toString() {
    Map<String, String> masked = new LinkedHashMap<>();
    headers.keySet().stream().sorted().forEach(k -> masked.put(k, "****"));
    return "EndpointDescriptor[id=" + endpointId + ", baseUrl=" + baseUrl + ", model=" + modelIdentity
        + ", protocol=" + protocol.wireName() + ", mode=" + managementMode.wireName()
        + ", headers=" + masked + ", lease=" + leaseRef.orElse("-") + ", capabilities=" + capabilities
        + "]";
  }

  /** Builds an {@link EndpointDescriptor}. Mutable, single use, not thread-safe. */
  public static final class Builder {
    private final String baseUrl;
    private String endpointId = "";
    private RuntimeKind runtimeKind = RuntimeKind.SERVICE;
    private ManagementMode managementMode = ManagementMode.JIDO_MANAGED;
    private TargetClass targetClass = TargetClass.SELF_HOSTED_ENDPOINT;
    private Protocol protocol = Protocol.OPENAI_CHAT_COMPLETIONS;
    private Map<String, String> headers = new LinkedHashMap<>();
    private String providerIdentity = "";
    private String modelIdentity = "";
    private String sourceRuntime = "";
    private String sourceRuntimeRef = "";
    private String leaseRef;
    private String healthRef = "";
    private String boundaryRef;
    private Map<String, Object> capabilities = new LinkedHashMap<>();
    private Map<String, Object> metadata = new LinkedHashMap<>();

    private Builder(String baseUrl) {
      this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
    }

    /** @param v the endpoint id
     * @return this */
    public Builder endpointId(String v) { endpointId = Objects.requireNonNull(v); return this; }
    /** @param v the runtime kind
     * @return this */
    public Builder runtimeKind(RuntimeKind v) { runtimeKind = Objects.requireNonNull(v); return this; }
    /** @param v the management mode
     * @return this */
    public Builder managementMode(ManagementMode v) { managementMode = Objects.requireNonNull(v); return this; }
    /** @param v the target class
     * @return this */
    public Builder targetClass(TargetClass v) { targetClass = Objects.requireNonNull(v); return this; }
    /** @param v the protocol
     * @return this */
    public Builder protocol(Protocol v) { protocol = Objects.requireNonNull(v); return this; }
    /** @param v the headers
     * @return this */
    public Builder headers(Map<String, String> v) { headers = new LinkedHashMap<>(v); return this; }
    /** @param v the provider identity
     * @return this */
    public Builder providerIdentity(String v) { providerIdentity = Objects.requireNonNull(v); return this; }
    /** @param v the model identity
     * @return this */
    public Builder modelIdentity(String v) { modelIdentity = Objects.requireNonNull(v); return this; }
    /** @param v the source runtime
     * @return this */
    public Builder sourceRuntime(String v) { sourceRuntime = Objects.requireNonNull(v); return this; }
    /** @param v the source runtime reference (root URL)
     * @return this */
    public Builder sourceRuntimeRef(String v) { sourceRuntimeRef = Objects.requireNonNull(v); return this; }
    /** @param v the lease reference, or {@code null}
     * @return this */
    public Builder leaseRef(String v) { leaseRef = v; return this; }
    /** @param v the health URL
     * @return this */
    public Builder healthRef(String v) { healthRef = Objects.requireNonNull(v); return this; }
    /** @param v the boundary reference, or {@code null}
     * @return this */
    public Builder boundaryRef(String v) { boundaryRef = v; return this; }
    /** @param v the capabilities
     * @return this */
    public Builder capabilities(Map<String, Object> v) { capabilities = new LinkedHashMap<>(v); return this; }
    /** @param v the metadata
     * @return this */
    public Builder metadata(Map<String, Object> v) { metadata = new LinkedHashMap<>(v); return this; }

    /** {@return the descriptor} */
    public EndpointDescriptor build() {
      return new EndpointDescriptor(InstanceSpec.CONTRACT_VERSION, endpointId, runtimeKind, managementMode,
          targetClass, protocol, baseUrl, headers, providerIdentity, modelIdentity, sourceRuntime,
          sourceRuntimeRef, Optional.ofNullable(leaseRef), healthRef, Optional.ofNullable(boundaryRef),
          capabilities, metadata);
    }
  }
}
