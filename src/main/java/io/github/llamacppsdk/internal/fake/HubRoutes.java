package io.github.llamacppsdk.internal.fake;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntSupplier;

/**
 * Not API. The Hugging Face Hub's HTTP routes as {@code testkit.FakeHuggingFace} serves them: the refs
 * and tree API, {@code resolve} downloads (gated, failed, redirected or faulty on request) with the
 * Hub's headers and ranges, and the redirect target. Thread-safe.
 *
 * @param repos what the Hub holds
 * @param faults how downloads misbehave
 * @param redirectPort the port downloads redirect to (host {@code localhost}), or -1 for none
 */
public record HubRoutes(HubRepos repos, HubDownloadFaults faults, IntSupplier redirectPort) {
  /**
   * Answers one request and closes the exchange.
   *
   * @param ex the exchange
   * @param path its raw path
   * @param range its {@code Range} header, or empty
   */
  public void serve(HttpExchange ex, String path, String range) {
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
    if (repos.files(repo) == null) {
      json(ex, 404, "{\"error\":\"Repository not found\"}", "RepoNotFound");
    } else if (p.length == 3 && p[2].equals("refs")) {
      json(ex, 200, "{\"branches\":[{\"name\":\"main\",\"ref\":\"refs/heads/main\",\"targetCommit\":\""
          + repos.commit(repo) + "\"}],\"converts\":[],\"tags\":[]}", null);
    } else if (p.length == 4 && p[2].equals("tree") && repos.knownRevision(repo, p[3])) {
      json(ex, 200, repos.treeJson(repo), null);
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
    Map<String, byte[]> files = repos.files(repo);
    if (files == null) {
      json(ex, 404, "{\"error\":\"Repository not found\"}", "RepoNotFound");
      return;
    }
    if (!repos.knownRevision(repo, p[3]) || !files.containsKey(file)) {
      json(ex, 404, "{\"error\":\"Entry not found\"}", "EntryNotFound");
      return;
    }
    String need = repos.gate(repo);
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
    int failure = ex.getRequestMethod().equals("GET") ? faults.takeFailure() : -1;
    if (failure > 0) {
      json(ex, failure, "{\"error\":\"injected failure\"}", null);
      return;
    }
    if (redirectPort.getAsInt() > 0 && ex.getRequestMethod().equals("GET")) {
      ex.getResponseHeaders().set("Location", "http://localhost:" + redirectPort.getAsInt() + "/cdn/"
          + repo.replace("/", "--") + "/" + java.net.URLEncoder.encode(file, StandardCharsets.UTF_8));
      ex.sendResponseHeaders(302, -1);
      return;
    }
    bytes(ex, repo, file, Optional.ofNullable(ex.getRequestHeaders().getFirst("Range")).orElse(""), true);
  }

  private void bytes(HttpExchange ex, String repoOrFolder, String file, String range, boolean headers)
      throws IOException {
    String repo = repoOrFolder.contains("--") ? repoOrFolder.replaceFirst("--", "/") : repoOrFolder;
    byte[] content = repos.file(repo, file);
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
    String sha = HubRepos.sha256(content);
    if (headers) {
      ex.getResponseHeaders().set("ETag", "\"" + sha + "\"");
      ex.getResponseHeaders().set("X-Linked-Etag", "\"" + sha + "\"");
      ex.getResponseHeaders().set("X-Linked-Size", Long.toString(content.length));
      ex.getResponseHeaders().set("X-Repo-Commit", repos.commit(repo));
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
    faults.write(ex.getResponseBody(), content, start, length);
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
}
