package io.github.llamacppsdk.internal.core;

import io.github.llamacppsdk.core.Backend;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.core.MemoryEstimate;
import io.github.llamacppsdk.core.StartupPlan;
import io.github.llamacppsdk.internal.core.ReadyWaiter.Joined;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * The core's table of live instances by instance key, the exclusive-resource claims, and the closed
 * flag, all under one lock (taken before any record's lock, never after). Single flight lives here: a
 * key has at most one live record, and only the caller that created it launches it. Thread-safe. Not
 * API.
 */
public final class InstanceRegistry {
  private final Object lock = new Object();
  private final TreeMap<String, InstanceRecord> instances = new TreeMap<>();
  private final Map<String, InstanceRecord> claims = new HashMap<>();
  private final Set<CompletableFuture<Joined>> pendingJoins = new HashSet<>(); // waiting for a stop
  private final EventDispatcher events;
  private boolean closed;

  /** @param events the core's dispatcher, flushed after registry changes */
  public InstanceRegistry(EventDispatcher events) {
    this.events = events;
  }

  /** Throws {@link ErrorCode#CLOSED} once {@link #markClosed()} was called. */
  public void checkOpen() {
    synchronized (lock) {
      if (closed) {
        throw new InferenceException(ErrorCode.CLOSED, "the inference core is closed");
      }
    }
  }

  /** {@return true the first time; later operations fail with {@link ErrorCode#CLOSED}} */
  public boolean markClosed() {
    synchronized (lock) {
      boolean first = !closed;
      closed = true;
      return first;
    }
  }

  /**
   * Fails the joins still waiting for a previous instance to stop with {@link ErrorCode#CLOSED} (after
   * {@link #markClosed()}: no new one can start); the stops go on. A join that completes anyway later
   * leaves its record.
   */
  public void failPendingJoins() {
    List<CompletableFuture<Joined>> pending;
    synchronized (lock) {
      pending = new ArrayList<>(pendingJoins);
      pendingJoins.clear();
    }
    InferenceException closedNow = new InferenceException(ErrorCode.CLOSED, "the inference core was closed while "
        + "the call waited for the previous instance of its spec to stop");
    pending.forEach(f -> f.completeExceptionally(closedNow));
  }

  /**
   * Joins the live record for the plan's key as a waiter, or creates and launches one (the caller's
   * thread calls {@link Backend#start}); a record that is stopping is waited out and the call retried.
   * Such a join stays pending until that stop completes; {@link #failPendingJoins()} ends it.
   *
   * @param spec the spec, bound to its backend
   * @param plan the validated plan
   * @param rt the shared runtime
   * @param requester who asks, in words (named in the reason of an eviction made for a new instance)
   * @return completes once joined; fails with {@code PORT_CONFLICT}, {@code INVALID_SPEC} or {@code CLOSED}
   */
  public CompletableFuture<Joined> joinOrCreate(BoundSpec<?> spec, StartupPlan plan,
      CoreRuntime rt, String requester) {
    String key = plan.instanceKey();
    InstanceRecord rec;
    boolean created = false;
    CompletableFuture<Void> stopping = null;
    CompletableFuture<Joined> pending = null;
    try {
      synchronized (lock) {
        if (closed) {
          throw new InferenceException(ErrorCode.CLOSED, "the inference core is closed");
        }
        rec = instances.get(key);
        if (rec != null) {
          if (!rec.backendId().equals(spec.backendId())) {
            throw new InferenceException(ErrorCode.INVALID_SPEC, "instance key '" + key + "' is already used by "
                + "backend '" + rec.backendId() + "'");
          }
          if (!rec.join()) {
            stopping = rec.stopped();
            pending = new CompletableFuture<>();
            pendingJoins.add(pending);
          }
        } else {
          for (String resource : plan.exclusiveResources()) {
            InstanceRecord holder = claims.get(resource);
            if (holder != null) {
              throw new InferenceException(ErrorCode.PORT_CONFLICT, "instance " + key + " claims " + resource
                  + ", which instance " + holder.id() + " already holds");
            }
          }
          rec = new InstanceRecord(spec, plan, rt);
          rec.join();
          instances.put(key, rec);
          for (String resource : plan.exclusiveResources()) {
            claims.put(resource, rec);
          }
          created = true;
        }
      }
    } catch (InferenceException e) {
      return CompletableFuture.failedFuture(e);
    } finally {
      events.flush();
    }
    if (stopping != null) {
      // async on the core's scheduler: the stop completes on the JDK's process-reaper or timer
      // thread, which must not run a launch (fork, binds, probes)
      CompletableFuture<Joined> joined = pending;
      stopping.thenComposeAsync(v -> joinOrCreate(spec, plan, rt, requester), rt.scheduler())
          .whenComplete((j, ex) -> {
            synchronized (lock) {
              pendingJoins.remove(joined);
            }
            if (ex != null) {
              joined.completeExceptionally(Failures.unwrap(ex));
            } else if (!joined.complete(j)) { // failed meanwhile (the core closed): nobody waits on this join
              j.record().leave(false);
            }
          });
      return joined;
    }
    if (created) {
      if (rt.capacity().capacity().isUnlimited()) {
        // Nothing is counted: launch first and estimate (for the snapshot) while the server loads.
        rt.capacity().admit(rec, MemoryEstimate.unknown("not estimated yet"), new Launch(rec), requester);
        rec.memoryEstimate(spec.estimateMemory(plan));
      } else {
        MemoryEstimate estimate = spec.estimateMemory(plan);
        rec.memoryEstimate(estimate);
        rt.capacity().admit(rec, estimate, new Launch(rec), requester);
      }
    } else {
      rt.capacity().joined(rec, requester);
    }
    return CompletableFuture.completedFuture(new Joined(rec, created));
  }


  /**
   * Removes a record (if it is still the one registered under its key) and its claims.
   *
   * @param r the record
   */
  public void removed(InstanceRecord r) {
    synchronized (lock) {
      instances.remove(r.id(), r);
      claims.values().removeIf(holder -> holder == r);
    }
  }

  /** {@return the live records, sorted by instance id} */
  public List<InstanceRecord> records() {
    synchronized (lock) {
      return new ArrayList<>(instances.values());
    }
  }

  /**
   * {@return the live record for an id}
   *
   * @param instanceId the id
   */
  public Optional<InstanceRecord> find(String instanceId) {
    synchronized (lock) {
      return Optional.ofNullable(instances.get(instanceId));
    }
  }

  /**
   * {@return the live record for an id}
   *
   * @param instanceId the id
   * @throws InferenceException {@link ErrorCode#NOT_FOUND}
   */
  public InstanceRecord get(String instanceId) {
    return find(instanceId).orElseThrow(() -> new InferenceException(ErrorCode.NOT_FOUND, "no instance '"
        + instanceId + "'"));
  }

  /** Launches a created record once the capacity admits it. */
  private static final class Launch implements Runnable {
    private final InstanceRecord rec;

    Launch(InstanceRecord rec) {
      this.rec = rec;
    }

    @Override
    public void run() {
      rec.launch();
    }
  }
}
