package io.github.llamacppsdk.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.gguf.InvalidModelFileException.Problem;
import io.github.llamacppsdk.testkit.GgufFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading GGUF files: the facts of good files, and a typed error naming the file for bad ones. */
class GgufModelTest {
  /** F32 bytes of the testkit model's tensors (vocabulary of 304 tokens). */
  private static long tensorBytes(int embd, int layers, int ff) {
    return 4L * (2L * embd * 304 + embd + layers * (2L * embd + 4L * embd * embd + 3L * embd * ff));
  }

  @TempDir Path tmp;

  @Test
  void readsWhatTheTestkitModelSays() {
    GgufModel m = GgufModel.read(GgufFiles.writeLoadableModel(tmp.resolve("tiny.gguf")));

    assertThat(m.version()).isEqualTo(3);
    assertThat(m.architecture()).contains("llama");
    assertThat(m.name()).contains("tiny-test");
    assertThat(m.contextLength()).hasValue(512);
    assertThat(m.blockCount()).hasValue(2);
    assertThat(m.embeddingLength()).hasValue(64);
    assertThat(m.headCount()).hasValue(4);
    assertThat(m.headCountKv()).hasValue(4);
    assertThat(m.fileType()).hasValue(0);
    assertThat(m.alignment()).isEqualTo(32);
    assertThat(m.tensorCount()).isEqualTo(21);
    assertThat(m.tensorBytes()).isEqualTo(tensorBytes(64, 2, 128));
    assertThat(m.dataOffset() % 32).isZero();
    assertThat(m.dataOffset() + m.tensorBytes()).isEqualTo(m.fileSize());
    assertThat(m.metadata())
        .containsEntry("tokenizer.ggml.model", "llama")
        .containsEntry("llama.attention.layer_norm_rms_epsilon", 1e-5f)
        .containsEntry("tokenizer.ggml.add_bos_token", true)
        .containsEntry("llama.vocab_size", 304L)
        .doesNotContainKey("tokenizer.ggml.tokens");
    assertThat(m.stringValue("tokenizer.chat_template").orElseThrow()).contains("<|im_start|>");
    assertThat(m.arrayLengths()).containsEntry("tokenizer.ggml.tokens", 304L)
        .containsEntry("tokenizer.ggml.scores", 304L).containsEntry("tokenizer.ggml.token_type", 304L);
    assertThat(m.toString()).contains("architecture=llama", "context=512", "tensors=21");
  }

  @Test
  void readsTheShapeOfABuiltVariant() {
    GgufModel m = GgufModel.read(GgufFiles.tinyModel().embeddingLength(128).layers(3).contextLength(4096)
        .feedForwardLength(1024).name("bigger").write(tmp.resolve("v.gguf")));

    assertThat(m.name()).contains("bigger");
    assertThat(m.contextLength()).hasValue(4096);
    assertThat(m.blockCount()).hasValue(3);
    assertThat(m.embeddingLength()).hasValue(128);
    assertThat(m.longValue("llama.feed_forward_length")).hasValue(1024);
    assertThat(m.tensorCount()).isEqualTo(3 + 9 * 3);
    assertThat(m.tensorBytes()).isEqualTo(tensorBytes(128, 3, 1024));
  }

  @Test
  void readsTheFileOfTheSharedPythonTool() throws Exception {
    Path script = Path.of("..", "shared", "tools", "make_tiny_gguf.py").toAbsolutePath().normalize();
    if (!Files.isRegularFile(script)) {
      script = Path.of("/work/shared/tools/make_tiny_gguf.py");
    }
    Assumptions.assumeTrue(Files.isRegularFile(script), "make_tiny_gguf.py not found: skipped");
    Path out = tmp.resolve("py.gguf");
    Process p = new ProcessBuilder("python3", script.toString(), out.toString(), "--ctx", "1024")
        .redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    boolean exited = p.waitFor(60, TimeUnit.SECONDS);
    if (!exited) {
      p.destroyForcibly();
    }
    Assumptions.assumeTrue(exited && p.exitValue() == 0,
        "python3 with numpy is not available, the Python-written model is not checked: " + output);

    GgufModel m = GgufModel.read(out);

    assertThat(m.architecture()).contains("llama");
    assertThat(m.contextLength()).hasValue(1024);
    assertThat(m.blockCount()).hasValue(2);
    assertThat(m.embeddingLength()).hasValue(64);
    assertThat(m.tensorCount()).isEqualTo(21);
    assertThat(m.tensorBytes()).isEqualTo(tensorBytes(64, 2, 128)).isEqualTo(m.fileSize() - m.dataOffset());
  }

  @Test
  void headerOnlyFileHasNoFacts() {
    GgufModel m = GgufModel.read(GgufFiles.writeTinyModel(tmp.resolve("h.gguf")));

    assertThat(m.tensorCount()).isZero();
    assertThat(m.tensorBytes()).isZero();
    assertThat(m.architecture()).isEmpty();
    assertThat(m.contextLength()).isEmpty();
    assertThat(m.headCountKv()).isEmpty();
  }

  @Test
  void headCountKvDefaultsToTheHeadCount() throws IOException {
    Path f = write("kv.gguf", GgufBytes.header(3, 0, 2).kvString("general.architecture", "qwen2")
        .kvU32("qwen2.attention.head_count", 8).bytes());

    assertThat(GgufModel.read(f).headCountKv()).hasValue(8);
  }

  @Test
  void missingFile() {
    Path f = tmp.resolve("nope.gguf");
    assertProblem(() -> GgufModel.read(f), f, Problem.MISSING, "no such file");
  }

  @Test
  void aReaderWithItsInterruptFlagSetStillReads() {
    Path f = GgufFiles.writeLoadableModel(tmp.resolve("m.gguf"));
    Thread.currentThread().interrupt();
    try {
      assertThat(GgufModel.read(f).fileSize()).isEqualTo(f.toFile().length()); // a FileChannel would be closed
      assertThat(Thread.currentThread().isInterrupted()).as("the flag is left as it was").isTrue();
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void aFileOfAnotherFileSystemIsUnreadable() throws IOException {
    Path zip = tmp.resolve("models.zip");
    try (java.nio.file.FileSystem fs = java.nio.file.FileSystems.newFileSystem(zip, java.util.Map.of("create", "true"))) {
      Path inside = Files.write(fs.getPath("m.gguf"), new byte[] {'G', 'G', 'U', 'F'});
      assertProblem(() -> GgufModel.read(inside), inside, Problem.UNREADABLE, "not a file of the default file system");
    }
  }

  @Test
  void directory() {
    assertProblem(() -> GgufModel.read(tmp), tmp, Problem.UNREADABLE, "is a directory");
  }

  @Test
  void textFileIsNotGguf() throws IOException {
    Path f = Files.writeString(tmp.resolve("hello.gguf"), "hello world");
    assertProblem(() -> GgufModel.read(f), f, Problem.NOT_GGUF, "starts with 'hell' (68 65 6c 6c), expected 'GGUF'");
  }

  @Test
  void emptyAndTinyFilesAreNotGguf() throws IOException {
    Path empty = write("empty.gguf", new byte[0]);
    Path two = write("two.gguf", new byte[] {'G', 'G'});
    assertProblem(() -> GgufModel.read(empty), empty, Problem.NOT_GGUF, "starts with ''");
    assertProblem(() -> GgufModel.read(two), two, Problem.NOT_GGUF, "starts with 'GG'");
  }

  @Test
  void versions() throws IOException {
    Path v1 = write("v1.gguf", GgufBytes.header(1, 0, 0).bytes());
    Path v4 = write("v4.gguf", GgufBytes.header(4, 0, 0).bytes());
    Path swapped = write("be.gguf", GgufBytes.header(0x03000000, 0, 0).bytes());
    Path v2 = write("v2.gguf", GgufBytes.header(2, 0, 1).kvString("general.architecture", "llama").bytes());

    assertProblem(() -> GgufModel.read(v1), v1, Problem.UNSUPPORTED_VERSION, "version 1 is no longer supported");
    assertProblem(() -> GgufModel.read(v4), v4, Problem.NEWER_VERSION, "version 4 is newer");
    assertProblem(() -> GgufModel.read(swapped), swapped, Problem.UNSUPPORTED_VERSION, "big-endian");
    assertThat(GgufModel.read(v2).architecture()).contains("llama");
  }

  @Test
  void truncatedTensorDataIsAnIncompleteFile() throws IOException {
    byte[] whole = Files.readAllBytes(GgufFiles.writeLoadableModel(tmp.resolve("whole.gguf")));
    Path cut = write("cut.gguf", Arrays.copyOf(whole, whole.length - 1000));

    assertProblem(() -> GgufModel.read(cut), cut, Problem.TRUNCATED, "incomplete download");
  }

  @Test
  void truncatedMetadata() throws IOException {
    byte[] whole = Files.readAllBytes(GgufFiles.writeLoadableModel(tmp.resolve("whole.gguf")));
    Path cut = write("cut.gguf", Arrays.copyOf(whole, 300));

    assertProblem(() -> GgufModel.read(cut), cut, Problem.TRUNCATED, "the file ends at 300 bytes");
  }

  @Test
  void absurdCountsAndLengthsAreRejectedWithoutAllocating() throws IOException {
    Path kvs = write("kvs.gguf", GgufBytes.header(3, 0, Long.MAX_VALUE).bytes());
    Path tensors = write("tensors.gguf", GgufBytes.header(3, 1L << 40, 0).bytes());
    Path key = write("key.gguf", GgufBytes.header(3, 0, 1).u64(Long.MAX_VALUE - 3).zeros(64).bytes());
    Path value = write("value.gguf", GgufBytes.header(3, 0, 1).string("k").u32(8).u64(1L << 50).zeros(64).bytes());
    Path array = write("array.gguf", GgufBytes.header(3, 0, 1).string("k").u32(9).u32(8).u64(1L << 61).zeros(64).bytes());

    assertProblem(() -> GgufModel.read(kvs), kvs, Problem.MALFORMED, "metadata entry count");
    assertProblem(() -> GgufModel.read(tensors), tensors, Problem.MALFORMED, "tensor count");
    Path many = write("many.gguf", GgufBytes.header(3, 1000, 0).bytes());
    assertProblem(() -> GgufModel.read(many), many, Problem.TRUNCATED, "the tensor count at offset 8 is 1000");
    assertProblem(() -> GgufModel.read(key), key, Problem.TRUNCATED, "metadata key 0");
    assertProblem(() -> GgufModel.read(value), value, Problem.TRUNCATED, "'k' value at offset");
    assertProblem(() -> GgufModel.read(array), array, Problem.MALFORMED, "'k' array claims 2305843009213693952 strings");
  }

  @Test
  void unknownValueTypesDuplicatesAndBadAlignment() throws IOException {
    Path type = write("type.gguf", GgufBytes.header(3, 0, 1).string("k").u32(13).zeros(16).bytes());
    Path nested = write("nested.gguf", GgufBytes.header(3, 0, 1).string("k").u32(9).u32(9).u64(1).zeros(16).bytes());
    Path twice = write("twice.gguf", GgufBytes.header(3, 0, 2).kvU32("a", 1).kvU32("a", 2).bytes());
    Path align = write("align.gguf", GgufBytes.header(3, 0, 1).kvU32("general.alignment", 48).bytes());
    Path empty = write("emptykey.gguf", GgufBytes.header(3, 0, 1).kvU32("", 1).bytes());

    assertProblem(() -> GgufModel.read(type), type, Problem.MALFORMED, "unknown value type 13");
    assertProblem(() -> GgufModel.read(nested), nested, Problem.MALFORMED, "arrays of arrays");
    assertProblem(() -> GgufModel.read(twice), twice, Problem.MALFORMED, "'a' appears twice");
    assertProblem(() -> GgufModel.read(align), align, Problem.MALFORMED, "power of 2");
    assertProblem(() -> GgufModel.read(empty), empty, Problem.MALFORMED, "is empty");
  }

  @Test
  void tensorBytesFollowTheGgmlTypeTable() throws IOException {
    // Q4_K (12): 256 elements per 144-byte block; Q8_0 (8): 32 per 34; F16 (1): 2 bytes each
    GgufBytes b = GgufBytes.header(3, 3, 0)
        .tensor("a", new long[] {512, 2}, 12, 0)
        .tensor("b", new long[] {64}, 8, 576)
        .tensor("c", new long[] {3}, 1, 576 + 96)
        .pad(32);
    Path f = write("types.gguf", b.zeros(576 + 96 + 32).bytes());

    GgufModel m = GgufModel.read(f);

    assertThat(m.tensorBytes()).isEqualTo(4 * 144 + 2 * 34 + 3 * 2);
  }

  @Test
  void aTensorOfATypeNewerThanTheTableIsSizedFromTheOffsets() throws IOException {
    GgufBytes b = GgufBytes.header(3, 2, 0)
        .tensor("new", new long[] {100}, 99, 0)
        .tensor("f32", new long[] {8}, 0, 128)
        .pad(32);
    Path f = write("new.gguf", b.zeros(128 + 32).bytes());

    assertThat(GgufModel.read(f).tensorBytes()).isEqualTo(128 + 8 * 4);
  }

  @Test
  void badTensorInfos() throws IOException {
    Path removed = write("removed.gguf", GgufBytes.header(3, 1, 0).tensor("t", new long[] {32}, 31, 0).pad(32)
        .zeros(64).bytes());
    Path row = write("row.gguf", GgufBytes.header(3, 1, 0).tensor("t", new long[] {33}, 8, 0).pad(32)
        .zeros(64).bytes());
    Path dims = write("dims.gguf", GgufBytes.header(3, 1, 0).tensor("t", new long[] {1, 1, 1, 1, 1}, 0, 0)
        .pad(32).zeros(64).bytes());
    Path huge = write("huge.gguf", GgufBytes.header(3, 1, 0)
        .tensor("t", new long[] {1L << 40, 1L << 40}, 0, 0).pad(32).zeros(64).bytes());
    Path misaligned = write("mis.gguf", GgufBytes.header(3, 1, 0).tensor("t", new long[] {4}, 0, 3).pad(32)
        .zeros(64).bytes());
    Path overlap = write("overlap.gguf", GgufBytes.header(3, 2, 0).tensor("a", new long[] {8}, 0, 0)
        .tensor("b", new long[] {8}, 0, 0).pad(32).zeros(32).bytes());

    assertProblem(() -> GgufModel.read(removed), removed, Problem.MALFORMED, "removed");
    assertProblem(() -> GgufModel.read(row), row, Problem.MALFORMED, "not a multiple of the block size 32");
    assertProblem(() -> GgufModel.read(dims), dims, Problem.MALFORMED, "5 dimensions");
    assertProblem(() -> GgufModel.read(huge), huge, Problem.MALFORMED, "overflows");
    assertProblem(() -> GgufModel.read(misaligned), misaligned, Problem.MALFORMED, "not a multiple of the alignment");
    assertProblem(() -> GgufModel.read(overlap), overlap, Problem.MALFORMED, "overlap");
  }

  @Test
  void longStringsAreSkippedNotKept() throws IOException {
    String big = "x".repeat(GgufReader.MAX_KEPT_STRING_BYTES + 1);
    Path f = write("big.gguf", GgufBytes.header(3, 0, 2).kvString("big", big).kvString("small", "s").bytes());

    GgufModel m = GgufModel.read(f);

    assertThat(m.metadata()).doesNotContainKey("big").containsEntry("small", "s");
  }

  @Test
  void integerValuesOfEveryWidth() throws IOException {
    GgufBytes b = GgufBytes.header(3, 0, 4);
    b.string("u8").u32(0).raw(new byte[] {(byte) 0xff});
    b.string("i16").u32(3).raw(ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) -2).array());
    b.string("u64").u32(10).u64(-1L);
    b.string("f64").u32(12).u64(Double.doubleToLongBits(2.5));
    GgufModel m = GgufModel.read(write("ints.gguf", b.bytes()));

    assertThat(m.metadata()).containsEntry("u8", 255L).containsEntry("i16", -2L)
        .containsEntry("u64", new java.math.BigInteger("18446744073709551615")).containsEntry("f64", 2.5);
  }

  private Path write(String name, byte[] bytes) throws IOException {
    return Files.write(tmp.resolve(name), bytes);
  }

  static void assertProblem(ThrowingCallable call, Path file, Problem problem, String reasonPart) {
    assertThatThrownBy(call).isInstanceOfSatisfying(InvalidModelFileException.class, e -> {
      assertThat(e.problem()).as(e.getMessage()).isEqualTo(problem);
      assertThat(e.path()).isEqualTo(file);
      assertThat(e.code()).isEqualTo(ErrorCode.INVALID_MODEL_FILE);
      assertThat(e.getMessage()).startsWith("INVALID_MODEL_FILE: " + file + ": ").contains(reasonPart);
    });
  }
}
