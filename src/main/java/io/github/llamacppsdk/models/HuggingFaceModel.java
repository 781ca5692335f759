package io.github.llamacppsdk.models;

import io.github.llamacppsdk.internal.models.ModelNames;
import java.util.Objects;
import java.util.Optional;

/**
 * A GGUF model named on the Hugging Face Hub: a repository, which file in it (by quantisation tag
 * or by file name), and a revision. The name syntax is llama-server's {@code -hf}: {@code
 * owner/repo:Q4_K_M}.
 *
 * <p>With a quantisation tag, the file is the first GGUF model file whose name contains the tag
 * followed by {@code .} or {@code -} (case ignored; for a split model, its first part); with
 * neither tag nor file, {@code Q4_K_M}, then {@code Q8_0}, then the first GGUF model file, exactly
 * as llama-server chooses. Projector ({@code mmproj}) and {@code imatrix} files are never chosen.
 *
 * <p>Immutable and thread-safe.
 *
 * @param repo the repository id, {@code owner/name}
 * @param quant the quantisation tag, e.g. {@code Q4_K_M}
 * @param file the file path inside the repository; set either this or {@code quant}
 * @param revision a branch, tag or commit; default {@code main}
 */
public record HuggingFaceModel(String repo, Optional<String> quant, Optional<String> file, String revision) {

  /** The default revision. */
  public static final String DEFAULT_REVISION = "main";

  /**
   * Validates the components.
   *
   * @throws IllegalArgumentException naming the bad component, or if both a tag and a file are set
   */
  public HuggingFaceModel {
    Objects.requireNonNull(repo, "repo");
    Objects.requireNonNull(quant, "quant");
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(revision, "revision");
    check("repo", repo, ModelNames.repoProblem(repo));
    quant.ifPresent(q -> check("quant", q, ModelNames.quantProblem(q)));
    file.ifPresent(f -> check("file", f, ModelNames.fileProblem(f)));
    check("revision", revision, ModelNames.revisionProblem(revision));
    if (quant.isPresent() && file.isPresent()) {
      throw new IllegalArgumentException("set either a quantisation tag (" + quant.get() + ") or a file ("
          + file.get() + "), not both");
    }
  }

  private static void check(String field, String value, String problem) {
    if (problem != null) {
      throw new IllegalArgumentException(field + " " + problem + ": \"" + value + "\"");
    }
  }

  /**
   * Parses {@code owner/repo} or {@code owner/repo:QUANT} (llama-server's {@code -hf} syntax); the
   * revision is {@code main}.
   *
   * @param name the name
   * @return the model
   * @throws IllegalArgumentException if the name is malformed
   */
  public static HuggingFaceModel parse(String name) {
    Objects.requireNonNull(name, "name");
    int colon = name.indexOf(':');
    if (colon < 0) {
      return new HuggingFaceModel(name, Optional.empty(), Optional.empty(), DEFAULT_REVISION);
    }
    String quant = name.substring(colon + 1);
    if (quant.isEmpty() || quant.indexOf(':') >= 0) {
      throw new IllegalArgumentException("name must be owner/repo or owner/repo:QUANT: \"" + name + "\"");
    }
    return new HuggingFaceModel(name.substring(0, colon), Optional.of(quant), Optional.empty(), DEFAULT_REVISION);
  }

  /**
   * {@return this model with the file named explicitly instead of chosen by tag}
   *
   * @param path the file path inside the repository
   */
  public HuggingFaceModel withFile(String path) {
    return new HuggingFaceModel(repo, Optional.empty(), Optional.of(path), revision);
  }

  /**
   * {@return this model at another revision}
   *
   * @param rev a branch, tag or 40-hex commit
   */
  public HuggingFaceModel withRevision(String rev) {
    return new HuggingFaceModel(repo, quant, file, rev);
  }

  /** {@return the name in llama-server's {@code -hf} syntax: {@code owner/repo[:QUANT]}} */
  public String name() {
    return quant.map(q -> repo + ":" + q).orElse(repo);
  }

  /**
   * {@return the alias a spec of this model gets by default} The name ({@code owner/repo:QUANT}, what
   * llama-server itself reports for {@code -hf}); with an explicit file, the file name without its
   * extension, as for a model given by path.
   */
  public String defaultAlias() {
    if (file.isPresent()) {
      String base = file.get().substring(file.get().lastIndexOf('/') + 1);
      int dot = base.lastIndexOf('.');
      return dot > 0 ? base.substring(0, dot) : base;
    }
    return name();
  }

  /** {@return {@code owner/repo[:QUANT]}, then {@code file F} and {@code @REVISION} when they are set} */
  @Override
  public String toString() {
    return name() + file.map(f -> " file " + f).orElse("")
        + (revision.equals(DEFAULT_REVISION) ? "" : " @" + revision);
  }
}
