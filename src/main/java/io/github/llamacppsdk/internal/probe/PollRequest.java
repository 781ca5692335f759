package io.github.llamacppsdk.internal.probe;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Not API. One health {@code GET} of a {@link KeepAlivePoller}: its bytes, the connection it goes on
 * ({@code host:port}), its deadline and its answer.
 */
final class PollRequest {
  final String key;
  final InetSocketAddress address;
  final ByteBuffer bytes;
  final long deadline;
  final CompletableFuture<ReadinessProber.Answer> result = new CompletableFuture<>();
  boolean retried; // selector thread only

  private PollRequest(String key, InetSocketAddress address, ByteBuffer bytes, long deadline) {
    this.key = key;
    this.address = address;
    this.bytes = bytes;
    this.deadline = deadline;
  }

  /**
   * Writes {@code GET uri} as HTTP/1.1 bytes.
   *
   * @param uri an {@code http} URI
   * @param headers extra headers (e.g. the bearer key)
   * @param deadline on {@link System#nanoTime()}'s clock
   * @return the request
   * @throws RuntimeException if the URI has no usable host
   */
  static PollRequest of(URI uri, Map<String, String> headers, long deadline) {
    String host = uri.getHost();
    if (host.startsWith("[")) {
      host = host.substring(1, host.length() - 1);
    }
    int port = uri.getPort() < 0 ? 80 : uri.getPort();
    StringBuilder sb = new StringBuilder(128).append("GET ").append(uri.getRawPath().isEmpty() ? "/" : uri.getRawPath());
    if (uri.getRawQuery() != null) {
      sb.append('?').append(uri.getRawQuery());
    }
    sb.append(" HTTP/1.1\r\nHost: ").append(uri.getRawAuthority()).append("\r\nUser-Agent: llama-cpp-sdk\r\nAccept: */*\r\n");
    for (Map.Entry<String, String> h : headers.entrySet()) {
      sb.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
    }
    sb.append("\r\n");
    return new PollRequest(host + ":" + port, new InetSocketAddress(host, port),
        ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.ISO_8859_1)), deadline);
  }

  /** Completes the answer as a failure.
   * @param why what went wrong */
  void fail(String why) {
    result.complete(ReadinessProber.Answer.failed(why));
  }
}
