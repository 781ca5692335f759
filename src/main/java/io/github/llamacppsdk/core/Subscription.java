package io.github.llamacppsdk.core;

/** A listener registration; {@link #close()} removes the listener. Thread-safe. */
@FunctionalInterface
public interface Subscription extends AutoCloseable {
  /** Removes the listener. Idempotent; never throws. */
  @Override
  void close();
}
