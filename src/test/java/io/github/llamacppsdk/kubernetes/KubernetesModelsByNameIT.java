package io.github.llamacppsdk.kubernetes;

import static io.github.llamacppsdk.kubernetes.KubernetesPlacementIT.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.core.Secret;
import io.github.llamacppsdk.ServerStartException;
import io.github.llamacppsdk.StartFailure;
import io.github.llamacppsdk.core.CoreEvent;
import io.github.llamacppsdk.core.CoreListener;
import io.github.llamacppsdk.core.EndpointDescriptor;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.HealthStatus;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.core.ResolveOptions;
import io.github.llamacppsdk.internal.llama.PortAllocator;
import io.github.llamacppsdk.models.HubSettings;
import io.github.llamacppsdk.models.HuggingFaceModel;
import io.github.llamacppsdk.testing.MockCluster;
import io.github.llamacppsdk.testing.MockClusterTest;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import io.github.llamacppsdk.testkit.FakeHuggingFace;
import io.github.llamacppsdk.testkit.FakeLlamaServer;
import io.github.llamacppsdk.testkit.GgufFiles;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models by name in pods: the pod's llama-server pulls {@code --hf-repo} itself into the cache
 * volume, from a local Hub stand-in ({@link FakeHuggingFace}), with the backend's token reaching it
 * through the pod's Secret only. The simulated kubelet runs the fake llama-server, which pulls with
 * the library's Hub client and fails with build 11669's lines.
 */
@Timeout(120)
@ExtendWith(NoLeakedProcesses.class)
class KubernetesModelsByNameIT {
  private static final String REPO = "someone/tiny-GGUF";
  private static final String GATED = "someone/gated-GGUF";
  private static final String TOKEN = "hf_k8s_token_0123456789abcdef";

  @TempDir Path tmp;
  private MockCluster cluster;
  private FakeHuggingFace hub;
  private Path cacheClaim;
  private long modelBytes;
  private LlamaCppBackend backend;
  private final List<CoreEvent.InstanceEvent> events = new CopyOnWriteArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void setUp() throws Exception {
    Path model = GgufFiles.writeLoadableModel(tmp.resolve("tiny-Q4_K_M.gguf"));
    modelBytes = Files.size(model);
    hub = FakeHuggingFace.start().addFile(REPO, "tiny-Q4_K_M.gguf", model).addFile(GATED, "tiny-Q4_K_M.gguf", model)
        .gated(GATED, TOKEN);
    cacheClaim = Files.createDirectories(tmp.resolve("pvc-hf-cache"));
    cluster = new MockCluster(FakeLlamaServer.install(tmp.resolve("bin")), Map.of("hf-cache", cacheClaim), 1);
  }

  @AfterEach
  void tearDown() {
    if (backend != null) {
      backend.close();
    }
    cluster.close();
    hub.close();
  }

  private LlamaCppBackend backend(HubSettings.Builder settings) {
    KubernetesPlacement placement = KubernetesPlacement.builder().client(cluster.client())
        .namespace(MockCluster.NAMESPACE).reachability(Reachability.POD_IP)
        .cache(new VolumeClaim("hf-cache", "/var/cache/llama", false)).anchorTtl(Duration.ofSeconds(30)).build();
    backend = LlamaCppBackend.builder().kubernetes(placement)
        .hub(settings.endpoint(hub.endpoint()).cacheDir(tmp.resolve("application-cache")).build())
        .listener(new CoreListener() {
          @Override
          public void onInstanceEvent(CoreEvent.InstanceEvent event) {
            events.add(event);
          }
        }).build();
    return backend;
  }

  private static BootSpec named(String name) {
    return BootSpec.builder().huggingFace(name).port(PortAllocator.freePort("127.0.0.1"))
        .readyTimeout(Duration.ofSeconds(60)).stopTimeout(Duration.ofSeconds(2)).build();
  }

  private static ResolveOptions lease() {
    return ResolveOptions.builder().ownerRef("k8s-models-it").ttl(Duration.ofMinutes(5)).build();
  }

  @Test
  void aSpecByNameIsPulledByThePodIntoTheCacheVolumeWithTheTokenFromASecret() throws Exception {
    backend(HubSettings.builder().token(Secret.of(TOKEN)));
    hub.throttle(modelBytes / 3); // about 3 s of download, three times the stall timeout, silent as build 11669 on a pipe
    BootSpec spec = named(GATED + ":Q4_K_M").toBuilder().stallTimeout(Duration.ofSeconds(1)).build();

    var resolving = backend.resolveEndpointAsync(spec, io.github.llamacppsdk.core.ConsumerManifest.builder("it").build(),
        lease());
    List<String> reasons = new CopyOnWriteArrayList<>(); // what a watcher of the instance sees while the pod pulls
    assertThat(await(Duration.ofSeconds(60), () -> {
      backend.instances().forEach(i -> reasons.add(i.health() + " " + i.healthReason()));
      return resolving.isDone();
    })).isTrue();
    try (Resolution r = resolving.join()) {
      EndpointDescriptor endpoint = r.endpoint();
      assertThat(endpoint.modelIdentity()).isEqualTo(GATED + ":Q4_K_M");
      assertThat(reasons).anyMatch(reason -> reason.startsWith("LOADING downloading " + GATED + ":Q4_K_M: llama-server pulls"));
      assertThat(chat(endpoint)).contains("chat.completion");

      Container c = cluster.pods().get(0).getSpec().getContainers().get(0);
      assertThat(c.getArgs()).containsSequence("--hf-repo", GATED + ":Q4_K_M").doesNotContain("--model", "--offline");
      assertThat(c.getEnv()).extracting(EnvVar::getName).contains("HF_TOKEN", "MODEL_ENDPOINT", "LLAMA_CACHE");
      assertThat(c.getEnv()).filteredOn(e -> e.getName().equals("HF_TOKEN")).singleElement()
          .satisfies(e -> assertThat(e.getValue()).isNull())
          .satisfies(e -> assertThat(e.getValueFrom().getSecretKeyRef().getName()).endsWith("-env"));
      assertThat(c.getEnv()).filteredOn(e -> e.getName().equals("LLAMA_CACHE")).singleElement()
          .satisfies(e -> assertThat(e.getValue()).isEqualTo("/var/cache/llama"));
      assertThat(Serialization.asJson(cluster.pods().get(0))).doesNotContain(TOKEN);
      assertThat(cluster.kubelet().launchedEnvironments().get(0)).containsEntry("HF_TOKEN", TOKEN)
          .containsEntry("LLAMA_CACHE", cacheClaim.toString());

      assertThat(hub.requests()).filteredOn(FakeHuggingFace.Request::isDownload).singleElement()
          .satisfies(d -> assertThat(d.authorized()).isTrue());
      try (Stream<Path> files = Files.walk(cacheClaim)) {
        assertThat(files.map(Path::toString)).anyMatch(f -> f.contains("models--someone--gated-GGUF")
            && f.contains("snapshots") && f.endsWith("tiny-Q4_K_M.gguf"));
      }
      assertThat(tmp.resolve("application-cache")).as("nothing pulled on the application's machine").doesNotExist();
      assertThat(events).anySatisfy(e -> {
        assertThat(e.health()).isEqualTo(HealthStatus.LOADING);
        assertThat(e.reason()).startsWith("downloading " + GATED + ":Q4_K_M: llama-server pulls");
      });
      assertThat(events).allSatisfy(e -> assertThat(String.valueOf(e.reason())).doesNotContain(TOKEN));
      assertThat(backend.instances().get(0).metadata().toString()).doesNotContain(TOKEN);
    }
  }

  @Test
  void theServersOwnPullFailuresAreTypedStartFailuresReadFromThePodLog() {
    backend(HubSettings.builder());

    assertThatThrownBy(() -> backend.resolveEndpoint(named("someone/nothing-GGUF:Q4_K_M"), lease()))
        .isInstanceOfSatisfying(ServerStartException.class, e -> {
          assertThat(e.failure()).contains(StartFailure.MODEL_NOT_FOUND);
          assertThat(e.outputTail()).anyMatch(l -> l.contains("GET failed (404): Repository not found"));
        });
    assertThatThrownBy(() -> backend.resolveEndpoint(named(GATED + ":Q4_K_M"), lease()))
        .isInstanceOfSatisfying(ServerStartException.class, e -> {
          assertThat(e.failure()).contains(StartFailure.MODEL_ACCESS_DENIED);
          assertThat(e.outputTail()).anyMatch(l -> l.contains("failed with status code: 401"));
        });
    assertThatThrownBy(() -> backend.resolveEndpoint(named(REPO + ":Q8_0"), lease()))
        .isInstanceOfSatisfying(ServerStartException.class, e -> {
          assertThat(e.failure()).contains(StartFailure.MODEL_NOT_FOUND);
          assertThat(e.outputTail()).anyMatch(l -> l.endsWith(" I  - tiny-Q4_K_M.gguf"));
        });
    assertThat(await(Duration.ofSeconds(30), () -> cluster.pods().isEmpty())).as("failed pods are removed").isTrue();
  }

  @Test
  void offlineTheServerUsesItsCacheOnly() {
    backend(HubSettings.builder().offline(true));

    assertThatThrownBy(() -> backend.resolveEndpoint(named(REPO + ":Q4_K_M"), lease()))
        .isInstanceOfSatisfying(ServerStartException.class, e -> {
          assertThat(e.failure()).contains(StartFailure.MODEL_NOT_FOUND);
          assertThat(e.commandLine()).contains("--offline");
        });
    assertThat(hub.requests()).as("offline: no request to the Hub").isEmpty();
  }

  @Test
  void anUnreachableHubIsNotAMissingModel() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    backend = LlamaCppBackend.builder().kubernetes(KubernetesPlacement.builder().client(cluster.client())
            .namespace(MockCluster.NAMESPACE).reachability(Reachability.POD_IP).anchorTtl(Duration.ofSeconds(30)).build())
        .hub(HubSettings.builder().endpoint(URI.create("http://127.0.0.1:" + closed + "/")).build()).build();

    assertThatThrownBy(() -> backend.resolveEndpoint(named(REPO + ":Q4_K_M"), lease()))
        .isInstanceOfSatisfying(ServerStartException.class,
            e -> assertThat(e.failure()).contains(StartFailure.HUB_UNREACHABLE));
  }

  @Test
  void aRevisionOtherThanMainIsRefusedBeforeAnyPod() {
    backend(HubSettings.builder());
    BootSpec spec = named(REPO + ":Q4_K_M").toBuilder()
        .huggingFace(HuggingFaceModel.parse(REPO + ":Q4_K_M").withRevision("v2")).build();

    assertThatThrownBy(() -> backend.resolveEndpoint(spec, lease()))
        .isInstanceOfSatisfying(InferenceException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SPEC);
          assertThat(e.getMessage()).contains("hf_revision: v2");
        });
    assertThat(cluster.pods()).isEmpty();
  }

  private String chat(EndpointDescriptor endpoint) throws Exception {
    return MockClusterTest.chat(http, endpoint);
  }
}
