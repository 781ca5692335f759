package io.github.llamacppsdk;

import java.util.Locale;

/**
 * The {@code --flash-attn} setting of llama-server. Rendered as {@code on}, {@code off} or
 * {@code auto}. Immutable (an enum).
 */
public enum FlashAttn {
  /** Always use flash attention ({@code --flash-attn on}; {@code true} in a map). */
  ON,
  /** Never use flash attention ({@code --flash-attn off}; {@code false} in a map). */
  OFF,
  /** Let llama-server decide ({@code --flash-attn auto}); the default. */
  AUTO;

  /** {@return the value llama-server expects: {@code on}, {@code off} or {@code auto}} */
  public String wireValue() {
    return name().toLowerCase(Locale.ROOT);
  }
}
