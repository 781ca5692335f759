package io.github.llamacppsdk.internal.probe;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 */
final class KeepAlivePoller {
  private static final Logger log = LoggerFactory.getLogger(KeepAlivePoller.class);
  static final long IDLE_EXIT_NANOS = 5_000_000_000L;
  private static final int HEAD_LIMIT = 16 * 1024;

  private final long timeoutNanos;
  private final int bodyLimit;
  private final ConcurrentLinkedQueue<Request> submitted = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Timer> newTimers = new ConcurrentLinkedQueue<>();
  private final Object lock = new Object();
  private Selector selector; // guarded by lock
  private Thread thread; // guarded by lock
  private volatile boolean closed;
  // selector thread only
  private final Map<String, Conn> conns = new HashMap<>();
  private final PriorityQueue<Timer> timers = new PriorityQueue<>((a, b) -> Long.compare(a.due - b.due, 0));

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
    Request r;
    try {
      String host = uri.getHost();
      if (host.startsWith("[")) {
        host = host.substring(1, host.length() - 1);
      }
      int port = uri.getPort() < 0 ? 80 : uri.getPort();
      StringBuilder sb = new StringBuilder(128).append("GET ").append(uri.getRawPath().isEmpty() ? "/" : uri.getRawPath());
      if (uri.getRawQuery() != null) {
        sb.append('?').append(uri.getRawQuery());
      }
      sb.append(" HTTP/1.1\r\nHost: ").append(uri.getRawAuthority()).append("\r\nUser-Agent: llama-cpp-sdk\r\nAccept: */*\r\n");
      headers.forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
      sb.append("\r\n");
      r = new Request(host + ":" + port, new InetSocketAddress(host, port),
          ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.ISO_8859_1)), System.nanoTime() + timeoutNanos);
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
    if (periodNanos <= 0) {
      throw new IllegalArgumentException("period must be > 0: " + periodNanos);
    }
    Timer t = new Timer(task, System.nanoTime() + initialDelayNanos, periodNanos);
    newTimers.add(t);
    wake();
    return () -> t.cancelled = true;
  }

  /** A fixed-rate task; {@link #due} on {@link System#nanoTime()}'s clock. */
  private static final class Timer {
    final Runnable task;
    final long period;
    long due; // selector thread only (set before it is handed over)
    volatile boolean cancelled;

    Timer(Runnable task, long due, long period) {
      this.task = task;
      this.due = due;
      this.period = period;
    }
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
        thread = new Thread(() -> loop(s), "llamacpp-poll");
        thread.setDaemon(true);
        thread.start();
      } else {
        selector.wakeup();
      }
    }
  }

  private void failAll(String why) {
    Request r;
    while ((r = submitted.poll()) != null) {
      r.result.complete(ReadinessProber.Answer.failed(why));
    }
  }

  /** One GET. */
  private static final class Request {
    final String key;
    final InetSocketAddress address;
    final ByteBuffer bytes;
    final long deadline;
    final CompletableFuture<ReadinessProber.Answer> result = new CompletableFuture<>();
    boolean retried;

    Request(String key, InetSocketAddress address, ByteBuffer bytes, long deadline) {
      this.key = key;
      this.address = address;
      this.bytes = bytes;
      this.deadline = deadline;
    }
  }

  /** One kept-alive connection and the requests waiting for it. */
  private final class Conn {
    final String key;
    final SocketChannel channel;
    final SelectionKey selectionKey;
    final ArrayDeque<Request> waiting = new ArrayDeque<>();
    Request current;
    boolean connected;
    boolean reused; // it has answered a request before
    ByteBuffer in = ByteBuffer.allocate(1024);
    boolean anyAnswerByte;

    Conn(String key, SocketChannel channel, SelectionKey selectionKey) {
      this.key = key;
      this.channel = channel;
      this.selectionKey = selectionKey;
    }
  }

  private void loop(Selector s) {
    long idleSince = System.nanoTime();
    try {
      while (true) {
        long now = System.nanoTime();
        if (!submitted.isEmpty() || !newTimers.isEmpty()) {
          s.selectNow(); // requests handed back by this thread (a closed connection's queue) go out now
        } else {
          long wait = Math.min(conns.isEmpty() ? IDLE_EXIT_NANOS : nearestDeadline(now), nextTimer(now));
          s.select(Math.max(1, (wait + 999_999) / 1_000_000));
        }
        if (closed) {
          for (Conn c : new ArrayList<>(conns.values())) {
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
        runDueTimers();
        Request r;
        while ((r = submitted.poll()) != null) {
          enqueue(s, r);
        }
        for (Iterator<SelectionKey> it = s.selectedKeys().iterator(); it.hasNext(); ) {
          SelectionKey k = it.next();
          it.remove();
          Conn c = (Conn) k.attachment();
          if (k.isValid()) {
            ready(c, k);
          }
        }
        now = System.nanoTime();
        expire(now);
        if (!conns.isEmpty() || !submitted.isEmpty() || hasTimers()) {
          idleSince = now;
        } else if (now - idleSince >= IDLE_EXIT_NANOS) {
          synchronized (lock) {
            if (submitted.isEmpty() && newTimers.isEmpty()) {
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
      for (Conn c : new ArrayList<>(conns.values())) {
        fail(c, "poller error: " + e);
      }
      newTimers.addAll(timers); // the next thread takes them over
      timers.clear();
      synchronized (lock) {
        thread = null;
        selector = null;
        try {
          s.close();
        } catch (IOException ignored) {
          // best effort
        }
      }
      if (!submitted.isEmpty() || !newTimers.isEmpty()) {
        wake();
      }
    }
  }

  private void runDueTimers() {
    Timer t;
    while ((t = newTimers.poll()) != null) {
      timers.add(t);
    }
    long now = System.nanoTime();
    while (!timers.isEmpty() && timers.peek().due - now <= 0) {
      t = timers.poll();
      if (t.cancelled) {
        continue;
      }
      try {
        t.task.run();
      } catch (RuntimeException e) {
        log.warn("a poll timer's task failed", e);
      }
      do {
        t.due += t.period;
      } while (t.due - now <= 0);
      timers.add(t);
    }
  }

  /** {@return nanoseconds to the next live timer, or {@link #IDLE_EXIT_NANOS} if there is none} */
  private long nextTimer(long now) {
    while (!timers.isEmpty() && timers.peek().cancelled) {
      timers.poll();
    }
    return timers.isEmpty() ? IDLE_EXIT_NANOS : Math.max(0, timers.peek().due - now);
  }

  private boolean hasTimers() {
    timers.removeIf(t -> t.cancelled);
    return !timers.isEmpty();
  }

  private long nearestDeadline(long now) {
    long nearest = Long.MAX_VALUE;
    for (Conn c : conns.values()) {
      if (c.current != null) {
        nearest = Math.min(nearest, c.current.deadline - now);
      }
      for (Request w : c.waiting) {
        nearest = Math.min(nearest, w.deadline - now);
      }
    }
    return nearest == Long.MAX_VALUE ? IDLE_EXIT_NANOS : Math.max(1_000_000, nearest);
  }

  private void enqueue(Selector s, Request r) {
    Conn c = conns.get(r.key);
    if (c == null) {
      try {
        SocketChannel ch = SocketChannel.open();
        ch.configureBlocking(false);
        ch.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
        boolean done = ch.connect(r.address);
        SelectionKey k = ch.register(s, done ? SelectionKey.OP_WRITE : SelectionKey.OP_CONNECT);
        c = new Conn(r.key, ch, k);
        c.connected = done;
        k.attach(c);
        conns.put(r.key, c);
      } catch (IOException | RuntimeException e) {
        r.result.complete(ReadinessProber.Answer.failed(ReadinessProber.describe(e)));
        return;
      }
    }
    c.waiting.add(r);
    if (c.current == null && c.connected) {
      startNext(c);
    }
  }

  private void startNext(Conn c) {
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

  private void ready(Conn c, SelectionKey k) {
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

  private void read(Conn c) throws IOException {
    if (!c.in.hasRemaining()) {
      ByteBuffer bigger = ByteBuffer.allocate(Math.min(c.in.capacity() * 2, HEAD_LIMIT + bodyLimit + 64));
      c.in.flip();
      bigger.put(c.in);
      c.in = bigger;
    }
    int n = c.channel.read(c.in);
    if (n < 0) {
      if (c.current == null) {
        close(c); // the server closed an idle connection (keep-alive limit or timeout)
        return;
      }
      Parsed p = Parsed.of(c.in, true, bodyLimit);
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
    Parsed p = Parsed.of(c.in, false, bodyLimit);
    if (p != null) {
      finish(c, p, p.close);
    } else if (!c.in.hasRemaining() && c.in.capacity() >= HEAD_LIMIT + bodyLimit + 64) {
      Parsed cut = Parsed.of(c.in, true, bodyLimit); // too long: take what fits and drop the connection
      finish(c, cut != null ? cut : new Parsed(-1, "", true), true);
    }
  }

  private void finish(Conn c, Parsed p, boolean closeAfter) {
    Request r = c.current;
    c.current = null;
    c.reused = true;
    r.result.complete(p.status < 0 ? ReadinessProber.Answer.failed("malformed HTTP answer")
        : new ReadinessProber.Answer(p.status, p.body, null));
    if (closeAfter) {
      List<Request> rest = new ArrayList<>(c.waiting);
      c.waiting.clear();
      close(c);
      for (Request w : rest) {
        submitted.add(w);
      }
    } else {
      startNext(c);
    }
  }

  /** The connection failed under a request: retry it once on a new connection if it was a stale reuse. */
  private void broken(Conn c, String why) {
    Request r = c.current;
    boolean retry = r != null && c.reused && !c.anyAnswerByte && !r.retried;
    List<Request> rest = new ArrayList<>(c.waiting);
    c.waiting.clear();
    c.current = null;
    close(c);
    if (r != null) {
      if (retry) {
        r.retried = true;
        submitted.add(r);
      } else {
        r.result.complete(ReadinessProber.Answer.failed(why));
      }
    }
    for (Request w : rest) {
      if (c.connected) {
        submitted.add(w); // they never went out: a new connection takes them
      } else {
        w.result.complete(ReadinessProber.Answer.failed(why)); // the connect itself failed
      }
    }
  }

  private void fail(Conn c, String why) {
    if (c.current != null) {
      c.current.result.complete(ReadinessProber.Answer.failed(why));
      c.current = null;
    }
    for (Request w : c.waiting) {
      w.result.complete(ReadinessProber.Answer.failed(why));
    }
    c.waiting.clear();
    close(c);
  }

  private void expire(long now) {
    for (Conn c : new ArrayList<>(conns.values())) {
      if (c.current != null && now - c.current.deadline >= 0) {
        Request r = c.current;
        c.current = null;
        r.result.complete(ReadinessProber.Answer.failed("timed out"));
        List<Request> rest = new ArrayList<>(c.waiting);
        c.waiting.clear();
        close(c); // a late answer must not be read as the next request's
        submitted.addAll(rest);
      }
      for (Iterator<Request> it = c.waiting.iterator(); it.hasNext(); ) {
        Request w = it.next();
        if (now - w.deadline >= 0) {
          it.remove();
          w.result.complete(ReadinessProber.Answer.failed("timed out"));
        }
      }
    }
  }

  private void close(Conn c) {
    conns.remove(c.key, c);
    c.selectionKey.cancel();
    try {
      c.channel.close();
    } catch (IOException ignored) {
      // closing cannot fail in a way that matters
    }
  }

  /** A complete answer read from a buffer. */
  record Parsed(int status, String body, boolean close) {
    /**
     * Parses the bytes in {@code buf} (position = end of data) without consuming them.
     *
     * @param buf the buffer
     * @param atEof the stream ended: a body without length ends here
     * @param bodyLimit the most body characters kept
     * @return the answer, or null if it is not complete yet
     */
    static Parsed of(ByteBuffer buf, boolean atEof, int bodyLimit) {
      byte[] a = buf.array();
      int end = buf.position();
      int headEnd = indexOf(a, end, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      if (headEnd < 0) {
        return null;
      }
      String head = new String(a, 0, headEnd, StandardCharsets.ISO_8859_1);
      int status;
      try {
        int sp = head.indexOf(' ');
        status = Integer.parseInt(head.substring(sp + 1, sp + 4));
      } catch (RuntimeException e) {
        return new Parsed(-1, "", true);
      }
      String lower = head.toLowerCase(Locale.ROOT);
      boolean close = lower.contains("\r\nconnection: close");
      int bodyStart = headEnd + 4;
      long length = header(lower, "content-length");
      if (length >= 0) {
        if (end - bodyStart < length) {
          return atEof ? new Parsed(status, text(a, bodyStart, end, bodyLimit), true) : null;
        }
        return new Parsed(status, text(a, bodyStart, (int) (bodyStart + length), bodyLimit),
            close || end - bodyStart > length);
      }
      if (lower.contains("\r\ntransfer-encoding: chunked")) {
        StringBuilder body = new StringBuilder();
        int i = bodyStart;
        while (true) {
          int lineEnd = indexOf(a, i, end, "\r\n".getBytes(StandardCharsets.ISO_8859_1));
          if (lineEnd < 0) {
            return atEof ? new Parsed(status, cut(body, bodyLimit), true) : null;
          }
          int size;
          try {
            String sizeText = new String(a, i, lineEnd - i, StandardCharsets.ISO_8859_1);
            int semi = sizeText.indexOf(';');
            size = Integer.parseInt((semi < 0 ? sizeText : sizeText.substring(0, semi)).trim(), 16);
          } catch (RuntimeException e) {
            return new Parsed(status, cut(body, bodyLimit), true);
          }
          if (size == 0) {
            return new Parsed(status, cut(body, bodyLimit), close);
          }
          if (lineEnd + 2 + size + 2 > end) {
            return atEof ? new Parsed(status, cut(body, bodyLimit), true) : null;
          }
          body.append(new String(a, lineEnd + 2, size, StandardCharsets.UTF_8));
          i = lineEnd + 2 + size + 2;
        }
      }
      if (status == 204 || status == 304 || status / 100 == 1) {
        return new Parsed(status, "", close);
      }
      return atEof ? new Parsed(status, text(a, bodyStart, end, bodyLimit), true) : null;
    }

    private static String text(byte[] a, int from, int to, int limit) {
      return new String(a, from, Math.min(to - from, limit), StandardCharsets.UTF_8);
    }

    private static String cut(StringBuilder sb, int limit) {
      return sb.length() > limit ? sb.substring(0, limit) : sb.toString();
    }

    private static long header(String lowerHead, String name) {
      int i = lowerHead.indexOf("\r\n" + name + ":");
      if (i < 0) {
        return -1;
      }
      int from = i + name.length() + 3;
      int to = lowerHead.indexOf("\r\n", from);
      try {
        return Long.parseLong(lowerHead.substring(from, to < 0 ? lowerHead.length() : to).trim());
      } catch (RuntimeException e) {
        return -1;
      }
    }

    private static int indexOf(byte[] a, int end, byte[] what) {
      return indexOf(a, 0, end, what);
    }

    private static int indexOf(byte[] a, int from, int end, byte[] what) {
      outer:
      for (int i = from; i <= end - what.length; i++) {
        for (int j = 0; j < what.length; j++) {
          if (a[i + j] != what[j]) {
            continue outer;
          }
        }
        return i;
      }
      return -1;
    }
  }
}
