package io.github.llamacppsdk.core;

import java.util.Locale;

/** The wire protocol an endpoint speaks. Each constant has a wire spelling, {@link #wireName()}. */
public enum Protocol {
  /** OpenAI-compatible {@code /v1/chat/completions}. */
  OPENAI_CHAT_COMPLETIONS("openai_chat_completions"),
  /** Logit routing (not offered by llama.cpp; part of the manifest vocabulary). */
  ROUTE_LOGITS("route_logits");

  private final String wireName;

  Protocol(String wireName) {
    this.wireName = wireName;
  }

  /** {@return the wire spelling, e.g. in manifests and maps} */
  public String wireName() {
    return wireName;
  }

  /**
   * Parses a wire spelling (case-insensitive, surrounding blanks ignored).
   *
   * @param text the wire spelling
   * @return the constant
   * @throws IllegalArgumentException if the text names no constant
   */
  public static Protocol fromWire(String text) {
    String t = text.strip();
    for (Protocol v : values()) {
      if (v.wireName.equalsIgnoreCase(t) || v.name().equalsIgnoreCase(t.toUpperCase(Locale.ROOT))) {
        return v;
      }
    }
    throw new IllegalArgumentException("unknown Protocol: " + text);
  }
}
