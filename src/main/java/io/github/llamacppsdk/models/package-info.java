/**
 * Models by name: {@link io.github.llamacppsdk.models.HuggingFaceModel} names a GGUF file on the
 * Hugging Face Hub ({@code owner/repo:Q4_K_M}); a {@link io.github.llamacppsdk.models.ModelPuller}
 * fetches it into the standard Hugging Face hub cache (shared with llama-server's {@code -hf} and
 * Python tools), verified against the Hub's SHA-256, resumable, one download per file across threads
 * and processes, with {@link io.github.llamacppsdk.models.PullProgress} events; failures are a
 * {@link io.github.llamacppsdk.models.ModelPullException} with a
 * {@link io.github.llamacppsdk.models.PullFailure}. Settings ({@link
 * io.github.llamacppsdk.models.HubSettings}) come from the builder or from the usual environment
 * variables. See {@code guides/models.md}.
 *
 * <p>All parameters and return values are non-null unless documented otherwise.
 */
package io.github.llamacppsdk.models;
