package io.github.llamacppsdk.testkit;

import io.github.llamacppsdk.internal.gguf.GgufTypes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Writes a loadable llama-architecture GGUF v3 file: F32 tensors with random weights from a fixed
 * seed, steered so that every prediction is the token {@code "▁ok"} (the reply is {@code " ok ok
 * ok"}): each token embedding has a 1 in component 0, the output norm keeps only component 0 (×10)
 * and the output matrix maps component 0 to {@code "▁ok"} alone. Mirrors {@code make_tiny_gguf.py}
 * in the shared tools (same keys, tokenizer, tensor names, shapes and 32-byte alignment).
 */
final class TinyModelWriter {
  static final int DEFAULT_EMBEDDING = 64;
  static final int DEFAULT_LAYERS = 2;
  static final int DEFAULT_CONTEXT = 512;
  static final String DEFAULT_NAME = "tiny-test";

  private static final int HEADS = 4;
  private static final int ALIGNMENT = 32;
  private static final long SEED = 1234L;
  private static final int GGML_TYPE_F32 = 0;
  private static final String CHAT_TEMPLATE =
      "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
          + "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

  private final int embd;
  private final int layers;
  private final int context;
  private final int ff;
  private final String name;

  TinyModelWriter(int embd, int layers, int context, int ff, String name) {
    this.embd = embd;
    this.layers = layers;
    this.context = context;
    this.ff = ff;
    this.name = name;
  }

  private record Tensor(String name, long[] dims) {
    long elements() {
      long n = 1;
      for (long d : dims) {
        n *= d;
      }
      return n;
    }
  }

  private record Vocab(List<String> tokens, List<Float> scores, List<Integer> types) {}

  void write(Path path) throws IOException {
    Vocab vocab = vocab();
    int nv = vocab.tokens().size();
    int ok = vocab.tokens().indexOf("\u2581ok");
    List<Tensor> tensors = tensors(nv);

    Le meta = new Le();
    meta.bytes(new byte[] {'G', 'G', 'U', 'F'});
    meta.u32(3);
    meta.u64(tensors.size());
    Le kvs = new Le();
    int kvCount = metadata(kvs, vocab);
    meta.u64(kvCount);
    meta.bytes(kvs.toByteArray());
    long offset = 0;
    for (Tensor t : tensors) {
      meta.string(t.name());
      meta.u32(t.dims().length);
      for (long d : t.dims()) {
        meta.u64(d);
      }
      meta.u32(GGML_TYPE_F32);
      meta.u64(offset);
      offset += align(t.elements() * Float.BYTES);
    }
    meta.pad();

    Random random = new Random(SEED);
    try (FileChannel out = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      writeFully(out, ByteBuffer.wrap(meta.toByteArray()));
      ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
      for (Tensor t : tensors) {
        long n = t.elements();
        for (long i = 0; i < n; i++) {
          if (!chunk.hasRemaining()) {
            flush(out, chunk);
          }
          chunk.putFloat(value(t.name(), i, ok, random));
        }
        long pad = align(n * Float.BYTES) - n * Float.BYTES;
        for (long i = 0; i < pad; i++) {
          if (!chunk.hasRemaining()) {
            flush(out, chunk);
          }
          chunk.put((byte) 0);
        }
      }
      flush(out, chunk);
    }
  }

  private float value(String tensor, long i, int ok, Random random) {
    if (tensor.equals("output_norm.weight")) {
      return i == 0 ? 10f : 0f;
    }
    if (tensor.endsWith("norm.weight")) {
      return 1f;
    }
    if (tensor.equals("output.weight")) {
      return i == (long) ok * embd ? 1f : 0f;
    }
    if (tensor.equals("token_embd.weight") && i % embd == 0) {
      return 1f;
    }
    return (float) (random.nextGaussian() * 0.02);
  }

  private List<Tensor> tensors(int nv) {
    List<Tensor> out = new ArrayList<>();
    out.add(new Tensor("token_embd.weight", new long[] {embd, nv}));
    out.add(new Tensor("output_norm.weight", new long[] {embd}));
    out.add(new Tensor("output.weight", new long[] {embd, nv}));
    for (int i = 0; i < layers; i++) {
      String p = "blk." + i + ".";
      out.add(new Tensor(p + "attn_norm.weight", new long[] {embd}));
      out.add(new Tensor(p + "attn_q.weight", new long[] {embd, embd}));
      out.add(new Tensor(p + "attn_k.weight", new long[] {embd, embd}));
      out.add(new Tensor(p + "attn_v.weight", new long[] {embd, embd}));
      out.add(new Tensor(p + "attn_output.weight", new long[] {embd, embd}));
      out.add(new Tensor(p + "ffn_norm.weight", new long[] {embd}));
      out.add(new Tensor(p + "ffn_gate.weight", new long[] {embd, ff}));
      out.add(new Tensor(p + "ffn_up.weight", new long[] {embd, ff}));
      out.add(new Tensor(p + "ffn_down.weight", new long[] {ff, embd}));
    }
    return out;
  }

  private int metadata(Le o, Vocab vocab) {
    int n = 0;
    n += o.kvString("general.architecture", "llama");
    n += o.kvString("general.name", name);
    n += o.kvU32("general.alignment", ALIGNMENT);
    n += o.kvU32("general.file_type", 0); // ALL_F32
    n += o.kvU32("llama.context_length", context);
    n += o.kvU32("llama.embedding_length", embd);
    n += o.kvU32("llama.block_count", layers);
    n += o.kvU32("llama.feed_forward_length", ff);
    n += o.kvU32("llama.attention.head_count", HEADS);
    n += o.kvU32("llama.attention.head_count_kv", HEADS);
    n += o.kvU32("llama.rope.dimension_count", embd / HEADS);
    o.string("llama.attention.layer_norm_rms_epsilon");
    o.u32(GgufTypes.F32);
    o.f32(1e-5f);
    n++;
    n += o.kvU32("llama.vocab_size", vocab.tokens().size());
    n += o.kvString("tokenizer.ggml.model", "llama");
    o.string("tokenizer.ggml.tokens");
    o.u32(GgufTypes.ARRAY);
    o.u32(GgufTypes.STRING);
    o.u64(vocab.tokens().size());
    vocab.tokens().forEach(o::string);
    n++;
    o.string("tokenizer.ggml.scores");
    o.u32(GgufTypes.ARRAY);
    o.u32(GgufTypes.F32);
    o.u64(vocab.scores().size());
    vocab.scores().forEach(o::f32);
    n++;
    o.string("tokenizer.ggml.token_type");
    o.u32(GgufTypes.ARRAY);
    o.u32(GgufTypes.I32);
    o.u64(vocab.types().size());
    vocab.types().forEach(o::u32);
    n++;
    n += o.kvU32("tokenizer.ggml.bos_token_id", 1);
    n += o.kvU32("tokenizer.ggml.eos_token_id", 2);
    n += o.kvU32("tokenizer.ggml.unknown_token_id", 0);
    o.string("tokenizer.ggml.add_bos_token");
    o.u32(GgufTypes.BOOL);
    o.bytes(new byte[] {1});
    n++;
    n += o.kvString("tokenizer.chat_template", CHAT_TEMPLATE);
    return n;
  }

  private static Vocab vocab() {
    List<String> tokens = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
    List<Float> scores = new ArrayList<>(List.of(0f, 0f, 0f));
    List<Integer> types = new ArrayList<>(List.of(2, 3, 3)); // unknown, control, control
    for (int b = 0; b < 256; b++) {
      tokens.add(String.format("<0x%02X>", b));
      scores.add(0f);
      types.add(6); // byte
    }
    List<String> words = new ArrayList<>();
    words.add("\u2581");
    for (char c = 'a'; c <= 'z'; c++) {
      words.add(String.valueOf(c));
    }
    for (String w : "the a hello world ok yes no user assistant system is of and to in it".split(" ")) {
      words.add("\u2581" + w);
    }
    words.add("<|im_start|>");
    words.add("<|im_end|>");
    for (int i = 0; i < words.size(); i++) {
      String w = words.get(i);
      tokens.add(w);
      scores.add((float) -i);
      types.add(w.startsWith("<|") ? 3 : 1); // control or normal
    }
    return new Vocab(tokens, scores, types);
  }

  private static long align(long n) {
    return (n + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
  }

  private static void flush(FileChannel out, ByteBuffer chunk) throws IOException {
    chunk.flip();
    writeFully(out, chunk);
    chunk.clear();
  }

  private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      out.write(buffer);
    }
  }

  /** A little-endian byte sink for the metadata part of the file. */
  private static final class Le {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

    void bytes(byte[] b) {
      out.write(b, 0, b.length);
    }

    void u32(int v) {
      scratch.clear();
      scratch.putInt(v);
      out.write(scratch.array(), 0, 4);
    }

    void u64(long v) {
      scratch.clear();
      scratch.putLong(v);
      out.write(scratch.array(), 0, 8);
    }

    void f32(float v) {
      u32(Float.floatToIntBits(v));
    }

    void string(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      u64(b.length);
      bytes(b);
    }

    int kvString(String key, String value) {
      string(key);
      u32(GgufTypes.STRING);
      string(value);
      return 1;
    }

    int kvU32(String key, int value) {
      string(key);
      u32(GgufTypes.U32);
      u32(value);
      return 1;
    }

    void pad() {
      int pad = (int) (align(out.size()) - out.size());
      bytes(new byte[pad]);
    }

    byte[] toByteArray() {
      return out.toByteArray();
    }
  }
}
