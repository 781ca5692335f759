package io.github.llamacppsdk.examples;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.BootSpecBuilder;
import io.github.llamacppsdk.testkit.FakeLlamaServer;
import io.github.llamacppsdk.testkit.GgufFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where the examples get their llama-server from: the real one when {@code LLAMA_SERVER_BIN} and/or
 * {@code LLAMA_MODEL} are set (or {@code --binary PATH} / {@code --model PATH} are given; a binary
 * without a model gets the testkit's loadable tiny model), otherwise the bundled fake server and a
 * tiny placeholder GGUF file in a temporary directory, which {@link #close()} deletes. {@code
 * LLAMA_HF_MODEL} (or {@code --hf NAME}) names a Hugging Face model instead ({@code
 * owner/repo:Q4_K_M}), which the library pulls into the Hugging Face cache before launch ({@code
 * MODEL_ENDPOINT}, {@code HF_TOKEN} and the cache variables apply).
 *
 * <p>Immutable apart from the temporary directory it owns; not thread-safe to close twice
 * concurrently.
 *
 * @param binary the llama-server executable (the fake's wrapper script, or the user's)
 * @param model the GGUF model
 * @param fake whether this is the bundled fake server
 * @param extraArgs fake-server knobs (empty for a real server)
 * @param tempDir the directory this source created, deleted by {@link #close()}
 * @param hfModel a Hugging Face model name used instead of {@code model}
 */
record ExampleServer(String binary, String model, boolean fake, List<String> extraArgs, Optional<Path> tempDir,
    Optional<String> hfModel) implements AutoCloseable {

  /** The variable naming the llama-server executable. */
  static final String BIN_VARIABLE = "LLAMA_SERVER_BIN";
  /** The variable naming the GGUF model. */
  static final String MODEL_VARIABLE = "LLAMA_MODEL";
  /** The variable naming a Hugging Face model ({@code owner/repo:QUANT}). */
  static final String HF_MODEL_VARIABLE = "LLAMA_HF_MODEL";

  ExampleServer(String binary, String model, boolean fake, List<String> extraArgs, Optional<Path> tempDir) {
    this(binary, model, fake, extraArgs, tempDir, Optional.empty());
  }

  ExampleServer {
    extraArgs = List.copyOf(extraArgs);
  }

  /**
   * Picks the server for an example.
   *
   * @param env the environment to read ({@code System.getenv()} in a real run)
   * @param args {@code --binary PATH}, {@code --model PATH} and {@code --hf NAME}, all optional
   * @param fakeArgs the fake-server knobs to use when no real server is configured
   * @param out where to say which server is used
   * @return the server; close it to delete what it created
   */
  static ExampleServer choose(Map<String, String> env, String[] args, List<String> fakeArgs, PrintStream out) {
    Optional<String> binary = option(args, "--binary").or(() -> variable(env, BIN_VARIABLE));
    Optional<String> model = option(args, "--model").or(() -> variable(env, MODEL_VARIABLE));
    Optional<String> hf = option(args, "--hf").or(() -> variable(env, HF_MODEL_VARIABLE));
    if (hf.isPresent()) {
      Map<String, String> rest = new java.util.HashMap<>(env);
      rest.remove(HF_MODEL_VARIABLE);
      String[] others = option(args, "--binary").map(b -> new String[] {"--binary", b}).orElse(new String[0]);
      ExampleServer base = choose(rest, others, fakeArgs, new PrintStream(PrintStream.nullOutputStream()));
      out.println("server: " + base.binary() + (base.fake() ? " (the bundled fake)" : "") + " with the Hugging Face"
          + " model " + hf.get() + ", pulled into the Hugging Face cache first");
      return new ExampleServer(base.binary(), base.model(), base.fake(), base.extraArgs(), base.tempDir(), hf);
    }
    if (binary.isEmpty() && model.isEmpty()) {
      Path dir = newTempDir();
      try {
        Path script = FakeLlamaServer.install(dir);
        Path tiny = GgufFiles.writeTinyModel(dir.resolve("tiny-demo-model.gguf"));
        out.println("server: the bundled fake llama-server (set " + BIN_VARIABLE + " and " + MODEL_VARIABLE
            + " to run a real one)");
        return new ExampleServer(script.toString(), tiny.toString(), true, fakeArgs, Optional.of(dir));
      } catch (IOException | RuntimeException e) {
        deleteRecursively(dir);
        throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
      }
    }
    if (model.isEmpty()) {
      // Only a binary: the testkit's loadable tiny model, which a real llama-server loads and answers.
      Path dir = newTempDir();
      Path tiny = GgufFiles.writeLoadableModel(dir.resolve("tiny-llama.gguf"));
      out.println("server: " + binary.get() + " with the testkit's tiny model, which answers \" ok ok ok\" (set "
          + MODEL_VARIABLE + " to a real GGUF file)");
      return new ExampleServer(binary.get(), tiny.toString(), false, List.of(), Optional.of(dir));
    }
    String bin = binary.orElse(BootSpec.DEFAULT_BINARY);
    out.println("server: " + bin + " with model " + model.get());
    return new ExampleServer(bin, model.get(), false, List.of(), Optional.empty());
  }

  /**
   * {@return the bundled fake server, whatever the environment says}
   *
   * @param out where to say which server is used
   */
  static ExampleServer fake(PrintStream out) {
    return choose(Map.of(), new String[0], List.of(), out);
  }

  /** {@return a boot-spec builder for this server: its binary, model and knobs, any free port} */
  BootSpecBuilder spec() {
    BootSpecBuilder b = hfModel.isPresent() ? BootSpec.builder().huggingFace(hfModel.get()) : BootSpec.builder(model);
    return b.binaryPath(binary).port(0).extraArgs(extraArgs);
  }

  /** Deletes the temporary directory, if this source made one. Never throws. */
  @Override
  public void close() {
    tempDir.ifPresent(ExampleServer::deleteRecursively);
  }

  private static Optional<String> variable(Map<String, String> env, String name) {
    return Optional.ofNullable(env.get(name)).filter(v -> !v.isBlank());
  }

  private static Optional<String> option(String[] args, String name) {
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals(name)) {
        return Optional.of(args[i + 1]);
      }
    }
    return Optional.empty();
  }

  private static Path newTempDir() {
    try {
      return Files.createTempDirectory("llama-cpp-sdk-example-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: a temp directory left behind is not worth failing an example for
    }
  }

  /** {@return the headers with every value masked, e.g. {@code authorization: Bearer ****}} */
  static List<String> maskedHeaders(Map<String, String> headers) {
    List<String> lines = new ArrayList<>();
    headers.keySet().stream().sorted().forEach(k -> {
      String v = headers.get(k);
      lines.add(k + ": " + (v.regionMatches(true, 0, "Bearer ", 0, 7) ? "Bearer ****" : "****"));
    });
    return lines;
  }
}
