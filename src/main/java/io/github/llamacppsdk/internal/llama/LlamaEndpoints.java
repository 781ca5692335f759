package io.github.llamacppsdk.internal.llama;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.core.Secret;
import io.github.llamacppsdk.core.Capabilities;
import io.github.llamacppsdk.core.ServedEndpoint;
import io.github.llamacppsdk.internal.core.Headers;
import io.github.llamacppsdk.internal.probe.ProbeTarget;
import io.github.llamacppsdk.internal.spec.SpecUrls;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Not API. The endpoint fields llama instances publish and their probe targets. */
public final class LlamaEndpoints {
  /** The backend id, also the provider identity and source runtime. */
  public static final String BACKEND_ID = "llama_cpp_sdk";

  private LlamaEndpoints() {}

  /**
   * {@return the capabilities llama-server endpoints offer: streaming, tool calling unknown (it depends
   * on the model's chat template), and embeddings as given}
   *
   * @param embeddings {@code true}/{@code false} for a spawned server, or {@link Capabilities#UNKNOWN}
   */
  public static Map<String, Object> capabilities(Object embeddings) {
    Map<String, Object> capabilities = new LinkedHashMap<>();
    capabilities.put(Capabilities.STREAMING, Boolean.TRUE);
    capabilities.put(Capabilities.TOOL_CALLING, Capabilities.UNKNOWN);
    capabilities.put(Capabilities.EMBEDDINGS, embeddings);
    return capabilities;
  }

  /**
   * {@return where and how to probe a server described by {@code spec}}
   *
   * @param spec a spec with a concrete port
   * @param key the key the server was launched with (the spec's, or its key file's), if any
   */
  public static ProbeTarget target(BootSpec spec, Optional<Secret> key) {
    return target(spec.rootUrl(), spec.apiPrefix(), headers(key), spec.alias());
  }

  /** {@return the bearer header for {@code key} (lookups ignore case), or no header}
   * @param key the key, if any */
  public static Map<String, String> headers(Optional<Secret> key) {
    return Headers.copyOf(key.isPresent() ? Map.of("authorization", "Bearer " + key.get().reveal()) : Map.of());
  }

  /**
   * {@return a probe target}
   *
   * @param rootUrl e.g. {@code http://127.0.0.1:8080}
   * @param apiPrefix the normalised prefix
   * @param headers probe headers
   * @param alias the expected model id
   */
  public static ProbeTarget target(String rootUrl, String apiPrefix, Map<String, String> headers, String alias) {
    URI root = URI.create(rootUrl);
    String host = root.getHost();
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new ProbeTarget(rootUrl, apiPrefix, headers, alias, new InetSocketAddress(host, root.getPort()));
  }

  /**
   * {@return the same target at another address (where a transport placed the server)}
   *
   * @param target the spec's target
   * @param address the address the transport reported
   */
  public static ProbeTarget retarget(ProbeTarget target, InetSocketAddress address) {
    String root = SpecUrls.rootUrl(address.getHostString(), address.getPort());
    return new ProbeTarget(root, target.apiPrefix(), target.headers(), target.expectedModel(), address);
  }

  /**
   * {@return what a ready spawned server serves, reachable at {@code target}}
   *
   * @param spec the spec with its concrete port
   * @param pid the server's pid ({@code -1} when the transport has none)
   * @param target where the server was found ready (the spec's address, or where a transport placed it),
   *     with the headers of the key it was launched with
   * @param placement the transport's facts about where it runs; they override the local defaults
   */
  public static ServedEndpoint spawned(BootSpec spec, long pid, ProbeTarget target, Map<String, Object> placement) {
    Map<String, Object> capabilities = LlamaEndpoints.capabilities(spec.embeddings());
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("binary_path", spec.binaryPath());
    boolean placedElsewhere = !target.rootUrl().equals(spec.rootUrl());
    metadata.put("host", placedElsewhere ? target.socketAddress().getHostString() : spec.host());
    metadata.put("port", placedElsewhere ? target.socketAddress().getPort() : spec.port());
    metadata.put("api_prefix", spec.apiPrefix());
    metadata.put("execution_surface", "local_subprocess");
    metadata.put("pid", pid);
    metadata.putAll(placement);
    Object surfaceRef = spec.executionSurface().get("surface_ref");
    Object targetId = spec.executionSurface().get("target_id");
    String root = target.rootUrl();
    return ServedEndpoint.builder(root + spec.apiPrefix() + "/v1")
        .headers(target.headers())
        .runtime(BACKEND_ID)
        .modelIdentity(spec.modelIdentity())
        .rootUrl(root)
        .healthUrl(root + spec.apiPrefix() + "/health")
        .boundaryRef(surfaceRef != null ? surfaceRef.toString() : targetId != null ? targetId.toString() : null)
        .capabilities(capabilities)
        .metadata(metadata)
        .build();
  }
}
