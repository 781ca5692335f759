package io.github.llamacppsdk.internal.kubernetes;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.github.llamacppsdk.internal.Log;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Not API. The anchor of one transport (one session): a {@code coordination.k8s.io/v1} Lease that
 * owns every pod and secret the session creates, renewed every third of its duration.
 *
 * <p>In the cluster the Lease itself is owned by the application's pod, so deleting that pod lets
 * Kubernetes' garbage collector remove the Lease and then every llama-server pod. Outside the
 * cluster (or when the application's process dies but its pod stays), the Lease stops being renewed;
 * the next transport that starts in the namespace finds it stale ({@link #sweepStale}) and removes
 * its pods, secrets and the Lease.
 *
 * <p>A Lease is stale when it was last renewed more than twice its duration ago on the sweeper's
 * clock: one duration of tolerance absorbs clock skew between machines and a paused JVM.
 */
final class Anchor {
  private static final Log log = Log.of(Anchor.class);

  private final KubernetesClient client;
  private final String namespace;
  private final String session;
  private final String owner;
  private final Optional<OwnerReference> ownerPod;
  private final Duration ttl;
  private final Clock clock;
  private volatile OwnerReference reference;
  /** Whether the session holds a Lease: created and not deleted by it (it may have been lost). Guarded by this. */
  private boolean held;
  /** Renewals failed in a row; the renewal task's thread only. */
  private int failures;
  /** A re-created Lease whose dependents may still name the lost one; the renewal task's thread only. */
  private boolean adoptPending;
  /** Adoptions refused in a row; the renewal task's thread only. */
  private int adoptFailures;

  Anchor(KubernetesClient client, String namespace, String session, String owner, Optional<OwnerReference> ownerPod,
      Duration ttl, Clock clock) {
    this.client = client;
    this.namespace = namespace;
    this.session = session;
    this.owner = owner;
    this.ownerPod = ownerPod;
    this.ttl = ttl;
    this.clock = clock;
  }

  /** {@return the Lease's name} */
  String name() {
    return "llama-cpp-sdk-" + session;
  }

  /** {@return an owner reference to the Lease, creating it first if needed} */
  synchronized OwnerReference reference() {
    if (reference == null) {
      Lease created;
      try {
        created = client.leases().inNamespace(namespace).resource(lease()).create();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        // the name is this session's: an earlier create that failed on the way back created it
        created = client.leases().inNamespace(namespace).withName(name()).get();
        if (created == null) {
          throw e;
        }
      }
      reference = new OwnerReferenceBuilder().withApiVersion("coordination.k8s.io/v1").withKind("Lease")
          .withName(created.getMetadata().getName()).withUid(created.getMetadata().getUid())
          .withBlockOwnerDeletion(false).withController(false).build();
      held = true;
      log.info("anchor lease {}/{} created (owner {}, renewed every {} s)", namespace, name(), owner,
          ttl.toSeconds() / 3);
    }
    return reference;
  }

  /**
   * Renews the Lease; recreates it when someone removed it (its pods may be gone with it). The periodic
   * task of the transport: never throws. A renewal that fails (the API server, the connection, a
   * re-create refused) is logged once as a warning with its cause and tried again the next period;
   * the first renewal that works again is logged too.
   */
  void renew() {
    try {
      if (!renewOrRecreate()) {
        return;
      }
      if (failures > 0) {
        log.info("anchor lease {}/{} renewed again after {} failed attempt(s)", namespace, name(), failures);
        failures = 0;
      }
    } catch (RuntimeException e) {
      failures++;
      if (failures == 1) {
        log.warn("anchor lease {}/{} not renewed ({}); retrying every {} s (other sessions remove this session's pods"
            + " once it has not been renewed for {} s)", namespace, name(), e.getMessage() != null ? e.getMessage() : e.toString(), ttl.toSeconds() / 3,
            ttl.toSeconds() * 2);
      } else {
        log.debug("anchor lease {}/{} still not renewed (attempt {}): {}", namespace, name(), failures, e.toString());
      }
    }
  }

  /**
   * {@return whether there was a Lease to renew} (it is renewed, or recreated when it was lost, and then
   * the session's pods and secrets are pointed at the new one)
   */
  private boolean renewOrRecreate() {
    boolean created = false;
    synchronized (this) {
      if (!held) {
        return false;
      }
      if (reference == null) { // lost, and an earlier re-create failed
        reference();
        adoptPending = true;
        created = true;
      }
    }
    if (!created) {
      created = renewOrRecreateLost();
    }
    if (adoptPending) { // just re-created, or an earlier adoption was refused
      try {
        adoptDependents();
        adoptFailures = 0;
      } catch (RuntimeException e) {
        if (++adoptFailures == 1) {
          log.warn("anchor lease {}/{} recreated, but this session's pods could not be pointed at it ({}); retrying"
              + " every {} s (until then the cluster's garbage collector may remove them)", namespace, name(),
              e.getMessage() != null ? e.getMessage() : e.toString(), ttl.toSeconds() / 3);
        }
      }
    }
    return true;
  }

  /** Renews the Lease; {@return whether it was gone and has been recreated} */
  private boolean renewOrRecreateLost() {
    try {
      Lease renewed = client.leases().inNamespace(namespace).withName(name())
          .edit(l -> new LeaseBuilder(l).editSpec().withRenewTime(now()).endSpec().build());
      if (renewed == null) {
        throw new KubernetesClientException("the lease is gone", 404, null);
      }
      return false;
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
      log.warn("anchor lease {}/{} was removed by someone else; recreating it (pods it owned may be gone)",
          namespace, name());
      synchronized (this) {
        if (!held) {
          return false; // deleted by this session meanwhile
        }
        reference = null;
        reference();
        adoptPending = true;
      }
      return true;
    }
  }

  /**
   * Points the session's pods and secrets at the re-created Lease. They name the lost one by its UID,
   * and the cluster's garbage collector removes a dependent whose owner UID no longer exists, even if
   * an object of the same name came back: without this a server that survived the loss would be
   * removed later, at no moment the application could tell. Throws when the API server refuses; the
   * next renewal tries again.
   */
  private void adoptDependents() {
    OwnerReference now = reference;
    if (now == null) {
      return;
    }
    int adopted = 0;
    for (var pod : client.pods().inNamespace(namespace).withLabel(Labels.SESSION, session).list().getItems()) {
      List<OwnerReference> refs = repointed(pod.getMetadata().getOwnerReferences(), now);
      if (refs != null) {
        client.pods().inNamespace(namespace).withName(pod.getMetadata().getName())
            .edit(x -> new PodBuilder(x).editMetadata().withOwnerReferences(refs).endMetadata().build());
        adopted++;
      }
    }
    for (var secret : client.secrets().inNamespace(namespace).withLabel(Labels.SESSION, session).list().getItems()) {
      List<OwnerReference> refs = repointed(secret.getMetadata().getOwnerReferences(), now);
      if (refs != null) {
        client.secrets().inNamespace(namespace).withName(secret.getMetadata().getName())
            .edit(x -> new SecretBuilder(x).editMetadata().withOwnerReferences(refs).endMetadata().build());
        adopted++;
      }
    }
    adoptPending = false;
    if (adopted > 0) {
      log.info("anchor lease {}/{} recreated: {} pod(s) and secret(s) of this session now name it as their owner",
          namespace, name(), adopted);
    }
  }

  /** {@return {@code refs} with this session's lost Lease replaced by {@code now}, or null when none names it} */
  private List<OwnerReference> repointed(List<OwnerReference> refs, OwnerReference now) {
    if (refs == null || refs.stream().noneMatch(o -> isLostAnchor(o, now))) {
      return null;
    }
    List<OwnerReference> out = new ArrayList<>();
    for (OwnerReference o : refs) {
      out.add(isLostAnchor(o, now) ? now : o);
    }
    return out;
  }

  private boolean isLostAnchor(OwnerReference o, OwnerReference now) {
    return "Lease".equals(o.getKind()) && name().equals(o.getName()) && !now.getUid().equals(o.getUid());
  }

  /**
   * Deletes the Lease (after the session's pods are gone, or when a transport's start is undone); a
   * later {@link #reference()} creates a new one and renewals do nothing until then. Never throws.
   */
  void delete() {
    synchronized (this) {
      held = false;
      reference = null;
    }
    try {
      client.leases().inNamespace(namespace).withName(name()).delete();
    } catch (KubernetesClientException e) {
      log.warn("anchor lease {}/{} not deleted: {}", namespace, name(), e.getMessage());
    }
  }

  private Lease lease() {
    ZonedDateTime now = now();
    return new LeaseBuilder()
        .withNewMetadata().withName(name()).withNamespace(namespace)
        .withLabels(Map.of(Labels.MANAGED_BY, Labels.MANAGER, Labels.ROLE, "anchor", Labels.SESSION, session,
            Labels.OWNER, Labels.value(owner)))
        .withOwnerReferences(ownerPod.map(List::of).orElse(List.of()))
        .endMetadata()
        .withNewSpec().withHolderIdentity(owner).withLeaseDurationSeconds((int) ttl.toSeconds())
        .withAcquireTime(now).withRenewTime(now).endSpec()
        .build();
  }

  private ZonedDateTime now() {
    return ZonedDateTime.ofInstant(clock.instant().truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
  }

  /**
   * Removes what stale anchors of other sessions left behind: their pods, their secrets, then the
   * Lease. Called once when a transport starts.
   *
   * @return the sessions swept
   * @throws KubernetesClientException if the anchors cannot be listed (RBAC, connectivity)
   */
  static List<String> sweepStale(KubernetesClient client, String namespace, String mySession, Clock clock) {
    Instant now = clock.instant();
    List<Lease> anchors = client.leases().inNamespace(namespace)
        .withLabel(Labels.MANAGED_BY, Labels.MANAGER).withLabel(Labels.ROLE, "anchor").list().getItems();
    List<String> swept = new ArrayList<>();
    for (Lease lease : anchors) {
      String session = lease.getMetadata().getLabels().get(Labels.SESSION);
      if (session == null || session.equals(mySession) || !isStale(lease, now)) {
        continue;
      }
      var pods = client.pods().inNamespace(namespace).withLabel(Labels.SESSION, session).list().getItems();
      log.info("anchor {}/{} is stale (last renewed {}): removing its {} pod(s)", namespace,
          lease.getMetadata().getName(), renewTime(lease).map(Instant::toString).orElse("never"), pods.size());
      client.pods().inNamespace(namespace).withLabel(Labels.SESSION, session).withGracePeriod(5).delete();
      client.secrets().inNamespace(namespace).withLabel(Labels.SESSION, session).delete();
      client.leases().inNamespace(namespace).withName(lease.getMetadata().getName()).delete();
      swept.add(session);
    }
    return swept;
  }

  static boolean isStale(Lease lease, Instant now) {
    Integer seconds = lease.getSpec() == null ? null : lease.getSpec().getLeaseDurationSeconds();
    Duration duration = Duration.ofSeconds(seconds == null ? 60 : seconds);
    return renewTime(lease).map(t -> t.plus(duration.multipliedBy(2)).isBefore(now)).orElse(true);
  }

  private static Optional<Instant> renewTime(Lease lease) {
    if (lease.getSpec() == null) {
      return Optional.empty();
    }
    ZonedDateTime t = lease.getSpec().getRenewTime() != null ? lease.getSpec().getRenewTime() : lease.getSpec().getAcquireTime();
    return Optional.ofNullable(t).map(ZonedDateTime::toInstant);
  }
}
