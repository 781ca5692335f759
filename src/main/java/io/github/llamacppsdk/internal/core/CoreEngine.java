package io.github.llamacppsdk.internal.core;

import io.github.llamacppsdk.core.Capacity;
import io.github.llamacppsdk.core.CoreListener;
import io.github.llamacppsdk.core.EnsureResult;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceCore;
import io.github.llamacppsdk.core.Lease;
import io.github.llamacppsdk.core.ResolveOptions;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.internal.DaemonThreads;
import io.github.llamacppsdk.internal.Log;
import io.github.llamacppsdk.internal.core.BackendTable.Prepared;
import io.github.llamacppsdk.internal.core.ReadyWaiter.Joined;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * What an {@link InferenceCore} runs on: its scheduler, event dispatcher, capacity governor, backend
 * table and instance registry, the lease sweep, and the waits behind its ensure, preload and resolve
 * calls. {@link InferenceCore} is the public face; this holds its workings. Thread-safe. Not API.
 */
public final class CoreEngine {
  /** Numbered across the JVM: one factory for every instance. */
  private static final DaemonThreads CORE_THREADS = new DaemonThreads("llamacpp-core");
  private static final Log log = Log.of(InferenceCore.class); // the core's own lines

  /** Closes a resolution nobody will receive (releasing its lease): the discard of a resolve's wait. */
  public static final Consumer<Resolution> DISCARD_RESOLUTION = new DiscardResolution();

  private final ScheduledExecutorService scheduler;
  private final boolean ownsScheduler;
  private final Duration closeTimeout;
  private final EventDispatcher events = new EventDispatcher();
  private final CoreRuntime rt;
  private final CapacityGovernor capacity;
  private final ScheduledFuture<?> sweeper;
  private final InstanceRegistry registry = new InstanceRegistry(events);
  private final BackendTable backends;

  /**
   * Builds the engine and starts the lease sweep.
   *
   * @param clock the clock
   * @param scheduler a scheduler to use and never shut down, or null for the engine's own
   * @param closeTimeout how long {@link #close()} waits
   * @param listeners listeners registered from the start
   * @param capacity the capacity to enforce
   * @param idleShutdown the default idle stop, or null for none
   * @param leaseSweepInterval how often leases are expired
   */
  public CoreEngine(Clock clock, ScheduledExecutorService scheduler, Duration closeTimeout,
      List<CoreListener> listeners, Capacity capacity, Duration idleShutdown, Duration leaseSweepInterval) {
    this.ownsScheduler = scheduler == null;
    this.scheduler = ownsScheduler ? newScheduler() : scheduler;
    this.closeTimeout = closeTimeout;
    for (CoreListener l : listeners) {
      events.add(l);
    }
    this.capacity = new CapacityGovernor(capacity, clock, this.scheduler, events);
    this.rt = new CoreRuntime(clock, this.scheduler, events, new AtomicLong(), Optional.ofNullable(idleShutdown),
        new RemoveFromRegistry(), this.capacity);
    this.backends = new BackendTable(registry, events, clock);
    long sweep = leaseSweepInterval.toNanos();
    this.sweeper = this.scheduler.scheduleAtFixedRate(new LeaseSweep(), sweep, sweep, TimeUnit.NANOSECONDS);
  }

  /** {@return the event dispatcher} */
  public EventDispatcher events() {
    return events;
  }

  /** {@return the instance registry} */
  public InstanceRegistry registry() {
    return registry;
  }

  /** {@return the backend table} */
  public BackendTable backends() {
    return backends;
  }

  /** {@return the capacity governor} */
  public CapacityGovernor capacity() {
    return capacity;
  }

  /**
   * {@return the future ready instance of a prepared request, joined or started (single flight)}
   *
   * @param p the prepared request
   * @param waitTimeout how long to wait for readiness, from now (it covers waiting for a previous
   *     instance of the spec to stop)
   * @param pin whether to pin it
   * @param who who asks, in words
   */
  public CompletableFuture<EnsureResult> awaitEnsure(Prepared p, Duration waitTimeout, boolean pin, String who) {
    Objects.requireNonNull(waitTimeout, "waitTimeout");
    CompletableFuture<ReadyWaiter.Joined> joining = registry.joinOrCreate(p.spec(), p.plan(), rt, who);
    if (pin) {
      joining = joining.thenApply(j -> {
        j.record().pin(); // while it is joined it cannot be evicted, so the pin is never late
        return j;
      });
    }
    return logWhenAnswered(ReadyWaiter.await(joining, p.plan().instanceKey(), scheduler, waitTimeout,
        j -> new EnsureResult(j.record().snapshot(), !j.created()), r -> { }));
  }

  /**
   * {@return the future resolution of a prepared request: its instance ready, with a lease}
   *
   * @param p the prepared request
   * @param options owner, TTL and wait timeout (from now; it covers waiting for a previous instance of
   *     the spec to stop)
   */
  public CompletableFuture<Resolution> awaitResolve(Prepared p, ResolveOptions options) {
    Optional<String> owner = options.ownerRef();
    String who = owner.isPresent() ? "resolve by owner " + owner.get() : "resolve";
    return logWhenAnswered(ReadyWaiter.await(registry.joinOrCreate(p.spec(), p.plan(), rt, who),
        p.plan().instanceKey(), scheduler, options.awaitTimeout(), new TakeLease(p, options), DISCARD_RESOLUTION));
  }

  /**
   * {@return {@code answer}, which ends the hold on the library's log lines once it completes} The JVM's first
   * start keeps its lines until its caller has its answer, lease and snapshot included ({@link Log}): SLF4J's
   * set-up then runs beside the caller's next step, not beside the server's start or the caller's wake-up.
   */
  private static <T> CompletableFuture<T> logWhenAnswered(CompletableFuture<T> answer) {
    answer.whenComplete(RELEASE_LOG);
    return answer;
  }

  /** Ends the log hold ({@link Log#release}); a named class: it runs in a fresh JVM's first start. */
  private static final class ReleaseLog implements java.util.function.BiConsumer<Object, Throwable> {
    @Override
    public void accept(Object answer, Throwable failure) {
      Log.release();
    }
  }

  /**
   * {@return completes when every instance is stopped; stops run in parallel}
   *
   * @param code the code waiters of still-starting instances get
   * @param reason why, in words
   */
  public CompletableFuture<Void> stopEverything(ErrorCode code, String reason) {
    return CompletableFuture.allOf(registry.records().stream().map(r -> r.stop(code, reason))
        .toArray(CompletableFuture[]::new));
  }

  /** {@return how many leases expired now, over every instance} */
  public int expireLeases() {
    int n = 0;
    for (InstanceRecord r : registry.records()) {
      n += r.expireLeases();
    }
    return n;
  }

  /** Closes as {@link InferenceCore#close()} documents. Idempotent. */
  public void close() {
    if (!registry.markClosed()) {
      return;
    }
    registry.failPendingJoins(); // callers waiting for a previous instance to stop: that stop may never end
    CompletableFuture<Void> all = stopEverything(ErrorCode.CLOSED, "core closed");
    try {
      all.get(closeTimeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (TimeoutException e) {
      log.warn("core closed with instances still stopping after {}", closeTimeout);
    } catch (ExecutionException e) {
      log.warn("an instance failed to stop while closing", e);
    }
    sweeper.cancel(false);
    if (ownsScheduler) {
      scheduler.shutdownNow();
    }
  }

  private static ScheduledExecutorService newScheduler() {
    ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(2, CORE_THREADS);
    s.setRemoveOnCancelPolicy(true);
    return s;
  }

  // named classes, not lambdas: these run in a fresh JVM's first start (benchmarks.md, figure 7)

  /** The periodic lease sweep; a failure is logged and the next sweep runs. */
  private final class LeaseSweep implements Runnable {
    @Override
    public void run() {
      try {
        expireLeases();
      } catch (RuntimeException e) {
        log.warn("lease expiry sweep failed", e);
      }
    }
  }

  /** Takes a record that left the registry's table out of it: the runtime's {@code onRemoved}. */
  private final class RemoveFromRegistry implements Consumer<InstanceRecord> {
    @Override
    public void accept(InstanceRecord r) {
      registry.removed(r);
    }
  }

  private static final ReleaseLog RELEASE_LOG = new ReleaseLog();

  /** Builds a resolve's result once its instance serves: a lease on it. */
  private static final class TakeLease implements Function<Joined, Resolution> {
    private final Prepared p;
    private final ResolveOptions options;

    TakeLease(Prepared p, ResolveOptions options) {
      this.p = p;
      this.options = options;
    }

    @Override
    public Resolution apply(Joined j) {
      Lease lease = j.record().acquireLease(options);
      return new Resolution(lease.endpoint(), lease, j.record().snapshot(), p.compatibility(), !j.created());
    }
  }

  /** Closes a resolution nobody will receive. */
  private static final class DiscardResolution implements Consumer<Resolution> {
    @Override
    public void accept(Resolution r) {
      r.close();
    }
  }
}
