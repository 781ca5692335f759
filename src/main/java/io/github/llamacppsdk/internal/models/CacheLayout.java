package io.github.llamacppsdk.internal.models;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Not API. The Hugging Face hub cache layout, as llama.cpp ({@code common/hf-cache.cpp}) and
 * {@code huggingface_hub} write it:
 *
 * <pre>
 * ROOT/models--owner--name/refs/REVISION            the commit, no newline
 * ROOT/models--owner--name/blobs/OID                a verified file (OID = LFS sha256, or git sha1)
 * ROOT/models--owner--name/blobs/OID.downloadInProgress   a partial download (resumable)
 * ROOT/models--owner--name/snapshots/COMMIT/FILE    a relative symbolic link to ../../blobs/OID
 * ROOT/.locks/models--owner--name/OID.lock          the cross-process download lock
 * </pre>
 */
public final class CacheLayout {
  /** The suffix of a partial download, llama.cpp's. */
  public static final String IN_PROGRESS = ".downloadInProgress";

  private final Path root;

  /** @param root the hub cache root */
  public CacheLayout(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  /**
   * {@return the cache root the environment selects} The first set of {@code LLAMA_CACHE}, {@code
   * HF_HUB_CACHE}, {@code HUGGINGFACE_HUB_CACHE}, {@code $HF_HOME/hub}, {@code
   * $XDG_CACHE_HOME/huggingface/hub}, {@code $HOME/.cache/huggingface/hub} (then the JVM's {@code
   * user.home}), as llama.cpp.
   *
   * @param env the environment
   */
  public static Path rootFromEnvironment(Map<String, String> env) {
    String[][] rules = {{"LLAMA_CACHE", ""}, {"HF_HUB_CACHE", ""}, {"HUGGINGFACE_HUB_CACHE", ""},
        {"HF_HOME", "hub"}, {"XDG_CACHE_HOME", "huggingface/hub"}, {"HOME", ".cache/huggingface/hub"}};
    for (String[] rule : rules) {
      String v = env.get(rule[0]);
      if (v != null && !v.isEmpty()) {
        Path base = Path.of(v);
        return (rule[1].isEmpty() ? base : base.resolve(rule[1])).toAbsolutePath().normalize();
      }
    }
    return Path.of(System.getProperty("user.home"), ".cache", "huggingface", "hub");
  }

  /** {@return the cache root} */
  public Path root() {
    return root;
  }

  /** {@return {@code models--owner--name}}
   * @param repo the repository id */
  public static String folderName(String repo) {
    return "models--" + repo.replace("/", "--");
  }

  /** {@return the repository's directory}
   * @param repo the repository id */
  public Path repoDir(String repo) {
    return root.resolve(folderName(repo));
  }

  /** {@return where a verified blob lives}
   * @param repo the repository
   * @param oid its id */
  public Path blob(String repo, String oid) {
    return repoDir(repo).resolve("blobs").resolve(oid);
  }

  /** {@return the partial download of a blob}
   * @param blob the blob path */
  public static Path inProgress(Path blob) {
    return blob.resolveSibling(blob.getFileName() + IN_PROGRESS);
  }

  /** {@return the lock file of a blob}
   * @param repo the repository
   * @param oid its id */
  public Path lockFile(String repo, String oid) {
    return root.resolve(".locks").resolve(folderName(repo)).resolve(oid + ".lock");
  }

  /** {@return the snapshot path of a file}
   * @param repo the repository
   * @param commit the commit
   * @param file the path */
  public Path snapshot(String repo, String commit, String file) {
    return repoDir(repo).resolve("snapshots").resolve(commit).resolve(file);
  }

  /**
   * {@return the commit a revision points to in the cache} A 40-hex revision is its own commit when
   * its snapshot directory exists.
   *
   * @param repo the repository
   * @param revision the branch, tag or commit
   */
  public Optional<String> cachedCommit(String repo, String revision) {
    if (ModelNames.isCommit(revision)) {
      return Files.isDirectory(repoDir(repo).resolve("snapshots").resolve(revision))
          ? Optional.of(revision) : Optional.empty();
    }
    Path ref = repoDir(repo).resolve("refs").resolve(revision);
    try {
      String commit = Files.readString(ref, StandardCharsets.UTF_8).trim();
      return ModelNames.isCommit(commit) ? Optional.of(commit) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * {@return the files of a cached snapshot, as repository paths (regular files, and links whose
   * target exists)}
   *
   * @param repo the repository
   * @param commit the commit
   */
  public List<String> snapshotFiles(String repo, String commit) {
    Path dir = repoDir(repo).resolve("snapshots").resolve(commit);
    List<String> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.filter(Files::isRegularFile) // follows links: a dangling link is not a cached file
          .map(p -> dir.relativize(p).toString().replace('\\', '/')).sorted().forEach(out::add);
    } catch (IOException | java.io.UncheckedIOException e) {
      return out;
    }
    return out;
  }

  /**
   * {@return the blob id a snapshot link points to, if it is a link into {@code blobs/}}
   *
   * @param snapshot the snapshot path
   */
  public static Optional<String> linkedOid(Path snapshot) {
    try {
      if (!Files.isSymbolicLink(snapshot)) {
        return Optional.empty();
      }
      Path target = Files.readSymbolicLink(snapshot);
      Path parent = target.getParent();
      return parent != null && parent.getFileName() != null && parent.getFileName().toString().equals("blobs")
          ? Optional.of(target.getFileName().toString()) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * Writes {@code refs/REVISION} atomically (a temporary file, then a rename).
   *
   * @param repo the repository
   * @param revision the branch or tag
   * @param commit the commit
   * @throws IOException if it cannot be written
   */
  public void writeRef(String repo, String revision, String commit) throws IOException {
    Path ref = repoDir(repo).resolve("refs").resolve(revision);
    Files.createDirectories(ref.getParent());
    replace(ref, ".ref", tmp -> Files.writeString(tmp, commit, StandardCharsets.UTF_8));
  }

  /**
   * Points {@code snapshot} at {@code blob} with a relative symbolic link (what llama.cpp and
   * {@code huggingface_hub} create); where links are not possible, a copy. An existing correct entry
   * is kept; a dangling or wrong one is replaced.
   *
   * @param snapshot the snapshot path
   * @param blob the verified blob
   * @throws IOException if neither works
   */
  public static void link(Path snapshot, Path blob) throws IOException {
    Files.createDirectories(snapshot.getParent());
    Path target = snapshot.getParent().relativize(blob);
    if (Files.isSymbolicLink(snapshot)) {
      if (Files.readSymbolicLink(snapshot).equals(target) && Files.exists(snapshot)) {
        return;
      }
      Files.delete(snapshot);
    } else if (Files.exists(snapshot, LinkOption.NOFOLLOW_LINKS)) {
      if (Files.size(snapshot) == Files.size(blob)) {
        return; // a copy made where links are not possible
      }
      Files.delete(snapshot);
    }
    try {
      Files.createSymbolicLink(snapshot, target);
    } catch (FileAlreadyExistsException e) {
      // another process linked it meanwhile
    } catch (UnsupportedOperationException | IOException e) {
      replace(snapshot, ".copy", tmp -> Files.copy(blob, tmp, StandardCopyOption.REPLACE_EXISTING));
    }
  }

  /** Writes a file's new content. */
  @FunctionalInterface
  private interface Content {
    void writeTo(Path tmp) throws IOException;
  }

  /** Writes {@code content} into a temporary file beside {@code to}, then renames it over {@code to}; no temporary file stays. */
  private static void replace(Path to, String prefix, Content content) throws IOException {
    Path tmp = Files.createTempFile(to.getParent(), prefix, ".tmp");
    try {
      content.writeTo(tmp);
      moveAtomically(tmp, to);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Renames {@code from} to {@code to} atomically where the file system can, replacing {@code to}.
   *
   * @param from the source
   * @param to the destination
   * @throws IOException if the rename fails
   */
  public static void moveAtomically(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
