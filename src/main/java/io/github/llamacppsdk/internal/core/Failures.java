package io.github.llamacppsdk.internal.core;

import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Turns whatever a future failed with into an {@link InferenceException}. Not API. */
public final class Failures {
  private Failures() {}

  /**
   * Unwraps {@link CompletionException} and {@link ExecutionException}; an {@link InferenceException}
   * is returned as is, a cancellation becomes {@link ErrorCode#STOPPED}, anything else {@link
   * ErrorCode#INTERNAL} with the cause.
   *
   * @param t the failure
   * @param what what failed, for the message
   * @return the typed failure
   */
  public static InferenceException toInference(Throwable t, String what) {
    Throwable c = unwrap(t);
    if (c instanceof InferenceException ie) {
      return ie;
    }
    if (c instanceof CancellationException) {
      return new InferenceException(ErrorCode.STOPPED, what + " was cancelled", c);
    }
    return new InferenceException(ErrorCode.INTERNAL, what + " failed unexpectedly: " + c, c);
  }

  /**
   * {@return the failure without {@link CompletionException} / {@link ExecutionException} wrappers}
   *
   * @param t the failure
   */
  public static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }

  /**
   * Re-creates a failure on the calling thread so its stack shows the caller; the original (which may
   * be shared by many waiters) is the cause. Subclasses of {@link InferenceException} (which carry
   * extra data) are returned as they are.
   *
   * @param e the shared failure
   * @return a fresh exception with the same code and detail, or {@code e}
   */
  public static InferenceException forCaller(InferenceException e) {
    if (e.getClass() != InferenceException.class) {
      return e;
    }
    return new InferenceException(e.code(), e.detail(), e);
  }
}
