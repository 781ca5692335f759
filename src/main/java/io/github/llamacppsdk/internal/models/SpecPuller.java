package io.github.llamacppsdk.internal.models;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.internal.spec.SpecModels;
import io.github.llamacppsdk.models.HubSettings;
import io.github.llamacppsdk.models.HuggingFaceModel;
import io.github.llamacppsdk.models.ModelPuller;
import io.github.llamacppsdk.models.PullProgress;
import io.github.llamacppsdk.models.PulledModel;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Not API. The backend's side of models by name: a puller (given, or created on first use from the
 * settings), the backend's progress listeners, and the step that turns a named spec into the spec
 * that launches on the pulled file. Asynchronous pulls run on a daemon thread each ({@code
 * llamacpp-pull-N}): a download blocks on the disk and must not hold the core's scheduler.
 */
public final class SpecPuller implements AutoCloseable {
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final ModelPuller given;
  private final HubSettings settings;
  private final List<Consumer<? super PullProgress>> listeners;
  private final boolean serverPulls;
  private final java.util.Set<Thread> pulling = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private ModelPuller created;
  private volatile boolean closed;

  /**
   * @param given the puller to use (not closed here), or null to create one
   * @param settings the settings of a created puller, or null for {@link HubSettings#fromEnvironment()}
   * @param listeners the backend's progress listeners
   * @param serverPulls whether the servers pull named models themselves (a remote transport, where a
   *     file pulled here would mean nothing): then named specs are launched as they are
   */
  public SpecPuller(ModelPuller given, HubSettings settings, List<Consumer<? super PullProgress>> listeners,
      boolean serverPulls) {
    this.given = given;
    this.settings = settings;
    this.listeners = List.copyOf(listeners);
    this.serverPulls = serverPulls;
  }

  /** {@return the Hub settings: given, else from the environment} */
  public HubSettings settings() {
    return settings != null ? settings : HubSettings.fromEnvironment();
  }

  /** {@return the puller, created on first use} */
  public synchronized ModelPuller puller() {
    if (given != null) {
      return given;
    }
    if (closed) {
      throw new IllegalStateException("the backend is closed");
    }
    if (created == null) {
      created = ModelPuller.create(settings != null ? settings : HubSettings.fromEnvironment());
    }
    return created;
  }

  /**
   * Pulls a model, telling the backend's listeners and {@code extra}.
   *
   * @param model the model
   * @param extra one more listener
   * @return where it is
   */
  public PulledModel pull(HuggingFaceModel model, Consumer<? super PullProgress> extra) {
    return puller().pull(model, p -> {
      listeners.forEach(l -> l.accept(p));
      extra.accept(p);
    });
  }

  /**
   * {@return {@code spec} itself if it has a path or the server pulls it, else the spec on its pulled file}
   *
   * @param spec the spec
   */
  public BootSpec launchable(BootSpec spec) {
    if (spec.huggingFace().isEmpty() || serverPulls) {
      return spec;
    }
    PulledModel pulled = pull(spec.huggingFace().get(), p -> { });
    return SpecModels.launchable(spec, pulled.path());
  }

  /** {@return {@link #launchable(BootSpec)} on a pull thread (at once for a spec with a path)}
   * @param spec the spec */
  public CompletableFuture<BootSpec> launchableAsync(BootSpec spec) {
    if (spec.huggingFace().isEmpty() || serverPulls) {
      return CompletableFuture.completedFuture(spec);
    }
    return CompletableFuture.supplyAsync(() -> pullForLaunch(spec), task -> {
      Thread t = new Thread(task, "llamacpp-pull-" + THREADS.incrementAndGet());
      t.setDaemon(true);
      t.start();
    });
  }

  /** {@link #launchable(BootSpec)} on a pull thread that {@link #close()} interrupts. */
  private BootSpec pullForLaunch(BootSpec spec) {
    pulling.add(Thread.currentThread());
    try {
      if (closed) {
        throw new InferenceException(ErrorCode.CLOSED, "the backend is closed; " + spec.alias() + " was not pulled");
      }
      return launchable(spec);
    } catch (RuntimeException e) {
      if (closed) { // the close interrupted the download
        throw new InferenceException(ErrorCode.CLOSED, "the backend was closed while " + spec.alias()
            + " was being pulled; the partial download is kept for the next pull", e);
      }
      throw e;
    } finally {
      pulling.remove(Thread.currentThread());
    }
  }

  /**
   * Closes a puller this object created, and interrupts the pulls started for {@code resolveEndpointAsync}
   * (their futures fail with {@link ErrorCode#CLOSED}); a pull on a caller's own thread runs on. Idempotent.
   */
  @Override
  public synchronized void close() {
    closed = true;
    pulling.forEach(Thread::interrupt);
    if (created != null) {
      created.close();
    }
  }
}
