/**
 * Not API. The Hugging Face model puller behind {@link io.github.llamacppsdk.models.ModelPuller}:
 * cache layout, Hub requests, file choice, one verified resumable download, single flight and locks.
 */
package io.github.llamacppsdk.internal.models;
