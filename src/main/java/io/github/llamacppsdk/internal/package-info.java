/**
 * Not API. Implementation packages of llama-cpp-sdk; anything under {@code
 * io.github.llamacppsdk.internal} may change without notice.
 */
package io.github.llamacppsdk.internal;
