/**
 * Test aids shipped with the library: a faithful fake {@code llama-server} that runs as a real
 * process, for this library's tests and for yours. Not for production traffic.
 *
 * <p>All parameters and return values are non-null unless documented otherwise.
 */
package io.github.llamacppsdk.testkit;
