package io.github.llamacppsdk.gguf;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a GGUF model file says about itself, read without loading its weights: {@code
 * GgufModel.read(path)}. Immutable and thread-safe.
 *
 * <p>The typed accessors read the architecture-prefixed keys llama.cpp reads ({@code
 * llama.context_length} for architecture {@code llama}, and so on); each is empty when the file does
 * not have the key as a scalar (some architectures give per-layer head counts as arrays: see {@link
 * #arrayLengths()}). {@link #metadata()} has every scalar entry; arrays are only counted.
 *
 * <p>{@link #tensorBytes()} is the sum of each tensor's size as llama.cpp computes it (elements ÷
 * block size × block bytes of its ggml type, from llama.cpp's type table); a tensor of a type newer
 * than that table is counted as the gap to the next tensor's data, padding included.
 */
public final class GgufModel {
  private final Path path;
  private final int version;
  private final long fileSize;
  private final int alignment;
  private final long tensorCount;
  private final long tensorBytes;
  private final long dataOffset;
  private final Map<String, Object> metadata;
  private final Map<String, Long> arrayLengths;

  GgufModel(Path path, int version, long fileSize, int alignment, long tensorCount, long tensorBytes,
      long dataOffset, Map<String, Object> metadata, Map<String, Long> arrayLengths) {
    this.path = path;
    this.version = version;
    this.fileSize = fileSize;
    this.alignment = alignment;
    this.tensorCount = tensorCount;
    this.tensorBytes = tensorBytes;
    this.dataOffset = dataOffset;
    this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    this.arrayLengths = Collections.unmodifiableMap(new LinkedHashMap<>(arrayLengths));
  }

  /**
   * Reads the header, metadata and tensor table of a GGUF file (not the tensor data). Reading is
   * bounded: lengths and counts are checked against the file before anything is allocated, strings
   * longer than 1 MiB are skipped, arrays are skipped and only counted.
   *
   * @param path the model file
   * @return what the file says
   * @throws InvalidModelFileException if the file is missing, unreadable, not GGUF, of an unknown
   *     version, shorter than its contents or malformed; the exception names the file and the reason
   */
  public static GgufModel read(Path path) {
    return GgufReader.read(Objects.requireNonNull(path, "path"));
  }

  /** {@return the file that was read} */
  public Path path() {
    return path;
  }

  /** {@return the GGUF version (2 or 3)} */
  public int version() {
    return version;
  }

  /** {@return the size of the file in bytes} */
  public long fileSize() {
    return fileSize;
  }

  /** {@return the alignment of the tensor data ({@code general.alignment}, 32 by default)} */
  public int alignment() {
    return alignment;
  }

  /** {@return where the tensor data starts in the file} */
  public long dataOffset() {
    return dataOffset;
  }

  /** {@return the number of tensors} */
  public long tensorCount() {
    return tensorCount;
  }

  /** {@return the bytes of all tensors together (the weights llama.cpp loads)} */
  public long tensorBytes() {
    return tensorBytes;
  }

  /** {@return {@code general.architecture}, e.g. {@code llama}, {@code qwen2}} */
  public Optional<String> architecture() {
    return stringValue("general.architecture");
  }

  /** {@return {@code general.name}} */
  public Optional<String> name() {
    return stringValue("general.name");
  }

  /** {@return the context length the model was trained with ({@code ARCH.context_length})} */
  public OptionalLong contextLength() {
    return archValue("context_length");
  }

  /** {@return the number of layers ({@code ARCH.block_count})} */
  public OptionalLong blockCount() {
    return archValue("block_count");
  }

  /** {@return the embedding length ({@code ARCH.embedding_length})} */
  public OptionalLong embeddingLength() {
    return archValue("embedding_length");
  }

  /** {@return the number of attention heads ({@code ARCH.attention.head_count})} */
  public OptionalLong headCount() {
    return archValue("attention.head_count");
  }

  /**
   * {@return the number of key/value heads ({@code ARCH.attention.head_count_kv}); when the file has
   * no such key, the head count, as llama.cpp assumes}
   */
  public OptionalLong headCountKv() {
    OptionalLong kv = archValue("attention.head_count_kv");
    return kv.isPresent() || arrayLengths.containsKey(archKey("attention.head_count_kv")) ? kv : headCount();
  }

  /**
   * {@return {@code general.file_type}: llama.cpp's {@code llama_ftype}, e.g. 0 all F32, 1 mostly F16,
   * 7 Q8_0, 15 Q4_K_M}
   */
  public OptionalLong fileType() {
    return longValue("general.file_type");
  }

  /**
   * {@return the scalar metadata entries in file order: values are {@code Long} (integers; a uint64
   * above {@code Long.MAX_VALUE} is a {@code BigInteger}), {@code Float}, {@code Double}, {@code
   * Boolean} or {@code String} (strings over 1 MiB are left out)}
   */
  public Map<String, Object> metadata() {
    return metadata;
  }

  /** {@return the array entries in file order, each with its number of elements} */
  public Map<String, Long> arrayLengths() {
    return arrayLengths;
  }

  /**
   * {@return a metadata entry as a whole number, if it is one}
   *
   * @param key the metadata key
   */
  public OptionalLong longValue(String key) {
    return metadata.get(key) instanceof Long l ? OptionalLong.of(l) : OptionalLong.empty();
  }

  /**
   * {@return a metadata entry as text, if it is a string}
   *
   * @param key the metadata key
   */
  public Optional<String> stringValue(String key) {
    return metadata.get(key) instanceof String s ? Optional.of(s) : Optional.empty();
  }

  private OptionalLong archValue(String suffix) {
    return architecture().isPresent() ? longValue(archKey(suffix)) : OptionalLong.empty();
  }

  private String archKey(String suffix) {
    return architecture().orElse("") + "." + suffix;
  }

  @Override
  public String toString() {
    return "GgufModel[" + path + ", v" + version + ", architecture=" + architecture().orElse("?") + ", name="
        + name().orElse("?") + ", context=" + text(contextLength()) + ", blocks=" + text(blockCount())
        + ", embedding=" + text(embeddingLength()) + ", heads=" + text(headCount()) + "/" + text(headCountKv())
        + ", fileType=" + text(fileType()) + ", tensors=" + tensorCount + ", tensorBytes=" + tensorBytes + "]";
  }

  private static String text(OptionalLong v) {
    return v.isPresent() ? Long.toString(v.getAsLong()) : "?";
  }
}
