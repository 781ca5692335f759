package io.github.llamacppsdk.internal.fake;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * The one HTTP handler of the fake server: the 503 gate while loading, the API-key check with the
 * build's public routes, the {@code --api-prefix}, and the routes themselves. Thread-safe. Not API.
 */
final class FakeHttp implements HttpHandler {
  private final Set<String> publicRoutes;

  private final FakeConfig config;
  private final FakeLog log;
  private final FakeFaults faults;
  private final FakeBodies bodies;
  private final List<String> keys;
  private final String prefix;
  private volatile boolean ready;

  FakeHttp(FakeConfig config, FakeLog log, FakeFaults faults, FakeBodies bodies, List<String> keys) {
    this.config = config;
    this.log = log;
    this.faults = faults;
    this.bodies = bodies;
    this.keys = List.copyOf(keys);
    this.prefix = config.prefix();
    this.publicRoutes = publicRoutes(config.rules());
  }

  /**
   * {@return the unprefixed paths that need no key: health always ({@code /v1/health} where it
   * exists), the models lists only before {@link FakeBuildRules#LLAMA_SERVER_ERA}}
   */
  private static Set<String> publicRoutes(FakeBuildRules rules) {
    Set<String> routes = new java.util.HashSet<>(Set.of("/health"));
    if (rules.v1Health()) {
      routes.add("/v1/health");
    }
    if (!rules.modelsNeedKey()) {
      routes.addAll(List.of("/models", "/v1/models"));
    }
    return Set.copyOf(routes);
  }

  void markReady() {
    ready = true;
  }

  /** A per-process secret: requests carrying it are the fake warming itself up, served as if ready. */
  private final String warmUpToken = java.util.UUID.randomUUID().toString();

  /**
   * Sends {@code rounds} rounds of {@code GET /health}, {@code /v1/models} and {@code /props} to this
   * server over loopback while it is still "loading", so its JVM has compiled the 200 paths before it
   * turns ready. A real llama-server (C++) answers its first 200 as fast as its hundredth; without this
   * the fake's cold JVM would dominate readiness-lag measurements. Only used when a ready stamp is
   * requested (benchmarks); never logged.
   */
  void warmUpOverHttp(int port, int rounds) {
    java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
        .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
    String base = "http://" + (config.host().contains(":") ? "[" + config.host() + "]" : config.host()) + ":" + port + prefix;
    List<String> paths = List.of("/health", "/v1/models", "/props");
    for (int i = 0; i < rounds; i++) {
      for (String path : paths) {
        java.net.http.HttpRequest.Builder r = java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + path))
            .header(WARM_UP_HEADER, warmUpToken);
        keys.stream().findFirst().ifPresent(k -> r.header("Authorization", "Bearer " + k));
        try {
          client.send(r.build(), java.net.http.HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
          return; // warming up is best effort
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private static final String WARM_UP_HEADER = "X-Fake-Warm-Up";

  /**
   * Renders the answers a launcher asks for first ({@code /health}, {@code /v1/models}, {@code /props})
   * once before turning ready, so the fake's first 200 is not slowed by a cold JVM: a real
   * llama-server has no such warm-up cost, and readiness benchmarks measure the launcher, not the fake.
   */
  void warmUp() {
    try {
      FakeBodies.JSON.writeValueAsBytes(FakeBodies.status("ok"));
      FakeBodies.JSON.writeValueAsBytes(bodies.models());
      FakeBodies.JSON.writeValueAsBytes(bodies.props());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Override
  public void handle(HttpExchange ex) throws IOException {
    if (!ready && !warmUpToken.equals(ex.getRequestHeaders().getFirst(WARM_UP_HEADER))) {
      try {
        send(ex, 503, bodies.loading());
      } finally {
        ex.close();
      }
      return;
    }
    try {
      faults.responseDelay().ifPresent(FakeHttp::pause);
      int status = serve(ex);
      String path = ex.getRequestURI().getPath();
      if (!path.endsWith("/health") && !path.endsWith("/models")) {
        log.info("log_server_r", "done request: " + ex.getRequestMethod() + " " + path + " "
            + ex.getRemoteAddress().getAddress().getHostAddress() + " " + status);
      }
    } catch (IOException e) {
      // the client went away mid-answer; nothing to do
    } catch (RuntimeException e) {
      try {
        send(ex, 500, bodies.error(500, String.valueOf(e.getMessage()), "server_error"));
      } catch (IOException | RuntimeException ignored) {
        // headers may already be sent; the connection closes below
      }
    } finally {
      ex.close();
      faults.afterRequest();
    }
  }

  private int serve(HttpExchange ex) throws IOException {
    String method = ex.getRequestMethod();
    String path = ex.getRequestURI().getPath();
    if (!keys.isEmpty() && !"OPTIONS".equals(method) && !publicRoutes.contains(path) && !authorized(ex)) {
      return send(ex, 401, bodies.invalidKey());
    }
    String route = routeOf(path);
    if (method.equals("GET")) {
      switch (route) {
        case "/health":
          return health(ex);
        case "/v1/health":
          if (config.rules().v1Health()) {
            return health(ex);
          }
          break;
        case "/models":
        case "/v1/models":
          return send(ex, 200, bodies.models());
        case "/props":
          return send(ex, 200, bodies.props());
        case "/slots":
          if (config.off("--slots")) {
            return send(ex, 501, bodies.error(501, "This server does not support slots endpoint. Start it with `--slots`", "not_supported_error"));
          }
          return send(ex, 200, bodies.slots());
        case "/metrics":
          return metrics(ex);
        default:
          break;
      }
    } else if (method.equals("POST")) {
      switch (route) {
        case "/v1/chat/completions":
        case "/chat/completions":
          return withJson(ex, request -> chat(ex, request));
        case "/v1/embeddings":
        case "/embeddings":
          return embeddings(ex);
        default:
          break;
      }
    }
    return send(ex, 404, bodies.error(404, "File Not Found", "not_found_error"));
  }

  /** {@return the route under the prefix, or "" (no route) when the path is outside it} */
  private String routeOf(String path) {
    if (prefix.isEmpty()) {
      return path;
    }
    return path.startsWith(prefix + "/") ? path.substring(prefix.length()) : "";
  }

  private boolean authorized(HttpExchange ex) {
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    if (auth != null) {
      String token = auth.startsWith("Bearer ") ? auth.substring("Bearer ".length()) : auth;
      if (keys.contains(token)) {
        return true;
      }
    }
    String xKey = ex.getRequestHeaders().getFirst("X-Api-Key");
    return xKey != null && keys.contains(xKey);
  }

  private int health(HttpExchange ex) throws IOException {
    switch (faults.health()) {
      case DEGRADED:
        return send(ex, 200, FakeBodies.status("degraded"));
      case UNAVAILABLE:
        return send(ex, 503, bodies.error(503, "Service Unavailable", "unavailable_error"));
      case LOADING:
        return send(ex, 503, bodies.loading());
      default:
        return send(ex, 200, FakeBodies.status("ok"));
    }
  }

  private int metrics(HttpExchange ex) throws IOException {
    if (!config.flag("--metrics")) {
      return send(ex, 501, bodies.error(501, "This server does not support metrics endpoint. Start it with `--metrics`", "not_supported_error"));
    }
    String text = "# HELP llamacpp:requests_processing Number of requests processing.\n"
        + "# TYPE llamacpp:requests_processing gauge\nllamacpp:requests_processing 0\n"
        + "# HELP llamacpp:requests_deferred Number of requests deferred.\n"
        + "# TYPE llamacpp:requests_deferred gauge\nllamacpp:requests_deferred 0\n";
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
    ex.sendResponseHeaders(200, bytes.length);
    ex.getResponseBody().write(bytes);
    return 200;
  }

  /** A route that answers a JSON request. */
  @FunctionalInterface
  private interface JsonRoute {
    int answer(JsonNode request) throws IOException;
  }

  /** Reads the request's JSON body for {@code route}; a body that is not JSON is a 500, as in llama-server. */
  private int withJson(HttpExchange ex, JsonRoute route) throws IOException {
    JsonNode request;
    try {
      request = FakeBodies.JSON.readTree(ex.getRequestBody().readAllBytes());
    } catch (JsonProcessingException e) {
      return send(ex, 500, bodies.error(500, "[json.exception.parse_error.101] parse error: "
          + e.getOriginalMessage(), "server_error"));
    }
    return route.answer(request);
  }

  private int chat(HttpExchange ex, JsonNode request) throws IOException {
    if (request == null || !request.isObject()) {
      return send(ex, 400, bodies.error(400, "request body must be a JSON object", "invalid_request_error"));
    }
    FakeBodies.Reply reply;
    try {
      reply = bodies.reply(request);
    } catch (IllegalArgumentException e) {
      return send(ex, 400, bodies.error(400, e.getMessage(), "invalid_request_error"));
    }
    if (!request.path("stream").asBoolean(false)) {
      int status = send(ex, 200, bodies.completion(reply));
      log.info("update_slots", "all slots are idle");
      return status;
    }
    boolean usage = request.path("stream_options").path("include_usage").asBoolean(false);
    ex.getResponseHeaders().set("Content-Type", "text/event-stream");
    ex.getResponseHeaders().set("Cache-Control", "no-cache");
    ex.sendResponseHeaders(200, 0);
    OutputStream out = ex.getResponseBody();
    Duration interval = faults.tokenInterval();
    List<ObjectNode> chunks = bodies.chunks(reply, usage);
    for (int i = 0; i < chunks.size(); i++) {
      if (i > 1 && i <= reply.tokens().size() && !interval.isZero()) {
        pause(interval);
      }
      event(out, FakeBodies.JSON.writeValueAsString(chunks.get(i)));
    }
    event(out, "[DONE]");
    log.info("update_slots", "all slots are idle");
    return 200;
  }

  private static void event(OutputStream out, String data) throws IOException {
    out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private int embeddings(HttpExchange ex) throws IOException {
    if (!config.embeddings()) {
      return send(ex, 501, bodies.error(501, "This server does not support embeddings. Start it with `--embeddings`", "not_supported_error"));
    }
    return withJson(ex, request -> {
      try {
        return send(ex, 200, bodies.embeddings(request == null ? FakeBodies.JSON.createObjectNode() : request));
      } catch (IllegalArgumentException e) {
        return send(ex, 400, bodies.error(400, e.getMessage(), "invalid_request_error"));
      }
    });
  }

  private static int send(HttpExchange ex, int status, JsonNode body) throws IOException {
    byte[] bytes = FakeBodies.JSON.writeValueAsBytes(body);
    ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    ex.getResponseHeaders().set("Server", "llama.cpp");
    ex.sendResponseHeaders(status, bytes.length);
    ex.getResponseBody().write(bytes);
    return status;
  }

  private static void pause(Duration d) {
    try {
      Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
