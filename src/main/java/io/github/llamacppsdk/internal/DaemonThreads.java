package io.github.llamacppsdk.internal;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Not API. The library's pool threads: daemon threads named {@code <prefix>-N}, N counting from 1 per
 * factory. Daemon, so a pool the application forgot to close never keeps its JVM alive; named, so a
 * thread dump says whose they are ({@code llamacpp-core-1}, {@code llamacpp-exit-2}, ...).
 */
public final class DaemonThreads implements ThreadFactory {
  private final String prefix;
  private final AtomicInteger count = new AtomicInteger();

  /** A factory of threads named {@code prefix-1}, {@code prefix-2}, ... */
  public DaemonThreads(String prefix) {
    this.prefix = prefix;
  }

  @Override
  public Thread newThread(Runnable task) {
    Thread t = new Thread(task, prefix + "-" + count.incrementAndGet());
    t.setDaemon(true);
    return t;
  }
}
