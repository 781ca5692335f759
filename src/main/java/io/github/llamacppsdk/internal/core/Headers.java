package io.github.llamacppsdk.internal.core;

import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Not API. HTTP header maps as the library hands them out: immutable, sorted, and looked up without
 * regard to case ({@code headers.get("Authorization")} finds {@code authorization}), as HTTP header
 * names are case-insensitive. Stateless; thread-safe.
 */
public final class Headers {
  private Headers() {}

  /**
   * {@return an immutable, case-insensitive copy of {@code headers}}
   *
   * @param headers the headers; no null names or values
   * @throws IllegalArgumentException if two names differ only in case
   */
  public static Map<String, String> copyOf(Map<String, String> headers) {
    Map<String, String> out = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (Map.Entry<String, String> e : headers.entrySet()) {
      String name = Objects.requireNonNull(e.getKey(), "header name");
      String value = Objects.requireNonNull(e.getValue(), "header value");
      if (out.put(name, value) != null) {
        throw new IllegalArgumentException("header " + name.toLowerCase(Locale.ROOT) + " is given twice");
      }
    }
    return Collections.unmodifiableMap(out);
  }

  /**
   * {@return the token of an {@code authorization: Bearer TOKEN} header, or {@code null}}
   *
   * @param headers headers (any case)
   */
  public static String bearerToken(Map<String, String> headers) {
    for (Map.Entry<String, String> e : headers.entrySet()) {
      if (e.getKey().equalsIgnoreCase("authorization") && e.getValue().regionMatches(true, 0, "Bearer ", 0, 7)) {
        String token = e.getValue().substring(7).strip();
        return token.isEmpty() ? null : token;
      }
    }
    return null;
  }
}
