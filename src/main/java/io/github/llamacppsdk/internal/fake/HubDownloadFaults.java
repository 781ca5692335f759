package io.github.llamacppsdk.internal.fake;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Not API. How the downloads of {@code testkit.FakeHuggingFace} misbehave: injected error statuses,
 * bodies cut mid-way, stalls and a throttled link; and the writing of a body under them. Thread-safe.
 */
public final class HubDownloadFaults {
  private static final long CHUNK = 16 * 1024;

  private final AtomicLong cutAfter = new AtomicLong(-1);
  private final AtomicInteger cuts = new AtomicInteger();
  private final AtomicLong stallAfter = new AtomicLong(-1);
  private final AtomicLong bytesPerSecond = new AtomicLong(0);
  private final AtomicInteger failures = new AtomicInteger();
  private volatile int failStatus = 503;
  private final CountDownLatch closing = new CountDownLatch(1);

  /** Cuts the next {@code times} bodies after {@code bytes} bytes.
   * @param bytes sent before the cut
   * @param times how many */
  public void cutAfter(long bytes, int times) {
    cutAfter.set(bytes);
    cuts.set(times);
  }

  /** Sends at most {@code v} bytes a second (0: full speed).
   * @param v bytes/s */
  public void throttle(long v) {
    bytesPerSecond.set(v);
  }

  /** Sends {@code bytes} bytes of each body, then nothing until {@link #close()}.
   * @param bytes before the stall */
  public void stallAfter(long bytes) {
    stallAfter.set(bytes);
  }

  /** The next {@code times} downloads answer {@code status}.
   * @param times how many
   * @param status e.g. 503 */
  public void failNext(int times, int status) {
    failStatus = status;
    failures.set(times);
  }

  /** {@return the status this download must answer instead, or -1; counts it} */
  public int takeFailure() {
    return failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? failStatus : -1;
  }

  /** Ends the stalls. Idempotent. */
  public void close() {
    closing.countDown();
  }

  /**
   * Writes {@code length} bytes of {@code content} from {@code start}, under the faults.
   *
   * @param out the body
   * @param content the file
   * @param start the first byte
   * @param length how many bytes
   * @throws IOException a cut or a stall (the connection closes with the body short), or the client went away
   */
  public void write(OutputStream out, byte[] content, long start, long length) throws IOException {
    long cut = cuts.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? cutAfter.get() : -1;
    long stall = stallAfter.get();
    long rate = bytesPerSecond.get();
    long sent = 0;
    while (sent < length) {
      long limit = length - sent;
      if (cut >= 0) {
        limit = Math.min(limit, cut - sent);
      }
      if (stall >= 0) {
        limit = Math.min(limit, stall - sent);
      }
      if (limit <= 0) {
        out.flush();
        if (cut >= 0 && sent >= cut) {
          throw new IOException("cut"); // closes the connection with the body short
        }
        awaitClose(); // stalled: nothing more until the stand-in closes
        throw new IOException("stalled");
      }
      int n = (int) Math.min(CHUNK, limit);
      if (rate > 0) {
        n = (int) Math.max(1, Math.min(n, rate / 20)); // 20 chunks a second
      }
      out.write(content, (int) (start + sent), n);
      out.flush();
      sent += n;
      if (rate > 0 && sent < length) {
        LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(n) / rate); // emulates a link of `rate` bytes/s
      }
    }
  }

  private void awaitClose() {
    try {
      closing.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
