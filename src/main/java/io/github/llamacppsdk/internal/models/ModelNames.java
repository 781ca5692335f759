package io.github.llamacppsdk.internal.models;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Not API. What a valid model name is, as llama.cpp checks it ({@code common/hf-cache.cpp}): each
 * method returns {@code null} when the value is fine, else a sentence saying why not.
 */
public final class ModelNames {
  private static final Pattern QUANT = Pattern.compile("[A-Za-z0-9_]{1,64}");
  private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
  private static final Pattern REVISION = Pattern.compile("[A-Za-z0-9._/-]{1,200}");

  private ModelNames() {}

  /**
   * {@return why {@code repo} is not an {@code owner/name} repository id, or null} Letters, digits and
   * {@code _}; {@code / . -} only between them; exactly one {@code /}; at most 256 characters.
   */
  public static String repoProblem(String repo) {
    if (repo == null || repo.isEmpty() || repo.length() > 256) {
      return "must be a repository id owner/name of 1 to 256 characters";
    }
    int slashes = 0;
    boolean special = true;
    for (int i = 0; i < repo.length(); i++) {
      char c = repo.charAt(i);
      if (Character.isLetterOrDigit(c) && c < 128 || c == '_') {
        special = false;
      } else if (c == '/' || c == '.' || c == '-') {
        if (special) {
          return "must be a repository id owner/name: '" + c + "' must sit between letters or digits";
        }
        slashes += c == '/' ? 1 : 0;
        special = true;
      } else {
        return "must be a repository id owner/name of letters, digits, '_', '.', '-'; got '" + c + "'";
      }
    }
    if (special || slashes != 1) {
      return "must be a repository id with exactly one '/', such as owner/name";
    }
    return null;
  }

  /** {@return why {@code quant} is not a quantisation tag such as {@code Q4_K_M}, or null} */
  public static String quantProblem(String quant) {
    return quant != null && QUANT.matcher(quant).matches() ? null
        : "must be a quantisation tag of letters, digits and '_', such as Q4_K_M";
  }

  /** {@return why {@code file} is not a relative file path inside a repository, or null} */
  public static String fileProblem(String file) {
    if (file == null || file.isBlank() || file.length() > 1024) {
      return "must be a file path inside the repository, such as model-Q4_K_M.gguf";
    }
    if (file.startsWith("/") || file.contains("\\") || file.indexOf('\0') >= 0) {
      return "must be a relative path inside the repository (no leading '/', no '\\')";
    }
    for (String part : file.split("/", -1)) {
      if (part.isEmpty() || part.equals(".") || part.equals("..")) {
        return "must be a relative path inside the repository without empty, '.' or '..' parts";
      }
    }
    return null;
  }

  /** {@return why {@code revision} is not a branch, tag or 40-hex commit, or null} */
  public static String revisionProblem(String revision) {
    if (revision == null || !REVISION.matcher(revision).matches()) {
      return "must be a branch, tag or commit of letters, digits and '._/-', such as main";
    }
    if (revision.startsWith("/") || revision.endsWith("/") || revision.contains("..") || revision.contains("//")) {
      return "must be a branch, tag or commit without '..', '//' or a leading or trailing '/'";
    }
    return null;
  }

  /** {@return whether {@code revision} is a full commit hash} */
  public static boolean isCommit(String revision) {
    return COMMIT.matcher(revision.toLowerCase(Locale.ROOT)).matches() && revision.length() == 40;
  }
}
