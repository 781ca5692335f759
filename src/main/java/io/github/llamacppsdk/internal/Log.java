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
 * class loads; and the lines due before the JVM's first start ends kept until it does.
 *
 * <p>Why: SLF4J's first use finds its provider and lets it read its configuration, about 40 ms of CPU for
 * {@code slf4j-simple} in a fresh JVM (Logback more), and opens every jar before SLF4J's on the class path.
 * A fresh JVM whose application has not logged yet would pay that during its first start, on the same cores
 * as the server it has just launched (guides/benchmarks.md, figure 7). So the library leaves SLF4J alone from
 * its first backend's creation until its first start ends ({@link #hold}): the lines due meanwhile (the
 * backend's registration, the launch line, the server's output, the ready line) are kept in order and
 * written by a thread of their own, {@code llamacpp-log-writer}, once that start's caller has its answer
 * (the endpoint with its lease, or the failure), or the start fails, or the backend closes ({@link
 * #release}), or {@link Gate#HOLD 1 s} after the creation or the start's launch, whichever comes first. From then on every line is written at once by the thread that has it.
 *
 * <p>A kept line is written under the name of the thread it came from (the writer takes that name for the
 * line), with its server in the MDC, at its level and with its cause; its time stamp is when it is written,
 * and other MDC values of the thread that logged it are not carried. The writer is not a daemon, and a
 * shutdown hook ends the hold: a JVM that ends meanwhile, by itself, by {@code System.exit} or by a signal,
 * still writes the kept lines (it waits 1 s at most).
 * Until a line is written, no SLF4J class is loaded (the levels are this class's own, kept lines are
 * formatted by {@link #format}), so the SLF4J jars are not even opened.
 *
 * <p>A logger bound to a server ({@link #forServer}) puts {@code llamacpp.server=<name>} into the MDC around
 * each of its lines. Thread-safe.
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

  /** The JVM's gate: every library logger goes through it. */
  private static final Gate GATE = new Gate(Gate.HOLD, new Slf4jSink(), "llamacpp-log-writer", true);

  private final String name;
  private final String server;
  private final Gate gate;
  private volatile Logger logger; // SLF4J's, looked up on the first line written

  Log(String name, String server, Gate gate) {
    this.name = name;
    this.server = server;
    this.gate = gate;
  }

  /** {@return the logger named after {@code type}} */
  public static Log of(Class<?> type) {
    return new Log(type.getName(), null, GATE);
  }

  /**
   * {@return a logger whose lines carry {@code server} in the MDC}
   *
   * @param name the logger's name
   * @param server the value of {@link #MDC_SERVER}
   */
  public static Log forServer(String name, String server) {
    return new Log(name, server, GATE);
  }

  /** {@return the logger's name} */
  public String name() {
    return name;
  }

  /** {@return the server its lines carry in the MDC, or null} */
  String server() {
    return server;
  }

  /**
   * Keeps the library's lines from now on, unless one was written already: until {@link #release}, or {@link
   * Gate#HOLD} after the last call. Called when a backend is created and when an instance starts.
   */
  public static void hold() {
    GATE.hold();
  }

  /** Ends the hold, if lines are kept: the writer writes them now. Idempotent; never blocks on logging. */
  public static void release() {
    GATE.release();
  }

  /**
   * Waits until the lines the JVM's gate keeps, if any, are written; for tests that read the log.
   *
   * @param timeout the bound
   * @return whether lines are now written at once (or the first will be)
   * @throws InterruptedException when interrupted
   */
  public static boolean awaitWritten(java.time.Duration timeout) throws InterruptedException {
    return GATE.awaitLive(timeout.toNanos());
  }

  /**
   * Logs at {@code level}; as SLF4J: {@code {}} placeholders, a trailing throwable is the line's cause.
   *
   * @param level the level
   * @param format the message, with {@code {}} placeholders
   * @param args the arguments
   */
  public void log(Level level, String format, Object... args) {
    gate.emit(this, level, format, args);
  }

  /** Logs at ERROR; see {@link #log}. */
  public void error(String format, Object... args) {
    gate.emit(this, Level.ERROR, format, args);
  }

  /** Logs at WARN; see {@link #log}. */
  public void warn(String format, Object... args) {
    gate.emit(this, Level.WARN, format, args);
  }

  /** Logs at INFO; see {@link #log}. */
  public void info(String format, Object... args) {
    gate.emit(this, Level.INFO, format, args);
  }

  /** Logs at DEBUG; see {@link #log}. */
  public void debug(String format, Object... args) {
    gate.emit(this, Level.DEBUG, format, args);
  }

  /** Logs at TRACE; see {@link #log}. */
  public void trace(String format, Object... args) {
    gate.emit(this, Level.TRACE, format, args);
  }

  /** {@return SLF4J's logger of this name, looked up once} */
  Logger slf4j() {
    Logger l = logger;
    if (l == null) {
      l = LoggerFactory.getLogger(name);
      logger = l;
    }
    return l;
  }

  /**
   * {@return the message SLF4J would make of {@code format} and {@code args}}: each {@code {}} takes the next
   * argument ({@code null} as "null", an array by its elements), a trailing throwable is the cause and no
   * argument ({@link #cause}), placeholders left without an argument stay as they are. (SLF4J's escape of a
   * placeholder with a backslash is not needed by the library's messages and not supported.)
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
        if (a != null && a.getClass().isArray()) { // as SLF4J: arrays by their elements, primitive ones included
          String one = Arrays.deepToString(new Object[] {a});
          out.append(one, 1, one.length() - 1);
        } else {
          out.append(a);
        }
      } catch (Throwable e) { // as SLF4J: a broken toString() spoils one argument, not the line
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

  /** Where lines go once they are written: SLF4J, or a test's recorder. */
  interface Sink {
    /**
     * Writes a line as it is logged: SLF4J formats it (and only if its level is on).
     *
     * @param log the logger
     * @param level the level
     * @param format the message with placeholders
     * @param args the arguments, a trailing throwable the cause
     */
    void now(Log log, Level level, String format, Object[] args);

    /**
     * Writes a line that was kept, on the writer thread, which carries the name of the thread that logged it.
     *
     * @param log the logger
     * @param level the level
     * @param message the formatted message (not formatted again)
     * @param cause the cause, or null
     */
    void kept(Log log, Level level, String message, Throwable cause);
  }

  /** The sink of the library's loggers: SLF4J, with the server in the MDC around the line. */
  private static final class Slf4jSink implements Sink {
    @Override
    public void now(Log log, Level level, String format, Object[] args) {
      Logger l = log.slf4j();
      String before = log.server == null ? null : putServer(log.server);
      try {
        switch (level) {
          case ERROR -> l.error(format, args);
          case WARN -> l.warn(format, args);
          case INFO -> l.info(format, args);
          case DEBUG -> l.debug(format, args);
          default -> l.trace(format, args);
        }
      } finally {
        if (log.server != null) {
          restoreServer(before);
        }
      }
    }

    @Override
    public void kept(Log log, Level level, String message, Throwable cause) {
      Logger l = log.slf4j();
      String before = log.server == null ? null : putServer(log.server);
      try { // (String, Throwable): the message is final and is not formatted again
        switch (level) {
          case ERROR -> l.error(message, cause);
          case WARN -> l.warn(message, cause);
          case INFO -> l.info(message, cause);
          case DEBUG -> l.debug(message, cause);
          default -> l.trace(message, cause);
        }
      } finally {
        if (log.server != null) {
          restoreServer(before);
        }
      }
    }

    /** {@return the thread's value of {@link #MDC_SERVER} before {@code server} replaces it, or null} */
    private static String putServer(String server) {
      String before = MDC.get(MDC_SERVER);
      MDC.put(MDC_SERVER, server);
      return before;
    }

    private static void restoreServer(String before) {
      if (before == null) {
        MDC.remove(MDC_SERVER);
      } else {
        MDC.put(MDC_SERVER, before);
      }
    }
  }

  /**
   * The hold: fresh (nothing written, nothing kept), holding (lines kept, the writer waits), live (lines
   * written at once, for good). One per JVM ({@link #GATE}); tests make their own.
   */
  static final class Gate {
    /** The longest a kept line waits, from the last {@link #hold}. */
    static final long HOLD = TimeUnit.SECONDS.toNanos(1);
    /** This many kept lines end the hold at once (a start that floods its output). */
    static final int LIMIT = 4096;

    private static final int FRESH = 0;
    private static final int HOLDING = 1;
    private static final int LIVE = 2;

    private final long holdNanos;
    private final Sink sink;
    private final String writerName;
    private final boolean exitHook;
    private final Object lock = new Object();
    private volatile int state = FRESH;
    private List<Kept> kept; // guarded by lock; non-null while HOLDING
    private boolean released; // guarded by lock
    private long holdUntil; // guarded by lock; on System.nanoTime()'s clock

    Gate(long holdNanos, Sink sink, String writerName) {
      this(holdNanos, sink, writerName, false);
    }

    /**
     * @param holdNanos the longest a kept line waits, from the last {@link #hold}
     * @param sink where lines go
     * @param writerName the writer thread's name
     * @param exitHook whether a JVM that ends by {@code System.exit} or a signal while lines are kept still writes
     *     them first (a shutdown hook; the JVM's gate only)
     */
    Gate(long holdNanos, Sink sink, String writerName, boolean exitHook) {
      this.holdNanos = holdNanos;
      this.sink = sink;
      this.writerName = writerName;
      this.exitHook = exitHook;
    }

    /** Begins the hold if fresh, or moves its end to {@code holdNanos} from now if holding. */
    void hold() {
      long until = System.nanoTime() + holdNanos;
      synchronized (lock) {
        if (state == HOLDING && !released) {
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
      Thread writer = new Thread(new Writer(), writerName);
      writer.setDaemon(false); // kept lines are written even when the JVM's last thread ends meanwhile
      try {
        writer.start();
      } catch (RuntimeException | OutOfMemoryError e) { // no thread to write them: never keep lines then
        synchronized (lock) { // lines kept meanwhile are dropped with the list: a JVM without threads to spare
          kept = null;
          state = LIVE;
          lock.notifyAll();
        }
        return;
      }
      if (exitHook) {
        try { // System.exit and signals do not wait for a non-daemon thread: this hook does, 1 s at most
          Runtime.getRuntime().addShutdownHook(new Thread(new WriteAtExit(), writerName + "-at-exit"));
        } catch (IllegalStateException | SecurityException e) {
          // the JVM is already ending (or may not be asked): the writer does what it can
        }
      }
    }

    /** At JVM exit: ends the hold and waits, {@code holdNanos} at most, for the kept lines to be written. */
    private final class WriteAtExit implements Runnable {
      @Override
      public void run() {
        release();
        try {
          awaitLive(holdNanos);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    /** Ends the hold: the writer writes what is kept and turns the gate live. */
    void release() {
      if (state != HOLDING) {
        return;
      }
      synchronized (lock) {
        released = true;
        lock.notifyAll();
      }
    }

    /** Writes the line now, or keeps it while holding (a line before any hold turns the gate live). */
    void emit(Log log, Level level, String format, Object[] args) {
      if (state != LIVE) {
        // formatted now (an argument may change before the line is written), and outside the lock: an
        // argument's toString() may log, or wait for a thread that is logging
        Kept line = state == HOLDING
            ? new Kept(log, level, format(format, args), cause(args), Thread.currentThread().getName()) : null;
        synchronized (lock) {
          if (state == HOLDING) {
            kept.add(line != null ? line
                : new Kept(log, level, format(format, args), cause(args), Thread.currentThread().getName()));
            if (kept.size() >= LIMIT) {
              released = true;
              lock.notifyAll();
            }
            return;
          }
          state = LIVE;
        }
      }
      sink.now(log, level, format, args);
    }

    /**
     * Waits until kept lines, if any, are written.
     *
     * @param timeoutNanos the bound
     * @return whether the gate is not holding any more
     * @throws InterruptedException when interrupted
     */
    boolean awaitLive(long timeoutNanos) throws InterruptedException {
      long deadline = System.nanoTime() + timeoutNanos;
      synchronized (lock) {
        long left;
        while (state == HOLDING && (left = deadline - System.nanoTime()) > 0) {
          TimeUnit.NANOSECONDS.timedWait(lock, left);
        }
        return state != HOLDING;
      }
    }

    /** Waits for the release or the end of the hold, then writes the kept lines in order and turns live. */
    private final class Writer implements Runnable {
      @Override
      public void run() {
        synchronized (lock) {
          long left;
          while (!released && (left = holdUntil - System.nanoTime()) > 0) {
            try {
              TimeUnit.NANOSECONDS.timedWait(lock, left);
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
            synchronized (lock) {
              batch = kept;
              if (batch.isEmpty()) { // nothing came in while the last batch was written: live from here on
                kept = null;
                state = LIVE;
                live = true;
                lock.notifyAll();
                continue;
              }
              kept = new ArrayList<>(); // lines logged while this batch is written come after it
            }
            for (Kept k : batch) {
              me.setName(k.thread());
              try {
                sink.kept(k.log(), k.level(), k.message(), k.cause());
              } catch (RuntimeException | LinkageError e) {
                // a logging back end that fails: the line is lost, as it would be if written at once
              }
            }
          }
        } finally {
          me.setName(own);
          if (!live) { // an Error escaped: never leave the library's logging held
            synchronized (lock) {
              kept = null;
              state = LIVE;
              lock.notifyAll();
            }
          }
        }
      }
    }
  }

  /** A line kept during the hold, formatted, with the name of the thread that logged it. */
  private record Kept(Log log, Level level, String message, Throwable cause, String thread) {}
}
