package io.github.llamacppsdk.core;

import java.util.Locale;

/** How a backend runs. Each constant has a wire spelling, {@link #wireName()}. */
public enum RuntimeKind {
  /** A long-running service with an endpoint. */
  SERVICE("service"),
  /** A one-shot task. */
  TASK("task"),
  /** A remote client endpoint (endpoint descriptors only). */
  CLIENT("client");

  private final String wireName;

  RuntimeKind(String wireName) {
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
  public static RuntimeKind fromWire(String text) {
    String t = text.strip();
    for (RuntimeKind v : values()) {
      if (v.wireName.equalsIgnoreCase(t) || v.name().equalsIgnoreCase(t.toUpperCase(Locale.ROOT))) {
        return v;
      }
    }
    throw new IllegalArgumentException("unknown RuntimeKind: " + text);
  }
}
