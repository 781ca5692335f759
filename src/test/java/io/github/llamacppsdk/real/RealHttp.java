package io.github.llamacppsdk.real;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Plain HTTP to a real llama-server, as a user's client would send it (JDK client, loopback). */
final class RealHttp {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  /** A chat request the tiny model answers with {@code " ok ok ok"}. */
  static final String CHAT = "{\"max_tokens\":3,\"messages\":[{\"role\":\"user\",\"content\":\"Say ok\"}]}";
  /** The same request, streamed. */
  static final String CHAT_STREAM =
      "{\"max_tokens\":3,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Say ok\"}]}";

  private RealHttp() {}

  static HttpResponse<String> get(String url, Map<String, String> headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).GET();
    headers.forEach(b::header);
    return send(b);
  }

  static HttpResponse<String> post(String url, String json, Map<String, String> headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
    headers.forEach(b::header);
    return send(b);
  }

  /**
   * {@return the answer to a request sent on a connection of its own} For requests the server
   * rejects: builds of 2025 answer 401 before reading the request's body and keep the connection
   * open, so the next request on it is read from the middle of that body and answered 400.
   */
  static HttpResponse<String> postAlone(String url, String json, Map<String, String> headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
    headers.forEach(b::header);
    return send(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
        .build(), b);
  }

  /** A streamed (SSE) answer read to its end. */
  record Streamed(int status, String contentType, List<String> lines) {}

  /** {@return a streamed answer, every line of it (blank separator lines included)} */
  static Streamed postStreaming(String url, String json, Map<String, String> headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(REQUEST_TIMEOUT)
        .header("content-type", "application/json").header("accept", "text/event-stream")
        .POST(HttpRequest.BodyPublishers.ofString(json));
    headers.forEach(b::header);
    try {
      HttpResponse<java.util.stream.Stream<String>> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofLines());
      try (var lines = r.body()) {
        return new Streamed(r.statusCode(), r.headers().firstValue("content-type").orElse(""), lines.toList());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static JsonNode json(HttpResponse<String> r) {
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON (" + r.statusCode() + "): " + r.body(), e);
    }
  }

  static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + text, e);
    }
  }

  private static HttpResponse<String> send(HttpRequest.Builder b) {
    return send(CLIENT, b);
  }

  private static HttpResponse<String> send(HttpClient client, HttpRequest.Builder b) {
    try {
      return client.send(b.timeout(REQUEST_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
