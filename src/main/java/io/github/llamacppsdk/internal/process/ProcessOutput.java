package io.github.llamacppsdk.internal.process;

import io.github.llamacppsdk.internal.Log;
import io.github.llamacppsdk.process.LaunchedProcess.OutputSubscription;
import io.github.llamacppsdk.process.OutputLine;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Not API. The output side of one launched process: reads its output line by line, keeps the
 * recent lines in a ring, forwards every line to SLF4J and to live subscribers.
 *
 * <p>One daemon reader thread per process, {@code llamacpp-output-<name>}: the transport merges
 * stderr into stdout ({@code redirectErrorStream}), so the lines arrive in the order the server wrote
 * them and every line is {@link OutputLine.Stream#COMBINED}. Java 17 cannot wait on two pipes from
 * one thread without polling, and llama-server writes its log to stderr anyway, so keeping the streams
 * apart cost a second, mostly idle thread per server for a distinction nobody used.
 *
 * <p>Each line is logged on the logger {@code io.github.llamacppsdk.server.<name>} by the level the line
 * carries ({@link OutputLevels}): llama-server's {@code W} and {@code E} lines (and unprefixed {@code
 * error...} lines) at WARN and ERROR, its {@code I} chatter and unprefixed lines at DEBUG, its {@code D}
 * lines at TRACE; with {@code llamacpp.server=<name>} in the MDC ({@link Log#forServer}).
 * Thread-safe.
 */
public final class ProcessOutput {
  private volatile long lastActivityNanos = System.nanoTime();

  /** {@return when bytes last arrived on either stream, on {@link System#nanoTime()}'s clock} */
  public long lastActivityNanos() {
    return lastActivityNanos;
  }

  /** The MDC key of the server lines (and of this class's own lines about the server). */
  static final String MDC_KEY = Log.MDC_SERVER;
  /** The prefix of the per-server logger names. */
  static final String LOGGER_PREFIX = "io.github.llamacppsdk.server.";

  private final String name;
  private final Log log;
  private final Log serverLog;
  private final int maxLineBytes;
  private final OutputRing ring = new OutputRing(OutputRing.DEFAULT_CAPACITY);
  private final CopyOnWriteArrayList<Subscriber> subscribers = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Void> drained = new CompletableFuture<>();

  /**
   * @param name the display name (logger suffix, MDC value)
   * @param maxLineBytes the bound on one line
   */
  public ProcessOutput(String name, int maxLineBytes) {
    this.name = name;
    this.log = Log.forServer(ProcessOutput.class.getName(), name);
    this.serverLog = Log.forServer(LOGGER_PREFIX + name, name);
    this.maxLineBytes = maxLineBytes;
  }

  /**
   * Starts the reader thread.
   *
   * @param combined the process's standard output, with its standard error merged in
   */
  void start(InputStream combined) {
    Thread t = new Thread(new Reader(combined), "llamacpp-output-" + name);
    t.setDaemon(true);
    t.start();
  }

  /** {@return a future completing when the output reached end of file} */
  CompletableFuture<Void> drained() {
    return drained;
  }

  /** {@return the ring's lines, oldest first} */
  public List<OutputLine> recent() {
    return ring.snapshot();
  }

  /** {@return a live subscription}
   * @param listener receives each line from now on */
  public OutputSubscription subscribe(Consumer<OutputLine> listener) {
    Subscriber s = new Subscriber(listener);
    subscribers.add(s);
    return s;
  }

  /** Reads one stream to its end. Runs on a reader thread. */
  void read(InputStream in, OutputLine.Stream stream) {
    LineFramer framer = new LineFramer(maxLineBytes);
    Consumer<String> sink = new Sink(stream);
    byte[] chunk = new byte[8192];
    try (in) {
      int n;
      while ((n = in.read(chunk)) != -1) {
        lastActivityNanos = System.nanoTime(); // any bytes, even a line still being written (loading dots)
        framer.push(chunk, 0, n, sink);
      }
    } catch (IOException e) {
      log.debug("{}: {} closed while reading: {}", name, stream, e.toString());
    } finally {
      framer.flush(sink);
      drained.complete(null);
    }
  }

  /**
   * Takes one complete line from another source than the two pipes (a transport that reads its
   * output elsewhere, e.g. a pod's log): ring, log, subscribers, as for a piped line.
   *
   * @param stream the stream to attribute it to
   * @param text the line, without terminator
   */
  public void line(OutputLine.Stream stream, String text) {
    lastActivityNanos = System.nanoTime();
    deliver(stream, text);
  }

  private void deliver(OutputLine.Stream stream, String text) {
    OutputLine line = new OutputLine(stream, text, OutputLevels.parse(text), System.nanoTime());
    ring.add(line);
    serverLog.log(logLevel(line.level()), "{}", text);
    for (Subscriber s : subscribers) {
      s.offer(line);
    }
  }

  /**
   * {@return the SLF4J level a server line is logged at} One level down for the chatter, so that a
   * production log at INFO shows llama-server's warnings and errors and nothing else of it: {@code W} →
   * WARN, {@code E} (and unprefixed {@code error...} lines) → ERROR, {@code I} and unprefixed lines →
   * DEBUG, {@code D} → TRACE.
   *
   * @param level the level the line carries
   */
  static Log.Level logLevel(OutputLine.Level level) {
    switch (level) {
      case WARN:
        return Log.Level.WARN;
      case ERROR:
        return Log.Level.ERROR;
      case DEBUG:
        return Log.Level.TRACE;
      default:
        return Log.Level.DEBUG;
    }
  }

  // named classes, not lambdas: these run in a fresh JVM's first start (benchmarks.md, figure 7)

  /** The reader thread's body. */
  private final class Reader implements Runnable {
    private final InputStream combined;

    Reader(InputStream combined) {
      this.combined = combined;
    }

    @Override
    public void run() {
      read(combined, OutputLine.Stream.COMBINED);
    }
  }

  /** Takes the framed lines of one stream. */
  private final class Sink implements Consumer<String> {
    private final OutputLine.Stream stream;

    Sink(OutputLine.Stream stream) {
      this.stream = stream;
    }

    @Override
    public void accept(String text) {
      deliver(stream, text);
    }
  }

  /** One live listener, and its subscription (closing it stops delivery); dropped after its first exception. */
  private final class Subscriber implements OutputSubscription {
    private final Consumer<OutputLine> listener;
    private final AtomicBoolean failed = new AtomicBoolean();

    Subscriber(Consumer<OutputLine> listener) {
      this.listener = listener;
    }

    void offer(OutputLine line) {
      if (failed.get()) {
        return;
      }
      try {
        listener.accept(line);
      } catch (RuntimeException e) {
        if (failed.compareAndSet(false, true)) {
          subscribers.remove(this);
          log.warn("{}: an output listener threw; it is dropped", name, e);
        }
      }
    }

    @Override
    public void close() {
      subscribers.remove(this);
    }
  }
}
