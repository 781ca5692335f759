package io.github.llamacppsdk.internal.models;

import io.github.llamacppsdk.models.HuggingFaceModel;
import io.github.llamacppsdk.models.ModelPullException;
import io.github.llamacppsdk.models.PullFailure;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Not API. Chooses the file a name means, exactly as llama.cpp's {@code find_best_model} ({@code
 * common/download.cpp}): an explicit file by case-insensitive path; else the first GGUF model file
 * whose path contains the tag followed by {@code .} or {@code -} (case ignored), skipping later parts
 * of a split model; without a tag {@code Q4_K_M}, then {@code Q8_0}, then the first GGUF model file.
 * Projector, imatrix and draft files are never a model. A split model brings all its parts.
 */
public final class FileChooser {
  private static final Pattern SPLIT = Pattern.compile("^(.+)-([0-9]{5})-of-([0-9]{5})$", Pattern.CASE_INSENSITIVE);
  private static final Pattern TAG = Pattern.compile("[-.]([A-Z0-9_]+)$", Pattern.CASE_INSENSITIVE);
  private static final List<String> DEFAULT_TAGS = List.of("Q4_K_M", "Q8_0");

  private FileChooser() {}

  /**
   * {@return the chosen file first, then the other parts of a split model (in part order)}
   *
   * @param files the repository's files
   * @param model the name
   * @throws ModelPullException {@code NO_SUCH_FILE} or {@code NO_SUCH_QUANT}, listing the GGUF files
   */
  public static List<RepoFile> choose(List<RepoFile> files, HuggingFaceModel model) {
    RepoFile primary = primary(files, model).orElseThrow(() -> missing(files, model));
    Split split = split(primary.path());
    if (split == null || split.count <= 1) {
      return List.of(primary);
    }
    List<RepoFile> parts = new ArrayList<>();
    for (RepoFile f : files) {
      Split s = split(f.path());
      if (s != null && s.count == split.count && s.prefix.equals(split.prefix)) {
        parts.add(f);
      }
    }
    parts.sort(Comparator.comparingInt(f -> split(f.path()).index));
    parts.remove(primary);
    parts.add(0, primary);
    return List.copyOf(parts);
  }

  private static Optional<RepoFile> primary(List<RepoFile> files, HuggingFaceModel model) {
    if (model.file().isPresent()) {
      return files.stream().filter(f -> f.path().equalsIgnoreCase(model.file().get())).findFirst();
    }
    List<String> tags = model.quant().map(List::of).orElse(DEFAULT_TAGS);
    for (String tag : tags) {
      Pattern p = Pattern.compile(Pattern.quote(tag) + "[.-]", Pattern.CASE_INSENSITIVE);
      for (RepoFile f : files) {
        if (isModel(f.path()) && p.matcher(f.path()).find() && isFirstPart(f.path())) {
          return Optional.of(f);
        }
      }
    }
    if (model.quant().isEmpty()) {
      return files.stream().filter(f -> isModel(f.path()) && isFirstPart(f.path())).findFirst();
    }
    return Optional.empty();
  }

  private static ModelPullException missing(List<RepoFile> files, HuggingFaceModel model) {
    List<String> available = available(files);
    if (model.file().isPresent()) {
      return new ModelPullException(PullFailure.NO_SUCH_FILE, model, model.file().get(), available,
          "the repository has no file " + model.file().get() + " at revision " + model.revision(), null);
    }
    String wanted = model.quant().map(q -> "no GGUF model file for quantisation " + q)
        .orElse("no GGUF model file at all");
    return new ModelPullException(PullFailure.NO_SUCH_QUANT, model, null, available, wanted, null);
  }

  /** {@return the GGUF model files (first parts only), each with its tag, e.g. {@code m-Q8_0.gguf (Q8_0)}} */
  static List<String> available(List<RepoFile> files) {
    List<String> out = new ArrayList<>();
    for (RepoFile f : files) {
      if (isModel(f.path()) && isFirstPart(f.path())) {
        String tag = tag(f.path());
        out.add(tag.isEmpty() ? f.path() : f.path() + " (" + tag + ")");
      }
    }
    return out;
  }

  /** {@return whether a path is a GGUF model file (not a projector, imatrix or draft head)} */
  static boolean isModel(String path) {
    if (!path.endsWith(".gguf")) {
      return false;
    }
    String name = path.substring(path.lastIndexOf('/') + 1);
    return !name.contains("mmproj") && !name.contains("imatrix") && !name.contains("mtp-")
        && !name.contains("eagle3-") && !name.contains("dflash-") && !name.contains("dspark-");
  }

  private static boolean isFirstPart(String path) {
    Split s = split(path);
    return s == null || s.count <= 1 || s.index == 1;
  }

  /** {@return the quantisation tag in a file name, upper case, or empty} */
  static String tag(String path) {
    Split s = split(path);
    if (s == null) {
      return "";
    }
    Matcher m = TAG.matcher(s.prefix);
    return m.find() ? m.group(1).toUpperCase(Locale.ROOT) : "";
  }

  private record Split(String prefix, int index, int count) { }

  private static Split split(String path) {
    if (!path.endsWith(".gguf")) {
      return null;
    }
    String prefix = path.substring(0, path.length() - ".gguf".length());
    Matcher m = SPLIT.matcher(prefix);
    if (m.matches()) {
      return new Split(m.group(1), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
    }
    return new Split(prefix, 1, 1);
  }
}
