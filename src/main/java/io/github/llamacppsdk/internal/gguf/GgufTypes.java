package io.github.llamacppsdk.internal.gguf;

/**
 * Not API. The value type ids of the GGUF format (gguf.h's {@code gguf_type}), shared by the reader
 * ({@code gguf.GgufReader}) and the test-model writer ({@code testkit.TinyModelWriter}).
 */
public final class GgufTypes {
  /** {@code uint8}. */
  public static final int U8 = 0;
  /** {@code int8}. */
  public static final int I8 = 1;
  /** {@code uint16}. */
  public static final int U16 = 2;
  /** {@code int16}. */
  public static final int I16 = 3;
  /** {@code uint32}. */
  public static final int U32 = 4;
  /** {@code int32}. */
  public static final int I32 = 5;
  /** {@code float32}. */
  public static final int F32 = 6;
  /** {@code bool}. */
  public static final int BOOL = 7;
  /** A length-prefixed UTF-8 string. */
  public static final int STRING = 8;
  /** An array: element type, count, elements. */
  public static final int ARRAY = 9;
  /** {@code uint64}. */
  public static final int U64 = 10;
  /** {@code int64}. */
  public static final int I64 = 11;
  /** {@code float64}. */
  public static final int F64 = 12;

  private GgufTypes() {}
}
