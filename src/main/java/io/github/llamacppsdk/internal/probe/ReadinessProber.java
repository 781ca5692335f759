package io.github.llamacppsdk.internal.probe;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Not API. One readiness probe step, asynchronous and bounded: TCP connect, then {@code GET
 * {prefix}/health}, then {@code GET {prefix}/v1/models} whose id must equal the expected alias. The
 * result is always an {@link Observation}; the future never fails.
 *
 * <p>Thread-safe; shares one {@link HttpClient} (one per backend). Bodies are cut at 64 KiB and every
 * request is bounded by the request timeout, so a misbehaving server cannot hang or flood a probe.
 */
public final class ReadinessProber {
  static final int BODY_LIMIT = 64 * 1024;

  private final HttpClient http;
  private final Duration requestTimeout;

  /**
   * @param http the shared client
   * @param requestTimeout bound of each request (connect to last body byte)
   */
  public ReadinessProber(HttpClient http, Duration requestTimeout) {
    this.http = Objects.requireNonNull(http, "http");
    this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
  }

  /** {@return a client suited to probing: HTTP/1.1, no redirects, bounded connect} */
  public static HttpClient newHttpClient(Duration connectTimeout) {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(connectTimeout)
        .build();
  }

  /** {@return the client, shared with the health monitor} */
  public HttpClient httpClient() {
    return http;
  }

  /** {@return the per-request bound} */
  public Duration requestTimeout() {
    return requestTimeout;
  }

  /**
   * Probes once, starting with a TCP connect.
   *
   * @param target what to probe
   * @return the observation; never a failed future
   */
  public CompletableFuture<Observation> probeOnce(ProbeTarget target) {
    return probe(target, true);
  }

  /**
   * Probes once.
   *
   * @param target what to probe
   * @param tcpFirst connect with plain TCP first (skip once the port is known to listen)
   * @return the observation; never a failed future
   */
  public CompletableFuture<Observation> probe(ProbeTarget target, boolean tcpFirst) {
    CompletableFuture<Observation> result = tcpFirst
        ? tcpConnect(target).thenCompose(refused -> refused != null
            ? CompletableFuture.completedFuture(refused)
            : probeHttp(target))
        : probeHttp(target);
    return result.exceptionally(t -> new Observation.Unexpected("probe failed: " + rootCause(t)));
  }

  private CompletableFuture<Observation> tcpConnect(ProbeTarget target) {
    CompletableFuture<Observation> done = new CompletableFuture<>();
    String where = "TCP " + target.socketAddress().getHostString() + ":" + target.socketAddress().getPort();
    AsynchronousSocketChannel channel;
    try {
      channel = AsynchronousSocketChannel.open();
    } catch (IOException e) {
      return CompletableFuture.completedFuture(new Observation.NotListening(where + " -> " + e.getMessage()));
    }
    channel.connect(target.socketAddress(), null, new CompletionHandler<Void, Void>() {
      @Override
      public void completed(Void v, Void a) {
        closeQuietly(channel);
        done.complete(null);
      }

      @Override
      public void failed(Throwable t, Void a) {
        closeQuietly(channel);
        done.complete(new Observation.NotListening(where + " -> " + describe(t)));
      }
    });
    return done.completeOnTimeout(new Observation.NotListening(where + " -> connect timed out"),
            requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete((o, t) -> closeQuietly(channel));
  }

  private CompletableFuture<Observation> probeHttp(ProbeTarget target) {
    return get(target.healthUri(), target.headers()).thenCompose(health -> {
      if (health.failure != null) {
        return CompletableFuture.completedFuture(
            new Observation.NotListening("GET " + target.healthPath() + " -> " + health.failure));
      }
      int status = health.status;
      String what = "GET " + target.healthPath() + " -> " + status + summary(health.body);
      if (status == 200 || status == 404) {
        // 404: a build without /health; fall back to the models probe (the seed does the same).
        return probeModels(target);
      }
      if (status == 503) {
        return CompletableFuture.completedFuture(new Observation.Loading(what));
      }
      if (status == 401 || status == 403) {
        return CompletableFuture.completedFuture(new Observation.Unauthorized(what));
      }
      return CompletableFuture.completedFuture(new Observation.Unexpected(what));
    });
  }

  private CompletableFuture<Observation> probeModels(ProbeTarget target) {
    return modelsObservation(target).thenCompose(seen -> seen instanceof Observation.Ready && !target.headers().isEmpty()
        ? checkKey(target, (Observation.Ready) seen)
        : CompletableFuture.completedFuture(seen));
  }

  /**
   * Without an api prefix, llama-server's health and models routes are public, so they say nothing
   * about the key. When a key is configured, one protected route ({@code GET {prefix}/props}) must
   * accept it: a rejected key is {@link Observation.Unauthorized}, never a published endpoint whose
   * every request would fail with 401. A build without {@code /props} (404) is given the benefit of
   * the doubt.
   */
  private CompletableFuture<Observation> checkKey(ProbeTarget target, Observation.Ready ready) {
    return get(target.propsUri(), target.headers()).thenApply(props -> {
      if (props.status == 401 || props.status == 403) {
        return new Observation.Unauthorized("GET " + target.propsPath() + " -> " + props.status + summary(props.body)
            + " (the configured API key is rejected)");
      }
      return ready;
    });
  }

  private CompletableFuture<Observation> modelsObservation(ProbeTarget target) {
    return get(target.modelsUri(), target.headers()).thenApply(models -> {
      if (models.failure != null) {
        return new Observation.NotListening("GET " + target.modelsPath() + " -> " + models.failure);
      }
      String what = "GET " + target.modelsPath() + " -> " + models.status + summary(models.body);
      if (models.status == 503) {
        return new Observation.Loading(what);
      }
      if (models.status == 401 || models.status == 403) {
        return new Observation.Unauthorized(what);
      }
      if (models.status != 200) {
        return new Observation.Unexpected(what);
      }
      List<String> ids = Json.modelIds(models.body).orElse(null);
      if (ids == null) {
        return new Observation.Unexpected(what + " (not a model list)");
      }
      if (ids.contains(target.expectedModel())) {
        return new Observation.Ready(target.expectedModel());
      }
      if (ids.isEmpty()) {
        return new Observation.Loading(what + " (no model listed yet)");
      }
      return new Observation.WrongModel(target.expectedModel(), ids);
    });
  }

  /** One GET, bounded in time and body size. Never fails: failures are in {@link Answer#failure}. */
  CompletableFuture<Answer> get(URI uri, Map<String, String> headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET().timeout(requestTimeout);
    headers.forEach(request::header);
    CompletableFuture<HttpResponse<String>> sent;
    try {
      sent = http.sendAsync(request.build(), LimitedBody.handler(BODY_LIMIT));
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(Answer.failed(describe(e)));
    }
    return sent.orTimeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .handle((response, t) -> {
          if (t != null) {
            sent.cancel(true);
            return Answer.failed(describe(t));
          }
          return new Answer(response.statusCode(), response.body(), null);
        });
  }

  /** The result of one GET. */
  static final class Answer {
    final int status;
    final String body;
    final String failure;

    Answer(int status, String body, String failure) {
      this.status = status;
      this.body = body == null ? "" : body;
      this.failure = failure;
    }

    static Answer failed(String failure) {
      return new Answer(-1, "", failure);
    }
  }

  private static String summary(String body) {
    String message = Json.errorMessage(body).orElse(null);
    if (message != null) {
      return " " + message;
    }
    String status = Json.status(body).orElse(null);
    if (status != null) {
      return " " + status;
    }
    return "";
  }

  static String describe(Throwable t) {
    Throwable c = rootCause(t);
    if (c instanceof TimeoutException || c instanceof java.net.http.HttpTimeoutException) {
      return "timed out";
    }
    if (c instanceof java.net.ConnectException) {
      return "connection refused";
    }
    String m = c.getMessage();
    return c.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }

  private static Throwable rootCause(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c.getCause() != null && c instanceof java.util.concurrent.ExecutionException)
        && c.getCause() != null) {
      c = c.getCause();
    }
    if (c instanceof IOException && c.getCause() instanceof java.net.ConnectException) {
      c = c.getCause();
    }
    return c;
  }

  private static void closeQuietly(AsynchronousSocketChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // closing a probe socket cannot fail in a way that matters
    }
  }
}
