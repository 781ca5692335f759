package io.github.llamacppsdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.core.ResolveOptions;
import io.github.llamacppsdk.models.HuggingFaceModel;
import io.github.llamacppsdk.models.ModelPullException;
import io.github.llamacppsdk.models.PullFailure;
import io.github.llamacppsdk.models.PullProgress;
import io.github.llamacppsdk.models.PulledModel;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import io.github.llamacppsdk.testkit.FakeHuggingFace;
import io.github.llamacppsdk.testkit.FakeLlamaServer;
import io.github.llamacppsdk.testkit.GgufFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Specs that name their model: the backend pulls, then launches the (fake) server on the cached file. */
@Timeout(120)
@ExtendWith(NoLeakedProcesses.class)
class NamedModelIT {
  private static final String REPO = "someone/tiny-GGUF";
  private static final String FILE = "tiny-Q4_K_M.gguf";

  @TempDir Path tmp;
  private FakeHuggingFace hub;
  private LlamaCppBackend backend;
  private final List<PullProgress> progress = new CopyOnWriteArrayList<>();
  private Path binary;

  @BeforeEach
  void setUp() throws java.io.IOException {
    hub = FakeHuggingFace.start().addFile(REPO, FILE, GgufFiles.writeTinyModel(tmp.resolve("src.gguf")));
    binary = FakeLlamaServer.install(tmp);
    backend = LlamaCppBackend.builder().hub(hub.settings(tmp.resolve("hub"))).pullListener(progress::add).build();
  }

  @AfterEach
  void tearDown() {
    backend.close();
    hub.close();
  }

  private BootSpecBuilder spec(String name) {
    return BootSpec.builder().huggingFace(name).binaryPath(binary).port(0);
  }

  @Test
  void aNamedSpecIsPulledThenLaunchedOnTheCachedFile() {
    try (Resolution r = backend.resolveEndpoint(spec(REPO + ":Q4_K_M").build(), ResolveOptions.defaults())) {
      assertThat(r.endpoint().modelIdentity()).isEqualTo(REPO + ":Q4_K_M");
      String command = backend.instance(r.instance().instanceId()).orElseThrow().process().orElseThrow().command();
      Path cached = tmp.resolve("hub/models--someone--tiny-GGUF/snapshots").resolve(hub.commit(REPO)).resolve(FILE);
      assertThat(command).contains("--model " + cached, "--alias " + REPO + ":Q4_K_M").doesNotContain("--hf-repo");
    }
    assertThat(progress).extracting(PullProgress::stage).contains(PullProgress.Stage.DOWNLOADING,
        PullProgress.Stage.COMPLETE);
    assertThat(hub.downloads()).isEqualTo(1);
  }

  @Test
  void closingTheBackendEndsAnAsyncPullInFlight() throws Exception {
    String big = "someone/loadable-GGUF";
    hub.addFile(big, FILE, GgufFiles.writeLoadableModel(tmp.resolve("loadable.gguf"))); // about 0.5 MB
    hub.throttle(50_000); // about ten seconds
    CompletableFuture<Resolution> pending = backend.resolveEndpointAsync(spec(big + ":Q4_K_M").build(),
        io.github.llamacppsdk.core.ConsumerManifest.builder("a").build(), ResolveOptions.defaults());
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (progress.stream().noneMatch(p -> p.stage() == PullProgress.Stage.DOWNLOADING) && System.nanoTime() < end) {
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
    assertThat(progress).extracting(PullProgress::stage).contains(PullProgress.Stage.DOWNLOADING);
    backend.close();
    assertThat(pending).failsWithin(java.time.Duration.ofSeconds(5)).withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .havingCause().isInstanceOfSatisfying(io.github.llamacppsdk.core.InferenceException.class,
            e -> assertThat(e.code()).isEqualTo(io.github.llamacppsdk.core.ErrorCode.CLOSED));
    end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (pullThreads() > 0 && System.nanoTime() < end) {
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
    assertThat(pullThreads()).as("pull threads alive after close").isZero();
  }

  private static long pullThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("llamacpp-pull-")).count();
  }

  @Test
  void twoEqualNamedSpecsShareOneServerAndOneDownload() throws Exception {
    BootSpec spec = spec(REPO + ":Q4_K_M").build();
    try (Resolution a = backend.resolveEndpointAsync(spec,
            io.github.llamacppsdk.core.ConsumerManifest.builder("a").build(), ResolveOptions.defaults())
            .get(60, TimeUnit.SECONDS);
        Resolution b = backend.resolveEndpoint(BootSpec.fromMap(Map.of("hf_repo", REPO + ":Q4_K_M",
            "binary_path", binary.toString(), "port", 0)), ResolveOptions.defaults())) {
      assertThat(b.instance().instanceId()).isEqualTo(a.instance().instanceId());
      assertThat(b.reused()).isTrue();
    }
    assertThat(hub.downloads()).isEqualTo(1);
  }

  @Test
  void aModelThatCannotBePulledFailsTypedAndStartsNothing() {
    assertThatThrownBy(() -> backend.resolveEndpoint(spec(REPO + ":Q5_K_M").build(), ResolveOptions.defaults()))
        .isInstanceOfSatisfying(ModelPullException.class, e -> {
          assertThat(e.failure()).isEqualTo(PullFailure.NO_SUCH_QUANT);
          assertThat(e.available()).containsExactly(FILE + " (Q4_K_M)");
        });
    assertThatThrownBy(() -> backend.resolveEndpointAsync(spec("nobody/none").build(),
        io.github.llamacppsdk.core.ConsumerManifest.builder("a").build(), ResolveOptions.defaults()).get())
        .isInstanceOf(ExecutionException.class).cause().isInstanceOfSatisfying(ModelPullException.class,
            e -> assertThat(e.failure()).isEqualTo(PullFailure.UNKNOWN_REPOSITORY));
    assertThat(backend.instances()).isEmpty();
  }

  @Test
  void pullWarmsTheCacheWithoutStartingAServerAndResolveModelShowsTheLaunch() {
    PulledModel pulled = backend.pull(HuggingFaceModel.parse(REPO + ":Q4_K_M"));
    assertThat(pulled.downloaded()).isTrue();
    assertThat(backend.instances()).isEmpty();
    BootSpec launchable = backend.resolveModel(spec(REPO + ":Q4_K_M").build());
    assertThat(launchable.huggingFace()).isEmpty();
    assertThat(launchable.model()).isEqualTo(pulled.path().toString());
    assertThat(launchable.alias()).isEqualTo(REPO + ":Q4_K_M");
    assertThat(launchable.toCommandLine().argv()).containsSequence("--model", pulled.path().toString());
    assertThat(hub.downloads()).isEqualTo(1);
  }

  @Test
  void aPreloadedNamedSpecIsPulledStartedAndThenReusedByAResolve() {
    io.github.llamacppsdk.core.EnsureResult warm = backend.preload(spec(REPO + ":Q4_K_M").build());
    assertThat(warm.instance().lifecycle()).isEqualTo(io.github.llamacppsdk.core.LifecycleStatus.READY);
    assertThat(hub.downloads()).isEqualTo(1);
    try (Resolution r = backend.resolveEndpoint(spec(REPO + ":Q4_K_M").build(), ResolveOptions.defaults())) {
      assertThat(r.reused()).isTrue();
      assertThat(r.instance().instanceId()).isEqualTo(warm.instance().instanceId());
    }
    assertThat(hub.downloads()).isEqualTo(1);
  }

  @Test
  void theCoreRefusesANamedSpecThatWasNotPulled() {
    try (io.github.llamacppsdk.core.InferenceCore core = io.github.llamacppsdk.core.InferenceCore.builder().build();
        LlamaCppBackend onCore = LlamaCppBackend.builder().hub(hub.settings(tmp.resolve("hub"))).core(core).build()) {
      assertThatThrownBy(() -> core.resolveEndpoint(onCore.instanceSpec(spec(REPO).build()),
          io.github.llamacppsdk.core.ConsumerManifest.builder("a").build(), ResolveOptions.defaults()))
          .isInstanceOf(InferenceException.class).hasMessageContaining("hf_repo").hasMessageContaining("resolveModel");
    }
  }
}
