package io.github.llamacppsdk.internal.spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Not API. POSIX shell quoting and secret masking for command lines shown to people. */
public final class ShellText {
  /** What a masked value looks like. */
  public static final String MASK = "****";

  /** What needs no quotes (scanned by hand: a fresh JVM's first launch need not start the regex engine). */
  private static final String SAFE = "_@%+=:,./-";
  /** Secret words: a name that is one, or ends in {@code _} and one, holds a secret. */
  private static final List<String> SECRET_WORDS =
      List.of("KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "CREDENTIALS");

  private ShellText() {}

  /** {@return {@code s} quoted for a POSIX shell if it needs it} */
  public static String quote(String s) {
    if (isSafe(s)) {
      return s;
    }
    return "'" + s.replace("'", "'\\''") + "'";
  }

  private static boolean isSafe(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || SAFE.indexOf(c) >= 0)) {
        return false;
      }
    }
    return true;
  }

  /**
   * {@return whether a name we do not know (an unknown spec key) might hold a secret: it contains a
   * secret word anywhere, e.g. {@code apikey}} Broader than {@link #looksSecret(String)} on purpose.
   */
  public static boolean mightBeSecret(String name) {
    String n = name.toUpperCase(Locale.ROOT);
    return n.contains("KEY") || n.contains("TOKEN") || n.contains("SECRET") || n.contains("PASSW")
        || n.contains("CREDENTIAL");
  }

  /**
   * {@return whether a variable or flag name looks like it holds a secret} Its last word is a secret
   * word: {@code LLAMA_API_KEY}, {@code --hf-token}, not {@code --fake-tokens-per-second}.
   */
  public static boolean looksSecret(String name) {
    String n = name.toUpperCase(Locale.ROOT).replace('-', '_');
    for (String word : SECRET_WORDS) {
      if (n.equals(word) || n.endsWith("_" + word)) {
        return true;
      }
    }
    return false;
  }

  /**
   * {@return a copy of {@code args} with the value of every secret-looking flag masked: the element
   * after {@code --api-key} / {@code --hf-token}, or the part after {@code =}}
   */
  public static List<String> maskArgs(List<String> args) {
    List<String> out = new ArrayList<>(args.size());
    boolean maskNext = false;
    for (String a : args) {
      if (maskNext) {
        out.add(MASK);
        maskNext = false;
        continue;
      }
      int eq = a.indexOf('=');
      String name = eq > 0 ? a.substring(0, eq) : a;
      if (name.startsWith("-") && looksSecret(name) && !name.endsWith("-file")) {
        if (eq > 0) {
          out.add(a.substring(0, eq + 1) + MASK);
        } else {
          out.add(a);
          maskNext = true;
        }
        continue;
      }
      out.add(a);
    }
    return out;
  }

  /** {@return {@code NAME=value ... argv...} as one shell line, secrets masked} */
  public static String commandLine(Map<String, String> env, List<String> argv) {
    StringBuilder sb = new StringBuilder();
    // environment names get the broad test: a variable's value is masked if its name contains a secret word
    for (Map.Entry<String, String> e : env.entrySet()) {
      String k = e.getKey();
      sb.append(k).append('=').append(quote(mightBeSecret(k) ? MASK : e.getValue())).append(' ');
    }
    List<String> shown = maskArgs(argv);
    for (int i = 0; i < shown.size(); i++) {
      if (i > 0) {
        sb.append(' ');
      }
      sb.append(quote(shown.get(i)));
    }
    return sb.toString();
  }
}
