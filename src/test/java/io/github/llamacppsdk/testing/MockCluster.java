package io.github.llamacppsdk.testing;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Kubernetes API server for tests: fabric8's mock server in CRUD mode, plus what CRUD mode lacks
 * and a {@link SimulatedKubelet} provides: container logs ({@code GET .../pods/NAME/log}) and graceful
 * pod deletion (a {@code DELETE} with a grace period marks the pod for deletion and lets the kubelet
 * stop the container within that grace before the object goes, as a real API server and kubelet do;
 * a {@code DELETE} with grace 0 removes it at once), and port-forwarding ({@code GET
 * .../pods/NAME/portforward?ports=P}, a WebSocket bridged to the simulated pod's port by a {@link
 * PortForwardBridge}). No real cluster anywhere.
 */
public final class MockCluster implements AutoCloseable {
  public static final String NAMESPACE = "llm";
  private static final Pattern LOG = Pattern.compile("^/api/v1/namespaces/([^/]+)/pods/([^/?]+)/log(?:\\?(.*))?$");
  private static final Pattern POD = Pattern.compile("^/api/v1/namespaces/([^/]+)/pods/([^/?]+)(?:\\?(.*))?$");
  private static final Pattern PORT_FORWARD =
      Pattern.compile("^/api/v1/namespaces/([^/]+)/pods/([^/?]+)/portforward(?:\\?(.*))?$");
  private static final Pattern GRACE = Pattern.compile("\"gracePeriodSeconds\"\\s*:\\s*(\\d+)");

  /** Kept: java.util.logging holds loggers weakly, and the mock logs every request at INFO. */
  private static final java.util.logging.Logger MOCK_LOG = quiet();

  private final KubernetesMockServer server;
  private final NamespacedKubernetesClient client;
  private final SimulatedKubelet kubelet;
  private final Dispatcher dispatcher;

  /**
   * Starts the API server and the kubelet.
   *
   * @param fakeBinary the fake llama-server every container runs
   * @param claims claim name → local directory (what a PersistentVolumeClaim holds)
   * @param gpus the GPUs of the one simulated node
   */
  public MockCluster(Path fakeBinary, Map<String, Path> claims, int gpus) {
    dispatcher = new Dispatcher();
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
    server.init();
    client = server.createClient();
    kubelet = new SimulatedKubelet(server.createClient().inNamespace(NAMESPACE), NAMESPACE, fakeBinary, claims, gpus);
    dispatcher.kubelet = kubelet;
    kubelet.start();
  }

  /**
   * Starts a cluster whose claim {@code models} holds a tiny GGUF model {@code qwen-tiny.gguf} (in {@code
   * dir/pvc-models}) and whose containers run the fake llama-server (installed in {@code dir/bin}).
   *
   * @param dir a scratch directory
   * @param gpus the GPUs of the one simulated node
   * @return the running cluster
   * @throws java.io.IOException if the files cannot be written
   */
  public static MockCluster withTinyModel(Path dir, int gpus) throws java.io.IOException {
    Path models = java.nio.file.Files.createDirectories(dir.resolve("pvc-models"));
    io.github.llamacppsdk.testkit.GgufFiles.writeTinyModel(models.resolve("qwen-tiny.gguf"));
    return new MockCluster(io.github.llamacppsdk.testkit.FakeLlamaServer.install(dir.resolve("bin")),
        Map.of("models", models), gpus);
  }

  private static java.util.logging.Logger quiet() {
    java.util.logging.Logger l = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver.MockWebServer");
    l.setLevel(java.util.logging.Level.WARNING);
    return l;
  }

  /** {@return a client of this cluster in namespace {@value #NAMESPACE} (not closed by the caller: {@link #close()} does)} */
  public NamespacedKubernetesClient client() {
    return client.inNamespace(NAMESPACE);
  }

  /** {@return the API server's URL} */
  public String url() {
    return server.url("/");
  }

  /** {@return the kubelet} */
  public SimulatedKubelet kubelet() {
    return kubelet;
  }

  /**
   * Makes the next {@code times} requests with this method whose path (query included) matches
   * {@code pathRegex} fail with {@code code} and a Kubernetes {@code Status} body, before CRUD sees them;
   * later ones are served as usual. fabric8's {@code server().expect()} does not apply here: this
   * server dispatches through its own CRUD dispatcher, which never consults expectations.
   *
   * @param method the HTTP method ({@code GET}, {@code PUT}, {@code PATCH}, {@code POST}, {@code DELETE})
   * @param pathRegex a regular expression the whole request path must match
   * @param code the HTTP status of the failure
   * @param times how many matching requests fail ({@link Integer#MAX_VALUE}: all until {@link #clearFailures()})
   */
  public void failRequests(String method, String pathRegex, int code, int times) {
    dispatcher.faults.add(new Fault(method, Pattern.compile(pathRegex), code, new java.util.concurrent.atomic.AtomicInteger(times)));
  }

  /** Ends every failure {@link #failRequests} set up. */
  public void clearFailures() {
    dispatcher.faults.clear();
  }

  /** {@return how many requests the failures set up with {@link #failRequests} have failed so far} */
  public int failedRequests() {
    return dispatcher.failed.get();
  }

  /** {@return the pods in the namespace} */
  public List<Pod> pods() {
    return client().pods().list().getItems();
  }

  @Override
  public void close() {
    kubelet.close();
    client.close();
    try {
      server.destroy();
    } catch (IllegalStateException e) {
      // fabric8's mock server (8.0.0), not the library: a watch closed while it was sending an event
      // holds the server's event loop for up to 10 s in WatchEventsListener.onClosed (its sender waits
      // for that same loop), past the server's own 10 s close wait: "Unable to close MockWebServer",
      // seen once in CI. The server is marked shut down by then (a second destroy() is a no-op) and
      // its loop frees itself when the 10 s are over; nothing of the library is left running.
      java.util.logging.Logger.getLogger(MockCluster.class.getName())
          .warning("mock cluster: " + e.getMessage() + " (fabric8 watch-close stall; ignored)");
    }
  }

  private record Fault(String method, Pattern path, int code, java.util.concurrent.atomic.AtomicInteger left) {
    boolean claims(RecordedRequest request) {
      return method.equals(request.getMethod()) && path.matcher(request.getPath()).matches()
          && left.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
    }
  }

  /** Injected failures, then CRUD, plus logs, port-forwards and graceful deletion from the kubelet. */
  private static final class Dispatcher extends KubernetesCrudDispatcher {
    volatile SimulatedKubelet kubelet;
    final List<Fault> faults = new java.util.concurrent.CopyOnWriteArrayList<>();
    final java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      String path = request.getPath();
      for (Fault f : faults) {
        if (f.claims(request)) {
          failed.incrementAndGet();
          return new MockResponse().setResponseCode(f.code()).setHeader("Content-Type", "application/json")
              .setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":" + f.code()
                  + ",\"message\":\"injected failure " + f.code() + " of " + request.getMethod() + " " + path.replace("\"", "")
                  + "\"}");
        }
      }
      Matcher log = LOG.matcher(path);
      if ("GET".equals(request.getMethod()) && log.matches()) {
        return kubelet.log(log.group(2), query(log.group(3)));
      }
      Matcher forward = PORT_FORWARD.matcher(path);
      if ("GET".equals(request.getMethod()) && forward.matches()) {
        return kubelet.portForward(forward.group(2), query(forward.group(3)));
      }
      Matcher pod = POD.matcher(path);
      if ("DELETE".equals(request.getMethod()) && pod.matches()) {
        long grace = grace(request, query(pod.group(3)));
        kubelet.recordDelete(pod.group(2), grace);
        if (grace > 0 && kubelet.beginGracefulDelete(pod.group(2), grace)) {
          MockResponse current = handleGet(path.replaceAll("\\?.*$", ""));
          return current;
        }
      }
      return super.dispatch(request);
    }

    private static long grace(RecordedRequest request, Map<String, String> query) {
      if (query.containsKey("gracePeriodSeconds")) {
        return Long.parseLong(query.get("gracePeriodSeconds"));
      }
      String body = request.getBody() == null ? "" : request.getUtf8Body();
      Matcher m = GRACE.matcher(body == null ? "" : body);
      return m.find() ? Long.parseLong(m.group(1)) : 30;
    }

    private static Map<String, String> query(String raw) {
      Map<String, String> q = new HashMap<>();
      if (raw == null) {
        return q;
      }
      for (String part : raw.split("&")) {
        int eq = part.indexOf('=');
        if (eq > 0) {
          q.put(part.substring(0, eq), java.net.URLDecoder.decode(part.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8));
        }
      }
      return q;
    }
  }
}
