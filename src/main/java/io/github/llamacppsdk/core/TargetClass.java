package io.github.llamacppsdk.core;

import java.util.Locale;

/** What kind of target an endpoint is. Each constant has a wire spelling, {@link #wireName()}. */
public enum TargetClass {
  /** A hosted provider. */
  CLOUD_PROVIDER("cloud_provider"),
  /** A command-line endpoint. */
  CLI_ENDPOINT("cli_endpoint"),
  /** A server this machine runs. */
  SELF_HOSTED_ENDPOINT("self_hosted_endpoint");

  private final String wireName;

  TargetClass(String wireName) {
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
  public static TargetClass fromWire(String text) {
    String t = text.strip();
    for (TargetClass v : values()) {
      if (v.wireName.equalsIgnoreCase(t) || v.name().equalsIgnoreCase(t.toUpperCase(Locale.ROOT))) {
        return v;
      }
    }
    throw new IllegalArgumentException("unknown TargetClass: " + text);
  }
}
