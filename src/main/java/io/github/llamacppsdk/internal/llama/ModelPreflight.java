package io.github.llamacppsdk.internal.llama;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.ServerStartException;
import io.github.llamacppsdk.StartFailure;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.gguf.GgufModel;
import io.github.llamacppsdk.gguf.InvalidModelFileException;
import io.github.llamacppsdk.internal.Log;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Not API. Reads a spawned spec's model file before anything is launched, so a missing, unreadable
 * or non-GGUF model fails at once with the reader's reason (a {@link ServerStartException} with code
 * {@link ErrorCode#LAUNCH_FAILED} and cause {@link StartFailure#MODEL_FILE_MISSING} or {@link
 * StartFailure#NOT_GGUF}) instead of after a launch. Failures only the server can see (a model that
 * reads well but that llama-server rejects) are still classified from its output.
 *
 * <p>Not judged here: specs with {@code launcher_args} (the launcher may run llama-server in another
 * file-system root, e.g. a container, where the model path means something else), and GGUF versions
 * newer than the reader knows (the server may know them). Stateless.
 */
final class ModelPreflight {
  private static final Log log = Log.of(ModelPreflight.class);

  private ModelPreflight() {}

  /**
   * {@return what the model file says, or empty when the preflight does not judge this spec}
   *
   * @param spec the spec about to be launched
   * @throws ServerStartException if the model file is missing, unreadable, not GGUF or damaged
   */
  static Optional<GgufModel> check(BootSpec spec) {
    return check(spec, new ModelFiles());
  }

  /**
   * {@return what the model file says, or empty when the preflight does not judge this spec}
   *
   * @param spec the spec about to be launched
   * @param files where the file is read (an unchanged file the memory estimate read is not read again)
   * @throws ServerStartException if the model file is missing, unreadable, not GGUF or damaged
   */
  static Optional<GgufModel> check(BootSpec spec, ModelFiles files) {
    if (!spec.launcherArgs().isEmpty()) {
      return Optional.empty();
    }
    Path model;
    try {
      model = Path.of(spec.model());
    } catch (InvalidPathException e) {
      throw failure(spec, StartFailure.MODEL_FILE_MISSING, "'" + spec.model() + "' is not a valid path: "
          + e.getReason(), e);
    }
    try {
      return Optional.of(files.read(model));
    } catch (InvalidModelFileException e) {
      if (e.problem() == InvalidModelFileException.Problem.NEWER_VERSION) {
        log.info("{}: {}; launching anyway, llama-server decides", spec.alias(), e.detail());
        return Optional.empty();
      }
      throw failure(spec, e);
    }
  }

  static ServerStartException failure(BootSpec spec, InvalidModelFileException e) {
    StartFailure cause = switch (e.problem()) {
      case MISSING, UNREADABLE -> StartFailure.MODEL_FILE_MISSING;
      default -> StartFailure.NOT_GGUF;
    };
    return failure(spec, cause, e.detail(), e);
  }

  private static ServerStartException failure(BootSpec spec, StartFailure cause, String detail, Exception e) {
    return StartFailures.create(ErrorCode.LAUNCH_FAILED, "the model file failed the check before launch, "
        + "nothing was started: " + detail + " (cause " + cause + ")", null, cause, "none (not launched)",
        List.of(), spec.toCommandLine().toString(), Duration.ZERO, spec.port(), null, e);
  }

  /** {@return the facts for the instance snapshot's metadata: {@code model_*} keys} */
  static Map<String, Object> details(GgufModel m) {
    Map<String, Object> d = new LinkedHashMap<>();
    Optional<String> architecture = m.architecture();
    if (architecture.isPresent()) {
      d.put("model_architecture", architecture.get());
    }
    Optional<String> name = m.name();
    if (name.isPresent()) {
      d.put("model_name", name.get());
    }
    put(d, "model_context_length", m.contextLength());
    put(d, "model_block_count", m.blockCount());
    put(d, "model_embedding_length", m.embeddingLength());
    put(d, "model_head_count", m.headCount());
    put(d, "model_head_count_kv", m.headCountKv());
    put(d, "model_file_type", m.fileType());
    d.put("model_tensor_count", m.tensorCount());
    d.put("model_tensor_bytes", m.tensorBytes());
    d.put("model_file_bytes", m.fileSize());
    return d;
  }

  private static void put(Map<String, Object> d, String key, OptionalLong value) {
    if (value.isPresent()) {
      d.put(key, value.getAsLong());
    }
  }
}
