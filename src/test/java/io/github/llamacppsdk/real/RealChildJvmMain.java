package io.github.llamacppsdk.real;

import static io.github.llamacppsdk.testing.ChildJvm.failing;
import static io.github.llamacppsdk.testing.ChildJvm.print;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.core.ResolveOptions;
import io.github.llamacppsdk.testing.ChildJvm;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * A JVM that uses the library with the real llama-server, run by the real-server suite as a child
 * process.
 *
 * <ul>
 *   <li>{@code hold BINARY MODEL}: resolves a real server, prints {@code SERVER_PID <pid>} and waits
 *       forever (the test kills this JVM with SIGKILL).
 *   <li>{@code keys BINARY MODEL}: with {@code perInstanceKeys(true)}, resolves a real server without
 *       a key, prints {@code SERVER_PID <pid>} and waits for a line on stdin (the test reads the key
 *       from the server's environment meanwhile), then prints every {@code toString} a user would
 *       print, the status of a chat with and without the descriptor's headers, and a failed start's
 *       exception; the test searches all of it, logs included, for the key.
 * </ul>
 */
public final class RealChildJvmMain {
  private RealChildJvmMain() {}

  public static void main(String[] args) throws Exception {
    Path binary = Path.of(args[1]);
    Path model = Path.of(args[2]);
    ResolveOptions opts = ChildJvm.OPTIONS;
    if (args[0].equals("hold")) {
      LlamaCppBackend backend = LlamaCppBackend.create();
      Resolution r = backend.resolveEndpoint(RealFixture.spec(binary, model).build(), opts);
      System.out.println("SERVER_PID " + r.instance().process().orElseThrow().pid().orElseThrow());
      System.out.flush();
      new CountDownLatch(1).await(); // held until the test kills this JVM
      return;
    }
    BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    HttpClient http = HttpClient.newHttpClient();
    try (LlamaCppBackend backend = LlamaCppBackend.builder().perInstanceKeys(true).build()) {
      BootSpec spec = RealFixture.spec(binary, model).healthInterval(Duration.ofMillis(50)).build();
      Resolution r = backend.resolveEndpoint(spec, opts);
      System.out.println("SERVER_PID " + r.instance().process().orElseThrow().pid().orElseThrow());
      System.out.flush();
      stdin.readLine();
      print("spec", spec);
      print("endpoint", r.endpoint());
      print("resolution", r);
      print("lease", r.lease());
      print("snapshot", backend.instance(r.instance().instanceId()).orElseThrow());
      print("instances", backend.instances());
      System.out.println("AUTHORISED_STATUS " + chat(http, r.endpoint().chatCompletionsUrl(), r.endpoint().headers()));
      System.out.println("UNAUTHORISED_STATUS " + chat(http, r.endpoint().chatCompletionsUrl(), Map.of()));
      r.close();
      failing("bad flag", () -> backend.resolveEndpoint(spec.toBuilder().alias("bad-flag")
          .extraArgs(List.of("--no-such-flag")).build(), opts));
    }
    System.out.println("DONE");
  }

  private static int chat(HttpClient http, String url, Map<String, String> headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(RealHttp.CHAT));
    headers.forEach(b::header);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
  }
}
