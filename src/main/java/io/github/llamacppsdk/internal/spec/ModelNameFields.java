package io.github.llamacppsdk.internal.spec;

import static io.github.llamacppsdk.internal.spec.SpecKeys.HF_FILE;
import static io.github.llamacppsdk.internal.spec.SpecKeys.HF_REPO;
import static io.github.llamacppsdk.internal.spec.SpecKeys.HF_REVISION;

import io.github.llamacppsdk.internal.models.ModelNames;
import io.github.llamacppsdk.models.HuggingFaceModel;
import java.util.Optional;

/**
 * Not API. Reads {@code hf_repo} ({@code owner/repo[:QUANT]}), {@code hf_file} and {@code
 * hf_revision} into a {@link HuggingFaceModel}, recording a violation per bad field.
 */
final class ModelNameFields {
  private ModelNameFields() {}

  static Optional<HuggingFaceModel> read(FieldReader in) {
    Optional<String> name = in.optionalString(HF_REPO, false);
    Optional<String> file = in.optionalString(HF_FILE, false);
    Optional<String> revision = in.optionalString(HF_REVISION, false);
    if (name.isEmpty()) {
      if (!in.failedOn(HF_REPO)) {
        file.ifPresent(f -> in.fail(HF_FILE, f, "needs hf_repo: the repository the file is in."));
        revision.ifPresent(r -> in.fail(HF_REVISION, r, "needs hf_repo: the repository of the revision."));
      }
      return Optional.empty();
    }
    String n = name.get();
    int colon = n.indexOf(':');
    String repo = colon < 0 ? n : n.substring(0, colon);
    String quant = colon < 0 ? null : n.substring(colon + 1);
    boolean ok = true;
    String problem = ModelNames.repoProblem(repo);
    if (problem != null) {
      in.fail(HF_REPO, n, "must be owner/repo or owner/repo:QUANT (llama-server's -hf): the repository " + problem + ".");
      ok = false;
    } else if (quant != null && ModelNames.quantProblem(quant) != null) {
      in.fail(HF_REPO, n, "the part after ':' " + ModelNames.quantProblem(quant) + ".");
      ok = false;
    }
    if (file.isPresent()) {
      String fp = ModelNames.fileProblem(file.get());
      if (fp != null) {
        in.fail(HF_FILE, file.get(), fp + ".");
        ok = false;
      } else if (quant != null) {
        in.fail(HF_FILE, file.get(), "names the file while hf_repo names the quantisation " + quant
            + "; give one of them.");
        ok = false;
      }
    }
    if (revision.isPresent() && ModelNames.revisionProblem(revision.get()) != null) {
      in.fail(HF_REVISION, revision.get(), ModelNames.revisionProblem(revision.get()) + ".");
      ok = false;
    }
    if (!ok) {
      return Optional.empty();
    }
    return Optional.of(new HuggingFaceModel(repo, Optional.ofNullable(quant), file,
        revision.orElse(HuggingFaceModel.DEFAULT_REVISION)));
  }
}
