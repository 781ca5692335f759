package io.github.llamacppsdk.internal.models;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Not API. The hash of a {@link BlobDownload}'s part file as it grows: SHA-256 for an LFS file, git's
 * blob SHA-1 otherwise; it knows how many bytes of the part it covers, so a resumed download hashes
 * only what it has not hashed yet. Guarded by the download's writer.
 */
final class PartDigest {
  private final RepoFile file;
  private MessageDigest digest;
  private long hashed = -1; // bytes of the part the digest covers; -1: not seeded yet

  PartDigest(RepoFile file) {
    this.file = file;
  }

  /**
   * Makes the digest cover exactly the first {@code have} bytes of {@code part}.
   *
   * @throws IOException if the part cannot be read
   */
  void seed(Path part, long have) throws IOException {
    if (digest != null && hashed == have) {
      return;
    }
    digest = newDigest();
    if (have > 0) {
      byte[] buf = new byte[1 << 16];
      try (InputStream in = Files.newInputStream(part)) {
        long left = have;
        while (left > 0) {
          int n = in.read(buf, 0, (int) Math.min(buf.length, left));
          if (n < 0) {
            throw new IOException("the part shrank while it was read");
          }
          digest.update(buf, 0, n);
          left -= n;
        }
      }
    }
    hashed = have;
  }

  /** Starts over from an empty part. */
  void restart() {
    digest = newDigest();
    hashed = 0;
  }

  /** Adds the remaining bytes of {@code view}, which were written to the part. */
  void update(ByteBuffer view) {
    hashed += view.remaining();
    digest.update(view);
  }

  /** Forgets what it covers: the part changed behind it. */
  void invalidate() {
    hashed = -1;
  }

  /** {@return the hash in hex} The digest must be seeded again before further use. */
  String finish() {
    hashed = -1;
    return HexFormat.of().formatHex(digest.digest());
  }

  private MessageDigest newDigest() {
    try {
      if (file.lfs() || file.oid().length() == 64) {
        return MessageDigest.getInstance("SHA-256");
      }
      MessageDigest sha1 = MessageDigest.getInstance("SHA-1"); // git's blob id: sha1("blob SIZE\0" + bytes)
      sha1.update(("blob " + Math.max(0, file.size()) + "\0").getBytes(StandardCharsets.US_ASCII));
      return sha1;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
