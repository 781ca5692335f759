package io.github.llamacppsdk.bench;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.core.CoreEvent;
import io.github.llamacppsdk.core.CoreListener;
import io.github.llamacppsdk.core.LifecycleStatus;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.core.ResolveOptions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The fresh JVM of the cold-start figure: what a new application does first, {@link
 * LlamaCppBackend#create()} and one {@code resolveEndpoint}, timed from inside. Prints one line, {@code
 * COLD key=value ...}, with {@link System#nanoTime()} stamps (CLOCK_MONOTONIC, comparable with the
 * parent's) and the names of the live threads.
 *
 * <p>Between phases it loads an empty marker class ({@link Mark1}, ...), so a {@code
 * -Xlog:class+load} log of this JVM splits into "before create", "create", "resolve" by the markers.
 *
 * <p>Arguments: {@code BINARY MODEL [EXTRA_ARG...]}.
 */
public final class ColdStartChild {
  private ColdStartChild() {}

  /** Marks the start of {@code create()} in a class-load log. */
  static final class Mark1 {}

  /** Marks the end of {@code create()} in a class-load log. */
  static final class Mark2 {}

  /** Marks the end of the first resolve in a class-load log. */
  static final class Mark3 {}

  /**
   * Runs one cold start.
   *
   * @param args binary, model, extra server arguments
   */
  public static void main(String[] args) {
    long main = System.nanoTime();
    long mainMillis = System.currentTimeMillis(); // places log lines' wall-clock stamps on this run
    new Mark1();
    long[] ready = new long[1];
    // With -Dcold.breakdown=true the transport is wrapped to stamp the launch call (the same classes load).
    CountingTransport counting = Boolean.getBoolean("cold.breakdown")
        ? new CountingTransport(io.github.llamacppsdk.process.ProcessTransport.local()) : null;
    LlamaCppBackend backend = counting == null ? LlamaCppBackend.create()
        : LlamaCppBackend.builder().transport(counting).build();
    long created = System.nanoTime();
    new Mark2();
    backend.addListener(new CoreListener() {
      @Override
      public void onInstanceEvent(CoreEvent.InstanceEvent e) {
        if (e.lifecycle() == LifecycleStatus.READY && ready[0] == 0) {
          ready[0] = System.nanoTime();
        }
      }
    });
    BootSpec spec = BootSpec.builder(args[1]).binaryPath(args[0]).port(0)
        .extraArgs(List.of(Arrays.copyOfRange(args, 2, args.length))).build();
    long resolved;
    String threads;
    long cpu;
    try (Resolution r = backend.resolveEndpoint(spec, ResolveOptions.builder().ownerRef("cold-start")
        .awaitTimeout(Duration.ofSeconds(60)).build())) {
      resolved = System.nanoTime();
      new Mark3();
      cpu = ProcStat.processCpuNanos();
      threads = Thread.getAllStackTraces().keySet().stream().map(t -> t.getName().replaceAll("\\d+", "N"))
          .collect(Collectors.toCollection(TreeSet::new)).toString().replace(' ', '_');
    }
    backend.close();
    if (counting != null) {
      counting.close();
    }
    long closed = System.nanoTime();
    System.out.println("COLD main=" + main + " created=" + created + " launched=" + (counting == null ? 0 : counting.lastLaunchNanos()) + " ready=" + ready[0]
        + " resolved=" + resolved + " closed=" + closed + " cpu=" + cpu + " mainMillis=" + mainMillis + " threads=" + threads);
    System.exit(0);
  }
}
