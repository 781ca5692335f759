package io.github.llamacppsdk.internal.models;

import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.models.PullProgress;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Not API. One download per blob: within this JVM, the first puller of a blob downloads it and later
 * ones wait for it and receive its progress events; across processes, the downloader holds an
 * exclusive lock on the blob's lock file.
 *
 * <p>The registry is static on purpose: file locks belong to the process, not to an object, so two
 * pullers (two backends) in one JVM must coordinate through it, or the second would get an
 * {@link java.nio.channels.OverlappingFileLockException} instead of waiting.
 */
final class Flights {
  private static final ConcurrentHashMap<Path, Flight> FLIGHTS = new ConcurrentHashMap<>();

  private Flights() {}

  /** A download in flight and the listeners of its progress. */
  static final class Flight implements Consumer<PullProgress> {
    private final CompletableFuture<Boolean> done = new CompletableFuture<>();
    private final List<Consumer<PullProgress>> listeners = new CopyOnWriteArrayList<>();

    @Override
    public void accept(PullProgress p) {
      listeners.forEach(l -> l.accept(p));
    }
  }

  /**
   * Runs {@code work} for {@code blob} unless another thread of this JVM is already doing it, in which
   * case this one waits for that outcome (and sees its progress). The work runs holding the blob's
   * cross-process lock, and is skipped when the blob exists once the lock is held.
   *
   * @param blob the blob path (the key)
   * @param lockFile the cross-process lock file
   * @param listener this caller's progress listener
   * @param work the download; receives the flight's multicast listener; true when it downloaded
   * @return whether this JVM downloaded bytes for it (false: it was there, or another process made it)
   * @throws java.io.UncheckedIOException if the lock file cannot be created or locked
   */
  static boolean once(Path blob, Path lockFile, Consumer<PullProgress> listener,
      java.util.function.Function<Consumer<PullProgress>, Boolean> work) {
    while (true) {
      Flight mine = new Flight();
      mine.listeners.add(listener);
      Flight running = FLIGHTS.putIfAbsent(blob, mine);
      if (running == null) {
        try {
          boolean downloaded = locked(lockFile, () -> Files.exists(blob) ? false : work.apply(mine));
          mine.done.complete(downloaded);
          return downloaded;
        } catch (RuntimeException | Error e) { // whatever ends the work ends the waiters' wait too
          mine.done.completeExceptionally(e);
          throw e;
        } finally {
          FLIGHTS.remove(blob, mine);
        }
      }
      running.listeners.add(listener);
      try {
        running.done.get();
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InferenceException(ErrorCode.INTERRUPTED, "interrupted while waiting for the download of " + blob);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof InferenceException ie && ie.code() == ErrorCode.INTERRUPTED
            || e.getCause() instanceof Error && !(e.getCause() instanceof VirtualMachineError)) {
          continue; // the downloading thread was interrupted or failed in its own code, not in the blob's: take over
        }
        throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
      } finally {
        running.listeners.remove(listener);
      }
    }
  }

  private static boolean locked(Path lockFile, Supplier<Boolean> work) {
    try {
      Files.createDirectories(lockFile.getParent());
      try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
           FileLock lock = ch.lock()) {
        return work.get();
      }
    } catch (java.nio.channels.ClosedByInterruptException e) {
      Thread.interrupted();
      Thread.currentThread().interrupt();
      throw new InferenceException(ErrorCode.INTERRUPTED, "interrupted while waiting for the lock " + lockFile);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot lock " + lockFile + ": " + e, e);
    }
  }
}
