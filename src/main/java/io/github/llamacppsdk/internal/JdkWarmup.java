package io.github.llamacppsdk.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Not API. Initialises, once per JVM and on a short-lived daemon thread ({@code llamacpp-warmup}), the JDK
 * machinery a backend's first start needs and that the JDK sets up on first use: its socket implementation
 * (the free-port pick and the probes; its first use also bootstraps the JVM's lambda machinery, which the JDK's
 * socket and process code use) and, for a local transport, its process launching and reaping. In a fresh JVM
 * that is 15 to 20 ms of class initialisation which the first resolve would otherwise run on the caller's
 * thread before the server is even spawned; started when the backend is created, it runs on the other core
 * while {@code create()} returns and the application builds its spec (guides/benchmarks.md, figure 7).
 * Class initialisation is thread-safe: a caller that gets there first, or meanwhile, waits for it or does it
 * itself. Nothing here opens a connection or spawns a process; a failure is ignored (the caller will meet it
 * where it matters).
 */
public final class JdkWarmup implements Runnable {
  private static final AtomicBoolean STARTED = new AtomicBoolean();

  private final boolean processes;

  JdkWarmup(boolean processes) {
    this.processes = processes;
  }

  /**
   * Starts the warm-up, unless one was started in this JVM already.
   *
   * @param processes whether this JVM will launch local processes (a local transport)
   */
  public static void start(boolean processes) {
    if (!STARTED.compareAndSet(false, true)) {
      return;
    }
    Thread t = new Thread(new JdkWarmup(processes), "llamacpp-warmup");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void run() {
    try {
      warm();
    } catch (RuntimeException | LinkageError e) { // a SecurityManager that refuses a step, say: nothing escapes
      // the first start meets it where it matters
    }
  }

  private void warm() {
    try {
      InetAddress.getByName("127.0.0.1"); // a literal: parsed, never looked up; the free-port pick's first step
    } catch (IOException | RuntimeException e) {
      // as below
    }
    try (Socket s = new Socket()) {
      s.setReuseAddress(false); // the socket options (and their native library), as the free-port pick sets one
    } catch (IOException | RuntimeException e) {
      // the port pick and the probes report a real problem
    }
    if (processes) {
      ProcessHandle.current(); // the process reaper's executor
      try {
        Class.forName("java.lang.ProcessImpl", true, null); // the launch mechanism and its helper
      } catch (ClassNotFoundException | LinkageError e) {
        // another JDK's layout: the first launch initialises what it has
      }
    }
  }
}
