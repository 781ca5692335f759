package io.github.llamacppsdk.internal.models;

import io.github.llamacppsdk.models.HuggingFaceModel;
import io.github.llamacppsdk.models.PullProgress;
import io.github.llamacppsdk.models.PullProgress.Stage;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * Not API. Counts the bytes of one file's download, remembers when the last byte arrived (for the
 * stall rule) and turns the count into {@link PullProgress} events: at most one {@code DOWNLOADING}
 * event per {@link #INTERVAL_NANOS}, with a smoothed rate. Written by the HTTP client's thread, read by
 * the waiting thread.
 */
final class ProgressMeter {
  static final long INTERVAL_NANOS = 200_000_000L;

  private final HuggingFaceModel model;
  private final String file;
  private final long total;
  private final Consumer<PullProgress> sink;
  private volatile long done;
  private volatile long lastByteNanos;
  private long lastEventNanos;
  private long lastEventBytes;
  private double rate;

  ProgressMeter(HuggingFaceModel model, String file, long total, Consumer<PullProgress> sink) {
    this.model = model;
    this.file = file;
    this.total = total;
    this.sink = sink;
    this.lastByteNanos = System.nanoTime();
    this.lastEventNanos = lastByteNanos;
  }

  /** A new request starts: the stall clock restarts, the count is what is on disk. */
  synchronized void restart(long onDisk) {
    done = onDisk;
    lastEventBytes = onDisk;
    lastByteNanos = System.nanoTime();
    lastEventNanos = lastByteNanos;
    emit(Stage.DOWNLOADING);
  }

  /** The part on disk was dropped (the server ignored the range): counting starts at 0. */
  synchronized void reset() {
    done = 0;
    lastEventBytes = 0;
  }

  /** {@code n} more bytes are on disk. */
  synchronized void add(long n) {
    long now = System.nanoTime();
    done += n;
    lastByteNanos = now;
    if (now - lastEventNanos >= INTERVAL_NANOS) {
      double instant = (done - lastEventBytes) * 1e9 / (now - lastEventNanos);
      rate = rate == 0 ? instant : 0.5 * rate + 0.5 * instant;
      lastEventNanos = now;
      lastEventBytes = done;
      emit(Stage.DOWNLOADING);
    }
  }

  long done() {
    return done;
  }

  long lastByteNanos() {
    return lastByteNanos;
  }

  /** Emits a final event of {@code stage} with the current count (rate 0 unless downloading). */
  synchronized void emit(Stage stage) {
    double r = stage == Stage.DOWNLOADING ? rate : 0;
    sink.accept(new PullProgress(model, file, stage, done, total >= 0 ? OptionalLong.of(total) : OptionalLong.empty(), r));
  }

  /** The last bytes arrived: one more DOWNLOADING event with the full count and the overall rate. */
  synchronized void finish(long startNanos, long startBytes) {
    long now = System.nanoTime();
    if (now > startNanos && done > startBytes) {
      rate = (done - startBytes) * 1e9 / (now - startNanos);
    }
    emit(Stage.DOWNLOADING);
  }
}
