package io.github.llamacppsdk.internal.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.internal.Log;
import io.github.llamacppsdk.models.HubSettings;
import io.github.llamacppsdk.models.HuggingFaceModel;
import io.github.llamacppsdk.models.ModelPullException;
import io.github.llamacppsdk.models.PullFailure;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Not API. The Hub's API as llama.cpp uses it: {@code GET api/models/REPO/refs} for the revision's
 * commit, {@code GET api/models/REPO/tree/COMMIT?recursive=true} (following {@code Link: rel="next"}
 * pages) for the files, and the {@code REPO/resolve/COMMIT/FILE} URL of a file. Retries broken
 * connections, 5xx and 429 with a doubling pause; follows redirects itself so the token goes only to
 * the endpoint's own host.
 */
final class HubClient {
  private static final Log log = Log.of(HubClient.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern NEXT = Pattern.compile("<([^>]+)>\\s*;\\s*rel=\"?next\"?");
  private static final int MAX_REDIRECTS = 5;
  private static final int MAX_PAGES = 1000;
  static final String USER_AGENT = "llama-cpp-sdk/" + LlamaCppBackend.VERSION;

  private final HttpClient http;
  private final HubSettings settings;

  HubClient(HttpClient http, HubSettings settings) {
    this.http = http;
    this.settings = settings;
  }

  HttpClient http() {
    return http;
  }

  HubSettings settings() {
    return settings;
  }

  /** {@return the commit the model's revision points to} */
  String commit(HuggingFaceModel model) {
    if (ModelNames.isCommit(model.revision())) {
      return model.revision().toLowerCase(java.util.Locale.ROOT);
    }
    HttpResponse<String> r = getJson(model, api(model.repo(), "refs"));
    JsonNode root = parse(model, r);
    for (String kind : List.of("branches", "tags")) {
      for (JsonNode ref : root.path(kind)) {
        String commit = ref.path("targetCommit").asText("");
        if (model.revision().equals(ref.path("name").asText(null)) && ModelNames.isCommit(commit)) {
          return commit.toLowerCase(java.util.Locale.ROOT);
        }
      }
    }
    if (!root.has("branches")) {
      throw new ModelPullException(PullFailure.BAD_RESPONSE, model, null, List.of(),
          "GET " + r.uri() + " answered without \"branches\"", null);
    }
    List<String> names = new ArrayList<>();
    root.path("branches").forEach(b -> names.add(b.path("name").asText("?")));
    throw new ModelPullException(PullFailure.UNKNOWN_REVISION, model, null, List.of(),
        "the repository has no branch or tag \"" + model.revision() + "\" (branches: " + names + ")", null);
  }

  /** {@return every file of the commit's tree} */
  List<RepoFile> tree(HuggingFaceModel model, String commit) {
    List<RepoFile> files = new ArrayList<>();
    URI next = api(model.repo(), "tree/" + commit + "?recursive=true");
    for (int page = 0; next != null && page < MAX_PAGES; page++) {
      HttpResponse<String> r = getJson(model, next);
      JsonNode root = parse(model, r);
      if (!root.isArray()) {
        throw new ModelPullException(PullFailure.BAD_RESPONSE, model, null, List.of(),
            "GET " + r.uri() + " answered a JSON " + root.getNodeType() + ", not a list of files", null);
      }
      for (JsonNode item : root) {
        if (!"file".equals(item.path("type").asText()) || !item.path("path").isTextual()) {
          continue;
        }
        JsonNode lfs = item.path("lfs");
        boolean isLfs = lfs.isObject() && lfs.path("oid").isTextual();
        String oid = isLfs ? lfs.path("oid").asText() : item.path("oid").asText("");
        long size = isLfs && lfs.has("size") ? lfs.path("size").asLong(-1) : item.path("size").asLong(-1);
        String path = item.path("path").asText();
        if (ModelNames.fileProblem(path) == null) {
          files.add(new RepoFile(path, size, oid, isLfs));
        }
      }
      next = r.headers().firstValue("Link").flatMap(HubClient::nextLink).map(r.uri()::resolve).orElse(null);
    }
    return files;
  }

  /** {@return the download URL of a file at a commit} */
  URI resolveUrl(String repo, String commit, String path) {
    StringBuilder encoded = new StringBuilder();
    for (String part : path.split("/")) {
      if (encoded.length() > 0) {
        encoded.append('/');
      }
      encoded.append(URLEncoder.encode(part, StandardCharsets.UTF_8).replace("+", "%20"));
    }
    return settings.endpoint().resolve(repo + "/resolve/" + commit + "/" + encoded);
  }

  private URI api(String repo, String rest) {
    return settings.endpoint().resolve("api/models/" + repo + "/" + rest);
  }

  private static Optional<String> nextLink(String header) {
    Matcher m = NEXT.matcher(header);
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }

  /** {@return a request to {@code uri} with the library's headers; the token only for the endpoint's host} */
  HttpRequest.Builder request(URI uri, Duration timeout) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout).header("User-Agent", USER_AGENT);
    if (sameOrigin(uri, settings.endpoint())) {
      settings.token().ifPresent(t -> b.header("Authorization", "Bearer " + t.reveal()));
    }
    return b;
  }

  static boolean sameOrigin(URI a, URI b) {
    return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost())
        && port(a) == port(b);
  }

  private static int port(URI u) {
    return u.getPort() != -1 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
  }

  /**
   * {@return the next URI of a redirect, or null if the response is not one}
   *
   * @throws ModelPullException {@code BAD_RESPONSE} for a redirect without a usable Location
   */
  static URI redirect(HuggingFaceModel model, String file, HttpResponse<?> r) {
    int s = r.statusCode();
    if (s != 301 && s != 302 && s != 303 && s != 307 && s != 308) {
      return null;
    }
    try {
      URI next = r.uri().resolve(r.headers().firstValue("Location").orElseThrow());
      if (next.getScheme() == null || !(next.getScheme().equals("http") || next.getScheme().equals("https"))) {
        throw new IllegalArgumentException("not http(s)");
      }
      return next;
    } catch (RuntimeException e) {
      throw new ModelPullException(PullFailure.BAD_RESPONSE, model, file, List.of(),
          r.request().method() + " " + r.uri() + " answered " + s + " without a usable Location", null);
    }
  }

  /** A GET of a JSON document, with redirects and retries; maps the status to a typed failure. */
  private HttpResponse<String> getJson(HuggingFaceModel model, URI uri) {
    for (int attempt = 1; ; attempt++) {
      Failure f;
      try {
        HttpResponse<String> r = follow(model, uri);
        int s = r.statusCode();
        if (s == 200) {
          return r;
        }
        f = classify(model, null, r);
      } catch (IOException e) {
        f = new Failure(PullFailure.HUB_UNREACHABLE, true, "GET " + uri + " failed: " + e, e);
      }
      if (!f.retryable() || attempt >= settings.maxAttempts()) {
        throw new ModelPullException(f.failure(), model, null, List.of(),
            f.detail() + (f.retryable() ? " (" + attempt + " attempts)" : ""), f.cause());
      }
      log.info("{}: {}; retry {} of {}", model.name(), f.detail(), attempt + 1, settings.maxAttempts());
      pause(attempt);
    }
  }

  private HttpResponse<String> follow(HuggingFaceModel model, URI uri) throws IOException {
    URI at = uri;
    for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
      HttpRequest req = request(at, settings.stallTimeout()).header("Accept", "application/json").GET().build();
      HttpResponse<String> r = send(req);
      URI next = redirect(model, null, r);
      if (next == null) {
        return r;
      }
      at = next;
    }
    throw new ModelPullException(PullFailure.BAD_RESPONSE, model, null, List.of(),
        "GET " + uri + " redirected more than " + MAX_REDIRECTS + " times", null);
  }

  private HttpResponse<String> send(HttpRequest req) throws IOException {
    CompletableFuture<HttpResponse<String>> f = http.sendAsync(req, HttpResponse.BodyHandlers.ofString());
    try {
      return f.get();
    } catch (InterruptedException e) {
      f.cancel(true);
      Thread.currentThread().interrupt();
      throw new InferenceException(ErrorCode.INTERRUPTED, "interrupted while asking the Hub: " + req.uri());
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      throw c instanceof IOException io ? io : new IOException(String.valueOf(c), c);
    }
  }

  /** A failed answer, typed. */
  record Failure(PullFailure failure, boolean retryable, String detail, Throwable cause) { }

  /** {@return the typed failure an HTTP status (and the Hub's X-Error-Code) means} */
  Failure classify(HuggingFaceModel model, String file, HttpResponse<?> r) {
    int s = r.statusCode();
    String code = r.headers().firstValue("X-Error-Code").orElse("");
    String what = r.request().method() + " " + r.uri() + " -> " + s + (code.isEmpty() ? "" : " " + code);
    boolean token = settings.token().isPresent();
    if (s == 429 || s >= 500) {
      return new Failure(PullFailure.SERVER_ERROR, true, what, null);
    }
    if (code.equals("RepoNotFound") || (s == 404 && file == null && code.isEmpty())) {
      return new Failure(PullFailure.UNKNOWN_REPOSITORY, false, "the Hub at " + settings.endpoint()
          + " has no repository " + model.repo() + (token ? "" : " (or it is private: set HF_TOKEN)")
          + " [" + what + "]", null);
    }
    if (code.equals("RevisionNotFound")) {
      return new Failure(PullFailure.UNKNOWN_REVISION, false, "no revision " + model.revision() + " [" + what + "]",
          null);
    }
    if (code.equals("GatedRepo") || s == 401 || s == 403) {
      return new Failure(PullFailure.GATED, false, token
          ? "the token was refused: request access on the model's page, or use a token that has it [" + what + "]"
          : "the repository is gated or private and no token was given: set HF_TOKEN to a token with access ["
              + what + "]", null);
    }
    if (s == 404 || code.equals("EntryNotFound")) {
      return new Failure(PullFailure.NO_SUCH_FILE, false, "the Hub has no such file [" + what + "]", null);
    }
    return new Failure(PullFailure.BAD_RESPONSE, false, "unexpected answer [" + what + "]", null);
  }

  private JsonNode parse(HuggingFaceModel model, HttpResponse<String> r) {
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      String body = r.body() == null ? "" : r.body();
      throw new ModelPullException(PullFailure.BAD_RESPONSE, model, null, List.of(), "GET " + r.uri()
          + " answered something that is not JSON: " + body.substring(0, Math.min(120, body.length())), e);
    }
  }

  /** Waits the backoff before attempt {@code attempt + 1}: retryBackoff * 2^(attempt-1). */
  void pause(int attempt) {
    long millis = settings.retryBackoff().toMillis() << Math.min(10, attempt - 1);
    if (millis <= 0) {
      return;
    }
    try {
      new CompletableFuture<Void>().completeOnTimeout(null, millis, TimeUnit.MILLISECONDS).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InferenceException(ErrorCode.INTERRUPTED, "interrupted while waiting to retry a download");
    } catch (ExecutionException e) {
      throw new IllegalStateException(e);
    }
  }
}
