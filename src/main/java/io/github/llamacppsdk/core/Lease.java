package io.github.llamacppsdk.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A consumer's claim on a ready instance's endpoint. Obtained from
 * {@link InferenceCore#resolveEndpoint(InstanceSpec, ConsumerManifest, ResolveOptions)} or {@link
 * InferenceCore#lease(String, ResolveOptions)}; implemented by the core only.
 *
 * <p>A lease ends when it is released, when its TTL passes without renewal (enforced by the core's
 * scheduler with the core's clock), or when its instance stops or exits. Thread-safe.
 */
public interface Lease extends AutoCloseable {

  /** {@return the token, {@code lease-<N>} with N increasing across the core} */
  String leaseRef();

  /** {@return the instance this lease holds} */
  String instanceId();

  /** {@return the opaque owner reference given at acquisition} */
  Optional<String> ownerRef();

  /** {@return the TTL that {@link #renew()} extends by; empty means the lease never expires} */
  Optional<Duration> ttl();

  /** {@return when the lease expires unless renewed; empty when it has no TTL} */
  Optional<Instant> expiresAt();

  /** {@return whether the lease still holds (not released, not expired, instance alive)} */
  boolean isActive();

  /** {@return the leased copy of the endpoint, whose {@code leaseRef} is {@link #leaseRef()}} */
  EndpointDescriptor endpoint();

  /**
   * Extends the lease by its TTL from now (a lease without TTL stays without expiry).
   *
   * @throws InferenceException {@link ErrorCode#LEASE_NOT_ACTIVE} if it was released or expired
   */
  void renew();

  /**
   * Extends the lease by {@code ttl} from now; {@code ttl} becomes the lease's TTL.
   *
   * @param ttl positive
   * @throws InferenceException {@link ErrorCode#LEASE_NOT_ACTIVE} if it was released or expired
   */
  void renew(Duration ttl);

  /** Releases the lease. Idempotent: releasing twice, or after expiry or instance exit, is fine. */
  void release();

  /** Same as {@link #release()}; never throws. */
  @Override
  void close();
}
