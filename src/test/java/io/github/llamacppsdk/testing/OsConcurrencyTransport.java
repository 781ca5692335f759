package io.github.llamacppsdk.testing;

import io.github.llamacppsdk.process.LaunchRequest;
import io.github.llamacppsdk.process.LaunchedProcess;
import io.github.llamacppsdk.process.ProcessTransport;
import io.github.llamacppsdk.process.TransportCapabilities;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The local transport, checked against the operating system: at every launch it asks the OS which of
 * the servers launched so far are still alive ({@link ProcessHandle#isAlive()} of their pids) and
 * records the most that ran at once, the new one included. Servers only ever start at a launch, so
 * this is the true maximum. Thread-safe.
 */
public final class OsConcurrencyTransport implements ProcessTransport {
  private final ProcessTransport local = ProcessTransport.local();
  private final List<Long> pids = new CopyOnWriteArrayList<>();
  private final AtomicInteger maxAlive = new AtomicInteger();

  @Override
  public TransportCapabilities capabilities() {
    return local.capabilities();
  }

  @Override
  public synchronized LaunchedProcess launch(LaunchRequest request) {
    LaunchedProcess p = local.launch(request);
    pids.add(p.pid());
    maxAlive.accumulateAndGet(alive(), Math::max);
    return p;
  }

  /** {@return how many launched servers the OS says are alive now} */
  public int alive() {
    return (int) pids.stream().filter(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).count();
  }

  /** {@return the most launched servers alive at once, per the OS} */
  public int maxAlive() {
    return maxAlive.get();
  }

  /** {@return how many servers were launched} */
  public int launches() {
    return pids.size();
  }

  @Override
  public void close() {
    local.close();
  }
}
