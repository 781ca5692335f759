package io.github.llamacppsdk.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.llamacppsdk.models.HubSettings;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A test aid: a local stand-in for the Hugging Face Hub, on the JDK's HTTP server, serving the API
 * llama-server and this library use. Not for production traffic. Thread-safe.
 *
 * <p>Routes, per repository added with {@link #addFile(String, String, byte[])}:
 *
 * <ul>
 *   <li>{@code GET /api/models/OWNER/NAME/refs}: branch {@code main} at the repository's commit;
 *   <li>{@code GET /api/models/OWNER/NAME/tree/REV?recursive=true}: the files, each with {@code
 *       size}, git {@code oid} and {@code lfs: {oid: SHA256, size}} (REV is {@code main} or the commit);
 *   <li>{@code HEAD} and {@code GET /OWNER/NAME/resolve/REV/PATH}: the bytes, with {@code ETag},
 *       {@code X-Repo-Commit}, {@code X-Linked-Size}, {@code Accept-Ranges: bytes}, and {@code 206} for
 *       a {@code Range: bytes=N-} request.
 * </ul>
 *
 * An unknown repository answers {@code 404} with {@code X-Error-Code: RepoNotFound}; an unknown file
 * {@code 404 EntryNotFound}. Point the library at it with {@link #settings(Path)}, or llama-server
 * with {@code MODEL_ENDPOINT=}{@link #endpoint()}.
 *
 * <p><b>Fault knobs</b> (for downloads, the {@code GET .../resolve/...} requests that send bytes):
 * {@link #cutAfter(long, int)} closes the connection mid-body, {@link #throttle(long)} sends slowly
 * but steadily, {@link #stallAfter(long)} sends some bytes then nothing, {@link #failNext(int, int)}
 * answers an error status, {@link #wrongChecksum(String, String)} lists a wrong SHA-256, {@link
 * #gated(String, String)} requires a token, {@link #listSize(String, String, long)} lists a wrong size,
 * {@link #redirectDownloads()} answers {@code 302} to a
 * second host name ({@code localhost}), as the Hub redirects to its CDN. {@link #requests()} records
 * what was asked; {@link #awaitRequest} waits for a request.
 */
public final class FakeHuggingFace implements AutoCloseable {
  private static final long CHUNK = 16 * 1024;

  private final HttpServer server;
  private final ExecutorService executor;
  private final Map<String, Map<String, byte[]>> repos = new LinkedHashMap<>();
  private final Map<String, String> gatedTokens = new LinkedHashMap<>();
  private final Map<String, String> wrongSha = new LinkedHashMap<>();
  private final Map<String, Long> listedSize = new LinkedHashMap<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final CountDownLatch closing = new CountDownLatch(1);
  private final AtomicLong cutAfter = new AtomicLong(-1);
  private final AtomicInteger cuts = new AtomicInteger();
  private final AtomicLong stallAfter = new AtomicLong(-1);
  private final AtomicLong bytesPerSecond = new AtomicLong(0);
  private final AtomicInteger failures = new AtomicInteger();
  private volatile int failStatus = 503;
  private volatile boolean redirect;

  /**
   * One request the stand-in received.
   *
   * @param method the HTTP method
   * @param path the path and query
   * @param range the {@code Range} header, or empty
   * @param authorized whether it carried an {@code Authorization} header
   * @param host the {@code Host} header
   */
  public record Request(String method, String path, String range, boolean authorized, String host) {
    /** {@return whether this was a download: a GET of a file's bytes} */
    public boolean isDownload() {
      return method.equals("GET") && (path.contains("/resolve/") || path.startsWith("/cdn/"));
    }

    @Override
    public String toString() {
      return method + " " + path + (range.isEmpty() ? "" : " [" + range + "]") + (authorized ? " [auth]" : "");
    }
  }

  private FakeHuggingFace(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Starts a stand-in on a free port of 127.0.0.1.
   *
   * @return the running stand-in
   * @throws UncheckedIOException if it cannot bind
   */
  public static FakeHuggingFace start() {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
      ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-hugging-face");
        t.setDaemon(true);
        return t;
      });
      FakeHuggingFace fake = new FakeHuggingFace(server, executor);
      server.createContext("/", fake::handle);
      server.setExecutor(executor);
      server.start();
      return fake;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the Hugging Face stand-in", e);
    }
  }

  /** {@return the base URL, {@code http://127.0.0.1:PORT/}} */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
  }

  /**
   * {@return settings that pull from this stand-in into {@code cacheDir}, with a 10 ms retry pause
   * and a 5 s stall timeout}
   *
   * @param cacheDir the hub cache root to use
   */
  public HubSettings settings(Path cacheDir) {
    return HubSettings.builder().endpoint(endpoint()).cacheDir(cacheDir).retryBackoff(Duration.ofMillis(10))
        .stallTimeout(Duration.ofSeconds(5)).build();
  }

  /**
   * Adds (or replaces) a file, stored as an LFS file; the repository's commit changes.
   *
   * @param repo {@code owner/name}
   * @param path the path inside the repository
   * @param content the bytes
   * @return this
   */
  public synchronized FakeHuggingFace addFile(String repo, String path, byte[] content) {
    repos.computeIfAbsent(repo, r -> new LinkedHashMap<>()).put(path, content.clone());
    return this;
  }

  /**
   * Adds a file with the contents of {@code file}.
   *
   * @param repo {@code owner/name}
   * @param path the path inside the repository
   * @param file the file to serve
   * @return this
   * @throws UncheckedIOException if it cannot be read
   */
  public FakeHuggingFace addFile(String repo, String path, Path file) {
    try {
      return addFile(repo, path, Files.readAllBytes(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@return the repository's current commit (40 hex)} @param repo {@code owner/name} */
  public synchronized String commit(String repo) {
    StringBuilder sb = new StringBuilder(repo);
    repos.getOrDefault(repo, Map.of()).forEach((p, b) -> sb.append('\n').append(p).append(' ').append(sha256(b)));
    return hex("SHA-1", sb.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 40);
  }

  /** {@return the SHA-256 of a file (its LFS id)} @param repo the repository @param path the file */
  public synchronized String sha256(String repo, String path) {
    return sha256(repos.get(repo).get(path));
  }

  /**
   * Downloads close the connection after {@code bytes} bytes of the body, {@code times} times.
   *
   * @param bytes body bytes sent before the cut
   * @param times how many downloads are cut
   * @return this
   */
  public FakeHuggingFace cutAfter(long bytes, int times) {
    cutAfter.set(bytes);
    cuts.set(times);
    return this;
  }

  /** Downloads send at most this many bytes a second, in small steady chunks (0: full speed). @param v bytes/s @return this */
  public FakeHuggingFace throttle(long v) {
    bytesPerSecond.set(v);
    return this;
  }

  /** Downloads send {@code bytes} bytes, then nothing until the client gives up or the stand-in closes. @param bytes before the stall @return this */
  public FakeHuggingFace stallAfter(long bytes) {
    stallAfter.set(bytes);
    return this;
  }

  /** The next {@code times} downloads answer {@code status} instead. @param times how many @param status e.g. 503 @return this */
  public FakeHuggingFace failNext(int times, int status) {
    failStatus = status;
    failures.set(times);
    return this;
  }

  /** The tree lists a wrong SHA-256 for this file (the bytes stay right). @param repo the repository @param path the file @return this */
  public synchronized FakeHuggingFace wrongChecksum(String repo, String path) {
    wrongSha.put(repo + "/" + path, "0".repeat(64));
    return this;
  }

  /**
   * The tree lists this size for the file (the bytes stay right): a huge one makes the library's
   * free-space check fail before any byte moves.
   *
   * @param repo the repository
   * @param path the file
   * @param size the size to list
   * @return this
   */
  public synchronized FakeHuggingFace listSize(String repo, String path, long size) {
    listedSize.put(repo + "/" + path, size);
    return this;
  }

  /**
   * Downloads from this repository need {@code Authorization: Bearer TOKEN}: 401 {@code GatedRepo}
   * without one, 403 with another.
   *
   * @param repo the repository
   * @param token the token that has access
   * @return this
   */
  public synchronized FakeHuggingFace gated(String repo, String token) {
    gatedTokens.put(repo, token);
    return this;
  }

  /** Downloads answer {@code 302} to {@code http://localhost:PORT/cdn/...}, another host name. @return this */
  public FakeHuggingFace redirectDownloads() {
    redirect = true;
    return this;
  }

  /** {@return every request received so far, in order} */
  public List<Request> requests() {
    return List.copyOf(requests);
  }

  /**
   * Waits until a request matching {@code which} has arrived (including earlier ones).
   *
   * @param which the request to wait for
   * @param timeout how long to wait at most
   * @return the first matching request
   * @throws IllegalStateException if none arrived in time
   */
  public Request awaitRequest(java.util.function.Predicate<Request> which, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (requests) {
      while (true) {
        Optional<Request> seen = requests.stream().filter(which).findFirst();
        if (seen.isPresent()) {
          return seen.get();
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IllegalStateException("no such request within " + timeout + "; received " + requests);
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(requests, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for a request", e);
        }
      }
    }
  }

  /** {@return how many downloads (GETs of bytes) were made} */
  public long downloads() {
    return requests.stream().filter(Request::isDownload).count();
  }

  /** Stops the stand-in; stalled downloads end. Idempotent. */
  @Override
  public void close() {
    closing.countDown();
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getRawPath();
    String query = ex.getRequestURI().getRawQuery();
    String range = Optional.ofNullable(ex.getRequestHeaders().getFirst("Range")).orElse("");
    synchronized (requests) {
      requests.add(new Request(ex.getRequestMethod(), path + (query == null ? "" : "?" + query), range,
          ex.getRequestHeaders().containsKey("Authorization"),
          Optional.ofNullable(ex.getRequestHeaders().getFirst("Host")).orElse("")));
      requests.notifyAll();
    }
    try (ex) {
      if (path.startsWith("/api/models/")) {
        api(ex, path.substring("/api/models/".length()));
      } else if (path.startsWith("/cdn/")) {
        String[] parts = path.substring("/cdn/".length()).split("/", 2);
        bytes(ex, parts[0], java.net.URLDecoder.decode(parts[1], StandardCharsets.UTF_8), range, false);
      } else {
        resolve(ex, path.substring(1));
      }
    } catch (IOException e) {
      // the client went away (a cut, a stall given up): nothing to answer
    }
  }

  private void api(HttpExchange ex, String rest) throws IOException {
    String[] p = rest.split("/", 4); // owner, name, refs|tree, rev
    String repo = p.length >= 2 ? p[0] + "/" + p[1] : rest;
    Map<String, byte[]> files = files(repo);
    if (files == null) {
      json(ex, 404, "{\"error\":\"Repository not found\"}", "RepoNotFound");
    } else if (p.length == 3 && p[2].equals("refs")) {
      json(ex, 200, "{\"branches\":[{\"name\":\"main\",\"ref\":\"refs/heads/main\",\"targetCommit\":\""
          + commit(repo) + "\"}],\"converts\":[],\"tags\":[]}", null);
    } else if (p.length == 4 && p[2].equals("tree") && knownRevision(repo, p[3])) {
      StringBuilder sb = new StringBuilder("[");
      synchronized (this) {
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
          String pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:" + sha256(f.getValue())
              + "\nsize " + f.getValue().length + "\n";
          String sha = wrongSha.getOrDefault(repo + "/" + f.getKey(), sha256(f.getValue()));
          sb.append(sb.length() > 1 ? "," : "").append("{\"type\":\"file\",\"path\":\"").append(f.getKey())
              .append("\",\"size\":").append(pointer.length()).append(",\"oid\":\"")
              .append(hex("SHA-1", ("blob " + pointer.length() + "\0" + pointer).getBytes(StandardCharsets.UTF_8)))
              .append("\",\"lfs\":{\"oid\":\"").append(sha).append("\",\"size\":")
              .append(listedSize.getOrDefault(repo + "/" + f.getKey(), (long) f.getValue().length))
              .append(",\"pointerSize\":").append(pointer.length()).append("}}");
        }
      }
      json(ex, 200, sb.append(']').toString(), null);
    } else {
      json(ex, 404, "{\"error\":\"Revision not found\"}", "RevisionNotFound");
    }
  }

  private void resolve(HttpExchange ex, String rest) throws IOException {
    String[] p = rest.split("/", 5); // owner, name, "resolve", rev, path
    if (p.length < 5 || !p[2].equals("resolve")) {
      json(ex, 404, "{\"error\":\"not found\"}", null);
      return;
    }
    String repo = p[0] + "/" + p[1];
    String file = java.net.URLDecoder.decode(p[4], StandardCharsets.UTF_8);
    Map<String, byte[]> files = files(repo);
    if (files == null) {
      json(ex, 404, "{\"error\":\"Repository not found\"}", "RepoNotFound");
      return;
    }
    if (!knownRevision(repo, p[3]) || !files.containsKey(file)) {
      json(ex, 404, "{\"error\":\"Entry not found\"}", "EntryNotFound");
      return;
    }
    String need;
    synchronized (this) {
      need = gatedTokens.get(repo);
    }
    if (need != null) {
      String auth = Optional.ofNullable(ex.getRequestHeaders().getFirst("Authorization")).orElse("");
      if (auth.isEmpty()) {
        json(ex, 401, "{\"error\":\"Access to model " + repo + " is restricted. You must have access to it and be"
            + " authenticated to access it. Please log in.\"}", "GatedRepo");
        return;
      }
      if (!auth.equals("Bearer " + need)) {
        json(ex, 403, "{\"error\":\"Access to model " + repo + " is restricted and you are not in the authorized"
            + " list.\"}", "GatedRepo");
        return;
      }
    }
    if (ex.getRequestMethod().equals("GET") && failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      json(ex, failStatus, "{\"error\":\"injected failure\"}", null);
      return;
    }
    if (redirect && ex.getRequestMethod().equals("GET")) {
      ex.getResponseHeaders().set("Location", "http://localhost:" + server.getAddress().getPort() + "/cdn/"
          + repo.replace("/", "--") + "/" + java.net.URLEncoder.encode(file, StandardCharsets.UTF_8));
      ex.sendResponseHeaders(302, -1);
      return;
    }
    bytes(ex, repo, file, Optional.ofNullable(ex.getRequestHeaders().getFirst("Range")).orElse(""), true);
  }

  private void bytes(HttpExchange ex, String repoOrFolder, String file, String range, boolean headers)
      throws IOException {
    String repo = repoOrFolder.contains("--") ? repoOrFolder.replaceFirst("--", "/") : repoOrFolder;
    byte[] content;
    synchronized (this) {
      content = repos.getOrDefault(repo, Map.of()).get(file);
    }
    if (content == null) {
      json(ex, 404, "{\"error\":\"Entry not found\"}", "EntryNotFound");
      return;
    }
    long start = 0;
    if (range.startsWith("bytes=")) {
      String spec = range.substring(6);
      start = Long.parseLong(spec.substring(0, spec.indexOf('-')));
      if (start >= content.length) {
        ex.getResponseHeaders().set("Content-Range", "bytes */" + content.length);
        ex.sendResponseHeaders(416, -1);
        return;
      }
    }
    String sha = sha256(content);
    if (headers) {
      ex.getResponseHeaders().set("ETag", "\"" + sha + "\"");
      ex.getResponseHeaders().set("X-Linked-Etag", "\"" + sha + "\"");
      ex.getResponseHeaders().set("X-Linked-Size", Long.toString(content.length));
      ex.getResponseHeaders().set("X-Repo-Commit", commit(repo));
    }
    ex.getResponseHeaders().set("Accept-Ranges", "bytes");
    ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
    int status = start > 0 ? 206 : 200;
    if (start > 0) {
      ex.getResponseHeaders().set("Content-Range", "bytes " + start + "-" + (content.length - 1) + "/" + content.length);
    }
    long length = content.length - start;
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.getResponseHeaders().set("Content-Length", Long.toString(length));
      ex.sendResponseHeaders(status, -1);
      return;
    }
    ex.sendResponseHeaders(status, length);
    long cut = cuts.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? cutAfter.get() : -1;
    long stall = stallAfter.get();
    long rate = bytesPerSecond.get();
    OutputStream out = ex.getResponseBody();
    long sent = 0;
    while (sent < length) {
      long limit = length - sent;
      if (cut >= 0) {
        limit = Math.min(limit, cut - sent);
      }
      if (stall >= 0) {
        limit = Math.min(limit, stall - sent);
      }
      if (limit <= 0) {
        out.flush();
        if (cut >= 0 && sent >= cut) {
          throw new IOException("cut"); // closes the connection with the body short
        }
        awaitClose(); // stalled: nothing more until the stand-in closes
        throw new IOException("stalled");
      }
      int n = (int) Math.min(CHUNK, limit);
      if (rate > 0) {
        n = (int) Math.max(1, Math.min(n, rate / 20)); // 20 chunks a second
      }
      out.write(content, (int) (start + sent), n);
      out.flush();
      sent += n;
      if (rate > 0 && sent < length) {
        LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(n) / rate); // emulates a link of `rate` bytes/s
      }
    }
  }

  private void awaitClose() {
    try {
      closing.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private synchronized Map<String, byte[]> files(String repo) {
    Map<String, byte[]> files = repos.get(repo);
    return files == null ? null : new LinkedHashMap<>(files);
  }

  private boolean knownRevision(String repo, String rev) {
    return rev.equals("main") || rev.equals(commit(repo));
  }

  private static void json(HttpExchange ex, int status, String body, String errorCode) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    if (errorCode != null) {
      ex.getResponseHeaders().set("X-Error-Code", errorCode);
    }
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.sendResponseHeaders(status, -1);
      return;
    }
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
  }

  private static String sha256(byte[] b) {
    return hex("SHA-256", b);
  }

  private static String hex(String algorithm, byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@return the repositories and their files, for a readable failure message} */
  @Override
  public synchronized String toString() {
    List<String> names = new ArrayList<>();
    repos.forEach((r, f) -> names.add(r + f.keySet()));
    return "FakeHuggingFace[" + endpoint() + ", " + names + "]";
  }
}
