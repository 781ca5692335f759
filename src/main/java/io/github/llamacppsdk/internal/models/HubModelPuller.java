package io.github.llamacppsdk.internal.models;

import io.github.llamacppsdk.internal.Log;
import io.github.llamacppsdk.models.HubSettings;
import io.github.llamacppsdk.models.HuggingFaceModel;
import io.github.llamacppsdk.models.ModelPullException;
import io.github.llamacppsdk.models.ModelPuller;
import io.github.llamacppsdk.models.PullFailure;
import io.github.llamacppsdk.models.PullProgress;
import io.github.llamacppsdk.models.PullProgress.Stage;
import io.github.llamacppsdk.models.PulledModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Not API. The library's {@link ModelPuller}: resolve the revision and file on the Hub (or in the
 * cache when offline or when the Hub cannot be reached), download each missing blob once ({@link
 * Flights}, {@link BlobDownload}), link the snapshot and write the ref.
 */
public final class HubModelPuller implements ModelPuller {
  private static final Log log = Log.of(HubModelPuller.class);

  private final HubSettings settings;
  private final CacheLayout layout;
  private final HubClient hub;
  private final AtomicBoolean closed = new AtomicBoolean();

  /** @param settings the settings */
  public HubModelPuller(HubSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.layout = new CacheLayout(settings.cacheDir());
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(settings.stallTimeout()).build();
    this.hub = new HubClient(http, settings);
  }

  @Override
  public HubSettings settings() {
    return settings;
  }

  @Override
  public PulledModel pull(HuggingFaceModel model, Consumer<? super PullProgress> progress) {
    Objects.requireNonNull(model, "model");
    Consumer<PullProgress> sink = guarded(Objects.requireNonNull(progress, "progress"));
    if (closed.get()) {
      throw new IllegalStateException("the model puller is closed");
    }
    sink.accept(new PullProgress(model, model.file().orElse(""), Stage.RESOLVING, 0, OptionalLong.empty(), 0));
    if (settings.offline()) {
      PulledModel hit = cached(model).orElseThrow(() -> notInCache(model));
      sink.accept(found(model, hit));
      return hit;
    }
    String commit;
    List<RepoFile> files;
    try {
      commit = hub.commit(model);
      files = hub.tree(model, commit);
    } catch (ModelPullException e) {
      if (e.failure() != PullFailure.HUB_UNREACHABLE && e.failure() != PullFailure.SERVER_ERROR) {
        throw e;
      }
      Optional<PulledModel> hit = cached(model);
      if (hit.isEmpty()) {
        throw e;
      }
      log.warn("{}: the Hub could not be asked ({}); using the cached snapshot {}", model.name(), e.getMessage(),
          hit.get().commit());
      sink.accept(found(model, hit.get()));
      return hit.get();
    }
    List<RepoFile> chosen = FileChooser.choose(files, model);
    boolean downloaded = false;
    long total = 0;
    for (RepoFile f : chosen) {
      downloaded |= fetch(model, commit, f, sink);
      total += Math.max(0, f.size());
    }
    RepoFile primary = chosen.get(0);
    try {
      if (!ModelNames.isCommit(model.revision())) {
        layout.writeRef(model.repo(), model.revision(), commit);
      }
    } catch (IOException e) {
      throw new ModelPullException(PullFailure.CACHE_ERROR, model, primary.path(), List.of(),
          "cannot write refs/" + model.revision() + " under " + layout.repoDir(model.repo()) + ": " + e, e);
    }
    Path path = layout.snapshot(model.repo(), commit, primary.path());
    if (downloaded) {
      log.info("pulled {} {} ({} bytes) into {}", model.name(), primary.path(), total, path);
    }
    return new PulledModel(model, path, primary.path(), commit,
        primary.lfs() ? Optional.of(primary.oid()) : Optional.empty(), total, downloaded);
  }

  /** Makes one file's blob present (downloading it once) and links its snapshot; true if bytes moved. */
  private boolean fetch(HuggingFaceModel model, String commit, RepoFile f, Consumer<PullProgress> sink) {
    if (!f.hasValidOid()) {
      throw new ModelPullException(PullFailure.BAD_RESPONSE, model, f.path(), List.of(),
          "the Hub lists no valid id (sha256) for the file: \"" + f.oid() + "\"", null);
    }
    Path blob = layout.blob(model.repo(), f.oid());
    boolean downloaded = false;
    if (!complete(blob, f)) {
      try {
        downloaded = Flights.once(blob, layout.lockFile(model.repo(), f.oid()), sink, multicast -> {
          new BlobDownload(hub, model, f, blob, multicast).run(commit);
          return true;
        });
      } catch (UncheckedIOException e) {
        throw new ModelPullException(PullFailure.CACHE_ERROR, model, f.path(), List.of(), e.getMessage(), e);
      }
    }
    if (!downloaded) {
      long size = Math.max(0, f.size());
      sink.accept(new PullProgress(model, f.path(), Stage.FOUND_IN_CACHE, size, OptionalLong.of(size), 0));
    }
    try {
      CacheLayout.link(layout.snapshot(model.repo(), commit, f.path()), blob);
    } catch (IOException e) {
      throw new ModelPullException(PullFailure.CACHE_ERROR, model, f.path(), List.of(),
          "cannot link the snapshot to " + blob + ": " + e, e);
    }
    return downloaded;
  }

  private static boolean complete(Path blob, RepoFile f) {
    try {
      return Files.isRegularFile(blob) && (f.size() < 0 || Files.size(blob) == f.size());
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public Optional<PulledModel> cached(HuggingFaceModel model) {
    Optional<String> commit = layout.cachedCommit(model.repo(), model.revision());
    if (commit.isEmpty()) {
      return Optional.empty();
    }
    List<RepoFile> files = snapshotFiles(model, commit.get());
    List<RepoFile> chosen;
    try {
      chosen = FileChooser.choose(files, model);
    } catch (ModelPullException e) {
      return Optional.empty();
    }
    long total = chosen.stream().mapToLong(RepoFile::size).sum();
    Path path = layout.snapshot(model.repo(), commit.get(), chosen.get(0).path());
    Optional<String> sha = CacheLayout.linkedOid(path).filter(o -> o.length() == 64);
    return Optional.of(new PulledModel(model, path, chosen.get(0).path(), commit.get(), sha, total, false));
  }

  private List<RepoFile> snapshotFiles(HuggingFaceModel model, String commit) {
    List<RepoFile> files = new ArrayList<>();
    for (String p : layout.snapshotFiles(model.repo(), commit)) {
      long size;
      try {
        size = Files.size(layout.snapshot(model.repo(), commit, p));
      } catch (IOException e) {
        continue;
      }
      files.add(new RepoFile(p, size, "", false));
    }
    return files;
  }

  private ModelPullException notInCache(HuggingFaceModel model) {
    Optional<String> commit = layout.cachedCommit(model.repo(), model.revision());
    String wanted = model.file().map(f -> "the file " + f)
        .orElse("a GGUF file for " + model.quant().map(q -> "quantisation " + q).orElse("the default quantisation"));
    if (commit.isEmpty()) {
      return new ModelPullException(PullFailure.NOT_IN_CACHE, model, model.file().orElse(null), List.of(),
          "offline, and the cache has no snapshot of revision " + model.revision() + " under "
              + layout.repoDir(model.repo()) + " (looked for " + wanted + ")", null);
    }
    List<String> available = FileChooser.available(snapshotFiles(model, commit.get()));
    return new ModelPullException(PullFailure.NOT_IN_CACHE, model, model.file().orElse(null), available,
        "offline, and the cached snapshot " + layout.repoDir(model.repo()).resolve("snapshots").resolve(commit.get())
            + " has no " + wanted.replaceFirst("^a ", ""), null);
  }

  private static PullProgress found(HuggingFaceModel model, PulledModel hit) {
    return new PullProgress(model, hit.file(), Stage.FOUND_IN_CACHE, hit.sizeBytes(), OptionalLong.of(hit.sizeBytes()), 0);
  }

  private static Consumer<PullProgress> guarded(Consumer<? super PullProgress> listener) {
    AtomicBoolean warned = new AtomicBoolean();
    return p -> {
      try {
        listener.accept(p);
      } catch (RuntimeException | Error e) { // an AssertionError of a test's listener too: it must not end the pull
        if (e instanceof VirtualMachineError vme) {
          throw vme;
        }
        if (warned.compareAndSet(false, true)) {
          log.warn("a pull progress listener threw; its later failures are not logged", e);
        }
      }
    };
  }

  @Override
  public void close() {
    closed.set(true); // HttpClient has no close() on Java 17; its threads end once unreferenced
  }
}
