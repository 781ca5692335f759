package io.github.llamacppsdk.internal.llama;

import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.core.CoreListener;
import io.github.llamacppsdk.core.InferenceCore;
import io.github.llamacppsdk.internal.JdkWarmup;
import io.github.llamacppsdk.internal.Log;
import io.github.llamacppsdk.internal.models.SpecPuller;
import io.github.llamacppsdk.internal.probe.ReadinessProber;
import io.github.llamacppsdk.process.ProcessTransport;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Not API. What a {@link LlamaCppBackend} is made of: the process transport (given, a Kubernetes one,
 * or the local one), the core (given, or created with the settings' clock, scheduler, idle shutdown,
 * capacity and listeners), the readiness prober, the model puller side, and the spawned and attached
 * llama backends registered in the core. It knows which parts it created, and {@link #close()} takes
 * apart those (and only those) in order. Thread-safe once built.
 */
public final class BackendAssembly implements AutoCloseable {
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(60);

  private final InferenceCore core;
  private final boolean ownsCore;
  private final ProcessTransport transport;
  private final boolean ownsTransport;
  private final LlamaServerBackend spawned;
  private final ReadinessProber prober;
  private final SpecPuller models;
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * Creates what was not given and registers the llama backends in the core.
   *
   * @param b the builder's settings
   * @throws IllegalStateException if a capacity is set together with a given core (nothing is opened)
   * @throws io.github.llamacppsdk.core.InferenceException {@code LAUNCH_FAILED} if the Kubernetes
   *     transport cannot be opened
   */
  public BackendAssembly(BackendSettings b) {
    if (b.core != null && b.capacity != null) { // refused before anything is opened or created
      throw new IllegalStateException("capacity is the core's: set it with InferenceCore.builder().capacity(...) "
          + "on the core you pass to this builder");
    }
    Log.hold(); // SLF4J is left alone until the first start's caller has its answer, at most 1 s from here (Log)
    this.ownsTransport = b.transport == null;
    // the JDK's socket and process set-up on a helper thread while create() returns (JdkWarmup)
    JdkWarmup.start(b.kubernetes == null && b.transport == null);
    try {
      this.transport = !ownsTransport ? b.transport
          : b.kubernetes != null ? KubernetesTransports.open(b.kubernetes, b.clock != null ? b.clock : Clock.systemUTC())
          : ProcessTransport.local();
    } catch (RuntimeException | Error e) {
      Log.release(); // nothing will start: the lines kept so far go out now
      throw e;
    }
    this.ownsCore = b.core == null;
    InferenceCore createdCore = null;
    ReadinessProber createdProber = null;
    try {
      createdCore = ownsCore ? newCore(b) : givenCore(b);
      createdProber = ReadinessProber.create(b.probeTimeout);
      boolean serverPulls = transport.capabilities().remote(); // a remote server pulls named models itself
      this.models = new SpecPuller(b.modelPuller, b.hub, b.pullListeners, serverPulls);
      LlamaServices services = new LlamaServices(transport, createdProber, b.restartPolicy, b.healthThreshold,
          ServerBuilds.shared(), b.perInstanceKeys, serverPulls ? ServerPull.of(models.settings()) : ServerPull.none());
      this.spawned = new LlamaServerBackend(services);
      AttachedLlamaBackend attached = new AttachedLlamaBackend(services);
      createdCore.registerBackend(spawned);
      createdCore.registerBackend(attached);
    } catch (RuntimeException | Error e) { // a failed build leaves nothing open: no transport, thread or anchor
      if (createdProber != null) {
        createdProber.close();
      }
      if (ownsCore && createdCore != null) {
        createdCore.close();
      }
      if (ownsTransport) {
        transport.close();
      }
      Log.release();
      throw e;
    }
    this.core = createdCore;
    this.prober = createdProber;
  }

  private static InferenceCore newCore(BackendSettings b) {
    InferenceCore.Builder cb = InferenceCore.builder();
    if (b.clock != null) {
      cb.clock(b.clock);
    }
    if (b.scheduler != null) {
      cb.scheduler(b.scheduler);
    }
    if (b.idleShutdown != null) {
      cb.idleShutdown(b.idleShutdown);
    }
    if (b.capacity != null) {
      cb.capacity(b.capacity);
    }
    for (CoreListener l : b.listeners) {
      cb.listener(l);
    }
    return cb.build();
  }

  private static InferenceCore givenCore(BackendSettings b) {
    for (CoreListener l : b.listeners) {
      b.core.addListener(l);
    }
    return b.core;
  }

  /** {@return the core the llama backends are registered in} */
  public InferenceCore core() {
    return core;
  }

  /** {@return the backend of spawned servers} */
  public LlamaServerBackend spawned() {
    return spawned;
  }

  /** {@return the model puller side: named specs to launchable ones, pulls, the puller} */
  public SpecPuller models() {
    return models;
  }

  /**
   * Stops every server the backend started and releases what it owns: closes a created core (which
   * stops every instance), or unregisters the llama backends from a given one (stopping their
   * instances, waiting up to 60 s, then logging and going on); then the prober, a created transport
   * and the puller side. Idempotent; never throws. An interrupt ends the wait and restores the flag.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (ownsCore) {
      core.close();
    } else {
      try { // bounded like the owned core's close: a process stuck in the kernel must not hang close()
        CompletableFuture.allOf(core.unregisterBackend(LlamaEndpoints.BACKEND_ID), core.unregisterBackend(AttachedLlamaBackend.ID))
            .get(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) { // logged as the facade's line, as before
        Log.of(LlamaCppBackend.class).warn("close: not every server stopped within {}; continuing", CLOSE_TIMEOUT, e);
      }
    }
    prober.close();
    if (ownsTransport) {
      transport.close();
    }
    models.close();
    Log.release(); // a backend closed within its first second: its kept lines go out now, not at the deadline
  }
}
