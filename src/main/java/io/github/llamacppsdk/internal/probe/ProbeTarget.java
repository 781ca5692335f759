package io.github.llamacppsdk.internal.probe;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import java.util.Objects;

/**
 * Not API. Where and how to probe one llama-server.
 *
 * @param rootUrl e.g. {@code http://127.0.0.1:8080} (no trailing slash)
 * @param apiPrefix the normalised prefix, {@code ""} or e.g. {@code /proxy}
 * @param headers headers for every probe (the bearer key when one is configured)
 * @param expectedModel the id {@code /v1/models} must serve (the alias)
 * @param socketAddress the TCP address to connect to first
 */
public record ProbeTarget(
    String rootUrl, String apiPrefix, Map<String, String> headers, String expectedModel,
    InetSocketAddress socketAddress) {

  /** Validates and copies. */
  public ProbeTarget {
    Objects.requireNonNull(rootUrl, "rootUrl");
    Objects.requireNonNull(apiPrefix, "apiPrefix");
    headers = Map.copyOf(headers);
    Objects.requireNonNull(expectedModel, "expectedModel");
    Objects.requireNonNull(socketAddress, "socketAddress");
  }

  @Override
  public String toString() {
    return "ProbeTarget[" + rootUrl + apiPrefix + ", model=" + expectedModel + ", headers=" + headers.keySet()
        + "]"; // header values hold the key: never printed
  }

  /** {@return the prefixed health URL} */
  public URI healthUri() {
    return URI.create(rootUrl + apiPrefix + "/health");
  }

  /** {@return the prefixed models URL} */
  public URI modelsUri() {
    return URI.create(rootUrl + apiPrefix + "/v1/models");
  }

  /** {@return the prefixed props URL (a route that needs the key when one is configured)} */
  public URI propsUri() {
    return URI.create(rootUrl + apiPrefix + "/props");
  }

  /** {@return the path part of the props URL, for messages} */
  public String propsPath() {
    return apiPrefix + "/props";
  }

  /** {@return the path part of the health URL, for messages} */
  public String healthPath() {
    return apiPrefix + "/health";
  }

  /** {@return the path part of the models URL, for messages} */
  public String modelsPath() {
    return apiPrefix + "/v1/models";
  }
}
