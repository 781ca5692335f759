package io.github.llamacppsdk.internal.process;

import io.github.llamacppsdk.internal.Log;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Not API. The sidecar that kills a transport's servers when the JVM dies without running its
 * shutdown hooks ({@code kill -9}, the OOM killer).
 *
 * <p>A small {@code /bin/sh} script whose standard input is a pipe whose only writer is this JVM.
 * The JVM writes {@code +<pid>} when a server starts and {@code -<pid>} when it ends. When the JVM
 * dies, the kernel closes the pipe, the script's {@code read} sees end of file, and the script
 * collects the process trees of the pids still recorded (with {@code ps}, or {@code /proc} when
 * {@code ps} is missing), sends them SIGTERM, waits up to one second for them to go (checking every
 * 0.1 s), and SIGKILLs the survivors: a server outlives the JVM by at most about 1.2 s. The JDK
 * closes every inherited descriptor above 2 in the children it spawns, so no server holds the
 * pipe's write end. The script ignores SIGINT and SIGHUP, which a terminal sends to the whole
 * process group, so that it is still there to clean up.
 *
 * <p>The watchdog is not a wrapper: servers are launched directly by the JVM and the handle the
 * library keeps is the real server. {@link #close()} closes the pipe (with nothing recorded the
 * script simply exits) and waits for it briefly. Thread-safe.
 */
final class OrphanWatchdog implements AutoCloseable {
  private static final Log log = Log.of(OrphanWatchdog.class);
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

  /** The watchdog script; pids arrive on stdin, end of file means the JVM is gone. */
  static final String SCRIPT = String.join("\n",
      "trap '' INT HUP",
      "pids=' '",
      "while IFS= read -r line; do",
      "  case \"$line\" in",
      "    +*) pids=\"$pids${line#+} \" ;;",
      "    -*) p=${line#-}; case \"$pids\" in *\" $p \"*) pids=\"${pids%%\" $p \"*} ${pids#*\" $p \"}\" ;; esac ;;",
      "  esac",
      "done",
      "set -- $pids",
      "[ $# -eq 0 ] && exit 0",
      "table() {",
      "  ps -A -o pid= -o ppid= 2>/dev/null && return 0",
      "  for f in /proc/[0-9]*/stat; do",
      "    read -r s < \"$f\" 2>/dev/null || continue",
      "    r=${s##*\") \"}; set -- $r; echo \"${s%% *} $2\"",
      "  done",
      "}",
      "all=$(table | awk -v roots=\"$*\" 'BEGIN { n = split(roots, r, \" \"); for (i = 1; i <= n; i++) keep[r[i]] = 1 }"
          + " { pid[NR] = $1; pp[NR] = $2 }"
          + " END { do { ch = 0; for (i = 1; i <= NR; i++) if (!(pid[i] in keep) && (pp[i] in keep)) { keep[pid[i]] = 1; ch = 1 } } while (ch);"
          + " for (k in keep) print k }' 2>/dev/null)",
      "[ -n \"$all\" ] || all=\"$*\"",
      "kill -TERM $all 2>/dev/null",
      "i=0",
      "while [ $i -lt 10 ]; do",
      "  alive=''",
      "  for p in $all; do kill -0 \"$p\" 2>/dev/null && alive=\"$alive $p\"; done",
      "  [ -z \"$alive\" ] && exit 0",
      "  sleep 0.1 2>/dev/null || sleep 1",
      "  i=$((i + 1))",
      "done",
      "kill -KILL $alive 2>/dev/null",
      "exit 0",
      "");

  private final Process process;
  private final OutputStream pipe;
  private boolean broken; // guarded by this

  private OrphanWatchdog(Process process) {
    this.process = process;
    this.pipe = process.getOutputStream();
  }

  /**
   * Starts the watchdog.
   *
   * @return the running watchdog
   * @throws IOException if {@code /bin/sh} cannot be started
   */
  static OrphanWatchdog start() throws IOException {
    ProcessBuilder pb = new ProcessBuilder(List.of("/bin/sh", "-c", SCRIPT));
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.redirectError(ProcessBuilder.Redirect.DISCARD);
    return new OrphanWatchdog(pb.start());
  }

  /** {@return the watchdog's own pid} */
  long pid() {
    return process.pid();
  }

  /** {@return whether the watchdog process is running} */
  boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Records a server pid.
   *
   * @param pid the server's pid
   */
  void track(long pid) {
    write("+" + pid + "\n");
  }

  /**
   * Forgets a server pid (it ended).
   *
   * @param pid the server's pid
   */
  void untrack(long pid) {
    write("-" + pid + "\n");
  }

  private synchronized void write(String line) {
    if (broken) {
      return;
    }
    try {
      pipe.write(line.getBytes(StandardCharsets.US_ASCII));
      pipe.flush();
    } catch (IOException e) {
      broken = true;
      log.warn("orphan watchdog (pid {}) is gone; servers are not protected against a killed JVM: {}",
          process.pid(), e.toString());
    }
  }

  /** Ends the watchdog: closes its pipe and waits briefly for it to exit. Idempotent; never throws. */
  @Override
  public void close() {
    synchronized (this) {
      broken = true;
      try {
        pipe.close();
      } catch (IOException e) {
        log.debug("closing the watchdog pipe: {}", e.toString());
      }
    }
    try {
      process.onExit().get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      process.destroyForcibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
