package io.github.llamacppsdk.core;

import java.util.Locale;

/** Who manages the lifecycle of an instance. Each constant has a wire spelling, {@link #wireName()}. */
public enum ManagementMode {
  /** The library starts, watches and stops the service (pairs with {@link StartupKind#SPAWNED}). */
  JIDO_MANAGED("jido_managed"),
  /** Someone else runs the service; the library only attaches (pairs with {@link StartupKind#ATTACH_EXISTING_SERVICE}). */
  EXTERNALLY_MANAGED("externally_managed");

  private final String wireName;

  ManagementMode(String wireName) {
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
  public static ManagementMode fromWire(String text) {
    String t = text.strip();
    for (ManagementMode v : values()) {
      if (v.wireName.equalsIgnoreCase(t) || v.name().equalsIgnoreCase(t.toUpperCase(Locale.ROOT))) {
        return v;
      }
    }
    throw new IllegalArgumentException("unknown ManagementMode: " + text);
  }
}
