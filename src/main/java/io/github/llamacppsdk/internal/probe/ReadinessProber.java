package io.github.llamacppsdk.internal.probe;

import io.github.llamacppsdk.internal.DaemonThreads;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Not API. One readiness probe step, asynchronous and bounded: TCP connect (until the port is known
 * to listen), then {@code GET {prefix}/health}, {@code GET {prefix}/v1/models} (whose id must equal
 * the expected alias) and {@code GET {prefix}/props} (which must accept the key, or the lack of one).
 * They are judged in that order ({@link #judge}). The result is always an {@link Observation}; the
 * future never fails.
 *
 * <p>Thread-safe; one per backend. A TCP-first probe of an {@code http://} target asks its GETs on
 * the socket its connect opened, one after the other, on its {@code llamacpp-probe-N} thread ({@link
 * SocketExchange}): the probe that finds a new server listening, the one that publishes a fresh JVM's
 * first endpoint, needs no second connection and no selector; so do the start-up's later probes of such a
 * target (one connection each). The published server's
 * health polls ({@link #poll}) send the three together over {@link KeepAlivePoller}'s kept-alive
 * connections: no TLS set-up, a few system calls each. {@code https://} targets go to a JDK {@link
 * HttpClient} built on first use. Every observation is handed to a probe thread, so what a caller
 * chains on a probe (start-up steps, listeners) never runs on, or delays, the poller's thread. Bodies
 * are cut at 64 KiB and each probe's requests are bounded by the request timeout, so a misbehaving
 * server cannot hang or flood a probe.
 */
public final class ReadinessProber {
  /** Numbered across the JVM: one factory for every instance. */
  private static final DaemonThreads PROBE_THREADS = new DaemonThreads("llamacpp-probe");
  static final int BODY_LIMIT = 64 * 1024;

  private final Duration requestTimeout;
  private static final Function<Throwable, Observation> PROBE_FAILED = new ProbeFailed();

  private final ExecutorService handOff = Executors.newCachedThreadPool(PROBE_THREADS);
  private final KeepAlivePoller poller;
  private final Object httpsLock = new Object();
  private HttpClient https; // guarded by httpsLock; built on the first https:// request

  /**
   * A prober that sends {@code https://} requests with {@code http} (and {@code http://} ones with its
   * own minimal client).
   *
   * @param http the client for {@code https://} targets
   * @param requestTimeout bound of each request (connect to last body byte)
   */
  public ReadinessProber(HttpClient http, Duration requestTimeout) {
    this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
    this.https = Objects.requireNonNull(http, "http");
    this.poller = new KeepAlivePoller(requestTimeout, BODY_LIMIT);
  }

  private ReadinessProber(Duration requestTimeout) {
    this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
    this.poller = new KeepAlivePoller(requestTimeout, BODY_LIMIT);
  }

  /**
   * {@return a prober whose JDK {@link HttpClient} (for {@code https://} targets only) is built on first
   * use}: a fresh JVM that probes only local {@code http://} servers never pays for the TLS set-up
   *
   * @param requestTimeout bound of each request
   */
  public static ReadinessProber create(Duration requestTimeout) {
    return new ReadinessProber(requestTimeout);
  }

  /** Shuts the probe threads down; probes in flight fail as observations. Idempotent. */
  public void close() {
    handOff.shutdownNow();
    poller.close();
  }

  private HttpClient https() {
    synchronized (httpsLock) {
      if (https == null) {
        https = newHttpClient(requestTimeout);
      }
      return https;
    }
  }

  /** {@return a client suited to probing: HTTP/1.1, no redirects, bounded connect} */
  public static HttpClient newHttpClient(Duration connectTimeout) {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(connectTimeout)
        .build();
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
   * Probes once. A plain {@code http} target on its socket address is always asked over a socket of its own
   * on a probe thread (connect, then the GETs on it; see {@link SocketExchange}), whatever {@code tcpFirst}
   * says: the probes of a start-up, a server still loading its model included, never start the poller, whose
   * selector thread a fresh JVM would otherwise set up on the way to its first endpoint.
   *
   * @param target what to probe
   * @param tcpFirst connect with plain TCP first (skip once the port is known to listen; only other targets
   *     skip it)
   * @return the observation; never a failed future
   */
  public CompletableFuture<Observation> probe(ProbeTarget target, boolean tcpFirst) {
    try {
      return probeUnguarded(target, tcpFirst);
    } catch (RuntimeException e) { // an unusable address or URI: an observation, never a throw
      return CompletableFuture.completedFuture(new Observation.Unexpected("probe failed: " + describe(e)));
    }
  }

  private CompletableFuture<Observation> probeUnguarded(ProbeTarget target, boolean tcpFirst) {
    CompletableFuture<Observation> result;
    if (tcpFirst || SocketExchange.isOn(target.healthUri(), target.socketAddress())) {
      TcpFirst steps = new TcpFirst(target);
      result = tcpConnect(steps).thenCompose(steps);
    } else {
      result = probeHttp(target);
    }
    return result.exceptionally(PROBE_FAILED);
  }

  /** The TCP step: null when the port accepts a connection, else why not. */
  private CompletableFuture<Observation> tcpConnect(TcpFirst connect) {
    try {
      return CompletableFuture.supplyAsync(connect, handOff);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.completedFuture(new Observation.Unexpected("probe failed: prober closed"));
    }
  }

  /**
   * The TCP step, and for a plain {@code http} target on the connected address the HTTP steps on that same
   * socket ({@link SocketExchange}): the observation, or null when the port accepts connections and the
   * HTTP steps are still to be asked (an {@code https} target).
   */
  private Observation connectOnce(ProbeTarget target) {
    Socket socket = SocketExchange.newSocket();
    try {
      socket.connect(target.socketAddress(), (int) Math.max(1, Math.min(Integer.MAX_VALUE, requestTimeout.toMillis())));
    } catch (IOException | RuntimeException e) {
      SocketExchange.closeQuietly(socket);
      String where = "TCP " + target.socketAddress().getHostString() + ":" + target.socketAddress().getPort();
      return new Observation.NotListening(where + " -> " + (e instanceof java.net.SocketTimeoutException
          ? "connect timed out" : describe(e)));
    }
    URI healthUri = target.healthUri();
    if (!SocketExchange.isOn(healthUri, target.socketAddress())) {
      SocketExchange.closeQuietly(socket);
      return null;
    }
    // asked in judge's order, each only if the one before passed: the same verdict as the three asked together,
    // in the time the poller gives them (the request timeout from the connect on)
    long deadline = System.nanoTime() + requestTimeout.toNanos();
    Observation seen;
    try (SocketExchange exchange = new SocketExchange(socket, target.socketAddress(), deadline, BODY_LIMIT)) {
      Answer health = exchange.get(healthUri, target.headers());
      if (health.failure != null || health.status != 200 && health.status != 404) {
        seen = judge(target, health, null, null); // decided by the health answer alone
      } else {
        seen = judgeModels(target, exchange.get(target.modelsUri(), target.headers()));
        if (seen instanceof Observation.Ready) {
          seen = judgeKey(target, seen, exchange.get(target.propsUri(), target.headers()));
        }
      }
    }
    // closed meanwhile: as a probe over the poller, which close() fails, this one publishes nothing
    return handOff.isShutdown() ? new Observation.Unexpected("probe failed: prober closed") : seen;
  }


  /**
   * The HTTP steps. The three GETs ({@code /health}, {@code /v1/models} and {@code /props}) go out
   * together, so a probe costs one loopback round trip instead of three; the
   * answers are then judged in the documented order by {@link #judge}, so the result is the same as
   * asking one after the other.
   */
  private CompletableFuture<Observation> probeHttp(ProbeTarget target) {
    CompletableFuture<Answer> health = get(target.healthUri(), target.headers());
    CompletableFuture<Answer> models = get(target.modelsUri(), target.headers());
    // /props also without a key: builds before 2026 answer /health and /v1/models to anyone even when
    // they require a key, so a missing key only shows on a protected route
    CompletableFuture<Answer> props = get(target.propsUri(), target.headers());
    // judged on a probe thread: the answers complete on the poller's thread, which must stay quick
    return CompletableFuture.allOf(health, models, props)
        .thenApplyAsync(new Judge(target, health, models, props), handOff);
  }

  /**
   * Judges one probe's answers: health first (503 loading, 401 unauthorized, 200 or 404 go on), then
   * the models list (the alias must be served), then the key ({@code /props} is protected on every
   * build; a 404 there, a build without it, passes).
   *
   * @param target what was probed
   * @param health the {@code /health} answer
   * @param models the {@code /v1/models} answer
   * @param props the {@code /props} answer, or {@code null} when no key is configured
   * @return the observation
   */
  static Observation judge(ProbeTarget target, Answer health, Answer models, Answer props) {
    if (health.failure != null) {
      return new Observation.NotListening("GET " + target.healthPath() + " -> " + health.failure);
    }
    String what = "GET " + target.healthPath() + " -> " + health.status + summary(health.body);
    if (health.status == 503) {
      return new Observation.Loading(what);
    }
    if (health.status == 401 || health.status == 403) {
      return new Observation.Unauthorized(what);
    }
    if (health.status != 200 && health.status != 404) { // 404: a build without /health; models decide
      return new Observation.Unexpected(what);
    }
    Observation seen = judgeModels(target, models);
    if (!(seen instanceof Observation.Ready) || props == null) {
      return seen;
    }
    return judgeKey(target, seen, props);
  }

  /**
   * Judges the key once the model is served: without an api prefix, {@code /health} and {@code /v1/models}
   * are public and say nothing about the key; a protected route must accept it. A build without {@code
   * /props} (404) gets the benefit of the doubt.
   */
  private static Observation judgeKey(ProbeTarget target, Observation ready, Answer props) {
    if (props.failure == null && (props.status == 401 || props.status == 403)) {
      return new Observation.Unauthorized("GET " + target.propsPath() + " -> " + props.status + summary(props.body)
          + (target.headers().isEmpty() ? " (the server requires an API key and none is configured)"
              : " (the configured API key is rejected)"));
    }
    return ready;
  }

  private static Observation judgeModels(ProbeTarget target, Answer models) {
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
  }

  /**
   * One GET for a health poll: {@code http://} over {@link KeepAlivePoller}'s kept-alive connections
   * (a few system calls per poll, no connection set-up, no thread hand-off), anything else as {@link
   * #get}. Bounded like {@link #get}; never fails.
   *
   * @param uri the URL
   * @param headers the headers
   * @return the answer
   */
  CompletableFuture<Answer> poll(URI uri, Map<String, String> headers) {
    return "http".equalsIgnoreCase(uri.getScheme()) ? poller.get(uri, headers) : get(uri, headers);
  }

  /**
   * Runs a health monitor's tick at a fixed rate on the poller thread (see {@link KeepAlivePoller#every}).
   *
   * @param task the tick
   * @param initialDelayNanos delay to the first tick
   * @param periodNanos the interval
   * @return cancels it
   */
  Runnable every(Runnable task, long initialDelayNanos, long periodNanos) {
    return poller.every(task, initialDelayNanos, periodNanos);
  }

  /** One GET, bounded in time and body size. Never fails: failures are in {@link Answer#failure}. */
  CompletableFuture<Answer> get(URI uri, Map<String, String> headers) {
    if ("http".equalsIgnoreCase(uri.getScheme())) {
      return poller.get(uri, headers);
    }
    CompletableFuture<HttpResponse<String>> sent;
    HttpClient http;
    try {
      http = https();
      HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET().timeout(requestTimeout);
      headers.forEach(request::header);
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

  // named classes, not lambdas: a fresh JVM's first start runs them (benchmarks.md, figure 7)

  /** Turns a failed probe into an observation. */
  private static final class ProbeFailed implements Function<Throwable, Observation> {
    @Override
    public Observation apply(Throwable t) {
      return new Observation.Unexpected("probe failed: " + rootCause(t));
    }
  }

  /** A probe that starts with the TCP step: the blocking connect, then the HTTP steps if it was accepted. */
  private final class TcpFirst implements Supplier<Observation>, Function<Observation, CompletionStage<Observation>> {
    private final ProbeTarget target;

    TcpFirst(ProbeTarget target) {
      this.target = target;
    }

    /**
     * The connect, on a probe thread, and on its socket the HTTP steps of a plain {@code http} target: the
     * observation, or null when the HTTP steps are still to be asked.
     */
    @Override
    public Observation get() {
      return connectOnce(target);
    }

    /** After the connect: its observation, or the HTTP steps. */
    @Override
    public CompletionStage<Observation> apply(Observation refused) {
      return refused != null ? CompletableFuture.completedFuture(refused) : probeHttp(target);
    }
  }

  /** Judges the three answers of a probe's HTTP steps once all are in (on a probe thread). */
  private static final class Judge implements Function<Void, Observation> {
    private final ProbeTarget target;
    private final CompletableFuture<Answer> health;
    private final CompletableFuture<Answer> models;
    private final CompletableFuture<Answer> props;

    Judge(ProbeTarget target, CompletableFuture<Answer> health, CompletableFuture<Answer> models,
        CompletableFuture<Answer> props) {
      this.target = target;
      this.health = health;
      this.models = models;
      this.props = props;
    }

    @Override
    public Observation apply(Void allIn) {
      return judge(target, health.join(), models.join(), props.join());
    }
    }
}
