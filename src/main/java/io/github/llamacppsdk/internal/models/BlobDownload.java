package io.github.llamacppsdk.internal.models;

import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.internal.Log;
import io.github.llamacppsdk.models.HuggingFaceModel;
import io.github.llamacppsdk.models.ModelPullException;
import io.github.llamacppsdk.models.PullFailure;
import io.github.llamacppsdk.models.PullProgress;
import io.github.llamacppsdk.models.PullProgress.Stage;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Not API. Downloads one repository file into its blob: into {@code OID.downloadInProgress}, resuming
 * a part already there with {@code Range}, hashing as it writes, retrying a broken connection or a
 * 5xx, failing by the stall rule when no byte arrives for the stall timeout; then verifies the hash
 * against the oid and renames the part to the blob. The blob path only ever holds a verified file.
 */
final class BlobDownload {
  private static final Log log = Log.of(BlobDownload.class);
  private static final int MAX_REDIRECTS = 5;

  private final HubClient hub;
  private final HuggingFaceModel model;
  private final RepoFile file;
  private final Path blob;
  private final Path part;
  private final ProgressMeter meter;
  private final PartDigest digest;

  BlobDownload(HubClient hub, HuggingFaceModel model, RepoFile file, Path blob, Consumer<PullProgress> sink) {
    this.hub = hub;
    this.model = model;
    this.file = file;
    this.blob = blob;
    this.part = CacheLayout.inProgress(blob);
    this.meter = new ProgressMeter(model, file.path(), file.size(), sink);
    this.digest = new PartDigest(file);
  }

  /** Downloads, verifies and installs the blob; throws a typed failure otherwise. */
  void run(String commit) {
    try {
      Files.createDirectories(blob.getParent());
    } catch (IOException e) {
      throw fail(PullFailure.CACHE_ERROR, "cannot create " + blob.getParent() + ": " + e, e);
    }
    checkSpace();
    URI url = hub.resolveUrl(model.repo(), commit, file.path());
    long started = System.nanoTime();
    long startBytes = sizeOf(part);
    for (int attempt = 1; ; attempt++) {
      HubClient.Failure f = transfer(url);
      if (f == null) {
        break;
      }
      if (!f.retryable() || attempt >= hub.settings().maxAttempts()) {
        if (sizeOf(part) == 0) {
          deletePart();
        }
        throw fail(f.failure(), f.detail() + (f.retryable() ? " (" + attempt + " attempts; the "
            + meter.done() + " bytes on disk resume on the next pull)" : ""), f.cause());
      }
      log.info("{} {}: {}; retry {} of {}", model.name(), file.path(), f.detail(), attempt + 1,
          hub.settings().maxAttempts());
      hub.pause(attempt);
    }
    meter.finish(started, startBytes);
    verifyAndInstall();
  }

  private void checkSpace() {
    long need = file.size() - sizeOf(part);
    if (file.size() < 0 || need <= 0) {
      return;
    }
    try {
      long free = Files.getFileStore(blob.getParent()).getUsableSpace();
      if (free < need) {
        throw fail(PullFailure.DISK_FULL, "needs " + need + " more bytes in " + blob.getParent() + ", which has "
            + free + " free; nothing was downloaded", null);
      }
    } catch (IOException e) {
      log.debug("cannot read the free space of {}: {}", blob.getParent(), e.toString());
    }
  }

  /** One attempt (with redirects); {@code null} when every byte is on disk. */
  private HubClient.Failure transfer(URI url) {
    long have = sizeOf(part);
    if (file.size() >= 0 && have > file.size()) {
      deletePart();
      have = 0;
    }
    seedDigest(have);
    if (file.size() >= 0 && have == file.size()) {
      return null;
    }
    meter.restart(have);
    URI at = url;
    for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
      HttpRequest.Builder req = hub.request(at, hub.settings().stallTimeout()).GET();
      if (have > 0) {
        req.header("Range", "bytes=" + have + "-");
      }
      Writer writer;
      try {
        writer = new Writer(have);
      } catch (IOException e) {
        return new HubClient.Failure(PullFailure.CACHE_ERROR, false, "cannot open " + part + ": " + e, e);
      }
      HttpResponse<Void> r;
      try {
        r = await(req.build(), writer);
      } catch (IOException e) {
        return new HubClient.Failure(PullFailure.HUB_UNREACHABLE, true, "the connection broke after " + meter.done()
            + " of " + file.size() + " bytes: " + e, e);
      } finally {
        writer.close();
      }
      if (writer.error != null) {
        return writer.error;
      }
      URI next = HubClient.redirect(model, file.path(), r);
      if (next != null) {
        at = next;
        continue;
      }
      int s = r.statusCode();
      if (s == 200 || s == 206) {
        long onDisk = sizeOf(part);
        if (file.size() >= 0 && onDisk > file.size()) {
          deletePart();
          return new HubClient.Failure(PullFailure.BAD_RESPONSE, false, "GET " + at + " sent " + onDisk
              + " bytes, more than the " + file.size() + " the Hub lists; the part was deleted", null);
        }
        return file.size() < 0 || onDisk == file.size() ? null : new HubClient.Failure(PullFailure.HUB_UNREACHABLE,
            true, "the connection ended after " + onDisk + " of " + file.size() + " bytes", null);
      }
      if (s == 416) {
        deletePart();
        return new HubClient.Failure(PullFailure.BAD_RESPONSE, true, "GET " + at + " refused the range from byte "
            + have + " (416); starting over", null);
      }
      return hub.classify(model, file.path(), r);
    }
    return new HubClient.Failure(PullFailure.BAD_RESPONSE, false, "GET " + url + " redirected more than "
        + MAX_REDIRECTS + " times", null);
  }

  /** Sends and waits for the whole body, failing by the stall rule: no byte for the stall timeout. */
  private HttpResponse<Void> await(HttpRequest req, Writer writer) throws IOException {
    CompletableFuture<HttpResponse<Void>> response = hub.http().sendAsync(req, info -> writer.handle(info));
    CompletableFuture<Object> either = CompletableFuture.anyOf(response, writer.aborted);
    long stall = hub.settings().stallTimeout().toNanos();
    while (true) {
      long remaining = stall - (System.nanoTime() - meter.lastByteNanos());
      if (remaining <= 0) {
        response.cancel(true);
        writer.cancel();
        throw fail(PullFailure.STALLED, "no byte arrived for " + hub.settings().stallTimeout().toMillis()
            + " ms after " + meter.done() + " of " + file.size() + " bytes from " + req.uri()
            + "; the part on disk resumes on the next pull", null);
      }
      try {
        either.get(remaining, TimeUnit.NANOSECONDS);
        if (writer.aborted.isDone()) {
          response.cancel(true);
          return null;
        }
        return response.get();
      } catch (TimeoutException e) {
        // re-check: bytes may have arrived meanwhile
      } catch (InterruptedException e) {
        response.cancel(true);
        writer.cancel();
        Thread.currentThread().interrupt();
        throw new InferenceException(ErrorCode.INTERRUPTED, "interrupted while downloading " + model.name() + " "
            + file.path() + "; the part on disk resumes on the next pull");
      } catch (ExecutionException e) {
        if (writer.error != null) {
          return null;
        }
        Throwable c = e.getCause();
        throw c instanceof IOException io ? io : new IOException(String.valueOf(c), c);
      }
    }
  }

  private void verifyAndInstall() {
    meter.emit(Stage.VERIFYING);
    String actual = digest.finish();
    if (file.hasValidOid() && !actual.equals(file.oid())) {
      deletePart();
      throw fail(PullFailure.CHECKSUM_MISMATCH, "the downloaded bytes hash to " + actual + ", the Hub lists "
          + file.oid() + " (" + (file.lfs() ? "SHA-256" : "git SHA-1") + "); the download was deleted", null);
    }
    try {
      try (FileChannel ch = FileChannel.open(part, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      CacheLayout.moveAtomically(part, blob);
    } catch (IOException e) {
      throw fail(PullFailure.CACHE_ERROR, "cannot move " + part + " to " + blob + ": " + e, e);
    }
    meter.emit(Stage.COMPLETE);
  }

  /** Makes the digest cover exactly the first {@code have} bytes of the part. */
  private void seedDigest(long have) {
    try {
      digest.seed(part, have);
    } catch (IOException e) {
      throw fail(PullFailure.CACHE_ERROR, "cannot read the partial download " + part + ": " + e, e);
    }
  }

  private void deletePart() {
    try {
      Files.deleteIfExists(part);
    } catch (IOException e) {
      log.warn("cannot delete the partial download {}: {}", part, e.toString());
    }
    digest.invalidate();
  }

  private static long sizeOf(Path p) {
    try {
      return Files.exists(p) ? Files.size(p) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  private ModelPullException fail(PullFailure failure, String detail, Throwable cause) {
    return new ModelPullException(failure, model, file.path(), List.of(), detail, cause);
  }

  /** Writes the body of a 200 or 206 to the part, hashing it; discards any other body. */
  private final class Writer implements Flow.Subscriber<List<ByteBuffer>> {
    final CompletableFuture<Void> aborted = new CompletableFuture<>();
    private final long have;
    private final FileChannel channel;
    private Flow.Subscription subscription;
    private boolean closed;
    volatile HubClient.Failure error;

    Writer(long have) throws IOException {
      this.have = have;
      this.channel = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }

    HttpResponse.BodySubscriber<Void> handle(HttpResponse.ResponseInfo info) {
      int s = info.statusCode();
      if (s == 200 || (s == 206 && rangeStart(info) == have)) {
        if (s == 200 && have > 0) {
          restartFromZero();
        }
        return HttpResponse.BodySubscribers.fromSubscriber(this);
      }
      if (s == 206) { // a range we did not ask for: start over
        restartFromZero();
        error = new HubClient.Failure(PullFailure.BAD_RESPONSE, true, "the server answered a range other than"
            + " bytes=" + have + "-; starting over", null);
      }
      return HttpResponse.BodySubscribers.discarding();
    }

    private synchronized void restartFromZero() {
      try {
        channel.truncate(0);
      } catch (IOException e) {
        error = new HubClient.Failure(PullFailure.CACHE_ERROR, false, "cannot truncate " + part + ": " + e, e);
      }
      digest.restart();
      meter.reset();
    }

    private long rangeStart(HttpResponse.ResponseInfo info) {
      String range = info.headers().firstValue("Content-Range").orElse("");
      try { // bytes START-END/TOTAL
        return Long.parseLong(range.substring(range.indexOf(' ') + 1, range.indexOf('-')).trim());
      } catch (RuntimeException e) {
        return -1;
      }
    }

    @Override
    public synchronized void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (closed) {
        s.cancel();
        return;
      }
      try {
        channel.position(channel.size());
      } catch (IOException e) {
        abort(new HubClient.Failure(PullFailure.CACHE_ERROR, false, "cannot write " + part + ": " + e, e));
        return;
      }
      s.request(1);
    }

    @Override
    public synchronized void onNext(List<ByteBuffer> buffers) {
      if (closed) {
        return;
      }
      try {
        for (ByteBuffer b : buffers) {
          ByteBuffer view = b.duplicate();
          int n = b.remaining();
          while (b.hasRemaining()) {
            channel.write(b);
          }
          digest.update(view);
          meter.add(n);
        }
        subscription.request(1);
      } catch (IOException e) {
        boolean full = String.valueOf(e.getMessage()).contains("No space left");
        abort(new HubClient.Failure(full ? PullFailure.DISK_FULL : PullFailure.CACHE_ERROR, false,
            (full ? "the disk filled up while writing " : "cannot write ") + part + ": " + e
                + "; the bytes written so far resume on the next pull", e));
      }
    }

    private void abort(HubClient.Failure f) {
      error = f;
      subscription.cancel();
      aborted.complete(null);
    }

    @Override
    public void onError(Throwable t) {
      // the response future fails with it
    }

    @Override
    public void onComplete() {
      // the response future completes
    }

    synchronized void cancel() {
      if (subscription != null) {
        subscription.cancel();
      }
      close();
    }

    synchronized void close() {
      if (closed) {
        return;
      }
      closed = true;
      try {
        channel.close();
      } catch (IOException e) {
        log.debug("closing {}: {}", part, e.toString());
      }
    }
  }
}
