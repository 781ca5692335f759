package io.github.llamacppsdk.internal.probe;

import io.github.llamacppsdk.internal.Log;
import java.io.IOException;
import java.net.URI;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Not API. Health polls as plain HTTP/1.1 {@code GET}s on kept-alive loopback connections, all served
 * by one selector thread ({@code llamacpp-poll}) per backend, which exists only while there is work
 * and ends itself after {@link #IDLE_EXIT_NANOS} of none. A poll costs a few system calls and a few
 * small objects, where the JDK {@code HttpClient} costs a request/exchange machinery, several futures
 * and timer work per request: at 100 servers polled every second that was most of the library's CPU.
 *
 * <p>One connection per {@code host:port}, one request at a time on it (later ones wait their turn;
 * each request's deadline runs from when it was sent to the poller, so a poll queued behind a hung
 * one times out at its own deadline, as it would on a connection of its own: {@link HealthMonitor}'s
 * fixed-rate polls of a hung server keep their timing); a connection the server closed while idle is
 * noticed and dropped; a request that finds its reused
 * connection closed before any byte of the answer is retried once on a new one. Answers are read by
 * {@code Content-Length}, chunked encoding or end of stream; bodies are cut at the limit. Every
 * request is bounded by the timeout (connect included); a timed-out connection is closed, so a late
 * answer can never be taken for the next request's. The future never fails: failures are in {@link
 * ReadinessProber.Answer#failure}. Answers complete on the poller thread, so what a caller chains on
 * them must be quick (the health monitor classifies and, on a change only, tells its listener).
 * Thread-safe; {@link #close()} ends it.
 *
 * <p>This class owns the selector thread and the exchanges; its pieces are {@link PollTimers} (the
 * fixed-rate grid the health monitors tick on), {@link PollRequest} (one GET), {@link PollConnection}
 * (one kept-alive connection and its queue) and {@link ParsedAnswer} (reading an answer).
 */
final class KeepAlivePoller {
  private static final Log log = Log.of(KeepAlivePoller.class);
  static final long IDLE_EXIT_NANOS = 5_000_000_000L;
  private static final int HEAD_LIMIT = 16 * 1024;

  private final long timeoutNanos;
  private final int bodyLimit;
  private final ConcurrentLinkedQueue<PollRequest> submitted = new ConcurrentLinkedQueue<>();
  private final PollTimers timers = new PollTimers();
  private final Object lock = new Object();
  private Selector selector; // guarded by lock
  private Thread thread; // guarded by lock
  private volatile boolean closed;
  // selector thread only
  private final Map<String, PollConnection> conns = new HashMap<>();

  KeepAlivePoller(Duration timeout, int bodyLimit) {
    this.timeoutNanos = timeout.toNanos();
    this.bodyLimit = bodyLimit;
  }

  /**
   * Sends {@code GET uri} with the headers.
   *
   * @param uri an {@code http} URI
   * @param headers extra headers (e.g. the bearer key)
   * @return the answer; never a failed future
   */
  CompletableFuture<ReadinessProber.Answer> get(URI uri, Map<String, String> headers) {
    PollRequest r;
    try {
      r = PollRequest.of(uri, headers, System.nanoTime() + timeoutNanos);
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(ReadinessProber.Answer.failed(ReadinessProber.describe(e)));
    }
    submitted.add(r);
    wake();
    return r.result;
  }

  /**
   * Runs {@code task} on the poller thread at a fixed rate (missed runs are skipped, not caught up),
   * until cancelled. The health monitors tick here rather than on the core's scheduler: the polls of a
   * grid step are then issued by the thread that sends them, with no hand-off and no wake-up per poll.
   * The task must be quick (it starts a poll).
   *
   * @param task what to run
   * @param initialDelayNanos delay to the first run
   * @param periodNanos time between runs
   * @return cancels it (idempotent; a run already under way finishes)
   */
  Runnable every(Runnable task, long initialDelayNanos, long periodNanos) {
    Runnable cancel = timers.add(task, initialDelayNanos, periodNanos);
    wake();
    return cancel;
  }

  /** Fails what is in flight or waiting ({@code prober closed}) and ends the thread. Idempotent. */
  void close() {
    closed = true;
    synchronized (lock) {
      if (selector != null) {
        selector.wakeup();
      } else {
        failAll("prober closed");
      }
    }
  }

  private void wake() {
    synchronized (lock) {
      if (closed) {
        failAll("prober closed");
        return;
      }
      if (thread == Thread.currentThread()) {
        return; // a timer's task: the loop sends what it submitted before it selects again
      }
      if (thread == null) {
        try {
          selector = Selector.open();
        } catch (IOException e) {
          failAll("cannot open a selector: " + e.getMessage());
          return;
        }
        Selector s = selector;
        thread = new Thread(new Loop(s), "llamacpp-poll");
        thread.setDaemon(true);
        thread.start();
      } else {
        selector.wakeup();
      }
    }
  }

  private void failAll(String why) {
    PollRequest r;
    while ((r = submitted.poll()) != null) {
      r.fail(why);
    }
  }

  private void loop(Selector s) {
    long idleSince = System.nanoTime();
    try {
      while (true) {
        long now = System.nanoTime();
        if (!submitted.isEmpty() || timers.hasAdded()) {
          s.selectNow(); // requests handed back by this thread (a closed connection's queue) go out now
        } else {
          long wait = Math.min(conns.isEmpty() ? IDLE_EXIT_NANOS : nearestDeadline(now), timers.nanosToNext(now, IDLE_EXIT_NANOS));
          s.select(Math.max(1, (wait + 999_999) / 1_000_000));
        }
        if (closed) {
          for (PollConnection c : new ArrayList<>(conns.values())) {
            fail(c, "prober closed");
          }
          synchronized (lock) {
            failAll("prober closed");
            thread = null;
            selector = null;
            s.close();
          }
          return;
        }
        timers.runDue();
        PollRequest r;
        while ((r = submitted.poll()) != null) {
          enqueue(s, r);
        }
        for (Iterator<SelectionKey> it = s.selectedKeys().iterator(); it.hasNext(); ) {
          SelectionKey k = it.next();
          it.remove();
          PollConnection c = (PollConnection) k.attachment();
          if (k.isValid()) {
            ready(c, k);
          }
        }
        now = System.nanoTime();
        expire(now);
        if (!conns.isEmpty() || !submitted.isEmpty() || timers.any()) {
          idleSince = now;
        } else if (now - idleSince >= IDLE_EXIT_NANOS) {
          synchronized (lock) {
            if (submitted.isEmpty() && !timers.hasAdded()) {
              thread = null;
              selector = null;
              s.close();
              return;
            }
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      log.warn("health poller stopped on an unexpected error; it restarts at once with its timers", e);
      for (PollConnection c : new ArrayList<>(conns.values())) {
        fail(c, "poller error: " + e);
      }
      timers.handOver(); // the next thread takes them over
      synchronized (lock) {
        thread = null;
        selector = null;
        try {
          s.close();
        } catch (IOException ignored) {
          // best effort
        }
      }
      if (!submitted.isEmpty() || timers.hasAdded()) {
        wake();
      }
    }
  }

  private long nearestDeadline(long now) {
    long nearest = Long.MAX_VALUE;
    for (PollConnection c : conns.values()) {
      if (c.current != null) {
        nearest = Math.min(nearest, c.current.deadline - now);
      }
      for (PollRequest w : c.waiting) {
        nearest = Math.min(nearest, w.deadline - now);
      }
    }
    return nearest == Long.MAX_VALUE ? IDLE_EXIT_NANOS : Math.max(1_000_000, nearest);
  }

  private void enqueue(Selector s, PollRequest r) {
    PollConnection c = conns.get(r.key);
    if (c == null) {
      try {
        SocketChannel ch = SocketChannel.open();
        ch.configureBlocking(false);
        ch.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
        boolean done = ch.connect(r.address);
        SelectionKey k = ch.register(s, done ? SelectionKey.OP_WRITE : SelectionKey.OP_CONNECT);
        c = new PollConnection(r.key, ch, k);
        c.connected = done;
        k.attach(c);
        conns.put(r.key, c);
      } catch (IOException | RuntimeException e) {
        r.fail(ReadinessProber.describe(e));
        return;
      }
    }
    c.waiting.add(r);
    if (c.current == null && c.connected) {
      startNext(c);
    }
  }

  private void startNext(PollConnection c) {
    c.current = c.waiting.poll();
    if (c.current == null) {
      c.selectionKey.interestOps(SelectionKey.OP_READ); // idle: notice the server closing it
      return;
    }
    c.in.clear();
    c.anyAnswerByte = false;
    c.current.bytes.rewind();
    try {
      // A request fits the socket buffer: written at once, the key stays on OP_READ and the poll costs
      // no change of the selector's interest (one system call fewer each way).
      c.channel.write(c.current.bytes);
    } catch (IOException | RuntimeException e) {
      broken(c, ReadinessProber.describe(e));
      return;
    }
    c.selectionKey.interestOps(c.current.bytes.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
  }

  private void ready(PollConnection c, SelectionKey k) {
    try {
      if (k.isConnectable()) {
        c.channel.finishConnect();
        c.connected = true;
        startNext(c);
        return;
      }
      if (k.isWritable() && c.current != null) {
        c.channel.write(c.current.bytes);
        if (!c.current.bytes.hasRemaining()) {
          k.interestOps(SelectionKey.OP_READ);
        }
        return;
      }
      if (k.isReadable()) {
        read(c);
      }
    } catch (IOException | RuntimeException e) {
      broken(c, ReadinessProber.describe(e));
    }
  }

  private void read(PollConnection c) throws IOException {
    c.makeRoom(HEAD_LIMIT + bodyLimit + 64);
    int n = c.channel.read(c.in);
    if (n < 0) {
      if (c.current == null) {
        close(c); // the server closed an idle connection (keep-alive limit or timeout)
        return;
      }
      ParsedAnswer p = ParsedAnswer.of(c.in, true, bodyLimit);
      if (p != null) {
        finish(c, p, true);
      } else {
        broken(c, "connection closed before a complete answer");
      }
      return;
    }
    if (n > 0) {
      c.anyAnswerByte = true;
    }
    if (c.current == null) {
      close(c); // bytes nobody asked for: do not trust this connection
      return;
    }
    ParsedAnswer p = ParsedAnswer.of(c.in, false, bodyLimit);
    if (p != null) {
      finish(c, p, p.close());
    } else if (!c.in.hasRemaining() && c.in.capacity() >= HEAD_LIMIT + bodyLimit + 64) {
      ParsedAnswer cut = ParsedAnswer.of(c.in, true, bodyLimit); // too long: take what fits and drop the connection
      finish(c, cut != null ? cut : ParsedAnswer.malformed(c.in.array(), c.in.position()), true);
    }
  }

  private void finish(PollConnection c, ParsedAnswer p, boolean closeAfter) {
    PollRequest r = c.takeCurrent();
    c.reused = true;
    r.result.complete(p.failure() != null ? ReadinessProber.Answer.failed(p.failure())
        : new ReadinessProber.Answer(p.status(), p.body(), null));
    if (closeAfter) {
      List<PollRequest> rest = c.takeWaiting();
      close(c);
      submitted.addAll(rest);
    } else {
      startNext(c);
    }
  }

  /** The connection failed under a request: retry it once on a new connection if it was a stale reuse. */
  private void broken(PollConnection c, String why) {
    boolean retry = c.current != null && c.reused && !c.anyAnswerByte && !c.current.retried;
    PollRequest r = c.takeCurrent();
    List<PollRequest> rest = c.takeWaiting();
    close(c);
    if (r != null) {
      if (retry) {
        r.retried = true;
        submitted.add(r);
      } else {
        r.fail(why);
      }
    }
    for (PollRequest w : rest) {
      if (c.connected) {
        submitted.add(w); // they never went out: a new connection takes them
      } else {
        w.fail(why); // the connect itself failed
      }
    }
  }

  private void fail(PollConnection c, String why) {
    PollRequest r = c.takeCurrent();
    if (r != null) {
      r.fail(why);
    }
    c.takeWaiting().forEach(w -> w.fail(why));
    close(c);
  }

  private void expire(long now) {
    for (PollConnection c : new ArrayList<>(conns.values())) {
      if (c.current != null && now - c.current.deadline >= 0) {
        c.takeCurrent().fail("timed out");
        List<PollRequest> rest = c.takeWaiting();
        close(c); // a late answer must not be read as the next request's
        submitted.addAll(rest);
      }
      for (Iterator<PollRequest> it = c.waiting.iterator(); it.hasNext(); ) {
        PollRequest w = it.next();
        if (now - w.deadline >= 0) {
          it.remove();
          w.fail("timed out");
        }
      }
    }
  }

  private void close(PollConnection c) {
    conns.remove(c.key, c);
    c.close();
  }

  /** The selector thread's body (a named class, not a lambda: it starts in a fresh JVM's first probe). */
  private final class Loop implements Runnable {
    private final Selector s;

    Loop(Selector s) {
      this.s = s;
    }

    @Override
    public void run() {
      loop(s);
    }
  }
}
