package io.github.llamacppsdk.process;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * How a process ended.
 *
 * @param code the exit code when it exited normally
 * @param signal the signal number when a signal ended it (as far as the OS lets us tell: a JVM child
 *     killed by signal N reports status 128+N)
 * @param termination whether it ended on its own, gracefully after our SIGTERM, or forced by SIGKILL
 */
public record ExitStatus(OptionalInt code, OptionalInt signal, Termination termination) {

  /** Validates the components. */
  public ExitStatus {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(signal, "signal");
    Objects.requireNonNull(termination, "termination");
  }

  /** How the end came about. */
  public enum Termination {
    /** The process exited without being asked (a crash, a start-up failure, a normal end). */
    ON_ITS_OWN,
    /** The process exited after the graceful signal, within the grace period. */
    GRACEFUL,
    /** The grace period ran out and the process was killed. */
    FORCED
  }

  /** {@return whether the library asked the process to stop} */
  public boolean requested() {
    return termination != Termination.ON_ITS_OWN;
  }

  /** {@return e.g. {@code exited with status 1} or {@code killed by signal 9 (forced)}} */
  public String describe() {
    String how = signal.isPresent() ? "killed by signal " + signal.getAsInt()
        : "exited with status " + code.orElse(-1);
    return termination == Termination.ON_ITS_OWN ? how : how + " (" + termination.name().toLowerCase(java.util.Locale.ROOT) + " stop)";
  }

  @Override
  public String toString() {
    return describe();
  }
}
