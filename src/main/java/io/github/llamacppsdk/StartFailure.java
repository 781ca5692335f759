package io.github.llamacppsdk;

/**
 * Why a llama-server exited before it became ready, classified from its output (llama-server exits
 * with status 1 for nearly every start-up failure, so the status alone says little).
 */
public enum StartFailure {
  /** The model file does not exist or cannot be opened ({@code failed to open GGUF file}). */
  MODEL_FILE_MISSING,
  /** The model file is not a GGUF file ({@code invalid magic characters}). */
  NOT_GGUF,
  /** The port is taken ({@code couldn't bind HTTP server socket}). */
  PORT_IN_USE,
  /** llama-server rejected a flag or a value ({@code error: invalid argument}, usage text). */
  INVALID_ARGUMENT,
  /**
   * The llama-server build does not have an option the spec asks for; found before launch from its
   * {@code --help}, so nothing was started.
   */
  UNSUPPORTED_OPTION,
  /**
   * The spec's {@code api_key_file} could not be read when the server was to be launched (missing,
   * unreadable, a directory, empty, ...); the message names the file. Found before launch, so nothing
   * was started.
   */
  API_KEY_FILE_UNREADABLE,
  /** Memory could not be allocated (host or GPU). */
  OUT_OF_MEMORY,
  /**
   * The placement found nowhere to run the server (a Kubernetes pod the scheduler marks {@code
   * Unschedulable}, e.g. {@code Insufficient nvidia.com/gpu}); the scheduler's message is in the
   * output. Reported at the readiness deadline; not deterministic (capacity may appear).
   */
  UNSCHEDULABLE,
  /**
   * A model named by {@code --hf-repo} (llama-server's own pull, as in a Kubernetes pod) was not
   * found: the Hub does not know the repository ({@code GET failed (404)}), it has no GGUF file for
   * the quantisation ({@code no GGUF files found in repository}, then the files there are), or, in
   * offline mode, the cache does not hold it (build 11669 then says only {@code exactly one out
   * metadata, path_model, and file must be defined}).
   */
  MODEL_NOT_FOUND,
  /**
   * The Hub refused the server's pull of a named model (401/403): a gated or private repository
   * and no token, or a token without access.
   */
  MODEL_ACCESS_DENIED,
  /** The server could not reach the Hub to pull a named model ({@code Could not establish connection}). */
  HUB_UNREACHABLE,
  /** Anything else; read the output tail. */
  OTHER;

  /**
   * {@return whether retrying the same spec would fail the same way} Deterministic failures are never
   * retried by a restart policy. {@link #PORT_IN_USE} counts as deterministic for a fixed port.
   */
  public boolean isDeterministic() {
    return this != OTHER && this != OUT_OF_MEMORY && this != UNSCHEDULABLE && this != HUB_UNREACHABLE;
  }
}
