package io.github.llamacppsdk.internal.llama;

import io.github.llamacppsdk.gguf.GgufModel;
import io.github.llamacppsdk.gguf.InvalidModelFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Not API. The model files a backend has read, by path, file key (inode), size, modification time and
 * readability: a start reads its GGUF
 * once for the memory estimate (before admission) and the check before launch ({@link ModelPreflight}), not
 * twice (a real model's header with a 150,000-token vocabulary takes 15 to 30 ms to read). A file whose size
 * or time changed is read again; failures are not kept. Thread-safe.
 */
final class ModelFiles {
  private static final int BOUND = 256;

  private final Map<Path, Read> reads = new ConcurrentHashMap<>();

  private record Read(long size, java.nio.file.attribute.FileTime modified, Object fileKey, GgufModel model) {}

  /**
   * {@return the file's GGUF header, read now or kept from an earlier read of the same file}
   *
   * @param path the model file
   * @throws InvalidModelFileException as {@link GgufModel#read}
   */
  GgufModel read(Path path) {
    BasicFileAttributes attrs;
    try {
      attrs = Files.readAttributes(path, BasicFileAttributes.class);
    } catch (IOException | RuntimeException e) {
      reads.remove(path);
      return GgufModel.read(path); // says what is wrong (missing, unreadable) as the reader says it
    }
    Read r = reads.get(path);
    // the same file (inode), size and time to the nanosecond, and still readable (a chmod changes none of the
    // others): then the header read before holds
    if (r != null && r.size() == attrs.size() && r.modified().equals(attrs.lastModifiedTime())
        && java.util.Objects.equals(r.fileKey(), attrs.fileKey()) && Files.isReadable(path)) {
      return r.model();
    }
    GgufModel m = GgufModel.read(path);
    if (reads.size() >= BOUND) {
      reads.clear(); // a bound, not an LRU: specs name few models
    }
    reads.put(path, new Read(attrs.size(), attrs.lastModifiedTime(), attrs.fileKey(), m));
    return m;
  }
}
