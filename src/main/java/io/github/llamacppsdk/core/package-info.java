/**
 * The in-process inference core: backend and consumer manifests, compatibility, the registry of
 * instances, published endpoints and leases. It knows nothing about llama.cpp; a backend plugs in
 * through {@link io.github.llamacppsdk.core.Backend}.
 *
 * <p>All parameters and return values are non-null unless documented otherwise.
 */
package io.github.llamacppsdk.core;
