package io.github.llamacppsdk.models;

import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A model could not be pulled. Code {@link ErrorCode#MODEL_PULL_FAILED}; the message names the
 * repository, the file (when known), the {@link PullFailure} and, for a missing tag or file, the GGUF
 * files the repository does have, e.g. {@code MODEL_PULL_FAILED: NO_SUCH_QUANT: someone/tiny-GGUF:Q5_K_M:
 * no GGUF file for quantisation Q5_K_M; the repository has: tiny-Q4_K_M.gguf (Q4_K_M), tiny-Q8_0.gguf
 * (Q8_0)}. Never holds the token. A failed pull never leaves a partial file where the cache expects a
 * complete one: partial downloads live under {@code *.downloadInProgress} and resume next time.
 */
public class ModelPullException extends InferenceException {
  private static final long serialVersionUID = 1L;

  private final PullFailure failure;
  private final transient HuggingFaceModel model;
  private final String file;
  private final List<String> available;

  /**
   * Creates the exception.
   *
   * @param failure why
   * @param model the model
   * @param file the file inside the repository, or null when the failure came before one was chosen
   * @param available the GGUF files the repository has (for {@link PullFailure#NO_SUCH_QUANT} and
   *     {@link PullFailure#NO_SUCH_FILE}), else empty
   * @param detail what happened, in words
   * @param cause the cause, or null
   */
  public ModelPullException(PullFailure failure, HuggingFaceModel model, String file, List<String> available,
      String detail, Throwable cause) {
    super(ErrorCode.MODEL_PULL_FAILED, compose(failure, model, file, available, detail), cause);
    this.failure = failure;
    this.model = model;
    this.file = file;
    this.available = List.copyOf(available);
  }

  private static String compose(PullFailure failure, HuggingFaceModel model, String file, List<String> available,
      String detail) {
    Objects.requireNonNull(failure, "failure");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(detail, "detail");
    StringBuilder sb = new StringBuilder(failure.name()).append(": ").append(model.name());
    if (file != null) {
      sb.append(" file ").append(file);
    }
    if (!model.revision().equals(HuggingFaceModel.DEFAULT_REVISION)) {
      sb.append(" @").append(model.revision());
    }
    sb.append(": ").append(detail);
    if (!available.isEmpty()) {
      sb.append("; the repository has: ").append(String.join(", ", available));
    }
    return sb.toString();
  }

  /** {@return why the pull failed} */
  public PullFailure failure() {
    return failure;
  }

  /** {@return the model that was asked for} */
  public HuggingFaceModel model() {
    return model;
  }

  /** {@return the file inside the repository, when one had been chosen} */
  public Optional<String> file() {
    return Optional.ofNullable(file);
  }

  /** {@return the GGUF files the repository has (with their tags), for a missing tag or file} */
  public List<String> available() {
    return available;
  }
}
