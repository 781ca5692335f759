package io.github.llamacppsdk.reliability;

import static io.github.llamacppsdk.testing.ChildJvm.failing;
import static io.github.llamacppsdk.testing.ChildJvm.print;

import io.github.llamacppsdk.AttachSpec;
import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.core.Secret;
import io.github.llamacppsdk.core.ConsumerManifest;
import io.github.llamacppsdk.core.ManagementMode;
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

/**
 * A JVM that uses the library, run by the reliability suite as a child process.
 *
 * <ul>
 *   <li>{@code launch-in-hook BINARY MODEL ALIAS}: resolves a server from a shutdown hook and prints
 *       {@code HOOK_RESULT} with the outcome.
 *   <li>{@code first-start BINARY MODEL ok|fail|fail-exit}: the JVM's first start, of a server that comes up
 *       (then {@code RESOLVED} and a close) or exits at once (then {@code FAILED <code>} and no close; with
 *       {@code fail-exit}, {@code System.exit(0)} right after).
 *   <li>{@code hold BINARY MODEL}: resolves a fake server, prints {@code SERVER_PID <pid>} and waits
 *       forever (the test kills this JVM with SIGKILL).
 *   <li>{@code secrets BINARY MODEL KEY KEY_FILE}: runs every path that could leak an API key, printing
 *       what a user would print (toString, exception messages), with DEBUG logging on; between steps it
 *       prints {@code SERVER_PID <pid>} and waits for a line on stdin so the test can read the
 *       server's {@code /proc/PID/cmdline}.
 * </ul>
 */
public final class ChildJvmMain {
  private ChildJvmMain() {}

  public static void main(String[] args) throws Exception {
    Path binary = Path.of(args[1]);
    Path model = Path.of(args[2]);
    ResolveOptions opts = ChildJvm.OPTIONS;
    if (args[0].equals("launch-in-hook")) {
      // a server asked for while the JVM shuts down (a request still being served by a graceful shutdown)
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try (LlamaCppBackend backend = LlamaCppBackend.create()) {
          backend.resolveEndpoint(BootSpec.builder(model).binaryPath(binary).port(0).alias(args[3])
              .extraArgs(List.of("--fake-load-ms", "0")).build(), opts).close();
          System.out.println("HOOK_RESULT served");
        } catch (io.github.llamacppsdk.core.InferenceException e) {
          System.out.println("HOOK_RESULT " + e.code() + " " + e.getMessage().lines().findFirst().orElse(""));
        }
        System.out.flush();
      }, "test-hook"));
      return;
    }
    if (args[0].equals("first-start")) {
      // the JVM's first start, whose log lines the library keeps until it ends (internal.Log): ok, or a server that
      // fails; without close() when it fails, so only the writer's own exit rule gets the lines out
      LlamaCppBackend backend = LlamaCppBackend.create();
      boolean fail = args[3].startsWith("fail");
      try {
        backend.resolveEndpoint(BootSpec.builder(model).binaryPath(binary).port(0).alias("first")
            .extraArgs(fail ? List.of("--bogus") : List.of("--fake-load-ms", "0")).build(), opts).close();
        System.out.println("RESOLVED");
        backend.close();
      } catch (io.github.llamacppsdk.core.InferenceException e) {
        System.out.println("FAILED " + e.code());
        if (args[3].equals("fail-exit")) {
          System.out.flush();
          System.exit(0); // at once: no other thread is waited for, only shutdown hooks
        }
      }
      System.out.flush();
      return;
    }
    if (args[0].equals("hold")) {
      LlamaCppBackend backend = LlamaCppBackend.create();
      Resolution r = backend.resolveEndpoint(BootSpec.builder(model).binaryPath(binary).port(0)
          .extraArgs(List.of("--fake-load-ms", "0")).build(), opts);
      System.out.println("SERVER_PID " + r.instance().process().orElseThrow().pid().orElseThrow());
      System.out.flush();
      new java.util.concurrent.CountDownLatch(1).await(); // held until the test kills this JVM
      return;
    }
    String key = args[3];
    Path keyFile = Path.of(args[4]);
    BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    HttpClient http = HttpClient.newHttpClient();
    try (LlamaCppBackend backend = LlamaCppBackend.create()) {
      BootSpec inline = BootSpec.builder(model).binaryPath(binary).port(0).alias("inline").apiKey(key)
          .healthInterval(Duration.ofMillis(50)).build();
      Resolution r = backend.resolveEndpoint(inline, opts);
      System.out.println("SERVER_PID " + r.instance().process().orElseThrow().pid().orElseThrow());
      System.out.flush();
      stdin.readLine();
      print("spec", inline);
      print("command line", inline.toCommandLine());
      print("endpoint", r.endpoint());
      print("resolution", r);
      print("lease", r.lease());
      print("snapshot", backend.instance(r.instance().instanceId()).orElseThrow());
      print("instances", backend.instances());
      HttpRequest.Builder chat = HttpRequest.newBuilder(URI.create(r.endpoint().chatCompletionsUrl()))
          .POST(HttpRequest.BodyPublishers.ofString("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
      r.endpoint().headers().forEach(chat::header);
      System.out.println("AUTHORISED_STATUS " + http.send(chat.build(), HttpResponse.BodyHandlers.ofString()).statusCode());

      AttachSpec attach = AttachSpec.builder(r.endpoint().baseUrl().replace("/v1", ""), "inline")
          .apiKey(Secret.of(key)).build();
      print("attach spec", attach);
      try (Resolution a = backend.attach(attach, ConsumerManifest.builder("c")
          .acceptedManagementModes(ManagementMode.EXTERNALLY_MANAGED).build(), opts)) {
        print("attached resolution", a);
      }
      AttachSpec wrongKey = AttachSpec.builder(r.endpoint().baseUrl().replace("/v1", ""), "inline")
          .apiKey(Secret.of(key + "-wrong")).readyTimeout(Duration.ofSeconds(2)).build();
      // Without an api prefix /health and /v1/models are public, so this attach may succeed; either way
      // its outcome is printed and searched.
      try (Resolution w = backend.attach(wrongKey, ConsumerManifest.builder("c")
          .acceptedManagementModes(ManagementMode.EXTERNALLY_MANAGED).build(), opts)) {
        print("attached with a wrong key", w);
        print("wrong-key endpoint", w.endpoint());
      } catch (RuntimeException e) {
        failing("attach with a wrong key", () -> {
          throw e;
        });
      }
      r.close();

      BootSpec fromFile = BootSpec.builder(model).binaryPath(binary).port(0).alias("from-file")
          .apiKeyFile(keyFile).build();
      Resolution f = backend.resolveEndpoint(fromFile, opts);
      System.out.println("SERVER_PID " + f.instance().process().orElseThrow().pid().orElseThrow());
      System.out.flush();
      stdin.readLine();
      print("file spec", fromFile);
      print("file command line", fromFile.toCommandLine());
      print("file resolution", f);
      f.close();

      failing("missing model with a key", () -> backend.resolveEndpoint(BootSpec.builder(model.resolveSibling("gone.gguf"))
          .binaryPath(binary).port(0).apiKey(key).build(), opts));
      failing("bad flag with a key", () -> backend.resolveEndpoint(BootSpec.builder(model).binaryPath(binary).port(0)
          .apiKey(key).extraArgs(List.of("--bogus")).build(), opts));
      failing("key in a spec map with a bad field", () -> BootSpec.fromMap(java.util.Map.of("model", model.toString(),
          "api_key", key, "port", "not-a-port")));
      failing("key as a bad attach map value", () -> AttachSpec.fromMap(java.util.Map.of("root_url", "http://127.0.0.1:1",
          "alias", "a", "api_key", key, "ready_timeout_ms", -1)));
    }
    System.out.println("DONE");
  }
}
