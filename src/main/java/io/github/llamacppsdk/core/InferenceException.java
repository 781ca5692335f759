package io.github.llamacppsdk.core;

import io.github.llamacppsdk.internal.Scan;
import java.util.Objects;

/**
 * The one unchecked exception family of this library: everything the environment did (a missing
 * binary, a crash, a timeout, a port taken, a lease gone) is reported as an {@code
 * InferenceException} or a subclass that carries more evidence.
 *
 * <p>The message always starts with the {@link #code()} followed by a colon, e.g. {@code
 * EXITED_BEFORE_READY: llama-server exited with status 1 ...}. Messages never contain secrets.
 */
public class InferenceException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;
  private final String detail;

  /**
   * Creates an exception.
   *
   * @param code the stable code
   * @param detail the human-readable detail, without the code prefix
   */
  public InferenceException(ErrorCode code, String detail) {
    this(code, detail, null);
  }

  /**
   * Creates an exception with a cause.
   *
   * @param code the stable code
   * @param detail the human-readable detail, without the code prefix
   * @param cause the underlying cause, or {@code null}
   */
  public InferenceException(ErrorCode code, String detail, Throwable cause) {
    super(Objects.requireNonNull(code, "code") + ": " + Objects.requireNonNull(detail, "detail"), cause);
    this.code = code;
    this.detail = detail;
  }

  /** {@return the stable code of this failure} */
  public ErrorCode code() {
    return code;
  }

  /** {@return the detail of the message, without the code prefix} */
  public String detail() {
    return detail;
  }

  /**
   * {@return one line for an event reason or a log line: the code and what happened, without the
   * evidence} The message ({@link #getMessage()}) keeps the detail. By default the message's first line,
   * cut at 300 characters; subclasses that compose long messages give a shorter one.
   */
  public String summary() {
    return oneLine(getMessage());
  }

  /**
   * {@return the first line of {@code text}, cut at 300 characters}
   *
   * @param text any text
   */
  protected static String oneLine(String text) {
    String first = Scan.firstLine(text);
    return first.length() > 300 ? first.substring(0, 297) + "..." : first;
  }
}
