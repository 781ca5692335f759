package io.github.llamacppsdk.internal.core;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * What every {@link InstanceRecord} of one core shares: clock, scheduler, event dispatcher, the lease
 * counter, the default idle policy, the registry's removal hook and the capacity governor. Immutable. Not API.
 *
 * @param clock the core's clock
 * @param scheduler the core's scheduler
 * @param events the event dispatcher
 * @param leaseSeq the core-wide lease counter
 * @param defaultIdle the idle shutdown used when a plan has none
 * @param onRemoved called (without locks held) when a record leaves the registry
 * @param capacity the core's capacity governor
 */
public record CoreRuntime(Clock clock, ScheduledExecutorService scheduler, EventDispatcher events,
    AtomicLong leaseSeq, Optional<Duration> defaultIdle, Consumer<InstanceRecord> onRemoved,
    CapacityGovernor capacity) {}
