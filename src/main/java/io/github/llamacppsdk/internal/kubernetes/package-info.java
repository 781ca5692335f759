/**
 * Not API. The Kubernetes {@link io.github.llamacppsdk.process.ProcessTransport}: a launch becomes a
 * Secret and a Pod, pod status becomes the process's life, pod logs its output, and an anchor Lease
 * with renewal guarantees that no pod outlives its application. Loaded only when a backend is built
 * with a Kubernetes placement. See {@code guides/kubernetes.md}.
 */
package io.github.llamacppsdk.internal.kubernetes;
