/** Not API. What the GGUF reader and the test-model writer share about the format. */
package io.github.llamacppsdk.internal.gguf;
