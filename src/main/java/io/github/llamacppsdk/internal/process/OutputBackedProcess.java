package io.github.llamacppsdk.internal.process;

import io.github.llamacppsdk.process.LaunchedProcess;
import io.github.llamacppsdk.process.OutputLine;
import java.util.List;
import java.util.function.Consumer;

/**
 * Not API. The output side every transport's process shares: its lines go into one {@link
 * ProcessOutput} (ring, subscribers, last activity), which answers {@link #recentOutput()}, {@link
 * #subscribe(Consumer)} and {@link #lastOutputNanos()}. What feeds it (a pipe, a pod's log) is the
 * subclass's.
 */
public abstract class OutputBackedProcess implements LaunchedProcess {
  /** Where the process's lines go. */
  protected final ProcessOutput output;

  /** @param output where the process's lines go */
  protected OutputBackedProcess(ProcessOutput output) {
    this.output = output;
  }

  @Override
  public final List<OutputLine> recentOutput() {
    return output.recent();
  }

  @Override
  public final OutputSubscription subscribe(Consumer<OutputLine> listener) {
    return output.subscribe(listener);
  }

  @Override
  public final long lastOutputNanos() {
    return output.lastActivityNanos();
  }
}
