package io.github.llamacppsdk.internal.process;

import static io.github.llamacppsdk.internal.process.ProcessTesting.line;
import static io.github.llamacppsdk.internal.process.ProcessTesting.script;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.process.ExitStatus;
import io.github.llamacppsdk.process.ExitStatus.Termination;
import io.github.llamacppsdk.process.LaunchRequest;
import io.github.llamacppsdk.process.LaunchedProcess;
import io.github.llamacppsdk.process.OutputLine;
import io.github.llamacppsdk.process.OutputLine.Level;
import io.github.llamacppsdk.process.OutputLine.Stream;
import io.github.llamacppsdk.process.ProcessLaunchException;
import io.github.llamacppsdk.process.ProcessTransport;
import io.github.llamacppsdk.process.TransportCapabilities;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class LocalProcessTransportIT {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Map<String, String> PARENT = Map.of(
      "PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"),
      "KEEP_ME", "yes",
      "LLAMA_ARG_CTX_SIZE", "99",
      "LLAMA_API_KEY", "inherited-secret");

  @TempDir Path dir;
  private final LocalProcessTransport transport = LocalProcessTransport.create(PARENT, LineFramer.DEFAULT_MAX_LINE_BYTES);

  @AfterEach
  void cleanUp() throws InterruptedException {
    transport.close();
    ProcessTesting.assertNoLeftovers();
  }

  private LaunchedProcess run(String name, String body) throws IOException {
    return transport.launch(LaunchRequest.of(name, List.of(script(dir, name + ".sh", body).toString())));
  }

  private static List<String> texts(LaunchedProcess p) {
    return p.recentOutput().stream().map(OutputLine::text).collect(Collectors.toList());
  }

  @Test
  void capabilitiesAreHonestForLocal() {
    assertThat(transport.capabilities()).isEqualTo(new TransportCapabilities(false, true, true, false, true, true, true));
    try (ProcessTransport local = ProcessTransport.local()) {
      assertThat(local).isInstanceOf(LocalProcessTransport.class);
    }
  }

  @Test
  void capturesOutputWithStreamsAndLevelsAndDrainsBeforeExit() throws IOException {
    LaunchedProcess p = run("levels", String.join("\n",
        "echo plain stdout",
        "echo '0.00.012.217 I srv          main: model loaded' >&2",
        "echo '0.00.012.300 W srv  init: careful' >&2",
        "echo '0.00.012.400 E main: failed to load model' >&2",
        "echo 'error: unknown argument: --bogus' >&2",
        "i=0; while [ $i -lt 300 ]; do echo \"bulk $i\"; i=$((i+1)); done",
        "printf 'no newline at end'",
        "exit 3"));
    ExitStatus status = p.onExit().join();
    assertThat(status.code()).hasValue(3);
    assertThat(status.termination()).isEqualTo(Termination.ON_ITS_OWN);
    List<OutputLine> out = p.recentOutput();
    assertThat(out).hasSize(200);
    // stderr is merged into stdout: one reader, the order the script wrote
    List<String> text = out.stream().map(OutputLine::text).collect(Collectors.toList());
    assertThat(out).allMatch(l -> l.stream() == OutputLine.Stream.COMBINED);
    assertThat(text.get(text.size() - 1)).isEqualTo("no newline at end");
    assertThat(text.get(text.size() - 2)).isEqualTo("bulk 299");
    assertThat(text.get(0)).isEqualTo("bulk 101"); // the ring kept the last 200 of 306 lines
  }

  @Test
  void levelsStreamsLoggerAndMdc() throws IOException, InterruptedException {
    // lines a backend created just before in this JVM keeps are written by now: the ones below go out at once
    assertThat(io.github.llamacppsdk.internal.Log.awaitWritten(WAIT)).isTrue();
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    List<String> threads = new CopyOnWriteArrayList<>();
    LaunchedProcess p;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      p = run("logcheck", String.join("\n",
          "while [ ! -f '" + dir.resolve("go") + "' ]; do sleep 0.02; done",
          "echo plain stdout",
          "echo '0.00.012.217 I srv          main: model loaded' >&2",
          "echo '0.00.012.300 W srv  init: careful' >&2",
          "echo '0.00.012.400 E main: failed to load model' >&2",
          "echo 'error: unknown argument: --bogus' >&2"));
      p.subscribe(l -> threads.add(Thread.currentThread().getName()));
      Files.createFile(dir.resolve("go"));
      assertThat(p.onExit()).succeedsWithin(WAIT);
    } finally {
      System.setErr(original);
    }
    // one pipe (stderr merged into stdout): every line is COMBINED and in the order it was written
    assertThat(p.recentOutput()).extracting(OutputLine::stream, OutputLine::level, OutputLine::text).containsExactly(
        org.assertj.core.groups.Tuple.tuple(Stream.COMBINED, Level.INFO, "plain stdout"),
        org.assertj.core.groups.Tuple.tuple(Stream.COMBINED, Level.INFO, "0.00.012.217 I srv          main: model loaded"),
        org.assertj.core.groups.Tuple.tuple(Stream.COMBINED, Level.WARN, "0.00.012.300 W srv  init: careful"),
        org.assertj.core.groups.Tuple.tuple(Stream.COMBINED, Level.ERROR, "0.00.012.400 E main: failed to load model"),
        org.assertj.core.groups.Tuple.tuple(Stream.COMBINED, Level.ERROR, "error: unknown argument: --bogus"));
    // slf4j-simple's MDC adapter is a no-op, so the MDC value (put around each server line) cannot be observed
    // here; the listener runs on the named reader thread.
    assertThat(threads).hasSize(5).containsOnly("llamacpp-output-logcheck"); // one reader per process
    String log = captured.toString(StandardCharsets.UTF_8);
    assertThat(log)
        .contains("WARN io.github.llamacppsdk.server.logcheck - 0.00.012.300 W srv  init: careful")
        .contains("ERROR io.github.llamacppsdk.server.logcheck - error: unknown argument: --bogus")
        .contains("[llamacpp-output-logcheck]")
        // the server's I lines and unprefixed lines go to DEBUG: a log at INFO does not show them
        .doesNotContain("plain stdout").doesNotContain("model loaded");
  }

  @Test
  void liveSubscribersAndAThrowingListenerIsDropped() throws IOException {
    LaunchedProcess p = run("subs", String.join("\n",
        "while [ ! -f '" + dir.resolve("go") + "' ]; do sleep 0.02; done",
        "echo one; echo two; echo three"));
    List<String> good = new CopyOnWriteArrayList<>();
    AtomicInteger badCalls = new AtomicInteger();
    List<String> unsubscribed = new CopyOnWriteArrayList<>();
    p.subscribe(l -> good.add(l.text()));
    p.subscribe(l -> {
      badCalls.incrementAndGet();
      throw new IllegalStateException("listener bug");
    });
    p.subscribe(l -> unsubscribed.add(l.text())).close();
    Files.createFile(dir.resolve("go"));
    assertThat(p.onExit()).succeedsWithin(WAIT);
    assertThat(good).containsExactly("one", "two", "three");
    assertThat(badCalls).hasValue(1);
    assertThat(unsubscribed).isEmpty();
  }

  @Test
  void missingBinaryFailsAtOnceNamingIt() {
    String missing = dir.resolve("definitely_missing").toString();
    assertThatThrownBy(() -> transport.launch(LaunchRequest.of("m", List.of(missing, "--port", "1"))))
        .isInstanceOfSatisfying(ProcessLaunchException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.LAUNCH_FAILED);
          assertThat(e.program()).isEqualTo(missing);
          assertThat(e.getMessage()).contains(missing).contains("does not exist");
        });
    assertThatThrownBy(() -> transport.launch(LaunchRequest.of("m", List.of("no-such-llama-server-xyz"))))
        .isInstanceOf(ProcessLaunchException.class).hasMessageContaining("no-such-llama-server-xyz not found on PATH");
  }

  @Test
  void nonExecutableFileFailsAtOnceNamingIt() throws IOException {
    Path plain = Files.writeString(dir.resolve("llama-server"), "#!/bin/sh\necho hi\n");
    assertThatThrownBy(() -> transport.launch(LaunchRequest.of("m", List.of(plain.toString()))))
        .isInstanceOfSatisfying(ProcessLaunchException.class, e -> {
          assertThat(e.program()).isEqualTo(plain.toString());
          assertThat(e.getMessage()).contains("not executable").contains(plain.toString());
        });
  }

  @Test
  void missingWorkingDirectoryFailsAtOnce() throws IOException {
    Path exe = script(dir, "ok.sh", "exit 0");
    Path gone = dir.resolve("nowhere");
    LaunchRequest r = new LaunchRequest(List.of(exe.toString()), Optional.of(gone), Map.of(), true, List.of(), "cwd");
    assertThatThrownBy(() -> transport.launch(r))
        .isInstanceOfSatisfying(ProcessLaunchException.class, e -> {
          assertThat(e.program()).isEqualTo(gone.toString());
          assertThat(e.getMessage()).contains("working directory does not exist");
        });
  }

  @Test
  void workingDirectoryAndRelativeBinary() throws IOException {
    Path sub = Files.createDirectory(dir.resolve("sub"));
    script(sub, "here.sh", "pwd");
    LaunchedProcess p = transport.launch(
        new LaunchRequest(List.of("./here.sh"), Optional.of(sub), Map.of(), true, List.of(), "cwd"));
    assertThat(p.onExit()).succeedsWithin(WAIT);
    assertThat(texts(p)).containsExactly(sub.toRealPath().toString());
  }

  @Test
  void inheritedLlamaVariablesAreScrubbedUnlessSet() throws IOException {
    Path exe = script(dir, "env.sh", "env | sort");
    LaunchedProcess p = transport.launch(new LaunchRequest(List.of(exe.toString()), Optional.empty(),
        Map.of("LLAMA_ARG_PORT", "8081"), true, List.of("LLAMA_ARG_*", "LLAMA_API_KEY"), "env"));
    assertThat(p.onExit()).succeedsWithin(WAIT);
    assertThat(texts(p)).contains("KEEP_ME=yes", "LLAMA_ARG_PORT=8081")
        .noneMatch(l -> l.startsWith("LLAMA_ARG_CTX_SIZE=") || l.startsWith("LLAMA_API_KEY="));
  }

  @Test
  void emptyEnvironmentOption() {
    LaunchedProcess p = transport.launch(new LaunchRequest(List.of("/usr/bin/env"), Optional.empty(),
        Map.of("ONLY", "me"), false, List.of(), "empty-env"));
    assertThat(p.onExit()).succeedsWithin(WAIT);
    assertThat(texts(p)).containsExactly("ONLY=me");
  }

  @Test
  void exitCodeIsReportedOnItsOwn() throws IOException {
    LaunchedProcess p = run("seven", "echo bye; exit 7");
    ExitStatus s = p.onExit().join();
    assertThat(s.code()).hasValue(7);
    assertThat(s.signal()).isEmpty();
    assertThat(s.requested()).isFalse();
    assertThat(p.isAlive()).isFalse();
    assertThat(texts(p)).containsExactly("bye");
  }

  @Test
  void killedFromOutsideReportsTheSignal() throws IOException {
    LaunchedProcess p = run("victim", "exec sleep 300");
    assertThat(ProcessHandle.of(p.pid()).orElseThrow().destroyForcibly()).isTrue();
    ExitStatus s = p.onExit().join();
    assertThat(s.signal()).hasValue(9);
    assertThat(s.code()).isEmpty();
    assertThat(s.termination()).isEqualTo(Termination.ON_ITS_OWN);
  }

  @Test
  void gracefulStop() throws IOException {
    LaunchedProcess p = run("graceful", String.join("\n",
        "trap 'echo got-term; exit 0' TERM",
        "echo ready",
        "while :; do sleep 0.05; done"));
    assertThat(line(p, "ready"::equals)).succeedsWithin(WAIT);
    ExitStatus s = p.stop(Duration.ofSeconds(10)).join();
    assertThat(s.termination()).isEqualTo(Termination.GRACEFUL);
    assertThat(s.code()).hasValue(0);
    assertThat(texts(p)).contains("got-term");
    assertThat(p.onExit().join()).isEqualTo(s);
  }

  @Test
  void termIgnoringChildIsForcedAtTheGrace() throws IOException {
    LaunchedProcess p = run("stubborn", String.join("\n",
        "trap '' TERM",
        "echo ready",
        "while :; do sleep 0.05; done"));
    assertThat(line(p, "ready"::equals)).succeedsWithin(WAIT);
    ExitStatus s = p.stop(Duration.ofMillis(300)).join();
    assertThat(s.termination()).isEqualTo(Termination.FORCED);
    assertThat(s.signal()).hasValue(9);
  }

  @Test
  void zeroGraceKillsAtOnce() throws IOException {
    LaunchedProcess p = run("zero", "echo ready; exec sleep 300");
    ExitStatus s = p.stop(Duration.ZERO).join();
    assertThat(s.termination()).isEqualTo(Termination.FORCED);
    assertThat(s.signal()).hasValue(9);
  }

  private List<Long> childPids(LaunchedProcess p, int count) {
    List<Long> pids = new ArrayList<>();
    assertThat(line(p, "ready"::equals)).succeedsWithin(WAIT);
    for (String t : texts(p)) {
      if (t.startsWith("child ")) {
        pids.add(Long.parseLong(t.substring(6).trim()));
      }
    }
    assertThat(pids).hasSize(count);
    assertThat(pids).allMatch(pid -> !ProcessTesting.gone(pid));
    return pids;
  }

  @Test
  void stopReachesTheWholeTree() throws IOException, InterruptedException {
    LaunchedProcess p = run("tree", String.join("\n",
        "sleep 300 & echo child $!",
        "sh -c 'sleep 300 & echo child $!; wait' &",
        "sleep 0.2; echo ready; wait"));
    List<Long> kids = childPids(p, 2);
    ExitStatus s = p.stop(Duration.ofSeconds(5)).join();
    assertThat(s.requested()).isTrue();
    assertThat(ProcessTesting.awaitGone(kids, Duration.ofSeconds(5))).as("children of %s gone", kids).isTrue();
  }

  @Test
  void launcherWrapperDoesNotLeaveItsChildBehind() throws IOException, InterruptedException {
    // A launcher_args-style wrapper that ignores SIGTERM (so do its children): only SIGKILL of the tree helps.
    LaunchedProcess p = transport.launch(LaunchRequest.of("wrapped",
        List.of("/bin/sh", "-c", "trap '' TERM; sleep 1000 & echo child $!; echo ready; wait")));
    List<Long> kids = childPids(p, 1);
    ExitStatus s = p.stop(Duration.ofMillis(300)).join();
    assertThat(s.termination()).isEqualTo(Termination.FORCED);
    assertThat(ProcessTesting.awaitGone(kids, Duration.ofSeconds(5))).as("wrapped %s gone", kids).isTrue();
  }

  @Test
  void stopIsIdempotentFromManyThreads() throws Exception {
    LaunchedProcess p = run("many", "trap 'exit 0' TERM; echo ready; while :; do sleep 0.05; done");
    assertThat(line(p, "ready"::equals)).succeedsWithin(WAIT);
    int n = 8;
    CountDownLatch go = new CountDownLatch(1);
    List<CompletableFuture<ExitStatus>> results = new CopyOnWriteArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Thread t = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        results.add(p.stop(Duration.ofSeconds(5)));
      });
      t.start();
      threads.add(t);
    }
    go.countDown();
    for (Thread t : threads) {
      t.join();
    }
    List<ExitStatus> statuses = results.stream().map(CompletableFuture::join).collect(Collectors.toList());
    assertThat(statuses).hasSize(n).containsOnly(statuses.get(0));
    assertThat(statuses.get(0).termination()).isEqualTo(Termination.GRACEFUL);
    assertThat(p.stop(Duration.ZERO).join()).isEqualTo(statuses.get(0));
  }

  @Test
  void stopAfterExitReportsOnItsOwn() throws IOException {
    LaunchedProcess p = run("done", "exit 4");
    ExitStatus s = p.onExit().join();
    assertThat(p.stop(Duration.ofSeconds(1)).join()).isEqualTo(s);
    assertThat(s.termination()).isEqualTo(Termination.ON_ITS_OWN);
  }

  @Test
  void endlessLineIsCutAndReadingContinues() throws IOException {
    LaunchedProcess p = run("endless", "head -c 20000000 /dev/zero | tr '\\0' x; echo; echo after");
    assertThat(p.onExit()).succeedsWithin(Duration.ofSeconds(30));
    List<String> out = texts(p);
    assertThat(out).hasSize(2);
    assertThat(out.get(0)).hasSize(LineFramer.DEFAULT_MAX_LINE_BYTES + LineFramer.TRUNCATION_MARK.length())
        .endsWith(LineFramer.TRUNCATION_MARK);
    assertThat(out.get(1)).isEqualTo("after");
  }

  @Test
  void closeStopsLiveProcessesEndsTheWatchdogAndRefusesLaunches() throws IOException, InterruptedException {
    LaunchedProcess p = run("closing", "echo ready; exec sleep 300");
    long watchdog = transport.watchdogPid().orElseThrow();
    assertThat(ProcessTesting.gone(watchdog)).isFalse();
    transport.close();
    assertThat(p.isAlive()).isFalse();
    assertThat(p.onExit().join().requested()).isTrue();
    assertThat(ProcessTesting.awaitGone(List.of(watchdog), Duration.ofSeconds(5))).isTrue();
    transport.close();
    assertThatThrownBy(() -> run("late", "exit 0"))
        .isInstanceOfSatisfying(InferenceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CLOSED));
  }
}
