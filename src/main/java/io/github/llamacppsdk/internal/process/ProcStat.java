package io.github.llamacppsdk.internal.process;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;

/**
 * Not API. One process's {@code /proc/PID/stat}, opened once at launch and read from its start (an
 * {@code lseek} and {@code read}, a few microseconds), so that a handout can ask whether the process is still there
 * without waiting for the JDK's reaper: a process killed with SIGKILL is exiting (its {@code PF_EXITING}
 * flag), then a zombie ({@code Z}), its sockets closed, the moment the kernel has killed it, while {@link Process#onExit()} completes only
 * once the reaper thread has run. The open descriptor names the process, not the number, so a reused
 * pid is never mistaken for it (a read after the reap fails: gone). Where there is no {@code /proc}
 * (macOS) nothing is known and {@link #isDead()} is false.
 *
 * <p>A {@code /proc} read is a system call (tens of microseconds in a loaded sandbox, against about 9
 * µs for a whole warm resolve), so {@link #isDeadCached()} reads at most once per {@link
 * #RECHECK_NANOS} and answers from the last read in between. Thread-safe; {@link #close()} at the
 * exit.
 */
final class ProcStat implements AutoCloseable {
  /** How long a read stays the answer of {@link #isDeadCached()}: 1 ms. */
  static final long RECHECK_NANOS = 1_000_000;
  private static final int MAX_STAT_BYTES = 1024;

  private final RandomAccessFile file; // null: no /proc; read under its own monitor
  private final java.util.concurrent.atomic.AtomicLong lastRead = new java.util.concurrent.atomic.AtomicLong();
  private volatile boolean dead;

  private ProcStat(RandomAccessFile file) {
    this.file = file;
    lastRead.set(System.nanoTime() - RECHECK_NANOS);
  }

  /**
   * {@return the stat of a process, or an unknowing one where {@code /proc} cannot be read}
   *
   * @param pid the process, just launched
   */
  static ProcStat open(long pid) {
    try {
      return new ProcStat(new RandomAccessFile("/proc/" + pid + "/stat", "r"));
    } catch (IOException | RuntimeException e) {
      return new ProcStat(null);
    }
  }

  /**
   * {@return {@link #isDead()}, read at most once per {@link #RECHECK_NANOS}; concurrent callers in
   * between get the last answer}
   */
  boolean isDeadCached() {
    if (dead || file == null) {
      return dead;
    }
    long now = System.nanoTime();
    long last = lastRead.get();
    if (now - last >= RECHECK_NANOS && lastRead.compareAndSet(last, now) && isDead()) {
      dead = true; // only ever set: a reader descheduled between its read and this write must not undo a newer one
    }
    return dead;
  }

  /** {@return true once the process is a zombie or gone; false while it runs, or when unknown} */
  boolean isDead() {
    if (file == null) {
      return false;
    }
    byte[] buffer = new byte[MAX_STAT_BYTES];
    int n;
    // not a FileChannel: an interrupted caller (a probe thread at close, an application thread with its
    // interrupt flag set) would close the channel, and every later read would say dead
    synchronized (file) {
      try {
        file.seek(0);
        n = file.read(buffer);
      } catch (IOException e) {
        return true; // reaped (ESRCH), or closed because the exit was observed
      }
    }
    if (n <= 0) {
      return true;
    }
    String stat = new String(buffer, 0, n, StandardCharsets.US_ASCII);
    int close = stat.lastIndexOf(')'); // the command name may itself contain ')'
    if (close < 0 || close + 2 >= stat.length()) {
      return false;
    }
    char state = stat.charAt(close + 2);
    return state == 'Z' || state == 'X' || state == 'x' || exiting(stat, close + 2);
  }

  /** The kernel's {@code PF_EXITING}: set on a thread as it starts to exit. */
  private static final long PF_EXITING = 0x4;

  /**
   * {@return whether the process's main thread has started to exit ({@code PF_EXITING} in the flags, the
   * 9th field)} A multi-threaded process (a JVM, a server with worker threads) that exits closes its
   * sockets only once every thread has passed that point, and its main thread becomes a zombie only
   * after that: on a loaded machine, milliseconds in which the state still says running while nothing
   * listens any more.
   */
  static boolean exiting(String stat, int stateAt) {
    int field = 0;
    int i = stateAt;
    while (field < 6) { // state ppid pgrp session tty_nr tpgid, then flags
      i = stat.indexOf(' ', i);
      if (i < 0) {
        return false;
      }
      i++;
      field++;
    }
    int end = stat.indexOf(' ', i);
    try {
      long flags = Long.parseLong(end < 0 ? stat.substring(i) : stat.substring(i, end));
      return (flags & PF_EXITING) != 0;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  @Override
  public void close() {
    if (file != null) {
      try {
        file.close();
      } catch (IOException ignored) {
        // nothing to do: the descriptor is released either way
      }
    }
  }
}
