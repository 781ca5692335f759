package io.github.llamacppsdk.internal.llama;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.ServerBuild;
import io.github.llamacppsdk.internal.probe.Observation;
import io.github.llamacppsdk.internal.probe.ReadinessProber;
import io.github.llamacppsdk.internal.spec.IdentityDigest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Not API. Runs the first resolve's code once, on a background thread, while the application goes on:
 * a fresh JVM otherwise loads, links and interprets about 750 classes on the caller's thread during its
 * first {@code resolveEndpoint} (the spec rules, the instance key's HMAC and the JDK's security providers
 * behind it, the build's {@code --help} table, the flag rendering, the NIO probe client, the JSON reader,
 * the {@code /proc} listener check, the event and snapshot types). Started by the first backend of the
 * JVM; a resolve that comes before it is done finds part of the work done and waits for no more.
 *
 * <p>Nothing it does is seen: the readiness probe it exercises goes to a loopback socket of its own that
 * answers like a ready llama-server, no file is written, nothing is logged above DEBUG, and every failure
 * is only recorded (a warm-up that fails costs the time it took and nothing else). Off with the system
 * property {@code llamacpp.prewarm=false}. Thread-safe; runs at most once per JVM.
 */
public final class Prewarm {
  /** The system property that turns it off ({@code false}). */
  public static final String PROPERTY = "llamacpp.prewarm";

  private static final AtomicBoolean STARTED = new AtomicBoolean();
  private static final int SERVE_MILLIS = 2_000;

  /**
   * Classes the first resolve initialises after the launch call, in the order it needs them; loading
   * them here overlaps with the server's own start. A renamed class is a recorded failure (see the
   * unit test), not an error.
   */
  static final List<String> CLASSES = List.of(
      "io.github.llamacppsdk.internal.process.LocalLaunchedProcess",
      "io.github.llamacppsdk.internal.process.ProcessOutput",
      "io.github.llamacppsdk.internal.process.LineFramer",
      "io.github.llamacppsdk.internal.process.OutputLevels",
      "io.github.llamacppsdk.internal.process.OrphanWatchdog",
      "io.github.llamacppsdk.internal.process.ProcStat",
      "io.github.llamacppsdk.internal.process.ProcessTree",
      "io.github.llamacppsdk.process.OutputLine",
      "io.github.llamacppsdk.process.ExitStatus",
      "io.github.llamacppsdk.internal.llama.StartupWatch",
      "io.github.llamacppsdk.internal.llama.ResidentMemory",
      "io.github.llamacppsdk.internal.probe.HealthMonitor",
      "io.github.llamacppsdk.internal.probe.KeepAlivePoller",
      "io.github.llamacppsdk.core.EndpointDescriptor",
      "io.github.llamacppsdk.core.Resolution",
      "io.github.llamacppsdk.core.InstanceSnapshot",
      "io.github.llamacppsdk.core.CoreEvent$InstanceEvent",
      "io.github.llamacppsdk.core.CoreEvent$LeaseEvent",
      "io.github.llamacppsdk.core.CoreEvent$EndpointEvent",
      "io.github.llamacppsdk.core.Outage",
      "io.github.llamacppsdk.internal.core.LeaseImpl",
      "io.github.llamacppsdk.internal.core.ReadyWaiter",
      "java.lang.ProcessHandleImpl",
      "java.nio.channels.Selector");

  private Prewarm() {}

  /**
   * Starts the warm-up on a daemon thread, once per JVM, unless {@value #PROPERTY} is {@code false}.
   * The steps that need no prober run at once; the probe waits for {@code prober}.
   *
   * @param prober completed with the backend's prober once it exists (the warm-up probes with it, so
   *     its threads are the ones warmed); completed exceptionally, the probe step is skipped
   */
  public static void startOnce(CompletableFuture<ReadinessProber> prober) {
    if (enabled() && STARTED.compareAndSet(false, true)) {
      Thread t = new Thread(() -> run(prober), "llamacpp-prewarm");
      t.setDaemon(true);
      t.start();
    }
  }

  /** {@return whether work ahead of need is allowed: {@value #PROPERTY} is not {@code false}} */
  static boolean enabled() {
    return !"false".equalsIgnoreCase(System.getProperty(PROPERTY, "true").strip());
  }

  /**
   * Runs the warm-up on this thread, in the order a first resolve needs the code: the instance key
   * and the build table first (needed soonest), then what runs after the launch call.
   *
   * @param proberFuture the prober to exercise, when it exists
   * @return what failed, one line each (empty when every step ran)
   */
  static List<String> run(CompletableFuture<ReadinessProber> proberFuture) {
    List<String> failed = new ArrayList<>();
    step(failed, "instance key", () -> IdentityDigest.of("prewarm"));
    step(failed, "build table", () -> ServerBuild.parse("version: 1 (prewarm)\n",
        "-ngl,  --gpu-layers, --n-gpu-layers N   max. number of layers ('auto', 'all')\n"
            + "-fa,   --flash-attn [on|off|auto]     set Flash Attention use\n"));
    try (ServerSocket server = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
      BootSpec spec = BootSpec.builder("/prewarm/prewarm.gguf").alias("prewarm").port(server.getLocalPort()).build();
      step(failed, "command line", () -> spec.toCommandLine(ServerBuild.currentSyntax()));
      step(failed, "readiness probe", () -> probe(proberFuture.get(SERVE_MILLIS, TimeUnit.MILLISECONDS), spec, server));
      step(failed, "listener check", () -> ListenerOwner.check(ProcessHandle.current().pid(), server.getLocalPort()));
    } catch (IOException | RuntimeException e) {
      failed.add("loopback socket: " + e);
    }
    ClassLoader loader = Prewarm.class.getClassLoader();
    for (String name : CLASSES) {
      step(failed, name, () -> Class.forName(name, true, loader));
    }
    return failed;
  }

  /** Probes a loopback socket that answers as a ready server serving {@code prewarm}; throws unless READY. */
  private static Object probe(ReadinessProber prober, BootSpec spec, ServerSocket server) throws Exception {
    CompletableFuture<Observation> seen = prober.probeOnce(LlamaEndpoints.target(spec, Optional.empty()));
    server.setSoTimeout(50);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SERVE_MILLIS);
    while (!seen.isDone() && System.nanoTime() < deadline) {
      try (Socket s = server.accept()) {
        s.setSoTimeout(SERVE_MILLIS);
        answer(s, seen);
      } catch (SocketTimeoutException e) {
        // the probe has not connected (again) yet
      }
    }
    Observation o = seen.getNow(null);
    if (o == null || o.kind() != Observation.Kind.READY) {
      throw new IllegalStateException("the probe saw " + (o == null ? "nothing in time" : o.describe()));
    }
    return o;
  }

  /** Answers the requests of one kept-alive connection until the client closes it or the probe is done. */
  private static void answer(Socket s, CompletableFuture<Observation> seen) throws IOException {
    InputStream in = s.getInputStream();
    OutputStream out = s.getOutputStream();
    StringBuilder head = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0) {
      head.append((char) c);
      if (head.length() >= 4 && head.lastIndexOf("\r\n\r\n") == head.length() - 4) {
        String path = head.substring(head.indexOf(" ") + 1, head.indexOf(" ", head.indexOf(" ") + 1));
        String body = path.endsWith("/models") ? "{\"object\":\"list\",\"data\":[{\"id\":\"prewarm\",\"object\":\"model\"}]}"
            : path.endsWith("/props") ? "{\"default_generation_settings\":{}}" : "{\"status\":\"ok\"}";
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + b.length
            + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.flush();
        head.setLength(0);
        if (seen.isDone()) {
          return;
        }
      }
    }
  }

  private interface Step {
    Object run() throws Exception;
  }

  private static void step(List<String> failed, String what, Step step) {
    try {
      step.run();
    } catch (Exception | LinkageError e) {
      failed.add(what + ": " + e);
    }
  }
}
