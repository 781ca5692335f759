package io.github.llamacppsdk.models;

import java.util.Locale;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * One progress event of a pull. Events of one file arrive in order; bytes never go down within a
 * download. A download reports at most about five {@link Stage#DOWNLOADING} events a second, plus
 * one when it ends.
 *
 * <p>Immutable.
 *
 * @param model the model being pulled
 * @param file the file in the repository (empty while {@link Stage#RESOLVING})
 * @param stage what is happening
 * @param bytesDone bytes of the file on disk (a resumed download starts above zero)
 * @param totalBytes the file's size, when known
 * @param bytesPerSecond the recent download rate (0 when nothing is moving or nothing is downloaded)
 */
public record PullProgress(HuggingFaceModel model, String file, Stage stage, long bytesDone,
    OptionalLong totalBytes, double bytesPerSecond) {

  /** Validates the components. */
  public PullProgress {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(stage, "stage");
    Objects.requireNonNull(totalBytes, "totalBytes");
  }

  /** What a pull is doing. */
  public enum Stage {
    /** Asking the Hub (or, offline, the cache) which file and commit the name means. */
    RESOLVING,
    /** The file is already in the cache; nothing is downloaded. */
    FOUND_IN_CACHE,
    /** Bytes are arriving. */
    DOWNLOADING,
    /** Every byte arrived; the SHA-256 is being checked (resumed downloads re-read the part on disk). */
    VERIFYING,
    /** The file is verified and in the cache. */
    COMPLETE
  }

  /** {@return {@code bytesDone / totalBytes} from 0 to 1, when the total is known} */
  public OptionalDouble fraction() {
    return totalBytes.isPresent() && totalBytes.getAsLong() > 0
        ? OptionalDouble.of(Math.min(1.0, (double) bytesDone / totalBytes.getAsLong())) : OptionalDouble.empty();
  }

  /** {@return e.g. {@code someone/tiny-GGUF:Q4_K_M tiny-Q4_K_M.gguf DOWNLOADING 12.0 of 400.0 MB (3%) at 5.1 MB/s}} */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(model.name()).append(' ').append(file.isEmpty() ? "-" : file).append(' ')
        .append(stage).append(' ').append(mb(bytesDone));
    totalBytes.ifPresent(t -> sb.append(" of ").append(mb(t)));
    sb.append(" MB");
    fraction().ifPresent(f -> sb.append(" (").append((int) Math.floor(f * 100)).append("%)"));
    if (stage == Stage.DOWNLOADING) {
      sb.append(" at ").append(mb((long) bytesPerSecond)).append(" MB/s");
    }
    return sb.toString();
  }

  private static String mb(long bytes) {
    return String.format(Locale.ROOT, "%.1f", bytes / 1_000_000.0);
  }
}
