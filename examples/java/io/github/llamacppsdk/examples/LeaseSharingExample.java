package io.github.llamacppsdk.examples;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.core.ConsumerManifest;
import io.github.llamacppsdk.core.CoreEvent;
import io.github.llamacppsdk.core.CoreListener;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.core.InstanceSnapshot;
import io.github.llamacppsdk.core.LifecycleStatus;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.core.ResolveOptions;
import io.github.llamacppsdk.testkit.FakeFaults;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Two consumers share one llama-server through leases with a TTL: the second resolve of an equal
 * spec reuses the running server and gets its own lease; one lease is renewed, the other expires;
 * when the last lease is released the server stops itself after {@code idle_shutdown_ms}.
 *
 * <p>Run: {@code mvn -q test-compile exec:exec@demo -Ddemo.main=io.github.llamacppsdk.examples.LeaseSharingExample}
 */
public final class LeaseSharingExample {
  /** How long the server keeps running once nobody holds a lease. */
  static final Duration IDLE_SHUTDOWN = Duration.ofMillis(500);

  /**
   * What the example saw.
   *
   * @param firstReused whether the first consumer's resolve reused a server (false: it started one)
   * @param secondReused whether the second consumer's resolve reused it (true)
   * @param sameServer whether both got the same instance and base URL
   * @param leaseCounts the instance's lease count after each step: both leased, one expired, both gone
   * @param expiredLease the lease that expired
   * @param renewAfterExpiry the error code of renewing the expired lease
   * @param stoppedWhenIdle whether the server stopped by itself after the last lease
   * @param serverAlive whether the server process is still alive at the end
   */
  record Result(boolean firstReused, boolean secondReused, boolean sameServer, List<Integer> leaseCounts,
      String expiredLease, String renewAfterExpiry, boolean stoppedWhenIdle, boolean serverAlive) {}

  private LeaseSharingExample() {}

  /**
   * Runs the example; exits with status 1 and the library's message if the server does not start.
   *
   * @param args optional {@code --binary PATH --model PATH}
   */
  public static void main(String[] args) {
    try {
      run(args, System.getenv(), System.out);
    } catch (InferenceException e) {
      System.err.println("example failed: " + e.getMessage());
      System.exit(1);
    }
  }

  static Result run(String[] args, Map<String, String> env, PrintStream out) {
    CompletableFuture<CoreEvent.LeaseEvent> expired = new CompletableFuture<>();
    CompletableFuture<CoreEvent.InstanceEvent> stopped = new CompletableFuture<>();
    CoreListener listener = new CoreListener() {
      @Override
      public void onLeaseEvent(CoreEvent.LeaseEvent e) {
        out.println("  event: lease " + e.leaseRef() + " " + e.kind() + e.ownerRef().map(o -> " (owner " + o + ")").orElse(""));
        if (e.kind() == CoreEvent.LeaseEvent.Kind.EXPIRED) {
          expired.complete(e);
        }
      }

      @Override
      public void onInstanceEvent(CoreEvent.InstanceEvent e) {
        if (e.lifecycleChanged()) {
          out.println("  event: instance " + e.lifecycle() + " (" + e.reason() + ")");
        }
        if (e.lifecycle() == LifecycleStatus.STOPPED) {
          stopped.complete(e);
        }
      }
    };
    try (ExampleServer server = ExampleServer.choose(env, args, FakeFaults.builder().loadTime(Duration.ofMillis(300)).build().args(), out);
         LlamaCppBackend backend = LlamaCppBackend.builder().listener(listener).build()) {
      // idle_shutdown_ms: the server stops this long after its last lease ends (default: keep running).
      BootSpec spec = server.spec().idleShutdown(IDLE_SHUTDOWN).build();
      List<Integer> counts = new ArrayList<>();

      out.println("report-writer resolves (lease TTL 30 s)");
      Resolution writer = backend.resolveEndpoint(spec, ConsumerManifest.builder("report-writer").build(),
          ResolveOptions.builder().ownerRef("writer-1").ttl(Duration.ofSeconds(30)).build());
      String id = writer.instance().instanceId();
      long pid = writer.instance().process().orElseThrow().pid().orElseThrow();
      out.println("  reused=" + writer.reused() + ", " + writer.lease().leaseRef() + ", leases "
          + writer.instance().leaseCount() + ", server pid " + pid);

      out.println("chat-ui resolves the same spec (lease TTL 1 s, never renewed)");
      Resolution ui = backend.resolveEndpoint(spec, ConsumerManifest.builder("chat-ui").build(),
          ResolveOptions.builder().ownerRef("ui-session-7").ttl(Duration.ofSeconds(1)).build());
      boolean same = ui.instance().instanceId().equals(id) && ui.endpoint().baseUrl().equals(writer.endpoint().baseUrl());
      out.println("  reused=" + ui.reused() + ", " + ui.lease().leaseRef() + ", same server " + same
          + ", leases " + ui.instance().leaseCount());
      counts.add(leaseCount(backend, id));

      out.println("report-writer renews its lease");
      writer.lease().renew();
      out.println("  expires at " + writer.lease().expiresAt().orElseThrow());

      out.println("waiting for chat-ui's lease to expire");
      CoreEvent.LeaseEvent gone = await(expired);
      out.println("  chat-ui lease active=" + ui.lease().isActive() + ", leases " + leaseCount(backend, id));
      counts.add(leaseCount(backend, id));
      String renewError;
      try {
        ui.lease().renew();
        renewError = "none";
      } catch (InferenceException e) {
        renewError = e.code().name();
        out.println("  renewing it: " + e.getMessage());
      }

      out.println("report-writer releases its lease; the server stops after " + IDLE_SHUTDOWN.toMillis() + " ms idle");
      writer.close();
      counts.add(leaseCount(backend, id));
      await(stopped);
      boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
      out.println("  server pid " + pid + (alive ? " still alive" : " is gone") + ", instances " + backend.instances().size());
      return new Result(writer.reused(), ui.reused(), same, counts, gone.leaseRef(), renewError,
          backend.instance(id).isEmpty(), alive);
    }
  }

  private static int leaseCount(LlamaCppBackend backend, String id) {
    return backend.instance(id).map(InstanceSnapshot::leaseCount).orElse(0);
  }

  private static <T> T await(CompletableFuture<T> event) {
    try {
      return event.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the expected event did not come within 30 s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
