package io.github.llamacppsdk.internal.llama;

import io.github.llamacppsdk.StartFailure;
import java.util.List;
import java.util.Locale;

/**
 * Not API. Reads llama-server's output to say why it exited before it was ready (it exits with
 * status 1 for nearly everything). The first matching line wins, searching from the oldest line, so
 * the root error is found before its follow-up lines.
 */
public final class StartFailureClassifier {
  /**
   * What a transport writes into the output when its scheduler cannot place the server (lower case;
   * the Kubernetes transport's line is {@code [kubernetes] pod NAME is unschedulable: MESSAGE}).
   */
  public static final String UNSCHEDULABLE_MARK = "is unschedulable:";

  private StartFailureClassifier() {}

  /**
   * @param lines the output tail, oldest first
   * @return the cause; {@link StartFailure#OTHER} when no line matches
   */
  public static StartFailure classify(List<String> lines) {
    for (String raw : lines) {
      String line = raw.toLowerCase(Locale.ROOT);
      if (line.contains("invalid magic characters")) {
        return StartFailure.NOT_GGUF;
      }
      if (line.contains("failed to open gguf file") || line.contains("no such file or directory")
          && line.contains("gguf")) {
        return StartFailure.MODEL_FILE_MISSING;
      }
      if (line.contains("couldn't bind") || line.contains("address already in use")) {
        return StartFailure.PORT_IN_USE;
      }
      if (line.startsWith("error: invalid argument") || line.contains("error while handling argument")
          || line.contains("invalid value for") || line.startsWith("usage:")) {
        return StartFailure.INVALID_ARGUMENT;
      }
      if (line.contains("out of memory") || line.contains("failed to allocate")
          || line.contains("cudamalloc failed") || line.contains("bad_alloc")
          || line.contains("unable to allocate")) {
        return StartFailure.OUT_OF_MEMORY;
      }
      if (line.contains("get_repo_commit: error: get failed (401)") || line.contains("get failed (403)")
          || line.contains("failed to download model") && (line.contains("status code: 401") || line.contains("status code: 403"))) {
        return StartFailure.MODEL_ACCESS_DENIED;
      }
      if (line.contains("get_repo_commit: error: get failed (404)") || line.contains("no gguf files found in repository")
          || line.contains("exactly one out metadata, path_model, and file must be defined")) {
        return StartFailure.MODEL_NOT_FOUND;
      }
      if (line.contains("get_repo_commit: error: httplib failed") || line.contains("could not establish connection")) {
        return StartFailure.HUB_UNREACHABLE;
      }
      if (line.contains(UNSCHEDULABLE_MARK)) {
        return StartFailure.UNSCHEDULABLE;
      }
    }
    return StartFailure.OTHER;
  }
}
