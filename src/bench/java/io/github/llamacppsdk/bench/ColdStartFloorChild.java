package io.github.llamacppsdk.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The JVM floor of the cold-start figure: a fresh JVM that does, without the library, the least any JVM
 * program must do to get a llama-server answering, so the figure can tell the JVM's own cost from the
 * library's. It picks a free port, spawns the server ({@link ProcessBuilder}, output discarded) and polls
 * {@code GET /health} on a new plain socket every 1 ms until the first 200. Prints one line, {@code COLD
 * main=... resolved=...}, as {@link ColdStartChild} does; exits non-zero when the server exits or is not ready
 * within 120 s. No lambdas, no logging, no JSON: only what the JDK's default archive mostly holds.
 *
 * <p>Arguments: {@code BINARY MODEL}.
 */
public final class ColdStartFloorChild {
  private ColdStartFloorChild() {}

  /**
   * Runs one floor start.
   *
   * @param args binary, model
   * @throws IOException when the server cannot be spawned
   * @throws InterruptedException when interrupted while it stops
   */
  public static void main(String[] args) throws IOException, InterruptedException {
    long main = System.nanoTime();
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Process server = new ProcessBuilder(args[0], "--model", args[1], "--host", "127.0.0.1", "--port",
        Integer.toString(port)).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    long launched = System.nanoTime();
    long deadline = launched + TimeUnit.SECONDS.toNanos(120);
    byte[] request = ("GET /health HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    long ready = 0;
    try {
      while (ready == 0 && server.isAlive() && System.nanoTime() < deadline) {
        if (isOk(port, request)) {
          ready = System.nanoTime();
        } else {
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
      }
    } finally {
      server.destroy();
      if (!server.waitFor(5, TimeUnit.SECONDS)) {
        server.destroyForcibly().waitFor();
      }
    }
    if (ready == 0) {
      System.err.println("floor: the server on port " + port + " gave no 200 (exit " + server.exitValue() + ")");
      System.exit(1);
    }
    System.out.println("COLD main=" + main + " created=" + main + " launched=" + launched + " ready=" + ready
        + " resolved=" + ready + " closed=" + System.nanoTime() + " cpu=0 threads=[]");
  }

  /** One {@code GET /health} on a new connection; {@return whether its status line says 200} */
  private static boolean isOk(int port, byte[] request) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
      socket.setSoTimeout(2000);
      OutputStream out = socket.getOutputStream();
      out.write(request);
      InputStream in = socket.getInputStream();
      byte[] head = in.readNBytes(12); // "HTTP/1.1 200"
      return new String(head, StandardCharsets.US_ASCII).endsWith(" 200");
    } catch (IOException e) {
      return false; // not listening yet
    }
  }
}
