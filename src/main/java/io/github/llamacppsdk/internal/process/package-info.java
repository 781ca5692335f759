/**
 * Not API. The local {@link io.github.llamacppsdk.process.ProcessTransport}: launch, output pump,
 * exit detection, the stop protocol and the orphan watchdog. See {@code guides/architecture.md}.
 */
package io.github.llamacppsdk.internal.process;
