package io.github.llamacppsdk.bench;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The child JVM of figure 6b: N loopback HTTP servers answering {@code GET /health} with llama-server's
 * {@code {"status":"ok"}} (kept-alive, as llama-server does), on two shared threads. Prints the ports,
 * comma-separated, on one line, then serves until its standard input closes.
 */
public final class LoopbackHealthServers {
  private LoopbackHealthServers() {}

  /**
   * @param args the number of servers
   * @throws IOException if a server cannot bind
   */
  public static void main(String[] args) throws IOException {
    int n = Integer.parseInt(args[0]);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    byte[] body = "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8);
    StringBuilder ports = new StringBuilder();
    for (int i = 0; i < n; i++) {
      HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
      s.createContext("/health", ex -> {
        ex.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
        ex.sendResponseHeaders(200, body.length);
        try (OutputStream out = ex.getResponseBody()) {
          out.write(body);
        }
      });
      s.setExecutor(pool);
      s.start();
      ports.append(i == 0 ? "" : ",").append(s.getAddress().getPort());
    }
    System.out.println(ports);
    System.out.flush();
    while (System.in.read() >= 0) {
      // serve until the parent closes our stdin (or dies)
    }
    System.exit(0);
  }
}
