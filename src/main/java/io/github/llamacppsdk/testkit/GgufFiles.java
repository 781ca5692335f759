package io.github.llamacppsdk.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes GGUF model files for tests, with no weights from the network.
 *
 * <ul>
 *   <li>{@link #writeTinyModel} writes a header only (magic {@code GGUF}, version 3, zero tensors,
 *       zero metadata entries): enough for {@link FakeLlamaServer} and anything else that checks the
 *       header; a real llama-server rejects it while loading.
 *   <li>{@link #writeLoadableModel} writes a small llama-architecture model (about 0.5 MB of random
 *       F32 weights, a byte-fallback tokenizer and a ChatML template) that real llama-server builds
 *       load and answer with: every reply is {@code " ok ok ok ..."}. {@link #tinyModel()} makes
 *       variants of it (wider, deeper, longer context), for example a bigger file that loads
 *       slowly.
 * </ul>
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
      createParent(path);
      Files.write(path, header.array());
      return path;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write GGUF file " + path, e);
    }
  }

  /**
   * Writes the default loadable tiny model to {@code path} (same as {@code tinyModel().write(path)}):
   * architecture {@code llama}, name {@code tiny-test}, embedding length 64, 2 layers, context
   * length 512, feed-forward length 128, 4 attention heads, all tensors F32. The bytes are the same
   * on every run.
   *
   * @param path where to write; parent directories are created
   * @return {@code path}
   * @throws UncheckedIOException if the file cannot be written
   */
  public static Path writeLoadableModel(Path path) {
    return tinyModel().write(path);
  }

  /**
   * {@return a builder for a loadable tiny model, starting from the defaults of {@link
   * #writeLoadableModel}}
   */
  public static TinyModel tinyModel() {
    return new TinyModel(TinyModelWriter.DEFAULT_EMBEDDING, TinyModelWriter.DEFAULT_LAYERS,
        TinyModelWriter.DEFAULT_CONTEXT, 0, TinyModelWriter.DEFAULT_NAME);
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

  static void createParent(Path path) throws IOException {
    Path parent = path.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
  }

  /**
   * The shape of a loadable tiny model. Immutable: each setter returns a new value. A bigger
   * {@code embeddingLength} or {@code feedForwardLength} makes a bigger file that takes longer to
   * load (the feed-forward tensors hold {@code 3 × layers × embeddingLength × feedForwardLength}
   * floats).
   */
  public static final class TinyModel {
    private final int embeddingLength;
    private final int layers;
    private final int contextLength;
    private final int feedForwardLength;
    private final String name;

    private TinyModel(int embeddingLength, int layers, int contextLength, int feedForwardLength, String name) {
      this.embeddingLength = embeddingLength;
      this.layers = layers;
      this.contextLength = contextLength;
      this.feedForwardLength = feedForwardLength;
      this.name = name;
    }

    /**
     * {@return this model with another embedding length}
     *
     * @param value a positive multiple of 8 (4 heads, each of an even width), at most 16384
     * @throws IllegalArgumentException if out of range
     */
    public TinyModel embeddingLength(int value) {
      if (value < 8 || value > 16_384 || value % 8 != 0) {
        throw new IllegalArgumentException("embeddingLength must be a multiple of 8 in [8, 16384]: " + value);
      }
      return new TinyModel(value, layers, contextLength, feedForwardLength, name);
    }

    /**
     * {@return this model with another number of layers (GGUF {@code llama.block_count})}
     *
     * @param value 1 to 256
     * @throws IllegalArgumentException if out of range
     */
    public TinyModel layers(int value) {
      if (value < 1 || value > 256) {
        throw new IllegalArgumentException("layers must be in [1, 256]: " + value);
      }
      return new TinyModel(embeddingLength, value, contextLength, feedForwardLength, name);
    }

    /**
     * {@return this model with another training context length (GGUF {@code llama.context_length})}
     *
     * @param value 8 to 1048576
     * @throws IllegalArgumentException if out of range
     */
    public TinyModel contextLength(int value) {
      if (value < 8 || value > 1_048_576) {
        throw new IllegalArgumentException("contextLength must be in [8, 1048576]: " + value);
      }
      return new TinyModel(embeddingLength, layers, value, feedForwardLength, name);
    }

    /**
     * {@return this model with another feed-forward width; the default is twice the embedding
     * length}
     *
     * @param value 1 to 1048576
     * @throws IllegalArgumentException if out of range
     */
    public TinyModel feedForwardLength(int value) {
      if (value < 1 || value > 1_048_576) {
        throw new IllegalArgumentException("feedForwardLength must be in [1, 1048576]: " + value);
      }
      return new TinyModel(embeddingLength, layers, contextLength, value, name);
    }

    /**
     * {@return this model with another {@code general.name}}
     *
     * @param value not blank, at most 256 characters
     * @throws IllegalArgumentException if blank or too long
     */
    public TinyModel name(String value) {
      if (value == null || value.isBlank() || value.length() > 256) {
        throw new IllegalArgumentException("name must be non-blank and at most 256 characters: " + value);
      }
      return new TinyModel(embeddingLength, layers, contextLength, feedForwardLength, value);
    }

    /**
     * Writes the model to {@code path}, creating parent directories. Weights come from a fixed
     * seed, so the same shape gives the same bytes.
     *
     * @param path where to write
     * @return {@code path}
     * @throws UncheckedIOException if the file cannot be written
     */
    public Path write(Path path) {
      int ff = feedForwardLength == 0 ? 2 * embeddingLength : feedForwardLength;
      try {
        createParent(path);
        new TinyModelWriter(embeddingLength, layers, contextLength, ff, name).write(path);
        return path;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write GGUF file " + path, e);
      }
    }

    @Override
    public String toString() {
      return "TinyModel[embeddingLength=" + embeddingLength + ", layers=" + layers + ", contextLength="
          + contextLength + ", feedForwardLength="
          + (feedForwardLength == 0 ? 2 * embeddingLength : feedForwardLength) + ", name=" + name + "]";
    }
  }
}
