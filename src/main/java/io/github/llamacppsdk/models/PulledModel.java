package io.github.llamacppsdk.models;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A model in the cache, ready to load: the snapshot path llama-server gets as {@code --model}.
 *
 * <p>Immutable.
 *
 * @param model the name that was pulled
 * @param path the file in the cache ({@code .../models--owner--name/snapshots/COMMIT/FILE}, a link
 *     to the verified blob); for a split model, its first part, next to the others
 * @param file the file's path inside the repository
 * @param commit the commit the revision pointed to
 * @param sha256 the verified SHA-256 of the file (the Hub's LFS id), when known (a file found in
 *     the cache offline, without a blob link, has none)
 * @param sizeBytes the size of the file, all parts together for a split model
 * @param downloaded whether any byte was downloaded by this pull (false: everything was cached)
 */
public record PulledModel(HuggingFaceModel model, Path path, String file, String commit, Optional<String> sha256,
    long sizeBytes, boolean downloaded) {

  /** Validates the components. */
  public PulledModel {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(commit, "commit");
    Objects.requireNonNull(sha256, "sha256");
  }
}
