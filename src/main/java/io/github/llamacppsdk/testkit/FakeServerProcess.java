package io.github.llamacppsdk.testkit;

import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A running {@link FakeLlamaServer} process started by a test, with its combined stdout and stderr
 * collected line by line. Thread-safe. {@link #close()} kills it (and any descendants it has).
 */
public final class FakeServerProcess implements AutoCloseable {
  /**
   * The ready line of every build: {@code listening on http://H:P} (b11669), {@code server is
   * listening on http://H:P} (May 2026) or {@code ... http://H:P - starting the main loop} (b6000).
   */
  private static final Pattern LISTENING = Pattern.compile("listening on (http://\\S+)");

  private final Process process;
  private final List<String> lines = new ArrayList<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private boolean outputEnded;

  private FakeServerProcess(Process process) {
    this.process = process;
    Thread pump = new Thread(this::pump, "fake-llama-server-output-" + process.pid());
    pump.setDaemon(true);
    pump.start();
    process.onExit().thenRun(this::signalChange);
  }

  static FakeServerProcess launch(List<String> command, Map<String, String> env) {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("LLAMA_") || k.startsWith("FAKE_LLAMA_"));
    pb.environment().putAll(env);
    try {
      return new FakeServerProcess(pb.start());
    } catch (IOException e) {
      throw new InferenceException(ErrorCode.LAUNCH_FAILED, "cannot launch " + command.get(0), e);
    }
  }

  private void pump() {
    try (BufferedReader r = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        lock.lock();
        try {
          lines.add(line);
          changed.signalAll();
        } finally {
          lock.unlock();
        }
      }
    } catch (IOException e) {
      // the stream closed; treated as the end of output
    } finally {
      lock.lock();
      try {
        outputEnded = true;
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  private void signalChange() {
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** {@return the underlying process} */
  public Process process() {
    return process;
  }

  /** {@return the process id} */
  public long pid() {
    return process.pid();
  }

  /** {@return a snapshot of every output line so far (stderr and stdout, in arrival order)} */
  public List<String> output() {
    lock.lock();
    try {
      return List.copyOf(lines);
    } finally {
      lock.unlock();
    }
  }

  /** {@return the base URI from the {@code listening on http://...} line, once it was printed} */
  public Optional<URI> baseUri() {
    return output().stream().map(LISTENING::matcher).filter(Matcher::find).findFirst()
        .map(m -> URI.create(m.group(1)));
  }

  /**
   * Waits for the {@code listening on http://...} line, in any build's wording.
   *
   * @param timeout how long to wait
   * @return the base URI, e.g. {@code http://127.0.0.1:8080}
   * @throws InferenceException {@code EXITED_BEFORE_READY} or {@code READINESS_TIMEOUT}, with the output
   */
  public URI awaitListening(Duration timeout) {
    awaitLine(l -> LISTENING.matcher(l).find(), timeout);
    return baseUri().orElseThrow();
  }

  /**
   * Waits until an output line contains {@code text}.
   *
   * @param text the text to look for
   * @param timeout how long to wait
   * @return the first matching line
   * @throws InferenceException {@code EXITED_BEFORE_READY} if the process ended first, {@code
   *     READINESS_TIMEOUT} if the time ran out; both carry the output
   */
  public String awaitLine(String text, Duration timeout) {
    return awaitLine(l -> l.contains(text), timeout);
  }

  private String awaitLine(Predicate<String> match, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    long exitGrace = Long.MAX_VALUE;
    lock.lock();
    try {
      while (true) {
        Optional<String> hit = lines.stream().filter(match).findFirst();
        if (hit.isPresent()) {
          return hit.get();
        }
        if (!process.isAlive() && exitGrace == Long.MAX_VALUE) {
          // Output may still be in flight after the exit (or held open by a grandchild): allow a moment.
          exitGrace = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
        }
        if (!process.isAlive() && (outputEnded || System.nanoTime() > exitGrace)) {
          throw new InferenceException(ErrorCode.EXITED_BEFORE_READY, "fake llama-server exited with status "
              + process.exitValue() + "; output:\n" + String.join("\n", lines));
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new InferenceException(ErrorCode.READINESS_TIMEOUT, "no matching line within " + timeout
              + "; output:\n" + String.join("\n", lines));
        }
        changed.awaitNanos(process.isAlive() ? left : Math.min(left, TimeUnit.MILLISECONDS.toNanos(20)));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InferenceException(ErrorCode.INTERRUPTED, "interrupted while waiting for output", e);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits for the process to exit.
   *
   * @param timeout how long to wait
   * @return the exit status (128 + signal number when killed by a signal)
   * @throws InferenceException {@code WAIT_TIMEOUT} if it is still running
   */
  public int awaitExit(Duration timeout) {
    try {
      return process.onExit().get(timeout.toNanos(), TimeUnit.NANOSECONDS).exitValue();
    } catch (TimeoutException e) {
      throw new InferenceException(ErrorCode.WAIT_TIMEOUT, "still running after " + timeout + "; output:\n"
          + String.join("\n", output()), e);
    } catch (ExecutionException e) {
      throw new InferenceException(ErrorCode.INTERNAL, "waiting for exit failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InferenceException(ErrorCode.INTERRUPTED, "interrupted while waiting for exit", e);
    }
  }

  /**
   * Sends SIGTERM (a graceful stop request) and returns at once. Unlike {@link Process#destroy()},
   * this keeps the output pipe open, so the lines printed while stopping are still collected.
   */
  public void terminate() {
    process.toHandle().destroy();
  }

  /** Kills the process and its descendants with SIGKILL and waits for it; idempotent. */
  @Override
  public void close() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.onExit().get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // nothing more we can do: SIGKILL was sent
    }
  }

  @Override
  public String toString() {
    return "FakeServerProcess[pid=" + process.pid() + ", alive=" + process.isAlive() + "]";
  }
}
