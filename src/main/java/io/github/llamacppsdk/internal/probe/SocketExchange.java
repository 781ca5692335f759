package io.github.llamacppsdk.internal.probe;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Not API. The {@code GET}s of a probe whose TCP step has just connected, asked on that socket, one
 * after the other, blocking the probe thread: HTTP/1.1 with keep-alive, answers read as {@link
 * KeepAlivePoller} reads them ({@link ParsedAnswer}), the connection opened again if the server
 * closes it. Every read is bounded by the probe's one deadline, so the whole exchange takes no longer
 * than a probe over the poller; a failure is an {@link ReadinessProber.Answer} with its reason, never a
 * throw.
 *
 * <p>Why a second way to ask: a start's probes are TCP-first until the port listens, and the probe
 * that finds it listening is, on a fresh JVM, the one that publishes the first endpoint. Asking on the
 * socket already connected spares that probe a second connection and the selector's start-up (its
 * thread and some 40 NIO classes, which a cold JVM loads while llama-server starts beside it). The
 * published server's health polls go over the poller as before. Not thread-safe: one probe's.
 */
final class SocketExchange implements AutoCloseable {
  private static final int HEAD_LIMIT = 16 * 1024;

  private final InetSocketAddress address;
  private final long deadline;
  private final int bodyLimit;
  private final ByteBuffer in;
  private Socket socket; // null once closed
  private boolean reused; // the socket has carried a complete answer
  private int answerBytes; // bytes of the answer being read

  /**
   * @param connected the TCP step's socket, connected to {@code address}; closed by {@link #close()}
   * @param address where it is connected
   * @param deadline the probe's deadline, on {@link System#nanoTime()}'s clock
   * @param bodyLimit the most body characters kept
   */
  SocketExchange(Socket connected, InetSocketAddress address, long deadline, int bodyLimit) {
    this.socket = connected;
    this.address = address;
    this.deadline = deadline;
    this.bodyLimit = bodyLimit;
    this.in = ByteBuffer.allocate(HEAD_LIMIT + bodyLimit + 64);
  }

  /** {@return a socket without the JDK's SOCKS layer: a probe of a local server never goes through a proxy} */
  static Socket newSocket() {
    return new Socket(Proxy.NO_PROXY);
  }

  /**
   * {@return whether {@code uri} is a plain {@code http} URI on {@code address}} (its host as written and
   * its port): the only ones this exchange asks
   *
   * @param uri the URI
   * @param address the connected address
   */
  static boolean isOn(URI uri, InetSocketAddress address) {
    String host = uri.getHost();
    if (!"http".equalsIgnoreCase(uri.getScheme()) || host == null) {
      return false;
    }
    if (host.startsWith("[")) {
      host = host.substring(1, host.length() - 1);
    }
    if ((uri.getPort() < 0 ? 80 : uri.getPort()) != address.getPort()) {
      return false;
    }
    if (host.equals(address.getHostString())) {
      return true;
    }
    try { // an IPv6 literal may be written another way ([::1], 0:0:0:0:0:0:0:1); a literal is parsed, never looked up
      return host.indexOf(':') >= 0 && address.getAddress() != null
          && InetAddress.getByName(host).equals(address.getAddress());
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /**
   * One GET; never throws.
   *
   * @param uri an {@code http} URI on this exchange's address
   * @param headers the headers
   * @return the answer, or its failure
   */
  ReadinessProber.Answer get(URI uri, Map<String, String> headers) {
    if (!isOn(uri, address)) {
      return ReadinessProber.Answer.failed("not on the probed address " + address);
    }
    boolean retried = false;
    while (true) {
      boolean stale = reused; // this socket has carried an answer: the server may have closed it since
      answerBytes = 0;
      try {
        PollRequest request = PollRequest.of(uri, headers, deadline);
        if (socket == null) {
          socket = newSocket();
          socket.connect(address, remainingMillis());
          reused = false;
        }
        OutputStream out = socket.getOutputStream();
        out.write(request.bytes.array(), 0, request.bytes.limit());
        out.flush();
        return read(socket.getInputStream());
      } catch (SocketTimeoutException e) {
        close();
        return ReadinessProber.Answer.failed("timed out");
      } catch (IOException | RuntimeException e) {
        close();
        if (stale && answerBytes == 0 && !retried) {
          // a kept-alive connection the server had closed (an HTTP/1.0 answer, an idle limit): once more on a
          // new one, as the poller does
          retried = true;
          continue;
        }
        return ReadinessProber.Answer.failed(e instanceof EOFException ? e.getMessage() : ReadinessProber.describe(e));
      }
    }
  }

  private ReadinessProber.Answer read(InputStream stream) throws IOException {
    in.clear(); // one request at a time: the buffer holds this answer only
    while (true) {
      if (!in.hasRemaining()) { // too long: take what fits and drop the connection
        ParsedAnswer cut = ParsedAnswer.of(in, true, bodyLimit);
        close();
        return answer(cut != null ? cut : ParsedAnswer.malformed(in.array(), in.position()));
      }
      socket.setSoTimeout(remainingMillis());
      int n = stream.read(in.array(), in.position(), in.remaining());
      if (n < 0) {
        if (answerBytes == 0) {
          throw new EOFException("connection closed before a complete answer");
        }
        ParsedAnswer p = ParsedAnswer.of(in, true, bodyLimit);
        close();
        return p != null ? answer(p) : ReadinessProber.Answer.failed("connection closed before a complete answer");
      }
      answerBytes += n;
      in.position(in.position() + n);
      ParsedAnswer p = ParsedAnswer.of(in, false, bodyLimit);
      if (p != null) {
        if (p.close()) {
          close();
        } else {
          reused = true;
        }
        return answer(p);
      }
    }
  }

  private static ReadinessProber.Answer answer(ParsedAnswer p) {
    return p.failure() != null ? ReadinessProber.Answer.failed(p.failure())
        : new ReadinessProber.Answer(p.status(), p.body(), null);
  }

  /** {@return the milliseconds to the deadline, at least 1} */
  private int remainingMillis() throws SocketTimeoutException {
    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
    if (left <= 0) {
      throw new SocketTimeoutException("probe deadline passed");
    }
    return (int) Math.min(Integer.MAX_VALUE, left);
  }

  /** Closes the socket; idempotent. */
  @Override
  public void close() {
    if (socket != null) {
      closeQuietly(socket);
      socket = null;
    }
  }

  /** Closes {@code socket}, ignoring a failure: it is gone either way. */
  static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // nothing to do
    }
  }
}
