package io.github.llamacppsdk.gguf;

/**
 * The storage size of ggml tensor types, from llama.cpp's {@code ggml/src/ggml.c} ({@code
 * type_traits}: elements per block and bytes per block) and {@code ggml/src/ggml-common.h} (the
 * block structs and their size assertions). Type ids are those of {@code enum ggml_type} in {@code
 * ggml/include/ggml.h}; ids 4, 5, 31–33 and 36–38 were removed from GGUF files.
 */
final class GgmlTypes {
  private static final int QK_K = 256;
  /** [id] = {elements per block, bytes per block}; {0, 0} = removed; beyond the table = unknown. */
  private static final int[][] TRAITS = new int[42][];

  static {
    set(0, 1, 4); // F32
    set(1, 1, 2); // F16
    set(2, 32, 18); // Q4_0: fp16 d + 16 bytes of nibbles
    set(3, 32, 20); // Q4_1: d, m + 16
    set(4, 0, 0); // Q4_2, removed
    set(5, 0, 0); // Q4_3, removed
    set(6, 32, 22); // Q5_0: d + 4 (qh) + 16
    set(7, 32, 24); // Q5_1: d, m + 4 + 16
    set(8, 32, 34); // Q8_0: d + 32
    set(9, 32, 36); // Q8_1: d, s + 32
    set(10, QK_K, 84); // Q2_K: 16 scales + 64 qs + d, dmin
    set(11, QK_K, 110); // Q3_K: 32 hmask + 64 qs + 12 scales + d
    set(12, QK_K, 144); // Q4_K: d, dmin + 12 scales + 128 qs
    set(13, QK_K, 176); // Q5_K: d, dmin + 12 + 32 qh + 128 qs
    set(14, QK_K, 210); // Q6_K: 128 ql + 64 qh + 16 scales + d
    set(15, QK_K, 292); // Q8_K: float d + 256 qs + 16 int16 bsums
    set(16, QK_K, 66); // IQ2_XXS: d + 32 uint16
    set(17, QK_K, 74); // IQ2_XS: d + 32 uint16 + 8 scales
    set(18, QK_K, 98); // IQ3_XXS: d + 96
    set(19, QK_K, 50); // IQ1_S: d + 32 qs + 8 uint16 qh
    set(20, 32, 18); // IQ4_NL: d + 16
    set(21, QK_K, 110); // IQ3_S: d + 64 qs + 8 qh + 32 signs + 4 scales
    set(22, QK_K, 82); // IQ2_S: d + 64 qs + 8 qh + 8 scales
    set(23, QK_K, 136); // IQ4_XS: d + uint16 scales_h + 4 scales_l + 128 qs
    set(24, 1, 1); // I8
    set(25, 1, 2); // I16
    set(26, 1, 4); // I32
    set(27, 1, 8); // I64
    set(28, 1, 8); // F64
    set(29, QK_K, 56); // IQ1_M: 32 qs + 16 qh + 8 scales
    set(30, 1, 2); // BF16
    set(31, 0, 0); // Q4_0_4_4, removed
    set(32, 0, 0); // Q4_0_4_8, removed
    set(33, 0, 0); // Q4_0_8_8, removed
    set(34, QK_K, 54); // TQ1_0: 48 qs + 4 qh + d
    set(35, QK_K, 66); // TQ2_0: 64 qs + d
    set(36, 0, 0); // IQ4_NL_4_4, removed
    set(37, 0, 0); // IQ4_NL_4_8, removed
    set(38, 0, 0); // IQ4_NL_8_8, removed
    set(39, 32, 17); // MXFP4: 1 byte E8M0 + 16
    set(40, 64, 36); // NVFP4: 4 UE4M3 scales + 32
    set(41, 128, 18); // Q1_0: d + 16
  }

  private GgmlTypes() {}

  private static void set(int id, int blockElements, int blockBytes) {
    TRAITS[id] = new int[] {blockElements, blockBytes};
  }

  /** {@return whether the id is in the table (known or removed)} */
  static boolean known(long id) {
    return id >= 0 && id < TRAITS.length;
  }

  /** {@return whether the id is a type that was removed from GGUF files} */
  static boolean removed(long id) {
    return known(id) && TRAITS[(int) id][0] == 0;
  }

  /** {@return elements per block of a known, not removed type} */
  static int blockElements(long id) {
    return TRAITS[(int) id][0];
  }

  /** {@return bytes per block of a known, not removed type} */
  static int blockBytes(long id) {
    return TRAITS[(int) id][1];
  }
}
