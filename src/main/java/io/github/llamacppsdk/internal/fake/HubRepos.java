package io.github.llamacppsdk.internal.fake;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Not API. What {@code testkit.FakeHuggingFace} holds: repositories, their files as LFS files, their
 * commits, and what the tree lists about them (a wrong checksum or size on request), and which
 * repositories are gated. Thread-safe.
 */
public final class HubRepos {
  private final Map<String, Map<String, byte[]>> repos = new LinkedHashMap<>();
  private final Map<String, String> gatedTokens = new LinkedHashMap<>();
  private final Map<String, String> wrongSha = new LinkedHashMap<>();
  private final Map<String, Long> listedSize = new LinkedHashMap<>();

  /** Adds or replaces a file.
   * @param repo {@code owner/name}
   * @param path the path
   * @param content the bytes (copied) */
  public synchronized void add(String repo, String path, byte[] content) {
    repos.computeIfAbsent(repo, r -> new LinkedHashMap<>()).put(path, content.clone());
  }

  /** {@return the repository's current commit (40 hex)}
   * @param repo {@code owner/name} */
  public synchronized String commit(String repo) {
    StringBuilder sb = new StringBuilder(repo);
    repos.getOrDefault(repo, Map.of()).forEach((p, b) -> sb.append('\n').append(p).append(' ').append(sha256(b)));
    return hex("SHA-1", sb.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 40);
  }

  /** {@return the SHA-256 of a file}
   * @param repo the repository
   * @param path the file */
  public synchronized String sha256(String repo, String path) {
    return sha256(repos.get(repo).get(path));
  }

  /** The tree lists a wrong SHA-256 for the file.
   * @param repo the repository
   * @param path the file */
  public synchronized void wrongChecksum(String repo, String path) {
    wrongSha.put(repo + "/" + path, "0".repeat(64));
  }

  /** The tree lists this size for the file.
   * @param repo the repository
   * @param path the file
   * @param size the size */
  public synchronized void listSize(String repo, String path, long size) {
    listedSize.put(repo + "/" + path, size);
  }

  /** Downloads from the repository need this token.
   * @param repo the repository
   * @param token the token */
  public synchronized void gate(String repo, String token) {
    gatedTokens.put(repo, token);
  }

  /** {@return the token a download from the repository needs, or {@code null}}
   * @param repo the repository */
  public synchronized String gate(String repo) {
    return gatedTokens.get(repo);
  }

  /** {@return a copy of the repository's files, or {@code null} if it is unknown}
   * @param repo the repository */
  public synchronized Map<String, byte[]> files(String repo) {
    Map<String, byte[]> files = repos.get(repo);
    return files == null ? null : new LinkedHashMap<>(files);
  }

  /** {@return a file's bytes, or {@code null}}
   * @param repo the repository
   * @param path the file */
  public synchronized byte[] file(String repo, String path) {
    return repos.getOrDefault(repo, Map.of()).get(path);
  }

  /** {@return whether {@code rev} names the repository's commit ({@code main} or its id)} */
  public boolean knownRevision(String repo, String rev) {
    return rev.equals("main") || rev.equals(commit(repo));
  }

  /** {@return the Hub's tree listing of the repository's files, as JSON}
   * @param repo a known repository */
  public synchronized String treeJson(String repo) {
    StringBuilder sb = new StringBuilder("[");
    for (Map.Entry<String, byte[]> f : repos.get(repo).entrySet()) {
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
    return sb.append(']').toString();
  }

  /** {@return the repositories and their file names} */
  public synchronized List<String> names() {
    List<String> names = new ArrayList<>();
    repos.forEach((r, f) -> names.add(r + f.keySet()));
    return names;
  }

  /** {@return the SHA-256 of the bytes, in hex}
   * @param b the bytes */
  public static String sha256(byte[] b) {
    return hex("SHA-256", b);
  }

  private static String hex(String algorithm, byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
