package io.github.llamacppsdk.core;

/**
 * The capability keys and the "unknown" value of the manifest vocabulary. Capability maps are {@code
 * Map<String, Object>} whose values are {@link Boolean#TRUE}, {@link Boolean#FALSE} or {@link
 * #UNKNOWN}; keys are plain names ({@code streaming}); map input may spell them with a trailing {@code ?}.
 */
public final class Capabilities {
  /** Server-Sent-Events streaming of chat completions. */
  public static final String STREAMING = "streaming";
  /** Tool (function) calling. */
  public static final String TOOL_CALLING = "tool_calling";
  /** The {@code /v1/embeddings} endpoint. */
  public static final String EMBEDDINGS = "embeddings";
  /** Deterministic responses (simulation backends). */
  public static final String DETERMINISTIC_RESPONSE = "deterministic_response";
  /** The value for "not known in advance". */
  public static final String UNKNOWN = "unknown";

  private Capabilities() {}

  /**
   * Normalises a capability key: strips a leading {@code :} and a trailing {@code ?}.
   *
   * @param key a key such as {@code streaming?} or {@code :tool_calling?}
   * @return the normalised key, e.g. {@code streaming}
   */
  public static String normaliseKey(String key) {
    String k = key.strip();
    if (k.startsWith(":")) {
      k = k.substring(1);
    }
    if (k.endsWith("?")) {
      k = k.substring(0, k.length() - 1);
    }
    return k;
  }
}
