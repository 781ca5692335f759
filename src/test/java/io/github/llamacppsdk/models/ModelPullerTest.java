package io.github.llamacppsdk.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamacppsdk.core.Secret;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.models.PullProgress.Stage;
import io.github.llamacppsdk.testkit.FakeHuggingFace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The Hugging Face puller against the local Hub stand-in: layout, progress, resume, every typed failure. */
@Timeout(60)
class ModelPullerTest {
  private static final String REPO = "someone/tiny-GGUF";
  private static final String FILE = "tiny-Q4_K_M.gguf";
  private static final HuggingFaceModel MODEL = HuggingFaceModel.parse(REPO + ":Q4_K_M");
  private static final byte[] BYTES = bytes(400_000, 1);
  private static final String TOKEN = "hf_" + "a".repeat(34);

  @TempDir Path cache;
  private final FakeHuggingFace hub = FakeHuggingFace.start()
      .addFile(REPO, FILE, BYTES)
      .addFile(REPO, "tiny-Q8_0.gguf", bytes(1000, 2))
      .addFile(REPO, "mmproj-tiny-f16.gguf", bytes(1000, 3))
      .addFile(REPO, "README.md", "# tiny".getBytes());
  private final List<ModelPuller> pullers = new ArrayList<>();

  @AfterEach
  void close() {
    pullers.forEach(ModelPuller::close);
    hub.close();
  }

  private ModelPuller puller(HubSettings settings) {
    ModelPuller p = ModelPuller.create(settings);
    pullers.add(p);
    return p;
  }

  private ModelPuller puller() {
    return puller(hub.settings(cache));
  }

  @Test
  void pullsIntoTheHubCacheLayoutWithProgress() throws Exception {
    List<PullProgress> events = new CopyOnWriteArrayList<>();
    PulledModel pulled = puller().pull(MODEL, events::add);

    String sha = hub.sha256(REPO, FILE);
    String commit = hub.commit(REPO);
    Path repoDir = cache.resolve("models--someone--tiny-GGUF");
    Path blob = repoDir.resolve("blobs").resolve(sha);
    assertThat(pulled.path()).isEqualTo(repoDir.resolve("snapshots").resolve(commit).resolve(FILE));
    assertThat(Files.isSymbolicLink(pulled.path())).isTrue();
    assertThat(Files.readSymbolicLink(pulled.path()).toString()).isEqualTo("../../blobs/" + sha);
    assertThat(Files.readAllBytes(pulled.path())).isEqualTo(BYTES);
    assertThat(Files.readString(repoDir.resolve("refs/main"))).isEqualTo(commit);
    assertThat(blob).exists();
    assertThat(pulled).extracting(PulledModel::file, PulledModel::commit, PulledModel::sizeBytes, PulledModel::downloaded)
        .containsExactly(FILE, commit, (long) BYTES.length, true);
    assertThat(pulled.sha256()).contains(sha);
    assertThat(leftovers()).isEmpty();

    assertThat(events.get(0).stage()).isEqualTo(Stage.RESOLVING);
    assertThat(events.get(events.size() - 1).stage()).isEqualTo(Stage.COMPLETE);
    assertThat(events).extracting(PullProgress::stage).contains(Stage.DOWNLOADING, Stage.VERIFYING);
    List<PullProgress> downloading = events.stream().filter(e -> e.stage() == Stage.DOWNLOADING).toList();
    assertThat(downloading).extracting(PullProgress::bytesDone).isSorted();
    PullProgress last = downloading.get(downloading.size() - 1);
    assertThat(last.bytesDone()).isEqualTo(BYTES.length);
    assertThat(last.totalBytes()).hasValue(BYTES.length);
    assertThat(last.fraction()).hasValue(1.0);
    assertThat(last.bytesPerSecond()).isPositive();
    assertThat(last.toString()).contains(REPO + ":Q4_K_M", FILE, "DOWNLOADING", "(100%)", "MB/s");

    List<PullProgress> again = new CopyOnWriteArrayList<>();
    PulledModel second = puller().pull(MODEL, again::add);
    assertThat(second.downloaded()).isFalse();
    assertThat(second.path()).isEqualTo(pulled.path());
    assertThat(again).extracting(PullProgress::stage).containsExactly(Stage.RESOLVING, Stage.FOUND_IN_CACHE);
    assertThat(hub.downloads()).isEqualTo(1);
    assertThat(hub.requests().get(0).toString()).isEqualTo("GET /api/models/" + REPO + "/refs");
  }

  @Test
  void theDefaultQuantisationIsQ4KMAndTheAliasIsTheName() {
    HuggingFaceModel bare = HuggingFaceModel.parse(REPO);
    assertThat(puller().pull(bare).file()).isEqualTo(FILE);
    assertThat(MODEL.defaultAlias()).isEqualTo("someone/tiny-GGUF:Q4_K_M");
    assertThat(bare.withFile("sub/x-Q8_0.gguf").defaultAlias()).isEqualTo("x-Q8_0");
  }

  @Test
  void aCutConnectionResumesWithARangeRequest() throws Exception {
    hub.cutAfter(100_000, 1);
    PulledModel pulled = puller().pull(MODEL);

    assertThat(Files.readAllBytes(pulled.path())).isEqualTo(BYTES);
    List<FakeHuggingFace.Request> downloads = hub.requests().stream().filter(FakeHuggingFace.Request::isDownload).toList();
    assertThat(downloads).hasSize(2);
    assertThat(downloads.get(0).range()).isEmpty();
    assertThat(downloads.get(1).range()).isEqualTo("bytes=100000-");
    assertThat(leftovers()).isEmpty();
  }

  @Test
  void aDownloadThatFailsLeavesOnlyItsPartAndTheNextPullResumesIt() throws Exception {
    hub.cutAfter(100_000, 1);
    ModelPuller once = puller(hub.settings(cache).toBuilder().maxAttempts(1).build());
    assertThatThrownBy(() -> once.pull(MODEL)).isInstanceOfSatisfying(ModelPullException.class, e -> {
      assertThat(e.failure()).isEqualTo(PullFailure.HUB_UNREACHABLE);
      assertThat(e.file()).contains(FILE);
      assertThat(e.getMessage()).contains(REPO, FILE, "100000 of 400000");
    });
    Path blob = cache.resolve("models--someone--tiny-GGUF/blobs").resolve(hub.sha256(REPO, FILE));
    assertThat(blob).doesNotExist();
    assertThat(Files.size(Path.of(blob + ".downloadInProgress"))).isEqualTo(100_000);
    assertThat(cache.resolve("models--someone--tiny-GGUF/snapshots")).doesNotExist();

    PulledModel pulled = puller().pull(MODEL);
    assertThat(Files.readAllBytes(pulled.path())).isEqualTo(BYTES);
    assertThat(hub.requests().get(hub.requests().size() - 1).range()).isEqualTo("bytes=100000-");
  }

  @Test
  void aChecksumMismatchFailsAndLeavesNothingInTheCache() throws Exception {
    hub.wrongChecksum(REPO, FILE);
    String actual = sha256(BYTES);
    assertThatThrownBy(() -> puller().pull(MODEL)).isInstanceOfSatisfying(ModelPullException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.MODEL_PULL_FAILED);
      assertThat(e.failure()).isEqualTo(PullFailure.CHECKSUM_MISMATCH);
      assertThat(e.getMessage()).startsWith("MODEL_PULL_FAILED: CHECKSUM_MISMATCH: " + REPO + ":Q4_K_M file " + FILE)
          .contains(actual, "0".repeat(64));
    });
    assertThat(leftovers()).isEmpty();
    try (Stream<Path> files = Files.walk(cache)) {
      assertThat(files.filter(Files::isRegularFile).filter(p -> !p.toString().contains(".locks"))).isEmpty();
    }
  }

  @Test
  void anUnknownRepositoryIsNamed() {
    HuggingFaceModel nope = HuggingFaceModel.parse("nobody/nothing-GGUF:Q4_K_M");
    assertThatThrownBy(() -> puller().pull(nope)).isInstanceOfSatisfying(ModelPullException.class, e -> {
      assertThat(e.failure()).isEqualTo(PullFailure.UNKNOWN_REPOSITORY);
      assertThat(e.getMessage()).contains("nobody/nothing-GGUF", "HF_TOKEN", hub.endpoint().toString());
    });
    assertThat(hub.requests()).hasSize(1); // a 404 is not retried
  }

  @Test
  void aMissingQuantisationListsTheFilesThereAre() {
    HuggingFaceModel q5 = HuggingFaceModel.parse(REPO + ":Q5_K_M");
    assertThatThrownBy(() -> puller().pull(q5)).isInstanceOfSatisfying(ModelPullException.class, e -> {
      assertThat(e.failure()).isEqualTo(PullFailure.NO_SUCH_QUANT);
      assertThat(e.available()).containsExactly(FILE + " (Q4_K_M)", "tiny-Q8_0.gguf (Q8_0)");
      assertThat(e.getMessage()).contains("Q5_K_M", REPO, "tiny-Q8_0.gguf (Q8_0)").doesNotContain("mmproj");
    });
    HuggingFaceModel file = HuggingFaceModel.parse(REPO).withFile("other.gguf");
    assertThatThrownBy(() -> puller().pull(file)).isInstanceOfSatisfying(ModelPullException.class,
        e -> assertThat(e.failure()).isEqualTo(PullFailure.NO_SUCH_FILE));
    assertThat(hub.downloads()).isZero();
  }

  @Test
  void aGatedRepositoryNeedsTheTokenWhichGoesOnlyToTheHubsHost() throws Exception {
    hub.gated(REPO, TOKEN).redirectDownloads();
    assertThatThrownBy(() -> puller().pull(MODEL)).isInstanceOfSatisfying(ModelPullException.class, e -> {
      assertThat(e.failure()).isEqualTo(PullFailure.GATED);
      assertThat(e.getMessage()).contains(REPO, FILE, "no token", "HF_TOKEN");
    });
    HubSettings wrong = hub.settings(cache).toBuilder().token(Secret.of("hf_" + "b".repeat(34))).build();
    assertThatThrownBy(() -> puller(wrong).pull(MODEL)).isInstanceOfSatisfying(ModelPullException.class, e -> {
      assertThat(e.failure()).isEqualTo(PullFailure.GATED);
      assertThat(e.getMessage()).contains("refused").doesNotContain("hf_bbb");
    });
    assertThat(wrong.toString()).contains("token=****").doesNotContain("hf_bbb");

    HubSettings right = hub.settings(cache).toBuilder().token(Secret.of(TOKEN)).build();
    PulledModel pulled = puller(right).pull(MODEL);
    assertThat(Files.readAllBytes(pulled.path())).isEqualTo(BYTES);
    List<FakeHuggingFace.Request> last = hub.requests().subList(hub.requests().size() - 2, hub.requests().size());
    assertThat(last.get(0).path()).contains("/resolve/");
    assertThat(last.get(0).authorized()).isTrue();
    assertThat(last.get(1).path()).startsWith("/cdn/");
    assertThat(last.get(1).host()).startsWith("localhost:");
    assertThat(last.get(1).authorized()).as("the token never goes to another host").isFalse();
  }

  @Test
  void offlineUsesTheCacheOnlyAndAMissFailsAtOnceNamingWhatIsMissing() {
    puller().pull(MODEL);
    int before = hub.requests().size();
    ModelPuller offline = puller(hub.settings(cache).toBuilder().offline(true).build());

    PulledModel hit = offline.pull(MODEL);
    assertThat(hit.downloaded()).isFalse();
    assertThat(hit.file()).isEqualTo(FILE);
    assertThat(hit.sha256()).contains(hub.sha256(REPO, FILE));

    assertThatThrownBy(() -> offline.pull(HuggingFaceModel.parse(REPO + ":Q8_0")))
        .isInstanceOfSatisfying(ModelPullException.class, e -> {
          assertThat(e.failure()).isEqualTo(PullFailure.NOT_IN_CACHE);
          assertThat(e.getMessage()).contains("offline", "Q8_0", "models--someone--tiny-GGUF/snapshots");
          assertThat(e.available()).containsExactly(FILE + " (Q4_K_M)");
        });
    assertThatThrownBy(() -> offline.pull(HuggingFaceModel.parse("other/repo:Q4_K_M")))
        .isInstanceOfSatisfying(ModelPullException.class, e -> {
          assertThat(e.failure()).isEqualTo(PullFailure.NOT_IN_CACHE);
          assertThat(e.getMessage()).contains("other/repo", "models--other--repo");
        });
    assertThat(hub.requests()).hasSize(before);
  }

  @Test
  void anUnreachableHubFallsBackToTheCache() {
    PulledModel pulled = puller().pull(MODEL);
    HubSettings dead = hub.settings(cache).toBuilder().maxAttempts(1).build();
    hub.close();
    PulledModel again = puller(dead).pull(MODEL);
    assertThat(again.path()).isEqualTo(pulled.path());
    assertThat(again.downloaded()).isFalse();
    assertThatThrownBy(() -> puller(dead).pull(HuggingFaceModel.parse("other/repo")))
        .isInstanceOfSatisfying(ModelPullException.class, e -> assertThat(e.failure()).isEqualTo(PullFailure.HUB_UNREACHABLE));
  }

  @Test
  void concurrentPullsOfOneFileDownloadItOnce() throws Exception {
    hub.throttle(800_000); // about half a second, so the pulls overlap
    ModelPuller a = puller();
    ModelPuller b = puller(); // a second puller (another backend) in the same JVM
    ExecutorService pool = Executors.newFixedThreadPool(4);
    CountDownLatch go = new CountDownLatch(1);
    List<PullProgress> followerEvents = new CopyOnWriteArrayList<>();
    try {
      List<Future<PulledModel>> results = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        ModelPuller p = i % 2 == 0 ? a : b;
        results.add(pool.submit(() -> {
          go.await();
          return p.pull(MODEL, followerEvents::add);
        }));
      }
      go.countDown();
      List<Path> paths = new ArrayList<>();
      for (Future<PulledModel> f : results) {
        paths.add(f.get(30, TimeUnit.SECONDS).path());
      }
      assertThat(paths).containsOnly(paths.get(0));
      assertThat(Files.readAllBytes(paths.get(0))).isEqualTo(BYTES);
    } finally {
      pool.shutdownNow();
    }
    assertThat(hub.downloads()).isEqualTo(1);
    assertThat(followerEvents).filteredOn(e -> e.stage() == Stage.DOWNLOADING).isNotEmpty();
  }

  @Test
  void aListenerThatThrowsAnErrorEndsNeitherItsPullNorAnotherThreadsWaitingForIt() throws Exception {
    hub.throttle(800_000); // about half a second, so the second pull joins the first's download
    CountDownLatch downloading = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<PulledModel> throwing = pool.submit(() -> puller().pull(MODEL, p -> {
        if (p.stage() == Stage.DOWNLOADING) {
          downloading.countDown();
          if (p.bytesDone() >= BYTES.length / 2) {
            throw new AssertionError("a test's listener failing mid-download");
          }
        }
      }));
      assertThat(downloading.await(10, TimeUnit.SECONDS)).isTrue();
      Future<PulledModel> waiting = pool.submit(() -> puller().pull(MODEL));
      assertThat(waiting.get(15, TimeUnit.SECONDS).path()).isEqualTo(throwing.get(15, TimeUnit.SECONDS).path());
      assertThat(Files.readAllBytes(waiting.get().path())).isEqualTo(BYTES);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aSlowDownloadThatKeepsMovingIsNotKilled() throws Exception {
    hub.throttle(200_000); // 2 s for the file, bytes every 50 ms
    HubSettings strict = hub.settings(cache).toBuilder().stallTimeout(Duration.ofMillis(400)).maxAttempts(1).build();
    PulledModel pulled = puller(strict).pull(MODEL);
    assertThat(Files.readAllBytes(pulled.path())).isEqualTo(BYTES);
  }

  @Test
  void aDownloadThatStopsFailsByTheStallRule() throws Exception {
    hub.stallAfter(50_000);
    HubSettings strict = hub.settings(cache).toBuilder().stallTimeout(Duration.ofMillis(400)).build();
    assertThatThrownBy(() -> puller(strict).pull(MODEL)).isInstanceOfSatisfying(ModelPullException.class, e -> {
      assertThat(e.failure()).isEqualTo(PullFailure.STALLED);
      assertThat(e.getMessage()).contains(REPO, FILE, "400 ms", "50000 of 400000");
    });
    assertThat(hub.downloads()).as("a stall is not retried").isEqualTo(1);
    Path blob = cache.resolve("models--someone--tiny-GGUF/blobs").resolve(hub.sha256(REPO, FILE));
    assertThat(blob).doesNotExist();
    assertThat(Files.size(Path.of(blob + ".downloadInProgress"))).isEqualTo(50_000);
  }

  @Test
  void serverErrorsAreRetriedThenTyped() throws Exception {
    hub.failNext(2, 503);
    assertThat(Files.readAllBytes(puller().pull(MODEL).path())).isEqualTo(BYTES);
    assertThat(hub.downloads()).isEqualTo(3);

    HuggingFaceModel q8 = HuggingFaceModel.parse(REPO + ":Q8_0");
    hub.failNext(5, 502);
    assertThatThrownBy(() -> puller().pull(q8)).isInstanceOfSatisfying(ModelPullException.class, e -> {
      assertThat(e.failure()).isEqualTo(PullFailure.SERVER_ERROR);
      assertThat(e.getMessage()).contains("tiny-Q8_0.gguf", "502", "3 attempts");
    });
  }

  @Test
  void tooLittleDiskSpaceFailsBeforeAnyByteMoves() {
    hub.listSize(REPO, FILE, Long.MAX_VALUE / 4);
    assertThatThrownBy(() -> puller().pull(MODEL)).isInstanceOfSatisfying(ModelPullException.class, e -> {
      assertThat(e.failure()).isEqualTo(PullFailure.DISK_FULL);
      assertThat(e.getMessage()).contains(FILE, "free");
    });
    assertThat(hub.downloads()).isZero();
  }

  private List<Path> leftovers() throws IOException {
    try (Stream<Path> files = Files.walk(cache)) {
      return files.filter(p -> p.toString().endsWith(".downloadInProgress") || p.toString().endsWith(".tmp")).toList();
    }
  }

  private static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }
}
