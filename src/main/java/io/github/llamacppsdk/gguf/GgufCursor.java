package io.github.llamacppsdk.gguf;

import io.github.llamacppsdk.gguf.InvalidModelFileException.Problem;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A bounded little-endian reader over a file: every read first checks that the bytes exist (a read
 * past the end is a {@link Problem#TRUNCATED} error naming what was being read and where), and
 * nothing is allocated from a length in the file before that length is known to fit, so garbage
 * cannot cause huge allocations. Not thread-safe; one per read.
 */
final class GgufCursor {
  private static final int BUFFER = 1 << 16;

  private final RandomAccessFile file;
  private final Path path;
  private final long size;
  private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER).order(ByteOrder.LITTLE_ENDIAN);
  /** File offset of {@code buffer}'s first byte; {@code buffer.position()} is the cursor. */
  private long bufferStart;
  /**
   * What is being read, prefixed to the {@code what} of an error: a kind ({@code metadata key},
   * {@code tensor}), an index and a name read from the file (may be null). Kept in parts so that
   * no text is built unless there is an error.
   */
  private String contextKind = "";
  private long contextIndex = -1;
  private String contextName;

  GgufCursor(RandomAccessFile file, Path path, long size) {
    this.file = file;
    this.path = path;
    this.size = size;
    buffer.limit(0);
  }

  long position() {
    return bufferStart + buffer.position();
  }

  long size() {
    return size;
  }

  long remaining() {
    return size - position();
  }

  /** Sets what the following reads belong to; error messages start with it. */
  void context(String kind, long index, String name) {
    contextKind = kind;
    contextIndex = index;
    contextName = name;
  }

  private String label(String what) {
    StringBuilder b = new StringBuilder(contextKind);
    if (contextIndex >= 0) {
      b.append(' ').append(contextIndex);
    }
    if (contextName != null) {
      b.append(" '").append(GgufReader.shown(contextName)).append('\'');
    }
    if (!what.isEmpty()) {
      b.append(b.length() == 0 ? "" : " ").append(what);
    }
    return b.toString();
  }

  InvalidModelFileException error(Problem problem, String reason) {
    return new InvalidModelFileException(path, problem, reason, null);
  }

  private void need(int n, String what) {
    if (buffer.remaining() >= n) {
      return;
    }
    long at = position();
    if (n > size - at) {
      throw error(Problem.TRUNCATED, label(what) + " at offset " + at + " needs " + n + " bytes, but the file ends at "
          + size + " bytes");
    }
    fill(at, n);
  }

  private void fill(long at, int n) {
    buffer.clear();
    bufferStart = at;
    try {
      file.seek(at);
      while (buffer.position() < n) {
        int got = file.read(buffer.array(), buffer.position(), buffer.remaining());
        if (got < 0) {
          throw error(Problem.TRUNCATED, "the file ended at offset " + (at + buffer.position())
              + " while it was being read (was it shortened meanwhile?)");
        }
        buffer.position(buffer.position() + got);
      }
    } catch (IOException e) {
      throw new InvalidModelFileException(path, Problem.UNREADABLE, "cannot read at offset " + at + ": " + e, e);
    }
    buffer.flip();
  }

  byte u8(String what) {
    return take(1, what).get();
  }

  short u16(String what) {
    return take(2, what).getShort();
  }

  int u32(String what) {
    return take(4, what).getInt();
  }

  long u64(String what) {
    return take(8, what).getLong();
  }

  /** {@return the buffer, with at least {@code n} bytes remaining} */
  private ByteBuffer take(int n, String what) {
    need(n, what);
    return buffer;
  }

  byte[] bytes(int n, String what) {
    need(n, what);
    byte[] out = new byte[n];
    buffer.get(out);
    return out;
  }

  /**
   * Moves the cursor {@code n} bytes on.
   *
   * @throws InvalidModelFileException (TRUNCATED) if the file ends first
   */
  void skip(long n, String what) {
    long at = position();
    if (n < 0 || n > size - at) {
      throw error(Problem.TRUNCATED, label(what) + " at offset " + at + " is " + Long.toUnsignedString(n)
          + " bytes long, but the file ends at " + size + " bytes");
    }
    if (n <= buffer.remaining()) {
      buffer.position(buffer.position() + (int) n);
    } else {
      bufferStart = at + n;
      buffer.limit(0);
    }
  }

  /**
   * Skips {@code count} consecutive strings (an array of strings), checking each length against the
   * file; no text is built per element unless one is bad.
   */
  void skipStrings(long count, String what) {
    for (long i = 0; i < count; i++) {
      long at = position();
      if (buffer.remaining() < 8) {
        need(8, "element");
      }
      long length = buffer.getLong();
      if (length < 0 || length > size - position()) {
        throw error(Problem.TRUNCATED, label(what) + " element " + i + " at offset " + at + " claims "
            + Long.toUnsignedString(length) + " bytes, but the file ends at " + size + " bytes");
      }
      if (length <= buffer.remaining()) {
        buffer.position(buffer.position() + (int) length);
      } else {
        bufferStart = position() + length;
        buffer.limit(0);
      }
    }
  }

  /** Reads a string's length and checks that its bytes are in the file. */
  long stringLength(String what) {
    long at = position();
    long length = u64(what);
    if (length < 0 || length > size - position()) {
      throw error(Problem.TRUNCATED, label(what) + " at offset " + at + " claims " + Long.toUnsignedString(length)
          + " bytes, but the file ends at " + size + " bytes (" + (size - position()) + " left)");
    }
    return length;
  }

  /**
   * Reads a string of at most {@code max} bytes; a longer one is a {@link Problem#MALFORMED} error.
   */
  String string(int max, String what) {
    long at = position();
    long length = stringLength(what);
    if (length > max) {
      throw error(Problem.MALFORMED, label(what) + " at offset " + at + " is " + length + " bytes long; at most "
          + max + " are expected");
    }
    return text((int) length, what);
  }

  /** Reads {@code length} bytes (known to fit in the file) as UTF-8. */
  String text(int length, String what) {
    if (length <= BUFFER) {
      need(length, what);
      String s = new String(buffer.array(), buffer.arrayOffset() + buffer.position(), length, StandardCharsets.UTF_8);
      buffer.position(buffer.position() + length);
      return s;
    }
    byte[] out = new byte[length];
    int done = 0;
    while (done < length) {
      int chunk = Math.min(BUFFER, length - done);
      need(chunk, what);
      buffer.get(out, done, chunk);
      done += chunk;
    }
    return new String(out, StandardCharsets.UTF_8);
  }
}
