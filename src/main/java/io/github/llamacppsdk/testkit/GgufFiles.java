package io.github.llamacppsdk.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes tiny files that start like a GGUF model (magic {@code GGUF}, version 3, zero tensors, zero
 * metadata entries), enough for anything that checks the header, such as {@link FakeLlamaServer}.
 * They hold no weights; a real llama-server would reject them later in loading.
 */
public final class GgufFiles {
  private GgufFiles() {}

  /**
   * Writes a minimal GGUF header to {@code path}, creating parent directories.
   *
   * @param path where to write
   * @return {@code path}
   * @throws UncheckedIOException if the file cannot be written
   */
  public static Path writeTinyModel(Path path) {
    ByteBuffer header = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
    header.put(new byte[] {'G', 'G', 'U', 'F'});
    header.putInt(3); // version
    header.putLong(0); // tensor count
    header.putLong(0); // metadata key/value count
    try {
      Path parent = path.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.write(path, header.array());
      return path;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write GGUF file " + path, e);
    }
  }

  /**
   * {@return whether the file starts with the GGUF magic}
   *
   * @param path the file to check
   * @throws IOException if it cannot be read
   */
  public static boolean hasGgufMagic(Path path) throws IOException {
    byte[] magic = new byte[4];
    try (var in = Files.newInputStream(path)) {
      int n = in.readNBytes(magic, 0, 4);
      return n == 4 && magic[0] == 'G' && magic[1] == 'G' && magic[2] == 'U' && magic[3] == 'F';
    }
  }
}
