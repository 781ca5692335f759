/**
 * Not API. Boot-spec normalisation, validation, identity and llama-server flag rendering behind
 * {@link io.github.llamacppsdk.BootSpec}.
 */
package io.github.llamacppsdk.internal.spec;
