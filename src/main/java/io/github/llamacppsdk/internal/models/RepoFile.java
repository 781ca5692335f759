package io.github.llamacppsdk.internal.models;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Not API. One file of a repository tree, as the Hub lists it.
 *
 * @param path the path inside the repository
 * @param size its size in bytes ({@code lfs.size} for an LFS file), or -1 if unknown
 * @param oid its blob id: the LFS SHA-256 (64 hex), or git's SHA-1 (40 hex) for a file kept in git
 * @param lfs whether it is an LFS file (so {@code oid} is a SHA-256 of the content)
 */
public record RepoFile(String path, long size, String oid, boolean lfs) {
  private static final Pattern OID = Pattern.compile("[0-9a-f]{40}|[0-9a-f]{64}");

  /** Normalises the oid to lower case. */
  public RepoFile {
    oid = oid.toLowerCase(Locale.ROOT);
  }

  /** {@return whether the oid is a valid 40- or 64-hex id} */
  public boolean hasValidOid() {
    return OID.matcher(oid).matches() && (lfs ? oid.length() == 64 : true);
  }

  /** {@return the file name without directories} */
  public String fileName() {
    return path.substring(path.lastIndexOf('/') + 1);
  }
}
