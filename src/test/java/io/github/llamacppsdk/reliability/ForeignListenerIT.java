package io.github.llamacppsdk.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.sun.net.httpserver.HttpServer;
import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.ServerStartException;
import io.github.llamacppsdk.core.CoreEvent;
import io.github.llamacppsdk.core.CoreListener;
import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.core.ResolveOptions;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import io.github.llamacppsdk.testkit.FakeLlamaServer;
import io.github.llamacppsdk.testkit.FakeServerProcess;
import io.github.llamacppsdk.testkit.GgufFiles;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Item 1: a foreign listener on the spec's port is never published, however often we try: a fake
 * llama-server serving another alias, a plain HTTP server answering 200 (claiming our alias) to
 * everything, and a listener that grabs the port after our server was launched but before it bound.
 */
@Timeout(120)
@ExtendWith(NoLeakedProcesses.class)
class ForeignListenerIT {
  static final int TRIES = Integer.getInteger("reliability.foreign.tries", 20);
  static final int RACE_TRIES = Integer.getInteger("reliability.foreign.raceTries", 8);

  @TempDir Path tmp;
  private Path binary;
  private Path model;
  private LlamaCppBackend backend;
  private final List<String> published = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    binary = FakeLlamaServer.install(tmp);
    model = GgufFiles.writeTinyModel(tmp.resolve("ours.gguf"));
    backend = LlamaCppBackend.builder().probeTimeout(Duration.ofMillis(500)).listener(new CoreListener() {
      @Override
      public void onInstanceEvent(CoreEvent.InstanceEvent e) {
        if (e.lifecycle() == io.github.llamacppsdk.core.LifecycleStatus.READY) {
          published.add(e.instanceId());
        }
      }
    }).build();
  }

  @AfterEach
  void tearDown() {
    backend.close();
  }

  private BootSpec spec(int port) {
    return BootSpec.builder(model).binaryPath(binary).port(port).alias("ours")
        .readyTimeout(Duration.ofSeconds(30)).stopTimeout(Duration.ofSeconds(2)).build();
  }

  private static ResolveOptions wait30() {
    return ResolveOptions.builder().ownerRef("foreign-test").awaitTimeout(Duration.ofSeconds(30)).build();
  }

  /** Tries to resolve; returns the outcome code, failing the test if anything was published. */
  private ErrorCode attempt(BootSpec spec) {
    Throwable t = catchThrowable(() -> backend.resolveEndpoint(spec, wait30()).close());
    assertThat(t).as("a resolve against a foreign listener must fail").isInstanceOf(InferenceException.class);
    assertThat(published).as("endpoints published for a foreign listener").isEmpty();
    assertThat(backend.instances()).isEmpty();
    return ((InferenceException) t).code();
  }

  @Test
  void aForeignFakeServerWithAnotherAliasIsNeverPublished() {
    try (FakeServerProcess foreign = FakeLlamaServer.start(List.of("--model", model.toString(), "--port", "0",
        "--alias", "someone-else", "--fake-load-ms", "0"))) {
      int port = foreign.baseUri().orElseThrow().getPort();
      Map<ErrorCode, Integer> outcomes = new TreeMap<>();
      for (int i = 0; i < TRIES; i++) {
        ErrorCode code = attempt(spec(port));
        outcomes.merge(code, 1, Integer::sum);
        assertThat(Rel.fakeServers()).extracting(ProcessHandle::pid).containsExactly(foreign.pid());
      }
      Rel.figure("foreign fake server, " + TRIES + " tries", outcomes);
      assertThat(outcomes).containsOnlyKeys(ErrorCode.FOREIGN_SERVER);
      assertThat(foreign.process().isAlive()).as("the foreign server is left alone").isTrue();
    }
  }

  @Test
  void aForeignHttpServerAnsweringOkToEverythingIsNeverPublished() throws IOException {
    HttpServer foreign = liar(0);
    try {
      int port = foreign.getAddress().getPort();
      Map<ErrorCode, Integer> outcomes = new TreeMap<>();
      for (int i = 0; i < TRIES; i++) {
        Throwable t = catchThrowable(() -> backend.resolveEndpoint(spec(port), wait30()).close());
        assertThat(t).isInstanceOfSatisfying(ServerStartException.class,
            e -> assertThat(e.lastProbe()).contains("200"));
        outcomes.merge(((InferenceException) t).code(), 1, Integer::sum);
        assertThat(published).isEmpty();
        assertThat(Rel.fakeServers()).as("nothing is launched onto a taken port").isEmpty();
      }
      Rel.figure("foreign plain HTTP server, " + TRIES + " tries", outcomes);
      assertThat(outcomes).containsOnlyKeys(ErrorCode.FOREIGN_SERVER);
    } finally {
      foreign.stop(0);
    }
  }

  /**
   * The port is free when checked, our server is launched, and a foreign listener that answers 200
   * with our alias to everything takes the port before our server binds it. The answers come from
   * the port while our process is alive, so only a check of who owns the listening socket tells them
   * apart.
   */
  @Test
  void aListenerThatTakesThePortAfterLaunchIsNeverPublished() throws IOException {
    Map<ErrorCode, Integer> outcomes = new TreeMap<>();
    for (int i = 0; i < RACE_TRIES; i++) {
      int port = io.github.llamacppsdk.internal.llama.PortAllocator.freePort("127.0.0.1");
      // resolveEndpointAsync launches on this thread; the fake JVM needs a few hundred ms to bind.
      CompletableFuture<Resolution> f = backend.resolveEndpointAsync(spec(port),
          io.github.llamacppsdk.core.ConsumerManifest.builder("t").build(), wait30());
      HttpServer foreign = liar(port);
      try {
        Throwable t = catchThrowable(() -> f.join().close());
        assertThat(t).as("try %d", i).isNotNull();
        Throwable c = t instanceof java.util.concurrent.CompletionException ? t.getCause() : t;
        assertThat(c).isInstanceOf(ServerStartException.class);
        outcomes.merge(((InferenceException) c).code(), 1, Integer::sum);
        assertThat(published).isEmpty();
      } finally {
        foreign.stop(0);
      }
    }
    Rel.figure("listener racing our launch, " + RACE_TRIES + " tries", outcomes);
    assertThat(outcomes.keySet()).isSubsetOf(ErrorCode.FOREIGN_SERVER, ErrorCode.EXITED_BEFORE_READY);
  }

  /** A server that answers 200 to every request with a body claiming to be llama-server serving "ours". */
  static HttpServer liar(int port) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
    byte[] body = "{\"status\":\"ok\",\"object\":\"list\",\"data\":[{\"id\":\"ours\",\"object\":\"model\"}]}"
        .getBytes(StandardCharsets.UTF_8);
    s.createContext("/", ex -> {
      ex.getResponseHeaders().add("content-type", "application/json");
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    s.start();
    return s;
  }

}
