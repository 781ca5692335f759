package io.github.llamacppsdk.internal.spec;

import io.github.llamacppsdk.core.Secret;
import io.github.llamacppsdk.internal.Scan;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Not API. Reads the API key from an {@code api_key_file} when the server is launched: contents
 * trimmed, the first line is the key (llama-server accepts one key per line, and the library's probes
 * and clients use the first); missing, unreadable, directory, non-regular, oversized and blank files
 * are errors.
 */
public final class ApiKeyFiles {
  /** Larger than any sane key file; stops a typo such as {@code /var/log/syslog} from being slurped. */
  static final int MAX_BYTES = 64 * 1024;

  /**
   * The outcome: exactly one of {@code key} and {@code problem} is non-null.
   *
   * @param key the key read
   * @param problem what is wrong with the file, a sentence about it ("does not exist; ...")
   */
  public record Outcome(Secret key, String problem) {}

  private ApiKeyFiles() {}

  /** {@return the key in the file at {@code pathText}, or why there is none}
   * @param pathText the path */
  public static Outcome read(String pathText) {
    Path path;
    try {
      path = Path.of(pathText);
    } catch (InvalidPathException e) {
      return problem("is not a valid path (" + e.getReason() + ").");
    }
    if (Files.isDirectory(path)) {
      return problem("is a directory; it must be a file holding the API key.");
    }
    if (!Files.exists(path)) {
      return problem("does not exist; it must be a readable file holding the API key.");
    }
    if (!Files.isRegularFile(path)) {
      return problem("is not a regular file (a device, pipe or socket); it must be a file holding the API key.");
    }
    byte[] bytes;
    try (InputStream in = Files.newInputStream(path)) {
      bytes = in.readNBytes(MAX_BYTES + 1);
    } catch (NoSuchFileException e) {
      return problem("does not exist; it must be a readable file holding the API key.");
    } catch (AccessDeniedException e) {
      return problem("cannot be read (permission denied).");
    } catch (IOException e) {
      return problem("cannot be read (" + e.getClass().getSimpleName() + ").");
    }
    if (bytes.length > MAX_BYTES) {
      return problem("is larger than " + MAX_BYTES + " bytes; it does not look like an API key file.");
    }
    String token = new String(bytes, StandardCharsets.UTF_8).strip();
    if (token.isEmpty()) {
      return problem("is empty (only whitespace); it must hold the API key.");
    }
    // llama-server reads one key per line and accepts any of them: the first one is ours.
    String first = Scan.firstLine(token).strip();
    if (first.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      return problem("holds control characters; it must hold an API key per line.");
    }
    return new Outcome(Secret.of(first), null);
  }

  private static Outcome problem(String reason) {
    return new Outcome(null, reason);
  }
}
