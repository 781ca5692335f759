package io.github.llamacppsdk.core;

import java.util.Locale;

/** How an instance comes to exist. Each constant has a wire spelling, {@link #wireName()}. */
public enum StartupKind {
  /** The library spawns the process. */
  SPAWNED("spawned"),
  /** The library attaches to a service started elsewhere and never stops it. */
  ATTACH_EXISTING_SERVICE("attach_existing_service");

  private final String wireName;

  StartupKind(String wireName) {
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
  public static StartupKind fromWire(String text) {
    String t = text.strip();
    for (StartupKind v : values()) {
      if (v.wireName.equalsIgnoreCase(t) || v.name().equalsIgnoreCase(t.toUpperCase(Locale.ROOT))) {
        return v;
      }
    }
    throw new IllegalArgumentException("unknown StartupKind: " + text);
  }
}
