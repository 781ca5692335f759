package io.github.llamacppsdk.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.core.ResolveOptions;
import io.github.llamacppsdk.process.LaunchedProcess;
import io.github.llamacppsdk.process.OutputLine;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import io.github.llamacppsdk.testing.RecordingTransport;
import io.github.llamacppsdk.testkit.FakeFaults;
import io.github.llamacppsdk.testkit.FakeLlamaServer;
import io.github.llamacppsdk.testkit.GgufFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Item 4: a server that ignores SIGTERM, and one with a child, are forced at the grace; the whole tree goes. */
@Timeout(120)
@ExtendWith(NoLeakedProcesses.class)
class ProcessTreeStopIT {
  private static final Duration GRACE = Duration.ofMillis(500);
  private static final Pattern CHILD = Pattern.compile("spawned child process, pid = (\\d+)");

  @TempDir Path tmp;
  private Path binary;
  private Path model;
  private RecordingTransport transport;
  private LlamaCppBackend backend;

  @BeforeEach
  void setUp() throws IOException {
    binary = FakeLlamaServer.install(tmp);
    model = GgufFiles.writeTinyModel(tmp.resolve("m.gguf"));
    transport = new RecordingTransport();
    backend = LlamaCppBackend.builder().transport(transport).build();
  }

  @AfterEach
  void tearDown() {
    backend.close();
    transport.close();
  }

  private long stopAndMeasure(FakeFaults faults, String alias) {
    BootSpec spec = BootSpec.builder(model).binaryPath(binary).port(0).alias(alias).stopTimeout(GRACE)
        .extraArgs(faults.args()).build();
    Resolution r = backend.resolveEndpoint(spec, ResolveOptions.builder().awaitTimeout(Duration.ofSeconds(60)).build());
    long pid = Rel.pid(r.instance());
    LaunchedProcess launched = transport.launched.stream().filter(p -> p.pid() == pid).findFirst().orElseThrow();
    List<ProcessHandle> tree = new ArrayList<>();
    tree.add(ProcessHandle.of(pid).orElseThrow());
    if (faults.args().contains("--fake-spawn-child")) {
      long child = childPid(launched);
      tree.add(ProcessHandle.of(child).orElseThrow());
      assertThat(ProcessHandle.of(pid).orElseThrow().descendants().map(ProcessHandle::pid)).contains(child);
    }

    long t0 = System.nanoTime();
    assertThat(backend.stopInstance(r.instance().instanceId())).succeedsWithin(Duration.ofSeconds(20));
    long stopMs = (System.nanoTime() - t0) / 1_000_000;

    for (ProcessHandle h : tree) {
      assertThat(h.onExit()).as("pid %d", h.pid()).succeedsWithin(Duration.ofSeconds(5));
      assertThat(h.isAlive()).isFalse();
    }
    assertThat(r.lease().isActive()).isFalse();
    assertThat(backend.instances()).isEmpty();
    return stopMs;
  }

  private static long childPid(LaunchedProcess p) {
    assertThat(Rel.await(Duration.ofSeconds(10), () -> p.recentOutput().stream().anyMatch(l -> CHILD.matcher(l.text()).find())))
        .as("the server printed its child's pid").isTrue();
    for (OutputLine l : p.recentOutput()) {
      Matcher m = CHILD.matcher(l.text());
      if (m.find()) {
        return Long.parseLong(m.group(1));
      }
    }
    throw new AssertionError("no child pid");
  }

  @Test
  void aServerIgnoringSigtermIsKilledAtTheGrace() {
    long ms = stopAndMeasure(FakeFaults.builder().ignoreSignals().build(), "stubborn");
    Rel.figure("stop of a SIGTERM-ignoring server (grace " + GRACE.toMillis() + " ms)", ms + " ms");
  }

  @Test
  void aServerWithAChildLosesTheWholeTree() {
    long ms = stopAndMeasure(FakeFaults.builder().spawnChild().build(), "parent");
    Rel.figure("stop of a server with a child", ms + " ms");
  }

  @Test
  void aStubbornServerWithAChildLosesTheWholeTreeAtTheGrace() {
    long ms = stopAndMeasure(FakeFaults.builder().spawnChild().ignoreSignals().build(), "stubborn-parent");
    Rel.figure("stop of a SIGTERM-ignoring server with a child (grace " + GRACE.toMillis() + " ms)", ms + " ms");
  }
}
