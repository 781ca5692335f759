package io.github.llamacppsdk;

import io.github.llamacppsdk.core.Secret;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamacppsdk.core.ConsumerManifest;
import io.github.llamacppsdk.core.CoreEvent;
import io.github.llamacppsdk.core.CoreListener;
import io.github.llamacppsdk.core.EndpointDescriptor;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.HealthStatus;
import io.github.llamacppsdk.core.LifecycleStatus;
import io.github.llamacppsdk.core.ManagementMode;
import io.github.llamacppsdk.core.Protocol;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.core.ResolveOptions;
import io.github.llamacppsdk.core.RuntimeKind;
import io.github.llamacppsdk.core.StartupKind;
import io.github.llamacppsdk.core.TargetClass;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import io.github.llamacppsdk.testkit.FakeBuild;
import io.github.llamacppsdk.testkit.FakeLlamaServer;
import io.github.llamacppsdk.testkit.FakeServerProcess;
import io.github.llamacppsdk.testkit.GgufFiles;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The facade against real fake-server processes (seed test 7 and the fixes of issue 5 and 6). */
@Timeout(120)
@ExtendWith(NoLeakedProcesses.class)
class LlamaCppBackendIT {
  private static final ConsumerManifest CONSUMER = ConsumerManifest.builder("jido_integration_req_llm")
      .acceptedRuntimeKinds(RuntimeKind.SERVICE)
      .acceptedManagementModes(ManagementMode.JIDO_MANAGED)
      .acceptedProtocols(Protocol.OPENAI_CHAT_COMPLETIONS)
      .require("streaming", true)
      .prefer("tool_calling", "unknown")
      .startupKind(StartupKind.SPAWNED)
      .build();

  @TempDir Path tmp;
  private Path binary;
  private Path model;
  private final List<CoreEvent.InstanceEvent> events = new CopyOnWriteArrayList<>();
  private LlamaCppBackend backend;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void setUp() throws IOException {
    binary = FakeLlamaServer.install(tmp);
    model = GgufFiles.writeTinyModel(tmp.resolve("fixture-qwen.gguf"));
    backend = LlamaCppBackend.builder().listener(new CoreListener() {
      @Override
      public void onInstanceEvent(CoreEvent.InstanceEvent event) {
        events.add(event);
      }
    }).build();
  }

  @AfterEach
  void tearDown() {
    backend.close();
  }

  private BootSpecBuilder spec() {
    return BootSpec.builder(model).binaryPath(binary).port(0).healthInterval(Duration.ofMillis(100))
        .stopTimeout(Duration.ofSeconds(5));
  }

  private static ResolveOptions owner(String owner) {
    return ResolveOptions.builder().ownerRef(owner).ttl(Duration.ofSeconds(5)).awaitTimeout(Duration.ofSeconds(60)).build();
  }

  private HttpResponse<String> chat(EndpointDescriptor e, String body) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(e.chatCompletionsUrl()))
        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    e.headers().forEach(r::header);
    return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void resolvesAPublishedEndpointLikeTheSeed() throws Exception {
    BootSpec spec = spec().alias("fixture-qwen").apiPrefix("/managed").apiKey("fixture-token").embeddings(true).build();

    try (Resolution r = backend.resolveEndpoint(spec, CONSUMER, owner("run-123"))) {
      EndpointDescriptor e = r.endpoint();
      assertThat(e.runtimeKind()).isEqualTo(RuntimeKind.SERVICE);
      assertThat(e.managementMode()).isEqualTo(ManagementMode.JIDO_MANAGED);
      assertThat(e.targetClass()).isEqualTo(TargetClass.SELF_HOSTED_ENDPOINT);
      assertThat(e.protocol()).isEqualTo(Protocol.OPENAI_CHAT_COMPLETIONS);
      assertThat(e.providerIdentity()).isEqualTo("llama_cpp_sdk");
      assertThat(e.modelIdentity()).isEqualTo("fixture-qwen");
      assertThat(e.baseUrl()).matches("http://127\\.0\\.0\\.1:\\d+/managed/v1");
      assertThat(e.headers()).containsExactly(Map.entry("authorization", "Bearer fixture-token"));
      assertThat(e.capabilities()).containsEntry("embeddings", true).containsEntry("streaming", true);
      assertThat(e.leaseRef()).contains(r.lease().leaseRef());
      assertThat(e.toString()).doesNotContain("fixture-token");
      assertThat(r.reused()).isFalse();
      assertThat(r.instance().health()).isEqualTo(HealthStatus.HEALTHY);
      assertThat(r.instance().lifecycle()).isEqualTo(LifecycleStatus.READY);
      assertThat(r.instance().leaseCount()).isEqualTo(1);
      assertThat(backend.publishedEndpoint(r.instance().instanceId()).leaseRef()).isEmpty();

      HttpResponse<String> json = chat(e, "{\"model\":\"fixture-qwen\",\"messages\":[{\"role\":\"user\",\"content\":\"phase 4 contract\"}]}");
      assertThat(json.statusCode()).isEqualTo(200);
      assertThat(json.body()).contains("Fake llama response: phase 4 contract");

      HttpResponse<String> sse = chat(e, "{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"phase 4 streaming contract\"}]}");
      assertThat(sse.body()).contains("data: [DONE]").contains("chat.completion.chunk");

      try (Resolution second = backend.resolveEndpoint(spec, CONSUMER, owner("run-456"))) {
        assertThat(second.reused()).isTrue();
        assertThat(second.instance().instanceId()).isEqualTo(r.instance().instanceId());
        assertThat(second.endpoint().baseUrl()).isEqualTo(e.baseUrl());
        assertThat(second.lease().leaseRef()).isNotEqualTo(r.lease().leaseRef());
        assertThat(second.instance().leaseCount()).isEqualTo(2);
      }
    }
    assertThat(events).extracting(CoreEvent.InstanceEvent::health).contains(HealthStatus.STARTING, HealthStatus.HEALTHY);
  }

  @Test
  void aMissingModelFailsAtOnceWithTheClassifiedCauseAndLeavesNothingRunning() throws IOException {
    Files.delete(model);
    BootSpec spec = spec().readyTimeout(Duration.ofMinutes(10)).build(); // the timeout is not what ends it

    assertThatThrownBy(() -> backend.resolveEndpoint(spec, CONSUMER, owner("t")))
        .isInstanceOfSatisfying(ServerStartException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.LAUNCH_FAILED); // found before launch
          assertThat(e.failure()).contains(StartFailure.MODEL_FILE_MISSING);
          assertThat(e.exit()).isEmpty();
          assertThat(e.getMessage()).contains("MODEL_FILE_MISSING").contains(model + ": no such file");
        });
    assertThat(backend.instances()).isEmpty();
  }

  @Test
  void theSnapshotCarriesWhatTheModelFileSays() {
    Path loadable = GgufFiles.tinyModel().contextLength(2048).write(tmp.resolve("loadable.gguf"));
    try (Resolution r = backend.resolveEndpoint(spec().model(loadable).alias("loadable").build(), CONSUMER,
        owner("t"))) {
      assertThat(backend.instance(r.instance().instanceId()).orElseThrow().metadata())
          .containsEntry("model_architecture", "llama")
          .containsEntry("model_name", "tiny-test")
          .containsEntry("model_context_length", 2048L)
          .containsEntry("model_block_count", 2L)
          .containsEntry("model_tensor_count", 21L)
          .hasEntrySatisfying("model_tensor_bytes", v -> assertThat((Long) v).isGreaterThan(400_000L));
    }
  }

  @Test
  void aPortHeldByAnotherServerIsNeverPublished() throws Exception {
    try (FakeServerProcess foreign = FakeLlamaServer.start(List.of("--model", model.toString(), "--port", "0",
        "--alias", "someone-else", "--fake-load-ms", "0"))) {
      int port = foreign.baseUri().orElseThrow().getPort();
      BootSpec spec = spec().port(port).alias("fixture-qwen").build();

      assertThatThrownBy(() -> backend.resolveEndpoint(spec, CONSUMER, owner("t")))
          .isInstanceOfSatisfying(ServerStartException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.FOREIGN_SERVER);
            assertThat(e.getMessage()).contains("port " + port);
            assertThat(e.lastProbe()).contains("someone-else");
          });
      assertThat(backend.instances()).isEmpty();
    }
  }

  @Test
  void aCrashAfterReadyEndsTheLeasesAtOnceAndTheNextResolveStartsAFreshServer() {
    BootSpec crashing = spec().extraArgs(List.of("--fake-exit-after-requests", "4")).build();
    Resolution r = backend.resolveEndpoint(crashing, CONSUMER, owner("t"));
    String id = r.instance().instanceId();

    CompletableFuture<Void> exited = new CompletableFuture<>();
    backend.addListener(new CoreListener() {
      @Override
      public void onInstanceEvent(CoreEvent.InstanceEvent event) {
        if (event.instanceId().equals(id) && event.health() == HealthStatus.EXITED) {
          exited.complete(null);
        }
      }
    });
    assertThat(exited).succeedsWithin(Duration.ofSeconds(30)); // health polls are the requests that crash it
    assertThat(r.lease().isActive()).isFalse();
    assertThat(backend.instance(id)).isEmpty();

    try (Resolution again = backend.resolveEndpoint(crashing, CONSUMER, owner("t2"))) {
      assertThat(again.reused()).isFalse();
    }
  }

  @Test
  void stopEndsTheServerGracefully() {
    Resolution r = backend.resolveEndpoint(spec().build(), CONSUMER, owner("t"));
    long pid = r.instance().process().orElseThrow().pid().orElseThrow();
    ProcessHandle server = ProcessHandle.of(pid).orElseThrow();

    assertThat(backend.stopInstance(r.instance().instanceId())).succeedsWithin(Duration.ofSeconds(30));

    assertThat(server.isAlive()).isFalse();
    assertThat(r.lease().isActive()).isFalse();
  }

  @Test
  void concurrentResolvesOfOneSpecStartOneServer() {
    BootSpec spec = spec().build();
    List<CompletableFuture<Resolution>> all = new java.util.ArrayList<>();
    for (int i = 0; i < 100; i++) {
      all.add(backend.resolveEndpointAsync(spec, CONSUMER, owner("c" + i)));
    }
    List<Resolution> done = all.stream().map(CompletableFuture::join).toList();

    assertThat(done).extracting(x -> x.instance().instanceId()).containsOnly(done.get(0).instance().instanceId());
    assertThat(done).extracting(x -> x.lease().leaseRef()).doesNotHaveDuplicates();
    assertThat(done).filteredOn(x -> !x.reused()).hasSize(1);
    assertThat(backend.instance(done.get(0).instance().instanceId())).get()
        .satisfies(s -> assertThat(s.leaseCount()).isEqualTo(100));
    assertThat(ProcessHandle.current().descendants()
        .filter(p -> p.info().commandLine().orElse("").contains("FakeLlamaServer")).count()).isEqualTo(1);
    done.forEach(Resolution::close);
  }

  @Test
  void twoDifferentSpecsOnOneFixedPortAreRefusedBeforeTheSecondStarts() throws IOException {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    try (Resolution first = backend.resolveEndpoint(spec().port(port).alias("first").build(), CONSUMER, owner("a"))) {
      BootSpec other = spec().port(port).alias("second").build();

      assertThatThrownBy(() -> backend.resolveEndpoint(other, CONSUMER, owner("b")))
          .isInstanceOfSatisfying(io.github.llamacppsdk.core.InferenceException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.PORT_CONFLICT));
      assertThat(backend.instances()).hasSize(1);
      assertThat(first.lease().isActive()).isTrue();
    }
  }

  @Test
  void attachesToAServerStartedElsewhereAndNeverStopsIt() throws Exception {
    try (FakeServerProcess external = FakeLlamaServer.start(List.of("--model", model.toString(), "--port", "0",
        "--alias", "external-model", "--api-key", "ext-key", "--fake-load-ms", "0"))) {
      AttachSpec spec = AttachSpec.builder(external.baseUri().orElseThrow().toString(), "external-model")
          .apiKey(Secret.of("ext-key")).build();
      ConsumerManifest consumer = ConsumerManifest.builder("attached-user")
          .acceptedManagementModes(ManagementMode.EXTERNALLY_MANAGED).build();

      Resolution r = backend.attach(spec, consumer, owner("a"));
      assertThat(r.endpoint().managementMode()).isEqualTo(ManagementMode.EXTERNALLY_MANAGED);
      assertThat(r.instance().startupKind()).isEqualTo(StartupKind.ATTACH_EXISTING_SERVICE);
      assertThat(chat(r.endpoint(), "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").body())
          .contains("Fake llama response: hi");

      assertThat(backend.stopInstance(r.instance().instanceId())).succeedsWithin(Duration.ofSeconds(10));
      assertThat(external.process().isAlive()).isTrue();
      assertThat(r.lease().isActive()).isFalse();
    }
  }

  @Test
  void attachingWithAWrongKeyIsRefusedEvenWhereHealthAndModelsArePublic() throws Exception {
    // Before build 11669 the models list is public with a key set: only /props tells the key is wrong.
    assertWrongKeyRefused(FakeBuild.MAY_2026, "/props -> 401");
  }

  @Test
  void attachingWithAWrongKeyIsRefusedByTheModelsListOnTheCurrentBuild() throws Exception {
    assertWrongKeyRefused(FakeBuild.CURRENT, "/v1/models -> 401 Invalid API Key");
  }

  private void assertWrongKeyRefused(FakeBuild build, String lastProbe) {
    try (FakeServerProcess external = FakeLlamaServer.start(build, List.of("--model", model.toString(), "--port", "0",
        "--alias", "external-model", "--api-key", "right-key", "--fake-load-ms", "0"))) {
      AttachSpec spec = AttachSpec.builder(external.baseUri().orElseThrow().toString(), "external-model")
          .apiKey(Secret.of("wrong-key")).build();
      ConsumerManifest consumer = ConsumerManifest.builder("attached-user")
          .acceptedManagementModes(ManagementMode.EXTERNALLY_MANAGED).build();

      assertThatThrownBy(() -> backend.attach(spec, consumer, owner("a")))
          .isInstanceOfSatisfying(ServerStartException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
            assertThat(e.lastProbe()).contains(lastProbe);
            assertThat(e.getMessage()).doesNotContain("wrong-key").doesNotContain("right-key");
          });
      assertThat(backend.instances()).isEmpty();
    }
  }
}
