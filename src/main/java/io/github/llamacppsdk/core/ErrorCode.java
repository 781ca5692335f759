package io.github.llamacppsdk.core;

/**
 * The stable code of every {@link InferenceException}. The names are API: they appear at the start of
 * every message so logs can be searched, and callers may {@code switch} on them.
 *
 * <p>New codes may be added in minor versions, so a {@code switch} over this enum needs a
 * {@code default} branch.
 */
public enum ErrorCode {
  /** A spec, manifest or option map was rejected before anything started. */
  INVALID_SPEC,
  /** A model file is missing, unreadable, not GGUF or damaged ({@code gguf.InvalidModelFileException}). */
  INVALID_MODEL_FILE,
  /** The consumer's manifest is not compatible with the backend; nothing was started. */
  INCOMPATIBLE,
  /** No backend is registered under the requested id. */
  BACKEND_UNREGISTERED,
  /** The process could not be launched at all (binary missing, not executable, bad directory). */
  LAUNCH_FAILED,
  /** The server process exited before it became ready. */
  EXITED_BEFORE_READY,
  /** The server did not become ready within the readiness timeout. */
  READINESS_TIMEOUT,
  /** The server showed no progress (no output, no state change) for longer than the stall timeout. */
  STALLED,
  /** Something answered on the port, but it is not the server this library started. */
  FOREIGN_SERVER,
  /** The server rejects the configured API key (401), or wants a key and none is configured. */
  UNAUTHORIZED,
  /** Another instance already claims the same host and port. */
  PORT_CONFLICT,
  /** No instance with that id exists (it was stopped, or it exited). */
  NOT_FOUND,
  /**
   * The instance exists but does not serve now: it has not published an endpoint yet, or it is {@link
   * LifecycleStatus#RECOVERING} (then the exception is a {@link NotServingException}).
   */
  NOT_READY,
  /** The lease was released or has expired. */
  LEASE_NOT_ACTIVE,
  /**
   * The caller's wait ran out while the instance was still starting, or while it was {@link
   * LifecycleStatus#RECOVERING} (then the exception is a {@link NotServingException} that says what the
   * instance is doing).
   */
  WAIT_TIMEOUT,
  /**
   * A new instance does not fit the core's {@link Capacity} and nothing could be evicted for it
   * ({@link CapacityExhaustedException} says what holds the capacity).
   */
  CAPACITY_EXHAUSTED,
  /** The instance was stopped while the caller waited for it. */
  STOPPED,
  /**
   * The instance's server exited for good while the caller waited for it to serve again (no restart
   * policy, a restart that cannot succeed, or its restart budget is spent); its leases ended.
   */
  EXITED,
  /** The backend or core was closed. */
  CLOSED,
  /** A named model could not be pulled into the cache (see {@code models.ModelPullException}). */
  MODEL_PULL_FAILED,
  /** The waiting thread was interrupted; the half-started process was cleaned up. */
  INTERRUPTED,
  /** An unexpected failure inside a backend; the cause carries the detail. */
  INTERNAL,
  /**
   * A stop could not be carried out: the server may still run (e.g. its Kubernetes pod could not be
   * deleted). The instance is not reported stopped and keeps its share of the capacity; the message says
   * what was refused and why. The next stop of the instance (or closing the backend) tries again.
   */
  STOP_FAILED
}
