package io.github.llamacppsdk.internal.fake;

import io.github.llamacppsdk.internal.models.HubModelPuller;
import io.github.llamacppsdk.models.HubSettings;
import io.github.llamacppsdk.models.HuggingFaceModel;
import io.github.llamacppsdk.models.ModelPullException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Not API. llama-server's own pull of {@code --hf-repo OWNER/REPO[:QUANT]} ({@code --hf-file},
 * {@code --offline}), done with the library's Hub client: the Hub from {@code MODEL_ENDPOINT} (else
 * {@code HF_ENDPOINT}), the cache from {@code LLAMA_CACHE} (the same order of variables as
 * llama.cpp), the token from {@code HF_TOKEN}, one attempt. Like build 11669 whose output is a pipe,
 * it prints nothing while it downloads, and a failure prints the lines that build prints (observed
 * against a local Hub stand-in, see {@code guides/kubernetes.md}) and exits 1.
 */
final class FakeHubPull {
  private FakeHubPull() {}

  /** {@return the pulled file} Exits the JVM with status 1, as llama-server, when the pull fails. */
  static Path pull(FakeConfig config, Map<String, String> env, FakeLog log, String main) {
    HuggingFaceModel model = HuggingFaceModel.parse(config.string("--hf-repo").orElseThrow());
    if (config.string("--hf-file").isPresent()) {
      model = model.withFile(config.string("--hf-file").get());
    }
    HubSettings settings = HubSettings.fromEnvironment(env).toBuilder().offline(config.flag("--offline"))
        .maxAttempts(1).build();
    try (HubModelPuller puller = new HubModelPuller(settings)) {
      return puller.pull(model, p -> { }).path();
    } catch (ModelPullException e) {
      String repo = model.repo();
      switch (e.failure()) {
        case UNKNOWN_REPOSITORY:
        case UNKNOWN_REVISION:
          log.raw('E', "get_repo_commit: error: GET failed (404): Repository not found");
          log.raw('W', "get_repo_files: failed to resolve commit for " + repo);
          break;
        case HUB_UNREACHABLE:
          log.raw('E', "get_repo_commit: error: HTTPLIB failed: Could not establish connection");
          log.raw('W', "get_repo_files: failed to resolve commit for " + repo);
          break;
        case NO_SUCH_QUANT:
        case NO_SUCH_FILE:
          log.raw('E', "common_download_get_hf_plan: no GGUF files found in repository " + repo);
          log.raw('I', "Available GGUF files:");
          e.available().forEach(f -> log.raw('I', " - " + f.replaceFirst(" \\(.*\\)$", ""))); // "f (QUANT)"
          break;
        case GATED:
          log.error(main, "failed to download model: Download '" + settings.endpoint() + repo + "/resolve/main/"
              + e.file().orElse("") + "' failed with status code: 401");
          System.exit(1);
          break;
        case NOT_IN_CACHE:
          break; // build 11669 says nothing of the cache; only the load below fails
        default:
          log.error(main, "failed to download model: " + e.failure() + ": " + e.getMessage());
          System.exit(1);
      }
      log.info("load_model", "loading model '" + model.name() + "'");
      log.raw('E', "llama_model_load_from_file_impl: exactly one out metadata, path_model, and file must be defined");
      log.raw('E', "cmn  common_init_: failed to load model ''");
      log.error("load_model", "failed to load model, ''");
      log.error(main, "exiting due to model loading error");
      System.exit(1);
      return null;
    }
  }
}
