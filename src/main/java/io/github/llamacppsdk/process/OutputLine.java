package io.github.llamacppsdk.process;

import java.util.Objects;

/**
 * One line of a process's output.
 *
 * @param stream which stream it came from ({@link Stream#COMBINED} when the transport reads both as
 *     one, as the local transport does)
 * @param text the line, without its terminator; cut at the transport's maximum line length
 * @param level the level the program gave it, read from llama-server's {@code I}/{@code W}/{@code
 *     E} letter where present, else {@link Level#INFO} (stderr lines starting with {@code error}
 *     count as {@link Level#ERROR})
 * @param nanoTime when the line was read, on {@link System#nanoTime()}'s clock
 */
public record OutputLine(Stream stream, String text, Level level, long nanoTime) {

  /** Validates the components. */
  public OutputLine {
    Objects.requireNonNull(stream, "stream");
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(level, "level");
  }

  /** Which output stream. */
  public enum Stream {
    /** Standard output. */
    STDOUT,
    /** Standard error. */
    STDERR,
    /**
     * Standard output and standard error read as one stream, in the order the program wrote them:
     * what the local transport delivers (one reader thread per process).
     */
    COMBINED
  }

  /** The severity the program gave a line. */
  public enum Level {
    /** Debug detail. */
    DEBUG,
    /** Normal progress. */
    INFO,
    /** A warning. */
    WARN,
    /** An error. */
    ERROR
  }

  @Override
  public String toString() {
    return text;
  }
}
