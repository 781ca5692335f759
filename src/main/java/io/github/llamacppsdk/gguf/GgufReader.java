package io.github.llamacppsdk.gguf;

import io.github.llamacppsdk.gguf.InvalidModelFileException.Problem;
import io.github.llamacppsdk.internal.gguf.GgufTypes;
import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parses the header, metadata and tensor infos of a GGUF file (the layout of llama.cpp's {@code
 * ggml/src/gguf.cpp}) without reading tensor data. Bounded: counts and lengths are checked against
 * the bytes left in the file and against fixed limits before anything is allocated; big arrays are
 * skipped, not loaded.
 */
final class GgufReader {
  static final int NEWEST_VERSION = 3;
  static final int DEFAULT_ALIGNMENT = 32;
  /** Keys longer than this are not metadata keys but garbage. */
  static final int MAX_KEY_BYTES = 1 << 16;
  /** Scalar strings longer than this are checked and skipped, not kept in {@link GgufModel#metadata()}. */
  static final int MAX_KEPT_STRING_BYTES = 1 << 20;
  /** What all kept strings together may take; beyond it strings are skipped. */
  static final long KEPT_STRING_BUDGET = 32L << 20;
  static final long MAX_KV = 1 << 20;
  static final long MAX_TENSORS = 1 << 20;
  static final int MAX_DIMS = 4;

  /** Bytes per element of the fixed-size value types, by type id (0 = not fixed-size). */
  private static final int[] WIDTH = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};

  private final Path path;
  private final Map<String, Object> metadata = new LinkedHashMap<>();
  private final Map<String, Long> arrayLengths = new LinkedHashMap<>();
  private long keptStringBytes;

  private GgufReader(Path path) {
    this.path = path;
  }

  static GgufModel read(Path path) {
    if (Files.isDirectory(path)) {
      throw new InvalidModelFileException(path, Problem.UNREADABLE, "is a directory, not a model file", null);
    }
    // java.io, not a FileChannel: a fresh JVM's first start need not load the channel classes, and a reader
    // with its interrupt flag set does not have the file closed under it
    File file;
    try {
      file = path.toFile();
    } catch (UnsupportedOperationException e) {
      throw new InvalidModelFileException(path, Problem.UNREADABLE, "cannot be read: not a file of the default"
          + " file system", e);
    }
    try (RandomAccessFile in = new RandomAccessFile(file, "r")) {
      return new GgufReader(path).parse(new GgufCursor(in, path, in.length()));
    } catch (FileNotFoundException e) { // java.io's one exception for a missing file and a refused one
      if (Files.notExists(path)) {
        throw new InvalidModelFileException(path, Problem.MISSING, "no such file", e);
      }
      String m = String.valueOf(e.getMessage());
      throw new InvalidModelFileException(path, Problem.UNREADABLE, m.endsWith("(Permission denied)")
          ? "permission denied" : "cannot be read: " + e, e);
    } catch (IOException e) {
      throw new InvalidModelFileException(path, Problem.UNREADABLE, "cannot be read: " + e, e);
    }
  }

  private GgufModel parse(GgufCursor in) {
    byte[] magic = new byte[4];
    int got = (int) Math.min(4, in.size());
    System.arraycopy(in.bytes(got, "the magic"), 0, magic, 0, got);
    if (got < 4 || magic[0] != 'G' || magic[1] != 'G' || magic[2] != 'U' || magic[3] != 'F') {
      throw in.error(Problem.NOT_GGUF, "not a GGUF file: it starts with '" + printable(magic, got) + "' ("
          + HexFormat.ofDelimiter(" ").formatHex(magic, 0, got) + "), expected 'GGUF'");
    }
    long version = Integer.toUnsignedLong(in.u32("the GGUF version"));
    checkVersion(in, version);
    long tensorCount = count(in, "the tensor count", MAX_TENSORS, 8 + 4 + 4 + 8);
    long kvCount = count(in, "the metadata entry count", MAX_KV, 8 + 1 + 4 + 1);
    for (long i = 0; i < kvCount; i++) {
      readEntry(in, i);
    }
    int alignment = alignment(in);
    TensorTable tensors = new TensorTable((int) tensorCount);
    for (int i = 0; i < tensorCount; i++) {
      readTensorInfo(in, i, tensors);
    }
    in.context("", -1, null);
    long dataOffset = align(in.position(), alignment);
    if (tensorCount > 0 && dataOffset > in.size()) {
      throw in.error(Problem.TRUNCATED, "the tensor data should start at offset " + dataOffset
          + ", but the file ends at " + in.size() + " bytes");
    }
    long tensorBytes = tensors.totalBytes(in, dataOffset, alignment);
    return new GgufModel(path, (int) version, in.size(), alignment, tensorCount, tensorBytes, dataOffset,
        metadata, arrayLengths);
  }

  private static void checkVersion(GgufCursor in, long version) {
    if (version == 0) {
      throw in.error(Problem.UNSUPPORTED_VERSION, "GGUF version 0 is not a valid version");
    }
    if ((version & 0xFFFF) == 0) {
      throw in.error(Problem.UNSUPPORTED_VERSION, "GGUF version " + version + " looks byte-swapped: a big-endian "
          + "GGUF file, which llama.cpp on this (little-endian) machine cannot load");
    }
    if (version == 1) {
      throw in.error(Problem.UNSUPPORTED_VERSION, "GGUF version 1 is no longer supported by llama.cpp; "
          + "convert the model again");
    }
    if (version > NEWEST_VERSION) {
      throw in.error(Problem.NEWER_VERSION, "GGUF version " + version + " is newer than this reader knows ("
          + NEWEST_VERSION + ")");
    }
  }

  private static long count(GgufCursor in, String what, long max, int minBytesEach) {
    long at = in.position();
    long n = in.u64(what);
    if (n < 0 || n > max) {
      throw in.error(Problem.MALFORMED, what + " at offset " + at + " is " + Long.toUnsignedString(n)
          + "; at most " + max + " are expected");
    }
    if (n > in.remaining() / minBytesEach) {
      throw in.error(Problem.TRUNCATED, what + " at offset " + at + " is " + n + ", but the file ends at "
          + in.size() + " bytes, too soon for that many");
    }
    return n;
  }

  private void readEntry(GgufCursor in, long index) {
    in.context("metadata key", index, null);
    String key = in.string(MAX_KEY_BYTES, "");
    in.context("", -1, key);
    if (key.isEmpty()) {
      throw in.error(Problem.MALFORMED, "metadata key " + index + " is empty");
    }
    if (metadata.containsKey(key) || arrayLengths.containsKey(key)) {
      throw in.error(Problem.MALFORMED, "metadata key '" + shown(key) + "' appears twice");
    }
    long typeAt = in.position();
    int type = in.u32("type");
    if (type == GgufTypes.ARRAY) {
      int elementType = in.u32("element type");
      long length = in.u64("length");
      skipArray(in, key, elementType, length);
      arrayLengths.put(key, length);
      return;
    }
    if (type < 0 || type > GgufTypes.F64) {
      throw in.error(Problem.MALFORMED, "'" + shown(key) + "' has unknown value type " + Integer.toUnsignedString(type)
          + " at offset " + typeAt);
    }
    Object value = scalar(in, type);
    if (value != null) {
      metadata.put(key, value);
    }
  }

  private Object scalar(GgufCursor in, int type) {
    String what = "value";
    switch (type) {
      case GgufTypes.U8: return (long) Byte.toUnsignedInt(in.u8(what));
      case GgufTypes.I8: return (long) in.u8(what);
      case GgufTypes.U16: return (long) Short.toUnsignedInt(in.u16(what));
      case GgufTypes.I16: return (long) in.u16(what);
      case GgufTypes.U32: return Integer.toUnsignedLong(in.u32(what));
      case GgufTypes.I32: return (long) in.u32(what);
      case GgufTypes.F32: return Float.intBitsToFloat(in.u32(what));
      case GgufTypes.BOOL: return in.u8(what) != 0;
      case GgufTypes.U64: {
        long v = in.u64(what);
        return v >= 0 ? (Object) v : new BigInteger(Long.toUnsignedString(v));
      }
      case GgufTypes.I64: return in.u64(what);
      case GgufTypes.F64: return Double.longBitsToDouble(in.u64(what));
      default: return string(in, what);
    }
  }

  /** A string value: kept when short enough and within the budget, otherwise checked and skipped. */
  private String string(GgufCursor in, String what) {
    long length = in.stringLength(what);
    if (length > MAX_KEPT_STRING_BYTES || keptStringBytes + length > KEPT_STRING_BUDGET) {
      in.skip(length, what);
      return null;
    }
    keptStringBytes += length;
    return in.text((int) length, what);
  }

  private static void skipArray(GgufCursor in, String key, int elementType, long length) {
    if (elementType == GgufTypes.STRING) {
      if (length < 0 || length > in.remaining() / 8) {
        throw in.error(Problem.MALFORMED, arrayLabel(key) + " claims " + Long.toUnsignedString(length) + " strings, more than the "
            + in.remaining() + " bytes left in the file can hold");
      }
      in.skipStrings(length, "array");
      return;
    }
    if (elementType < 0 || elementType >= WIDTH.length || WIDTH[elementType] == 0) {
      throw in.error(Problem.MALFORMED, arrayLabel(key) + " has unsupported element type " + Integer.toUnsignedString(elementType)
          + (elementType == GgufTypes.ARRAY ? " (arrays of arrays)" : ""));
    }
    int width = WIDTH[elementType];
    if (length < 0 || length > in.remaining() / width) {
      throw in.error(Problem.TRUNCATED, arrayLabel(key) + " claims " + Long.toUnsignedString(length) + " elements of " + width
          + " bytes, but only " + in.remaining() + " bytes are left in the file");
    }
    in.skip(length * width, "array");
  }

  private static String arrayLabel(String key) {
    return "'" + shown(key) + "' array";
  }

  private int alignment(GgufCursor in) {
    if (arrayLengths.containsKey("general.alignment")) {
      throw in.error(Problem.MALFORMED, "'general.alignment' is an array; it must be a uint32");
    }
    Object value = metadata.get("general.alignment");
    if (value == null) {
      return DEFAULT_ALIGNMENT;
    }
    if (!(value instanceof Long a) || a <= 0 || a > Integer.MAX_VALUE || Long.bitCount(a) != 1) {
      throw in.error(Problem.MALFORMED, "'general.alignment' is " + value + "; it must be a power of 2");
    }
    return (int) (long) a;
  }

  private static void readTensorInfo(GgufCursor in, int index, TensorTable tensors) {
    long nameAt = in.position();
    in.context("tensor", index, null);
    String tensorName = in.string(MAX_KEY_BYTES, "name");
    in.context("tensor", index, tensorName);
    long dims = Integer.toUnsignedLong(in.u32("dimension count"));
    if (dims > MAX_DIMS) {
      throw in.error(Problem.MALFORMED, tensorLabel(index, tensorName) + " (offset " + nameAt + ") has " + dims + " dimensions; at most "
          + MAX_DIMS + " are allowed");
    }
    long elements = 1;
    long firstDim = 1;
    for (int d = 0; d < dims; d++) {
      long ne = in.u64("dimension");
      if (ne < 0) {
        throw in.error(Problem.MALFORMED, tensorLabel(index, tensorName) + " dimension " + d + " is " + Long.toUnsignedString(ne));
      }
      if (d == 0) {
        firstDim = ne;
      }
      elements = multiply(in, elements, ne, index, tensorName);
    }
    long type = Integer.toUnsignedLong(in.u32("type"));
    long offset = in.u64("data offset");
    long bytes = -1; // unknown type: sized from the offsets
    if (GgmlTypes.removed(type)) {
      throw in.error(Problem.MALFORMED, tensorLabel(index, tensorName) + " has ggml type " + type + ", which llama.cpp removed from GGUF files");
    }
    if (GgmlTypes.known(type)) {
      int block = GgmlTypes.blockElements(type);
      if (firstDim % block != 0) {
        throw in.error(Problem.MALFORMED, tensorLabel(index, tensorName) + " of ggml type " + type + " has " + firstDim
            + " elements per row, not a multiple of the block size " + block);
      }
      bytes = multiply(in, elements / block, GgmlTypes.blockBytes(type), index, tensorName);
    }
    tensors.add(index, tensorName, offset, bytes);
  }

  private static long multiply(GgufCursor in, long a, long b, int index, String tensorName) {
    try {
      return Math.multiplyExact(a, b);
    } catch (ArithmeticException e) {
      throw in.error(Problem.MALFORMED, tensorLabel(index, tensorName) + " is too large: " + a + " × " + b + " overflows 64 bits");
    }
  }

  static String tensorLabel(long index, String name) {
    return "tensor " + index + " '" + shown(name) + "'";
  }

  static long align(long n, int alignment) {
    long rest = n % alignment;
    return rest == 0 ? n : n + (alignment - rest);
  }

  /** {@return text from the file as it may appear in a message: control characters replaced, at most 80 chars} */
  static String shown(String text) {
    StringBuilder clean = new StringBuilder(Math.min(text.length(), 80));
    for (int i = 0; i < text.length() && clean.length() < 80; i++) {
      char c = text.charAt(i);
      clean.append(Character.isISOControl(c) ? '?' : c);
    }
    return text.length() <= 80 ? clean.toString() : clean.substring(0, 77) + "...";
  }

  private static String printable(byte[] b, int n) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < n; i++) {
      s.append(b[i] >= 0x20 && b[i] < 0x7f ? (char) b[i] : '?');
    }
    return s.toString();
  }

  /** Offsets and sizes of the tensors, to check them against the file and to size unknown types. */
  private static final class TensorTable {
    private final String[] names;
    private final long[] offsets;
    private final long[] bytes;

    TensorTable(int count) {
      names = new String[count];
      offsets = new long[count];
      bytes = new long[count];
    }

    void add(int index, String name, long offset, long size) {
      names[index] = name;
      offsets[index] = offset;
      bytes[index] = size;
    }

    /**
     * Checks that each tensor is aligned and inside the data section, and sums their sizes. A tensor
     * of a type this reader does not know is as large as the gap to the next tensor (or to the end of
     * the file), padding included.
     */
    long totalBytes(GgufCursor in, long dataOffset, int alignment) {
      long dataBytes = in.size() - dataOffset;
      long[] sorted = offsets.clone();
      Arrays.sort(sorted);
      long total = 0;
      for (int i = 0; i < offsets.length; i++) {
        long offset = offsets[i];
        if (offset < 0 || offset % alignment != 0) {
          throw in.error(Problem.MALFORMED, tensorLabel(i, names[i]) + " has data offset " + Long.toUnsignedString(offset)
              + ", not a multiple of the alignment " + alignment);
        }
        long size = bytes[i];
        if (size < 0) {
          int next = Arrays.binarySearch(sorted, offset);
          while (next < sorted.length && sorted[next] == offset) {
            next++;
          }
          size = (next < sorted.length ? sorted[next] : Math.max(offset, dataBytes)) - offset;
        }
        if (offset > dataBytes || size > dataBytes - offset) {
          throw in.error(Problem.TRUNCATED, tensorLabel(i, names[i]) + " data ends at offset "
              + (dataOffset + offset + size) + ", but the file ends at " + in.size()
              + " bytes (an incomplete download?)");
        }
        total += size;
        if (total > dataBytes) {
          throw in.error(Problem.MALFORMED, "the tensors take more bytes (at least " + total
              + ") than the data section holds (" + dataBytes + "): their data overlap");
        }
      }
      return total;
    }
  }
}
