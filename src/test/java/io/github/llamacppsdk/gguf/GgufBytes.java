package io.github.llamacppsdk.gguf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Composes GGUF bytes by hand, for reader tests: header, entries, tensor infos, padding, data. */
final class GgufBytes {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  static GgufBytes header(int version, long tensors, long entries) {
    GgufBytes b = new GgufBytes();
    b.raw("GGUF".getBytes(StandardCharsets.US_ASCII)).u32(version).u64(tensors).u64(entries);
    return b;
  }

  GgufBytes raw(byte[] bytes) {
    out.write(bytes, 0, bytes.length);
    return this;
  }

  GgufBytes u32(long v) {
    return raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
  }

  GgufBytes u64(long v) {
    return raw(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
  }

  GgufBytes string(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return u64(b.length).raw(b);
  }

  GgufBytes kvString(String key, String value) {
    return string(key).u32(8).string(value);
  }

  GgufBytes kvU32(String key, long value) {
    return string(key).u32(4).u32(value);
  }

  /** A tensor info: name, dims, ggml type, offset. */
  GgufBytes tensor(String name, long[] dims, int type, long offset) {
    string(name).u32(dims.length);
    for (long d : dims) {
      u64(d);
    }
    return u32(type).u64(offset);
  }

  GgufBytes pad(int alignment) {
    int rest = out.size() % alignment;
    return rest == 0 ? this : raw(new byte[alignment - rest]);
  }

  GgufBytes zeros(int n) {
    return raw(new byte[n]);
  }

  byte[] bytes() {
    return out.toByteArray();
  }
}
