package io.github.llamacppsdk.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Not API. One of the library's loggers: an SLF4J logger looked up when its first line is due, not when its
 * class loads; and the lines due during the JVM's first start kept until that start ends.
 *
 * <p>Why: SLF4J's first use finds its provider and lets it read its configuration, about 40 ms of CPU for
 * {@code slf4j-simple} in a fresh JVM (Logback more). A fresh JVM whose application has not logged yet would pay
 * that during its first start, on the same cores as the server it has just launched (guides/benchmarks.md,
 * figure 7). So the library leaves SLF4J alone from its first backend's creation until its first start ends
 * ({@link #hold}): the lines due meanwhile (the backend's registration, the launch line, the server's output,
 * the ready line) are kept in order and written by a thread of their own, {@code llamacpp-log-writer}, when
 * that start ends, ready or failed ({@link #release}), or {@link #HOLD_NANOS 1 s} after the creation or the
 * start's launch, whichever comes first. From then on every line is
 * written at once by the thread that has it. A kept line is written under the name of the thread it came from
 * (the writer takes that name for the line) and with its server in the MDC; its time stamp is when it is
 * written. The writer is not a daemon: a JVM that ends meanwhile still writes the kept lines (it waits 1 s at
 * most).
 *
 * <p>A logger bound to a server ({@link #forServer}) puts {@code llamacpp.server=<name>} into the MDC around
 * each of its lines. Until a line is written, no SLF4J class is loaded at all (levels are this class's own,
 * kept lines are formatted by {@link #format}): the SLF4J jars are not even opened. Thread-safe.
 */
public final class Log {
  /** The levels, as SLF4J's. */
  public enum Level {
    /** ERROR. */
    ERROR,
    /** WARN. */
    WARN,
    /** INFO. */
    INFO,
    /** DEBUG. */
    DEBUG,
    /** TRACE. */
    TRACE
  }

  /** The MDC key of the server a line is about. */
  public static final String MDC_SERVER = "llamacpp.server";
  /** The longest a line waits for the first start to end. */
  static final long HOLD_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** More kept lines than this end the hold at once (a start that floods its output). */
  static final int HOLD_LIMIT = 4096;

  private static final int FRESH = 0; // no line yet and no start under way
  private static final int HOLDING = 1; // the first start is under way: lines are kept
  private static final int LIVE = 2; // lines are written at once
  private static final Object LOCK = new Object();
  private static volatile int state = FRESH;
  private static List<Kept> kept; // guarded by LOCK; non-null while HOLDING
  private static boolean released; // guarded by LOCK
  private static long holdUntil; // guarded by LOCK; System.nanoTime() stamp

  private final String name;
  private final String server;
  private volatile Logger logger;

  private Log(String name, String server) {
    this.name = name;
    this.server = server;
  }

  /** {@return the logger named after {@code type}} */
  public static Log of(Class<?> type) {
    return new Log(type.getName(), null);
  }

  /**
   * {@return a logger whose lines carry {@code server} in the MDC}
   *
   * @param name the logger's name
   * @param server the value of {@link #MDC_SERVER}
   */
  public static Log forServer(String name, String server) {
    return new Log(name, server);
  }

  /** {@return the logger's name} */
  public String name() {
    return name;
  }

  /**
   * Keeps the lines due from now on, if no line was written yet: until {@link #release} or for {@link
   * #HOLD_NANOS} from the last call, whichever comes first. Called when a backend is created and when an
   * instance starts; once lines are written at once, does nothing.
   */
  public static void hold() {
    long until = System.nanoTime() + HOLD_NANOS;
    synchronized (LOCK) {
      if (state == HOLDING) {
        if (until - holdUntil > 0) {
          holdUntil = until;
        }
        return;
      }
      if (state != FRESH) {
        return;
      }
      state = HOLDING;
      holdUntil = until;
      kept = new ArrayList<>();
    }
    Thread writer = new Thread(new Writer(), "llamacpp-log-writer");
    writer.setDaemon(false);
    writer.start();
  }

  /** Ends the hold, if lines are held: the writer writes them now. Idempotent; never blocks on logging. */
  public static void release() {
    if (state != HOLDING) {
      return;
    }
    synchronized (LOCK) {
      released = true;
      LOCK.notifyAll();
    }
  }

  /**
   * Waits until held lines, if any, are written; for tests.
   *
   * @param timeoutNanos the bound
   * @return whether lines are now written at once (or no hold ever began)
   * @throws InterruptedException when interrupted
   */
  static boolean awaitWritten(long timeoutNanos) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutNanos;
    synchronized (LOCK) {
      long left;
      while (state == HOLDING && (left = deadline - System.nanoTime()) > 0) {
        TimeUnit.NANOSECONDS.timedWait(LOCK, left);
      }
      return state != HOLDING;
    }
  }

  /**
   * Logs at {@code level}; as SLF4J: {@code {}} placeholders, a trailing throwable is the line's cause.
   *
   * @param level the level
   * @param format the message, with {@code {}} placeholders
   * @param args the arguments
   */
  public void log(Level level, String format, Object... args) {
    emit(level, format, args);
  }

  /** Logs at ERROR; as SLF4J: {@code {}} placeholders, a trailing throwable is the line's cause. */
  public void error(String format, Object... args) {
    emit(Level.ERROR, format, args);
  }

  /** Logs at WARN; see {@link #error}. */
  public void warn(String format, Object... args) {
    emit(Level.WARN, format, args);
  }

  /** Logs at INFO; see {@link #error}. */
  public void info(String format, Object... args) {
    emit(Level.INFO, format, args);
  }

  /** Logs at DEBUG; see {@link #error}. */
  public void debug(String format, Object... args) {
    emit(Level.DEBUG, format, args);
  }

  /** Logs at TRACE; see {@link #error}. */
  public void trace(String format, Object... args) {
    emit(Level.TRACE, format, args);
  }

  /** Writes the line now, or keeps it while the first start is under way. */
  void emit(Level level, String format, Object[] args) {
    if (state != LIVE) {
      synchronized (LOCK) {
        if (state == HOLDING) {
          // formatted now: an argument may change before the line is written
          kept.add(new Kept(this, level, format(format, args), cause(args), Thread.currentThread().getName()));
          if (kept.size() >= HOLD_LIMIT) {
            released = true;
            LOCK.notifyAll();
          }
          return;
        }
        state = LIVE; // a line before any start: nothing is held from now on
      }
    }
    Logger l = logger();
    if (server != null) {
      MDC.put(MDC_SERVER, server);
    }
    try {
      switch (level) {
        case ERROR -> l.error(format, args);
        case WARN -> l.warn(format, args);
        case INFO -> l.info(format, args);
        case DEBUG -> l.debug(format, args);
        default -> l.trace(format, args);
      }
    } finally {
      if (server != null) {
        MDC.remove(MDC_SERVER);
      }
    }
  }

  /**
   * {@return the message SLF4J would make of {@code format} and {@code args}}: each {@code {}} takes the next
   * argument ({@code null} as "null", an {@code Object[]} deeply), a trailing throwable is not an argument but
   * the cause ({@link #cause}), placeholders without an argument stay as they are. (SLF4J's {@code \\{}}
   * escape is not needed by the library's messages and not supported.)
   *
   * @param format the message with {@code {}} placeholders
   * @param args the arguments
   */
  static String format(String format, Object[] args) {
    int n = args == null ? 0 : cause(args) != null ? args.length - 1 : args.length;
    if (format == null || n == 0) {
      return format;
    }
    StringBuilder out = new StringBuilder(format.length() + 16 * n);
    int from = 0;
    int used = 0;
    int at;
    while (used < n && (at = format.indexOf("{}", from)) >= 0) {
      out.append(format, from, at);
      Object a = args[used++];
      try {
        out.append(a instanceof Object[] array ? Arrays.deepToString(array) : String.valueOf(a));
      } catch (RuntimeException e) { // as SLF4J: a broken toString() spoils one argument, not the line
        out.append("[FAILED toString()]");
      }
      from = at + 2;
    }
    return out.append(format, from, format.length()).toString();
  }

  /** {@return the trailing throwable of {@code args}, or null} */
  static Throwable cause(Object[] args) {
    return args != null && args.length > 0 && args[args.length - 1] instanceof Throwable t ? t : null;
  }

  private Logger logger() {
    Logger l = logger;
    if (l == null) {
      l = LoggerFactory.getLogger(name);
      logger = l;
    }
    return l;
  }

  /** Writes one kept line: the message is final, so it goes out unformatted. */
  private void write(Level level, String message, Throwable cause) {
    Logger l = logger();
    if (server != null) {
      MDC.put(MDC_SERVER, server);
    }
    try {
      switch (level) {
        case ERROR -> l.error(message, cause);
        case WARN -> l.warn(message, cause);
        case INFO -> l.info(message, cause);
        case DEBUG -> l.debug(message, cause);
        default -> l.trace(message, cause);
      }
    } finally {
      if (server != null) {
        MDC.remove(MDC_SERVER);
      }
    }
  }

  /** A line kept during the first start. */
  private static final class Kept {
    final Log log;
    final Level level;
    final String message;
    final Throwable cause;
    final String thread;

    Kept(Log log, Level level, String message, Throwable cause, String thread) {
      this.log = log;
      this.level = level;
      this.message = message;
      this.cause = cause;
      this.thread = thread;
    }
  }

  /** Waits for the release or the deadline, then writes the kept lines in order and turns logging live. */
  private static final class Writer implements Runnable {
    @Override
    public void run() {
      synchronized (LOCK) {
        long left;
        while (!released && (left = holdUntil - System.nanoTime()) > 0) {
          try {
            TimeUnit.NANOSECONDS.timedWait(LOCK, left);
          } catch (InterruptedException e) {
            break; // write what is kept now
          }
        }
      }
      Thread me = Thread.currentThread();
      String own = me.getName();
      boolean live = false;
      try {
        while (!live) {
          List<Kept> batch;
          synchronized (LOCK) {
            batch = kept;
            if (batch.isEmpty()) { // nothing came in while the last batch was written: live from here on
              kept = null;
              state = LIVE;
              live = true;
              LOCK.notifyAll();
              continue;
            }
            kept = new ArrayList<>();
          }
          for (Kept k : batch) {
            me.setName(k.thread);
            try {
              k.log.write(k.level, k.message, k.cause);
            } catch (RuntimeException | LinkageError e) {
              // a logging back end that fails: the line is lost, as it would be if written at once
            }
          }
        }
      } finally {
        me.setName(own);
        if (!live) { // an Error escaped: never leave the library's logging held
          synchronized (LOCK) {
            kept = null;
            state = LIVE;
            LOCK.notifyAll();
          }
        }
      }
    }
  }
}
