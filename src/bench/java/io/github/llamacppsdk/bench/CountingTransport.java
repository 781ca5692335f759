package io.github.llamacppsdk.bench;

import io.github.llamacppsdk.process.LaunchRequest;
import io.github.llamacppsdk.process.LaunchedProcess;
import io.github.llamacppsdk.process.ProcessTransport;
import io.github.llamacppsdk.process.TransportCapabilities;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link ProcessTransport} decorator that counts launches and records the monotonic moment just
 * before each one (the spawn moment used by the resolve-overhead figure). Thread-safe.
 */
final class CountingTransport implements ProcessTransport {
  private final ProcessTransport delegate;
  private final AtomicInteger launches = new AtomicInteger();
  private volatile long lastLaunchNanos;
  private volatile long lastHintNanos;

  CountingTransport(ProcessTransport delegate) {
    this.delegate = delegate;
  }

  @Override
  public TransportCapabilities capabilities() {
    return delegate.capabilities();
  }

  @Override
  public LaunchedProcess launch(LaunchRequest request) {
    lastLaunchNanos = System.nanoTime();
    launches.incrementAndGet();
    LaunchedProcess p = delegate.launch(request);
    lastHintNanos = 0;
    p.subscribe(line -> {
      if (lastHintNanos == 0 && line.text().contains("model loaded")) {
        lastHintNanos = System.nanoTime();
      }
    });
    return p;
  }

  /** {@return when the last launched server's {@code model loaded} line reached this JVM, or 0} */
  long lastHintNanos() {
    return lastHintNanos;
  }

  int launches() {
    return launches.get();
  }

  long lastLaunchNanos() {
    return lastLaunchNanos;
  }

  @Override
  public void close() {
    delegate.close();
  }
}
