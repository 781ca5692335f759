/**
 * Reading GGUF model files: {@link io.github.llamacppsdk.gguf.GgufModel#read} returns what a model
 * file says about itself (architecture, name, context length, layer and head counts, file type,
 * tensor count and bytes, scalar metadata) without loading its weights, and fails with an {@link
 * io.github.llamacppsdk.gguf.InvalidModelFileException} naming the file and the reason when the file
 * is missing, unreadable, not GGUF or damaged. The library uses it to check a model before it
 * launches llama-server.
 *
 * <p>All parameters and return values are non-null unless documented otherwise.
 */
package io.github.llamacppsdk.gguf;
