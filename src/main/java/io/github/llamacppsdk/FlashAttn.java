package io.github.llamacppsdk;

import java.util.Locale;

/**
 * The {@code --flash-attn} setting of llama-server. Rendered as {@code on}, {@code off} or
 * {@code auto}. Immutable (an enum).
 */
public enum FlashAttn {
  /** Always use flash attention ({@code --flash-attn on}; the seed's {@code true}). */
  ON,
  /** Never use flash attention ({@code --flash-attn off}; the seed's {@code false}). */
  OFF,
  /** Let llama-server decide ({@code --flash-attn auto}); the default. */
  AUTO;

  /** {@return the value llama-server expects: {@code on}, {@code off} or {@code auto}} */
  public String wireValue() {
    return name().toLowerCase(Locale.ROOT);
  }
}
