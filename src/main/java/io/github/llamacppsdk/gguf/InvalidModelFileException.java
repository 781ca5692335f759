package io.github.llamacppsdk.gguf;

import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A model file could not be read as GGUF: it is missing or unreadable, is not GGUF, is of a GGUF
 * version this reader does not know, ends too early or holds values no GGUF writer produces. The
 * message names the file and the reason (with the byte offset where it applies), e.g. {@code
 * INVALID_MODEL_FILE: /models/x.gguf: not a GGUF file: it starts with 'hell' (68 65 6c 6c), expected
 * 'GGUF'}. Code {@link ErrorCode#INVALID_MODEL_FILE}. Immutable.
 */
public class InvalidModelFileException extends InferenceException {
  private static final long serialVersionUID = 1L;

  /** What is wrong with the file. */
  public enum Problem {
    /** The file does not exist. */
    MISSING,
    /** The file exists but cannot be read (permissions, a directory, an I/O error). */
    UNREADABLE,
    /** The file does not start with the GGUF magic. */
    NOT_GGUF,
    /** A GGUF version llama.cpp no longer loads (0, 1) or a byte-swapped (big-endian) file. */
    UNSUPPORTED_VERSION,
    /** A GGUF version newer than this reader knows (above 3); llama-server may know it. */
    NEWER_VERSION,
    /** The file ends before its header, metadata or tensor data does (e.g. an incomplete download). */
    TRUNCATED,
    /** A value no GGUF writer produces: an absurd count or length, an unknown type, a bad alignment. */
    MALFORMED
  }

  private final transient Path path;
  private final Problem problem;
  private final String reason;

  /**
   * Creates the exception.
   *
   * @param path the file
   * @param problem what is wrong
   * @param reason the reason in words, without the path
   * @param cause the underlying I/O error, or {@code null}
   */
  public InvalidModelFileException(Path path, Problem problem, String reason, Throwable cause) {
    super(ErrorCode.INVALID_MODEL_FILE, Objects.requireNonNull(path, "path") + ": "
        + Objects.requireNonNull(reason, "reason"), cause);
    this.path = path;
    this.problem = Objects.requireNonNull(problem, "problem");
    this.reason = reason;
  }

  /** {@return the file} */
  public Path path() {
    return path;
  }

  /** {@return what is wrong with the file} */
  public Problem problem() {
    return problem;
  }

  /** {@return the reason in words, without the path} */
  public String reason() {
    return reason;
  }
}
