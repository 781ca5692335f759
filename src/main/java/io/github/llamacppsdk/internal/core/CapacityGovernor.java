package io.github.llamacppsdk.internal.core;

import io.github.llamacppsdk.core.Capacity;
import io.github.llamacppsdk.core.CapacityExhaustedException;
import io.github.llamacppsdk.core.CoreEvent.CapacityEvent;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.core.MemoryEstimate;
import io.github.llamacppsdk.core.StartupKind;
import io.github.llamacppsdk.internal.Log;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Not API. Admission, eviction and fair waiting for one core's {@link Capacity}. A new spawned
 * instance is admitted at once when it fits and nobody waits ahead of it; otherwise it is queued (its
 * record stays {@code STARTING}, nothing is launched) and admitted in order of arrival as capacity
 * frees up. While the head of the queue does not fit, idle instances (ready, no lease, no caller
 * waiting, not pinned, ready for at least the minimum residency) are evicted, least recently used
 * first, but only as many as make room for it, and only when evicting can make room. An admitted
 * instance holds its share until its record's {@link InstanceRecord#stopped()} completes, i.e. until
 * its process is gone, so no more servers than the capacity ever run at once.
 *
 * <p>Lock order: this governor's lock may be held while taking a record's monitor; a record never
 * calls the governor while holding its own. Backend code and launches run outside every lock, launches
 * on the core's scheduler. Thread-safe.
 */
public final class CapacityGovernor {
  private static final Log log = Log.of(CapacityGovernor.class);

  private final Capacity capacity;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final EventDispatcher events;
  private final Object lock = new Object();
  // guarded by lock
  private final Map<InstanceRecord, Entry> admitted = new LinkedHashMap<>();
  private final ArrayDeque<Entry> queue = new ArrayDeque<>();
  private long usedBytes;
  private ScheduledFuture<?> residencyTimer;
  private Instant residencyTimerAt;
  // written under lock; read without it as a fast path
  private volatile int waiting;

  /** One counted (or queued) instance. */
  private static final class Entry {
    final InstanceRecord record;
    final MemoryEstimate estimate;
    final Runnable launch;
    String requester; // guarded by the governor's lock: the latest resolve that asked for it
    boolean evicting; // guarded by the governor's lock

    Entry(InstanceRecord record, MemoryEstimate estimate, Runnable launch, String requester) {
      this.record = record;
      this.estimate = estimate;
      this.launch = launch;
      this.requester = requester;
    }
  }

  /**
   * @param capacity the limits
   * @param clock the core's clock (ages and residency)
   * @param scheduler the core's scheduler (launches after a wait, residency timers)
   * @param events the core's dispatcher
   */
  public CapacityGovernor(Capacity capacity, Clock clock, ScheduledExecutorService scheduler, EventDispatcher events) {
    this.capacity = capacity;
    this.clock = clock;
    this.scheduler = scheduler;
    this.events = events;
  }

  /** {@return the limits} */
  public Capacity capacity() {
    return capacity;
  }

  /**
   * Launches a new record now if it fits, queues it if it must wait, or fails it if it can never fit.
   * Attached instances and an unlimited capacity launch at once, uncounted.
   *
   * @param rec the new record (joined by its creator)
   * @param estimate its memory estimate
   * @param launch starts it ({@code rec.launch(backend)}); run on this thread when admitted at once
   * @param requester who asked, for eviction reasons (e.g. {@code resolve by owner app-1})
   */
  public void admit(InstanceRecord rec, MemoryEstimate estimate, Runnable launch, String requester) {
    if (capacity.isUnlimited() || rec.plan().startupKind() != StartupKind.SPAWNED) {
      launch.run();
      return;
    }
    Entry e = new Entry(rec, estimate, launch, requester);
    boolean now = false;
    boolean counted = false;
    CapacityExhaustedException never = null;
    synchronized (lock) {
      if (capacity.memoryBudgetBytes().isPresent() && estimate.bytes() > capacity.memoryBudgetBytes().getAsLong()) {
        never = exhausted(rec, estimate, true, "can never fit: its estimate alone exceeds the memory budget");
        emit(CapacityEvent.Kind.REFUSED, rec, Optional.empty(), estimate, never.detail());
      } else if (queue.isEmpty() && fits(estimate.bytes())) {
        take(e);
        now = true;
        counted = true;
      } else if (rec.markQueued("waiting for capacity (" + (queue.size() + 1) + " in line)")) {
        queue.add(e);
        waiting = queue.size();
        emit(CapacityEvent.Kind.QUEUED, rec, Optional.empty(), estimate, "does not fit " + usage()
            + (queue.size() > 1 ? "; " + (queue.size() - 1) + " ahead of it" : ""));
      } else {
        now = true; // stopped before it could queue: launch() sees that and finishes it
      }
    }
    events.flush();
    if (never != null) {
      rec.fail(never);
    } else if (now) {
      if (counted) {
        watch(e);
      }
      launch.run();
    } else {
      pump();
    }
  }

  /** Re-examines the queue when something may have freed or become evictable; free when nobody waits. */
  public void changed() {
    if (waiting > 0) {
      pump();
    }
  }

  /**
   * Takes a queued record out of line (it was stopped before it was admitted).
   *
   * @param rec the record
   */
  void withdraw(InstanceRecord rec) {
    synchronized (lock) {
      queue.removeIf(e -> e.record == rec);
      waiting = queue.size();
    }
    pump(); // the head may have changed
  }

  /**
   * A resolve joined {@code rec} while it waits in line: an eviction made for it names that resolve
   * (the one that queued it may have given up meanwhile).
   *
   * @param rec the record joined
   * @param requester who joined it, in words
   */
  public void joined(InstanceRecord rec, String requester) {
    if (waiting == 0) {
      return;
    }
    synchronized (lock) {
      for (Entry e : queue) {
        if (e.record == rec) {
          e.requester = requester;
        }
      }
    }
  }

  /**
   * {@return the error for a caller whose wait for a queued record ran out}
   *
   * @param rec the queued record
   * @param waited how long the caller waited
   */
  CapacityExhaustedException waitedOut(InstanceRecord rec, Duration waited) {
    synchronized (lock) {
      int position = 1;
      MemoryEstimate est = MemoryEstimate.unknown("not queued");
      for (Entry e : queue) {
        if (e.record == rec) {
          est = e.estimate;
          break;
        }
        position++;
      }
      return exhausted(rec, est, false, "was not admitted within " + waited + " (position " + position
          + " in line)");
    }
  }

  private void pump() {
    List<Entry> launches = new ArrayList<>();
    List<Victim> victims = List.of();
    synchronized (lock) {
      while (!queue.isEmpty() && fits(queue.peek().estimate.bytes())) {
        Entry head = queue.poll();
        if (head.record.admitFromQueue()) {
          take(head);
          launches.add(head);
          emit(CapacityEvent.Kind.ADMITTED, head.record, Optional.empty(), head.estimate, "fits " + usage());
        }
      }
      waiting = queue.size();
      if (!queue.isEmpty()) {
        victims = chooseVictims(queue.peek());
      }
    }
    events.flush();
    for (Entry e : launches) {
      watch(e);
      try {
        scheduler.execute(e.launch); // never on the thread that freed the room (maybe the JDK's reaper)
      } catch (RejectedExecutionException ex) {
        e.record.fail(new InferenceException(ErrorCode.CLOSED, "the core's scheduler refused the launch of "
            + e.record.id() + " (closed?)", ex));
      }
    }
    boolean retry = false;
    for (Victim v : victims) {
      if (!v.entry().record.evict(v.reason())) {
        synchronized (lock) {
          v.entry().evicting = false;
        }
        retry = true; // it was leased or joined meanwhile: look again
      }
    }
    if (retry) {
      pump();
    }
  }

  /** Called with the lock held: the victims that make room for {@code head}, marked, or none. */
  private List<Victim> chooseVictims(Entry head) {
    Instant now = clock.instant();
    long slots = freeSlots();
    long bytes = freeBytes();
    for (Entry e : admitted.values()) {
      if (e.evicting || e.record.isGoingAway()) { // already on its way out: its room is coming
        slots = plus(slots, 1);
        bytes = plus(bytes, e.estimate.bytes());
      }
    }
    if (enough(slots, bytes, head)) {
      return List.of();
    }
    List<Entry> idle = new ArrayList<>();
    Instant earliestMature = null;
    Map<Entry, Instant> lastUsed = new LinkedHashMap<>();
    for (Entry e : admitted.values()) {
      if (e.evicting) {
        continue;
      }
      InstanceRecord.CapacityView view = e.record.capacityView();
      if (!view.idle()) {
        continue;
      }
      Instant mature = view.readyAt().plus(capacity.minResidency());
      if (mature.isAfter(now)) {
        earliestMature = earliestMature == null || mature.isBefore(earliestMature) ? mature : earliestMature;
        continue;
      }
      idle.add(e);
      lastUsed.put(e, view.lastUsed());
    }
    idle.sort(Comparator.comparing(lastUsed::get));
    List<Victim> chosen = new ArrayList<>();
    for (Entry e : idle) {
      if (enough(slots, bytes, head)) {
        break;
      }
      chosen.add(new Victim(e, "evicted to make room for " + head.record.id() + " (" + head.requester
          + "; needs " + MemoryEstimate.format(head.estimate.bytes()) + "): least recently used, idle since "
          + lastUsed.get(e)));
      slots = plus(slots, 1);
      bytes = plus(bytes, e.estimate.bytes());
    }
    if (!enough(slots, bytes, head)) {
      if (earliestMature != null) {
        armResidencyTimer(earliestMature, now);
      }
      return List.of();
    }
    for (Victim v : chosen) {
      v.entry.evicting = true;
      emit(CapacityEvent.Kind.EVICTED, v.entry.record, Optional.of(head.record.id()), v.entry.estimate, v.reason);
      log.info("capacity: evicting {} to make room for {}", v.entry.record.id(), head.record.id());
    }
    return chosen;
  }

  /** A chosen victim and the reason its eviction gives. */
  private record Victim(Entry entry, String reason) {}

  private void armResidencyTimer(Instant at, Instant now) {
    if (residencyTimer != null && !residencyTimer.isDone() && !at.isBefore(residencyTimerAt)) {
      return;
    }
    if (residencyTimer != null) {
      residencyTimer.cancel(false);
    }
    residencyTimerAt = at;
    try {
      residencyTimer = scheduler.schedule(this::changed, Math.max(0, Duration.between(now, at).toNanos()),
          TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      residencyTimer = null; // closing
    }
  }

  /** Counts an admitted entry; {@link #watch} (outside the lock) frees it when its process is gone. Lock held. */
  private void take(Entry e) {
    admitted.put(e.record, e);
    usedBytes += e.estimate.bytes();
  }

  private void watch(Entry e) {
    // gone, not stopped: a server that could not be stopped still holds its share until a later stop works
    e.record.gone().whenComplete((v, ex) -> release(e));
  }

  private void release(Entry e) {
    synchronized (lock) {
      if (admitted.remove(e.record) == null) {
        return;
      }
      usedBytes -= e.estimate.bytes();
    }
    pump();
  }

  private boolean fits(long bytes) {
    return freeSlots() >= 1 && freeBytes() >= bytes;
  }

  private static long plus(long a, long b) { // saturating: an unlimited side is Long.MAX_VALUE
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }

  private boolean enough(long slots, long bytes, Entry head) {
    return slots >= 1 && bytes >= head.estimate.bytes();
  }

  private long freeSlots() {
    return capacity.instanceLimit().isPresent() ? capacity.instanceLimit().getAsInt() - admitted.size()
        : Long.MAX_VALUE;
  }

  private long freeBytes() {
    return capacity.memoryBudgetBytes().isPresent() ? capacity.memoryBudgetBytes().getAsLong() - usedBytes
        : Long.MAX_VALUE;
  }

  private String usage() {
    return "(" + admitted.size() + " instance(s), " + MemoryEstimate.format(usedBytes) + " estimated, of "
        + capacity + ")";
  }

  /** Lock held. */
  private CapacityExhaustedException exhausted(InstanceRecord rec, MemoryEstimate est, boolean never, String why) {
    Instant now = clock.instant();
    List<CapacityExhaustedException.Holder> holders = new ArrayList<>();
    for (Entry e : admitted.values()) {
      holders.add(e.record.holder(e.estimate, now, capacity.minResidency(), e.evicting));
    }
    return new CapacityExhaustedException(rec.id(), est, capacity, holders, never, why);
  }

  private void emit(CapacityEvent.Kind kind, InstanceRecord rec, Optional<String> forId, MemoryEstimate est,
      String reason) {
    events.emit(new CapacityEvent(kind, rec.id(), forId, est, reason, clock.instant()));
  }
}
