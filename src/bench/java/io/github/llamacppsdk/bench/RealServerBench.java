package io.github.llamacppsdk.bench;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.CommandLine;
import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.testkit.GgufFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Figure 7: the real llama-server (when {@code LLAMA_SERVER_BIN} names one). Resolve of a fresh
 * tiny-model server against the server's own spawn → first 200 measured by a 1 ms poll loop, and the
 * library's stop against the bare JDK's, runs of the two interleaved so that drift hits both alike.
 */
final class RealServerBench {
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  private final Fixture fx;
  private final Path binary;
  private final Path model;
  private final Report report;
  private final int runs;

  RealServerBench(Fixture fx, Path binary, Report report, int runs) {
    this.fx = fx;
    this.binary = binary;
    this.model = GgufFiles.writeLoadableModel(fx.dir.resolve("real-bench.gguf"));
    this.report = report;
    this.runs = runs;
  }

  void run() throws Exception {
    long[] resolve = new long[runs];
    long[] first200 = new long[runs];
    long[] libraryStop = new long[runs];
    long[] jdkStop = new long[runs];
    long[] toLaunch = new long[runs];
    long[] launchToLoaded = new long[runs];
    long[] loadedToReady = new long[runs];
    long[] readyToReturn = new long[runs];
    String version;
    try (Fixture.Rig rig = fx.rig()) {
      LlamaCppBackend backend = rig.backend();
      for (int i = -3; i < runs; i++) { // three warm-up rounds: JIT, the build detection, page cache
        BootSpec spec = spec("real-" + (i + 3));
        long t0 = System.nanoTime();
        Resolution r = backend.resolveEndpoint(spec, Fixture.OPTIONS);
        long t1 = System.nanoTime();
        long launched = rig.transport().lastLaunchNanos();
        long loaded = rig.transport().lastHintNanos();
        long readyEvent = rig.ready().readyAt(r.instance().instanceId());
        String id = r.instance().instanceId();
        r.close();
        long t2 = System.nanoTime();
        backend.stopInstance(id).join();
        long t3 = System.nanoTime();
        long[] bare = bareStart(spec);
        if (i >= 0) {
          resolve[i] = t1 - t0;
          libraryStop[i] = t3 - t2;
          first200[i] = bare[0];
          jdkStop[i] = bare[1];
          toLaunch[i] = launched - t0;
          launchToLoaded[i] = loaded == 0 ? 0 : loaded - launched;
          loadedToReady[i] = loaded == 0 ? 0 : readyEvent - loaded;
          readyToReturn[i] = t1 - readyEvent;
        }
      }
      version = backend.resolveEndpoint(spec("real-version"), Fixture.OPTIONS)
          .instance().process().orElseThrow().serverVersion();
    }
    Stats rs = Stats.of(resolve);
    Stats fs = Stats.of(first200);
    Stats ls = Stats.of(libraryStop);
    Stats js = Stats.of(jdkStop);
    double ratio = (double) rs.p50() / fs.p50();
    report.section("8. The real llama-server", "`" + version + "` with the library's loadable tiny model ("
        + Files.size(model) / 1024 + " KiB), " + runs + " fresh servers each way, alternating (after 3 warm-up "
        + "rounds). Library: `resolveEndpoint` of a new spec (port 0: free-port pick, launch, readiness with "
        + "identity check, publication, lease) until it returns. Baseline: the same argv started with "
        + "`ProcessBuilder`, then `GET /health` on a fresh socket every 1 ms until `200`. Stop: the library's "
        + "`stopInstance` of an idle ready server (SIGTERM, wait for exit and output) against the bare JDK's "
        + "`Process.destroy()` + `onExit().join()` of the baseline server.")
        .row("resolve vs spawn → first 200, p50", ms(rs.p50()), ms(fs.p50()), "ms", "≤ 1.2×", ratio <= 1.2)
        .row("resolve vs spawn → first 200, p99", ms(rs.p99()), ms(fs.p99()), "ms", "", null)
        .row("stop, p50", ms(ls.p50()), ms(js.p50()), "ms", "≈ 1.0×", null)
        .detail("library resolve: " + rs.summary("ms"))
        .detail("where the library's time goes: call → launch call " + Stats.of(toLaunch).summary("ms")
            + "; launch → `model loaded` line read " + Stats.of(launchToLoaded).summary("ms")
            + "; that line → READY event " + Stats.of(loadedToReady).summary("ms")
            + "; READY → return " + Stats.of(readyToReturn).summary("ms"))
        .detail("baseline spawn → first 200: " + fs.summary("ms"))
        .detail("library stop: " + ls.summary("ms"))
        .detail("JDK stop: " + js.summary("ms"));
  }

  private BootSpec spec(String alias) {
    return BootSpec.builder(model).binaryPath(binary).alias(alias).port(0).stopTimeout(Duration.ofSeconds(5)).build();
  }

  /** Starts {@code spec}'s command bare; returns {spawn → first 200, destroy → exit} in nanoseconds. */
  private long[] bareStart(BootSpec library) throws IOException {
    int port = Fixture.freePort();
    BootSpec spec = library.withPort(port);
    CommandLine cl = spec.toCommandLine();
    ProcessBuilder pb = new ProcessBuilder(cl.argv()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().putAll(cl.environment());
    long t0 = System.nanoTime();
    Process p = pb.start();
    try {
      long deadline = t0 + TimeUnit.SECONDS.toNanos(30);
      while (!healthy(port)) {
        if (System.nanoTime() > deadline || !p.isAlive()) {
          throw new IllegalStateException("the bare llama-server did not answer 200 on /health");
        }
        LockSupport.parkNanos(POLL_NANOS);
      }
      long ready = System.nanoTime() - t0;
      long s0 = System.nanoTime();
      p.destroy();
      p.onExit().join();
      return new long[] {ready, System.nanoTime() - s0};
    } finally {
      p.destroyForcibly();
    }
  }

  /** One {@code GET /health} on a fresh connection; true for a 200. */
  private static boolean healthy(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 100);
      s.setSoTimeout(1000);
      OutputStream out = s.getOutputStream();
      out.write(("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] head = in.readNBytes(12);
      return new String(head, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 200");
    } catch (IOException e) {
      return false;
    }
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }
}
