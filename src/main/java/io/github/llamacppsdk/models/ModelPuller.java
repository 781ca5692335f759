package io.github.llamacppsdk.models;

import io.github.llamacppsdk.internal.models.HubModelPuller;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Fetches named models into the Hugging Face hub cache. {@link #create(HubSettings)} gives the
 * library's implementation; {@link io.github.llamacppsdk.LlamaCppBackend} uses one for specs built
 * with {@code huggingFace(...)} and for its {@code pull(...)}.
 *
 * <p>The library's puller: asks the Hub for the revision's commit and file list, chooses the file
 * as llama-server does, and downloads into {@code models--owner--name/blobs/SHA256} through {@code
 * SHA256.downloadInProgress} (resumed with a {@code Range} request after a broken connection),
 * verifies the SHA-256, then links {@code snapshots/COMMIT/FILE} and writes {@code refs/REVISION}.
 * Concurrent pulls of one file in this JVM download it once (the others wait and see its progress);
 * another process is kept out by a file lock under {@code .locks/}. When the Hub cannot be reached,
 * a cached copy of the revision is used.
 *
 * <p>Implementations are thread-safe. Close the puller to release its HTTP client.
 */
public interface ModelPuller extends AutoCloseable {

  /**
   * {@return the library's puller with these settings}
   *
   * @param settings endpoint, cache, token, offline mode, stall rule, retries
   */
  static ModelPuller create(HubSettings settings) {
    return new HubModelPuller(Objects.requireNonNull(settings, "settings"));
  }

  /** {@return the settings this puller uses} */
  HubSettings settings();

  /**
   * Makes sure the model is in the cache, downloading it if needed; blocks until it is there.
   *
   * @param model the model
   * @param progress receives progress events, on the downloading thread; keep it fast; an exception
   *     it throws is logged and ignored
   * @return where the model is
   * @throws ModelPullException for every failure, typed by {@link ModelPullException#failure()}
   * @throws io.github.llamacppsdk.core.InferenceException {@code INTERRUPTED} if the thread was
   *     interrupted (the partial download stays for a later resume)
   */
  PulledModel pull(HuggingFaceModel model, Consumer<? super PullProgress> progress);

  /**
   * {@link #pull(HuggingFaceModel, Consumer)} without progress events.
   *
   * @param model the model
   * @return where the model is
   */
  default PulledModel pull(HuggingFaceModel model) {
    return pull(model, p -> { });
  }

  /**
   * Looks the model up in the cache only, without any request.
   *
   * @param model the model
   * @return where it is, if the revision's snapshot has a file for it
   */
  Optional<PulledModel> cached(HuggingFaceModel model);

  /** Releases the HTTP client. Idempotent; never throws. A pull under way fails or finishes. */
  @Override
  void close();
}
