/**
 * Implementation details of llama-cpp-sdk. Not API: anything here may change without notice.
 */
package io.github.llamacppsdk.internal;
