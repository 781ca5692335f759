package io.github.llamacppsdk.testing;

import io.github.llamacppsdk.process.ExitStatus;
import io.github.llamacppsdk.process.LaunchedProcess;
import io.github.llamacppsdk.process.OutputLine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** An in-memory {@link LaunchedProcess}: the test prints lines and completes the exit. */
public final class FakeLaunchedProcess implements LaunchedProcess {
  private static final AtomicInteger PIDS = new AtomicInteger(90_000);

  private final long pid = PIDS.incrementAndGet();
  private final String name;
  private final List<OutputLine> output = new CopyOnWriteArrayList<>();
  private final List<Consumer<OutputLine>> listeners = new CopyOnWriteArrayList<>();
  private final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
  private final AtomicInteger stopCalls = new AtomicInteger();
  private volatile boolean exitOnStop = true;

  public FakeLaunchedProcess(String name) {
    this.name = name;
  }

  /** Makes stop() wait for the test to call exit() (a process that ignores SIGTERM). */
  public FakeLaunchedProcess ignoringStop() {
    exitOnStop = false;
    return this;
  }

  public void print(String text) {
    OutputLine line = new OutputLine(OutputLine.Stream.STDERR, text, OutputLine.Level.INFO, System.nanoTime());
    output.add(line);
    listeners.forEach(l -> l.accept(line));
  }

  public void exit(int code) {
    exit.complete(new ExitStatus(OptionalInt.of(code), OptionalInt.empty(), ExitStatus.Termination.ON_ITS_OWN));
  }

  private volatile long lastOutput = Long.MIN_VALUE;

  /** Bytes arrived without a complete line (llama-server's loading dots). */
  public void partialOutput() {
    lastOutput = System.nanoTime();
  }

  @Override
  public long lastOutputNanos() {
    return lastOutput;
  }

  public int stopCalls() {
    return stopCalls.get();
  }

  @Override public long pid() { return pid; }
  @Override public String displayName() { return name; }
  @Override public boolean isAlive() { return !exit.isDone(); }
  @Override public CompletableFuture<ExitStatus> onExit() { return exit.thenApply(e -> e); }
  @Override public List<OutputLine> recentOutput() { return new ArrayList<>(output); }

  @Override
  public OutputSubscription subscribe(Consumer<OutputLine> listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  @Override
  public CompletableFuture<ExitStatus> stop(Duration grace) {
    stopCalls.incrementAndGet();
    if (exitOnStop) {
      exit.complete(new ExitStatus(OptionalInt.of(0), OptionalInt.empty(), ExitStatus.Termination.GRACEFUL));
    }
    return exit.thenApply(e -> e);
  }
}
