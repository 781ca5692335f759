/**
 * The operating-system seam: {@link io.github.llamacppsdk.process.ProcessTransport} launches a
 * command and returns a {@link io.github.llamacppsdk.process.LaunchedProcess} (pid, exit, output,
 * stop). It knows nothing about llama.cpp or the registry.
 *
 * <p>All parameters and return values are non-null unless documented otherwise.
 */
package io.github.llamacppsdk.process;
