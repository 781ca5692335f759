/**
 * The Kubernetes placement: a {@link io.github.llamacppsdk.BootSpec} resolved by a backend built
 * with {@link io.github.llamacppsdk.LlamaCppBackend.Builder#kubernetes(KubernetesPlacement)} runs as
 * a llama-server pod instead of a local subprocess, with the same readiness, health, leases, idle
 * stop and descriptor. Needs the optional fabric8 Kubernetes client on the class path; the rest of
 * the library never loads it. See {@code guides/kubernetes.md}.
 *
 * <p>All parameters and return values are non-null unless documented otherwise.
 */
package io.github.llamacppsdk.kubernetes;
