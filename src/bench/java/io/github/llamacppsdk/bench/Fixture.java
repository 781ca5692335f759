package io.github.llamacppsdk.bench;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.BootSpecBuilder;
import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.core.CoreEvent;
import io.github.llamacppsdk.core.CoreListener;
import io.github.llamacppsdk.core.LifecycleStatus;
import io.github.llamacppsdk.core.ResolveOptions;
import io.github.llamacppsdk.process.ProcessTransport;
import io.github.llamacppsdk.testkit.FakeLlamaServer;
import io.github.llamacppsdk.testkit.GgufFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * What every figure shares: a temporary directory with the fake server installed as the llama-server
 * binary and a tiny GGUF model, spec and backend factories, and the ready stamps. Not thread-safe
 * except {@link ReadyRecorder}.
 */
final class Fixture implements AutoCloseable {
  static final ResolveOptions OPTIONS = ResolveOptions.builder().ownerRef("bench")
      .awaitTimeout(Duration.ofSeconds(60)).build();
  /** For the scale figure: 100 fake JVMs starting on a busy 2-core machine can take minutes. */
  static final ResolveOptions SLOW_OPTIONS = ResolveOptions.builder().ownerRef("bench")
      .awaitTimeout(Duration.ofMinutes(10)).build();

  final Path dir;
  final Path binary;
  final Path model;

  Fixture() throws IOException {
    dir = Files.createTempDirectory("llamacpp-bench");
    binary = FakeLlamaServer.install(dir);
    model = GgufFiles.writeTinyModel(dir.resolve("bench-model.gguf"));
  }

  /** {@return a port-0 spec of the fake server with the given alias and no health polling} @param alias alias */
  BootSpecBuilder spec(String alias) {
    return BootSpec.builder(model).binaryPath(binary).alias(alias).port(0).stopTimeout(Duration.ofSeconds(5));
  }

  /** A backend over a counting local transport, with a recorder of READY moments. */
  record Rig(LlamaCppBackend backend, CountingTransport transport, ReadyRecorder ready) implements AutoCloseable {
    @Override
    public void close() {
      backend.close();
      transport.close();
    }
  }

  Rig rig() {
    CountingTransport t = new CountingTransport(ProcessTransport.local());
    ReadyRecorder r = new ReadyRecorder();
    return new Rig(LlamaCppBackend.builder().transport(t).listener(r).build(), t, r);
  }

  /** Records {@link System#nanoTime()} of each instance's first READY event. Thread-safe. */
  static final class ReadyRecorder implements CoreListener {
    private final Map<String, Long> readyAt = new ConcurrentHashMap<>();

    @Override
    public void onInstanceEvent(CoreEvent.InstanceEvent event) {
      if (event.lifecycle() == LifecycleStatus.READY && !event.previousLifecycle().equals(
          java.util.Optional.of(LifecycleStatus.READY))) {
        readyAt.putIfAbsent(event.instanceId(), System.nanoTime());
      }
    }

    long readyAt(String instanceId) {
      Long v = readyAt.get(instanceId);
      if (v == null) {
        throw new IllegalStateException("no READY event seen for " + instanceId);
      }
      return v;
    }
  }

  Path stampFile(String name) {
    return dir.resolve("stamp-" + name);
  }

  /** Reads a ready stamp, waiting up to 5 s for the fake to write it (it may trail the first 200). */
  static long readStamp(Path file) {
    long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (true) {
      try {
        return Long.parseLong(Files.readString(file).trim());
      } catch (java.nio.file.NoSuchFileException e) {
        if (System.nanoTime() > end) {
          throw new IllegalStateException("no ready stamp at " + file);
        }
        LockSupport.parkNanos(100_000);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temp directory left behind is harmless
    }
  }
}
