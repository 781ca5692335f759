package io.github.llamacppsdk.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.core.Secret;
import io.github.llamacppsdk.core.Capabilities;
import io.github.llamacppsdk.core.ConsumerManifest;
import io.github.llamacppsdk.core.CoreEvent;
import io.github.llamacppsdk.core.CoreListener;
import io.github.llamacppsdk.core.EndpointDescriptor;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.core.InstanceSnapshot;
import io.github.llamacppsdk.core.Lease;
import io.github.llamacppsdk.core.LifecycleStatus;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.core.ResolveOptions;
import io.github.llamacppsdk.core.StartupKind;
import io.github.llamacppsdk.models.HubSettings;
import io.github.llamacppsdk.models.PullProgress;
import io.github.llamacppsdk.testkit.FakeFaults;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * The library's main job in one run: resolve an endpoint for a boot spec (spawn, load, identity
 * check, publish), use it for a JSON and a streaming chat completion, look at health and the
 * lease, release the lease and stop the server, timing every step.
 *
 * <p>Run it with {@code mvn -q test-compile exec:exec@demo}. With nothing configured it runs the
 * bundled fake llama-server; set {@code LLAMA_SERVER_BIN} and {@code LLAMA_MODEL} to run a real
 * one, or {@code LLAMA_HF_MODEL=owner/repo:Q4_K_M} to resolve a model by name (pulled into the Hugging
 * Face cache with progress, then launched from it). A start failure prints the library's message on stderr and exits with status 1.
 */
public final class SpawnedEndpointDemo {
  /** The fake server pretends to load its model for 800 ms, so LOADING shows. */
  static final List<String> FAKE_KNOBS = FakeFaults.builder().loadTime(Duration.ofMillis(800)).tokensPerSecond(40).build().args();

  private static final ObjectMapper JSON = new ObjectMapper();

  private final PrintStream out;
  private final long started = System.nanoTime();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private SpawnedEndpointDemo(PrintStream out) {
    this.out = out;
  }

  /**
   * Runs the demo and exits with its status.
   *
   * @param args optional {@code --binary PATH --model PATH} (the variables are the usual way)
   */
  public static void main(String[] args) {
    System.exit(run(args, System.getenv(), System.out, System.err));
  }

  /**
   * Runs the demo.
   *
   * @param args optional {@code --binary PATH --model PATH}
   * @param env the environment ({@code LLAMA_SERVER_BIN}, {@code LLAMA_MODEL})
   * @param out where the story goes
   * @param err where a failure goes
   * @return 0 on success, 1 when the library reported a failure
   */
  static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
    try {
      new SpawnedEndpointDemo(out).demo(args, env);
      return 0;
    } catch (InferenceException e) {
      out.flush();
      err.println();
      err.println("demo failed: " + e.getMessage());
      return 1;
    }
  }

  private void demo(String[] args, Map<String, String> env) {
    out.println("llama-cpp-sdk " + LlamaCppBackend.VERSION + ": spawned-endpoint demo");
    CoreListener progress = new CoreListener() {
      @Override
      public void onInstanceEvent(CoreEvent.InstanceEvent e) {
        out.printf("    %s  %-9s lifecycle %-8s health %-9s (%s)%n", clock(), phase(e), e.lifecycle(), e.health(),
            e.reason());
      }

      @Override
      public void onLeaseEvent(CoreEvent.LeaseEvent e) {
        out.printf("    %s  lease     %s %s%n", clock(), e.kind(), e.leaseRef());
      }
    };
    try (ExampleServer server = ExampleServer.choose(env, args, FAKE_KNOBS, out);
         LlamaCppBackend backend = LlamaCppBackend.builder().listener(progress).pullListener(this::pullProgress)
             .hub(HubSettings.fromEnvironment(env)).build()) {
      Secret key = Secret.of("demo-key-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(8)));

      BootSpec spec = step("1. boot spec", () -> {
        BootSpec s = server.spec().apiKey(key).healthInterval(Duration.ofMillis(500)).build();
        out.println("    " + s);
        out.println("    command: " + s.toCommandLine());
        return s;
      });

      ConsumerManifest consumer = ConsumerManifest.builder("spawned-endpoint-demo")
          .require(Capabilities.STREAMING, true).startupKind(StartupKind.SPAWNED).build();
      ResolveOptions options = ResolveOptions.builder().ownerRef("demo-run").ttl(Duration.ofMinutes(5)).build();
      Resolution resolution = step("2. resolve endpoint (spawn, load, check identity, publish)", () -> {
        Resolution r = backend.resolveEndpoint(spec, consumer, options);
        out.println("    reused=" + r.reused() + ", instance " + r.instance().instanceId());
        return r;
      });
      EndpointDescriptor endpoint = resolution.endpoint();
      String instanceId = resolution.instance().instanceId();
      long pid = resolution.instance().process().flatMap(p -> p.pid().stream().boxed().findFirst()).orElse(-1L);

      step("3. published endpoint descriptor (secrets masked)", () -> printDescriptor(endpoint));
      step("4. JSON chat completion", () -> jsonChat(endpoint));
      step("5. streaming chat completion", () -> streamingChat(endpoint));
      step("6. health and lease", () -> printHealthAndLease(backend, instanceId, endpoint, resolution.lease()));
      step("7. release the lease", () -> {
        resolution.close();
        out.println("    active=" + resolution.lease().isActive() + ", leases on the instance: "
            + backend.instance(instanceId).map(InstanceSnapshot::leaseCount).orElse(0)
            + " (the server keeps running for other consumers)");
        return null;
      });
      step("8. stop the server", () -> {
        await(backend.stopInstance(instanceId));
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        out.println("    pid " + pid + (process.map(ProcessHandle::isAlive).orElse(false) ? " still alive!" : " is gone")
            + "; instances left: " + backend.instances().size());
        return null;
      });
    }
    out.printf("done in %d ms%n", elapsedMillis());
  }

  private int lastTenth = -1;

  /** Prints a pull's progress: each tenth of the file, and how it ended. */
  private synchronized void pullProgress(PullProgress p) {
    if (p.stage() == PullProgress.Stage.DOWNLOADING) {
      int tenth = (int) (p.fraction().orElse(0) * 10);
      if (tenth == lastTenth) {
        return;
      }
      lastTenth = tenth;
    }
    out.printf("    %s  pull      %s%n", clock(), p);
  }

  /** {@return the start-up phase an event shows, in the words of the issue: spawned, loading, ready} */
  private static String phase(CoreEvent.InstanceEvent e) {
    if (e.lifecycle() != LifecycleStatus.STARTING && e.lifecycle() != LifecycleStatus.READY) {
      return e.lifecycle().name().toLowerCase(Locale.ROOT);
    }
    switch (e.health()) {
      case STARTING:
        return "spawned";
      case LOADING:
        return "loading";
      case HEALTHY:
        return e.lifecycle() == LifecycleStatus.READY && e.lifecycleChanged() ? "ready" : "healthy";
      default:
        return e.health().name().toLowerCase(Locale.ROOT);
    }
  }

  private Void printDescriptor(EndpointDescriptor e) {
    out.println("    baseUrl           " + e.baseUrl());
    out.println("    chat URL          " + e.chatCompletionsUrl());
    out.println("    headers           " + ExampleServer.maskedHeaders(e.headers()));
    out.println("    modelIdentity     " + e.modelIdentity());
    out.println("    protocol          " + e.protocol().wireName());
    out.println("    runtimeKind       " + e.runtimeKind().wireName());
    out.println("    managementMode    " + e.managementMode().wireName());
    out.println("    providerIdentity  " + e.providerIdentity());
    out.println("    endpointId        " + e.endpointId());
    out.println("    healthRef         " + e.healthRef());
    out.println("    leaseRef          " + e.leaseRef().orElse("-"));
    out.println("    capabilities      " + new TreeMap<>(e.capabilities()));
    out.println("    metadata          " + new TreeMap<>(e.metadata()));
    return null;
  }

  private Void jsonChat(EndpointDescriptor e) {
    ObjectNode body = chatBody(e, "Say hello to the demo in a few words.", false);
    HttpResponse<String> response = send(request(e, body), HttpResponse.BodyHandlers.ofString());
    JsonNode json = parse(response.body());
    out.println("    POST " + e.chatCompletionsUrl() + " -> " + response.statusCode());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("chat completion failed: " + response.body());
    }
    out.println("    reply: " + json.at("/choices/0/message/content").asText());
    out.println("    finish_reason=" + json.at("/choices/0/finish_reason").asText()
        + ", completion_tokens=" + json.at("/usage/completion_tokens").asInt());
    return null;
  }

  private Void streamingChat(EndpointDescriptor e) {
    ObjectNode body = chatBody(e, "Stream a short greeting, word by word.", true);
    HttpResponse<Stream<String>> response = send(request(e, body), HttpResponse.BodyHandlers.ofLines());
    out.println("    POST " + e.chatCompletionsUrl() + " (stream) -> " + response.statusCode());
    out.print("    reply: ");
    int[] chunks = {0};
    try (Stream<String> lines = response.body()) {
      lines.filter(l -> l.startsWith("data: ") && !l.equals("data: [DONE]")).forEach(l -> {
        JsonNode content = parse(l.substring(6)).at("/choices/0/delta/content");
        if (content.isTextual()) {
          out.print(content.asText());
          out.flush();
          chunks[0]++;
        }
      });
    }
    out.println();
    out.println("    " + chunks[0] + " content chunks");
    return null;
  }

  private Void printHealthAndLease(LlamaCppBackend backend, String id, EndpointDescriptor e, Lease lease) {
    InstanceSnapshot s = backend.instance(id).orElseThrow();
    out.println("    instance: lifecycle " + s.lifecycle() + ", health " + s.health() + " (" + s.healthReason()
        + "), leases " + s.leaseCount());
    HttpRequest.Builder health = HttpRequest.newBuilder(URI.create(e.healthRef())).timeout(Duration.ofSeconds(5));
    e.headers().forEach(health::header);
    HttpResponse<String> r = send(health.build(), HttpResponse.BodyHandlers.ofString());
    out.println("    GET " + e.healthRef() + " -> " + r.statusCode() + " " + r.body().strip());
    out.println("    lease: " + lease.leaseRef() + ", owner " + lease.ownerRef().orElse("-") + ", ttl "
        + lease.ttl().map(Duration::toString).orElse("none") + ", expires "
        + lease.expiresAt().map(Object::toString).orElse("never") + ", active " + lease.isActive());
    return null;
  }

  private static ObjectNode chatBody(EndpointDescriptor e, String prompt, boolean stream) {
    ObjectNode body = JSON.createObjectNode().put("model", e.modelIdentity()).put("max_tokens", 48);
    body.putArray("messages").addObject().put("role", "user").put("content", prompt);
    if (stream) {
      body.put("stream", true);
    }
    return body;
  }

  private static HttpRequest request(EndpointDescriptor e, ObjectNode body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(e.chatCompletionsUrl()))
        .timeout(Duration.ofMinutes(2))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    e.headers().forEach(b::header);
    return b.build();
  }

  private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    try {
      return http.send(request, handler);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static JsonNode parse(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void await(java.util.concurrent.CompletableFuture<Void> stop) {
    try {
      stop.get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("the server did not stop within 60 s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private interface Step<T> {
    T run();
  }

  private <T> T step(String title, Step<T> body) {
    out.println();
    out.println("[" + clock() + "] " + title);
    long t = System.nanoTime();
    T result = body.run();
    out.printf("    -> %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t));
    return result;
  }

  private String clock() {
    return String.format("%6.3f s", (System.nanoTime() - started) / 1e9);
  }

  private long elapsedMillis() {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
  }
}
