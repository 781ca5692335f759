package io.github.llamacppsdk.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.llamacppsdk.internal.fake.HubDownloadFaults;
import io.github.llamacppsdk.internal.fake.HubRepos;
import io.github.llamacppsdk.internal.fake.HubRoutes;
import io.github.llamacppsdk.models.HubSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

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
  private final HttpServer server;
  private final ExecutorService executor;
  private final HubRepos repos = new HubRepos();
  private final HubDownloadFaults faults = new HubDownloadFaults();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final HubRoutes routes;
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
    this.routes = new HubRoutes(repos, faults, () -> redirect ? server.getAddress().getPort() : -1);
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
  public FakeHuggingFace addFile(String repo, String path, byte[] content) {
    repos.add(repo, path, content);
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

  /** {@return the repository's current commit (40 hex)}
   * @param repo {@code owner/name} */
  public String commit(String repo) {
    return repos.commit(repo);
  }

  /** {@return the SHA-256 of a file (its LFS id)}
   * @param repo the repository
   * @param path the file */
  public String sha256(String repo, String path) {
    return repos.sha256(repo, path);
  }

  /**
   * Downloads close the connection after {@code bytes} bytes of the body, {@code times} times.
   *
   * @param bytes body bytes sent before the cut
   * @param times how many downloads are cut
   * @return this
   */
  public FakeHuggingFace cutAfter(long bytes, int times) {
    faults.cutAfter(bytes, times);
    return this;
  }

  /** Downloads send at most this many bytes a second, in small steady chunks (0: full speed).
   * @param v bytes/s
   * @return this */
  public FakeHuggingFace throttle(long v) {
    faults.throttle(v);
    return this;
  }

  /** Downloads send {@code bytes} bytes, then nothing until the client gives up or the stand-in closes.
   * @param bytes before the stall
   * @return this */
  public FakeHuggingFace stallAfter(long bytes) {
    faults.stallAfter(bytes);
    return this;
  }

  /** The next {@code times} downloads answer {@code status} instead.
   * @param times how many
   * @param status e.g. 503
   * @return this */
  public FakeHuggingFace failNext(int times, int status) {
    faults.failNext(times, status);
    return this;
  }

  /** The tree lists a wrong SHA-256 for this file (the bytes stay right).
   * @param repo the repository
   * @param path the file
   * @return this */
  public FakeHuggingFace wrongChecksum(String repo, String path) {
    repos.wrongChecksum(repo, path);
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
  public FakeHuggingFace listSize(String repo, String path, long size) {
    repos.listSize(repo, path, size);
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
  public FakeHuggingFace gated(String repo, String token) {
    repos.gate(repo, token);
    return this;
  }

  /** Downloads answer {@code 302} to {@code http://localhost:PORT/cdn/...}, another host name.
   * @return this */
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
    faults.close();
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
    routes.serve(ex, path, range);
  }

  /** {@return the repositories and their files, for a readable failure message} */
  @Override
  public String toString() {
    return "FakeHuggingFace[" + endpoint() + ", " + repos.names() + "]";
  }
}
