package io.github.llamacppsdk.process;

import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;

/**
 * A process could not be started at all: the binary does not exist or is not executable, or the
 * working directory is missing. Code {@link ErrorCode#LAUNCH_FAILED}; the message names the path.
 */
public class ProcessLaunchException extends InferenceException {
  private static final long serialVersionUID = 1L;

  private final String program;

  /**
   * Creates the exception.
   *
   * @param program the program (or directory) that could not be used
   * @param detail what is wrong with it
   * @param cause the underlying cause, or {@code null}
   */
  public ProcessLaunchException(String program, String detail, Throwable cause) {
    super(ErrorCode.LAUNCH_FAILED, detail, cause);
    this.program = program;
  }

  /** {@return the program or directory that could not be used} */
  public String program() {
    return program;
  }
}
