/**
 * The front door: describe one llama-server with a {@link io.github.llamacppsdk.BootSpec}, hand it
 * to {@code LlamaCppBackend.resolveEndpoint(spec, consumer, options)}, and get back an
 * OpenAI-compatible endpoint with a lease.
 *
 * <p>All parameters and return values are non-null unless documented otherwise.
 */
package io.github.llamacppsdk;
