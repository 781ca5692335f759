package io.github.llamacppsdk.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The library's loggers and their gate (pure logic plus the writer thread): lines before any hold are written at
 * once; held lines wait for the release or the deadline, then come out in order, each under its own thread's
 * name; the gate turns live for good; the writer thread ends.
 */
class LogTest {
  private static final long LONG = TimeUnit.SECONDS.toNanos(30);
  /** The writer's name for these gates: not the JVM gate's, whose writer other tests may have started. */
  private static final String WRITER = "test-log-writer";
  private final Recorder sink = new Recorder();
  private Log.Gate gate;

  @AfterEach
  void writerEnded() throws InterruptedException {
    if (gate != null) {
      gate.release();
      assertThat(gate.awaitLive(TimeUnit.SECONDS.toNanos(10))).isTrue();
    }
    for (Thread t : writers()) {
      t.join(TimeUnit.SECONDS.toMillis(10)); // it ends once the gate is live
    }
    assertThat(writers()).as("writer threads left").isEmpty();
  }

  @Test
  void aLineBeforeAnyHoldIsWrittenAtOnceAndTheGateStaysLive() throws InterruptedException {
    gate = new Log.Gate(LONG, sink, WRITER);
    Log log = new Log("a.b", null, gate);
    log.info("one {}", 1);
    gate.hold(); // too late: something was written already
    log.warn("two");

    assertThat(sink.lines()).containsExactly("now main INFO a.b one {} [1]", "now main WARN a.b two []");
    assertThat(writerThreads()).isZero();
  }

  @Test
  void heldLinesWaitForTheReleaseThenComeOutInOrderUnderTheirThreadsNames() throws Exception {
    gate = new Log.Gate(LONG, sink, WRITER);
    Log core = new Log("core", null, gate);
    Log server = new Log("server.tiny", "tiny", gate);
    gate.hold();
    core.info("launched {} pid={}", "tiny", 42);
    Thread reader = new Thread(() -> server.log(Log.Level.WARN, "{}", "W srv no API key"), "llamacpp-output-tiny");
    reader.start();
    reader.join();
    IOException cause = new IOException("boom");
    core.debug("failed to read {}", "x", cause);
    assertThat(sink.lines()).as("nothing is written while held").isEmpty();
    assertThat(writerThreads()).isEqualTo(1);

    gate.release();
    assertThat(gate.awaitLive(TimeUnit.SECONDS.toNanos(10))).isTrue();
    assertThat(sink.lines()).containsExactly(
        "kept main INFO core launched tiny pid=42 null",
        "kept llamacpp-output-tiny WARN server.tiny W srv no API key null",
        "kept main DEBUG core failed to read x java.io.IOException: boom");
    assertThat(sink.servers).containsExactly(null, "tiny", null);

    core.info("after {}", "release"); // live: at once, on the caller's thread
    assertThat(sink.lines()).last().isEqualTo("now main INFO core after {} [release]");
  }

  @Test
  void theHoldEndsByItselfAfterItsTime() throws InterruptedException {
    gate = new Log.Gate(TimeUnit.MILLISECONDS.toNanos(50), sink, WRITER);
    Log log = new Log("core", null, gate);
    gate.hold();
    log.info("kept");

    assertThat(gate.awaitLive(TimeUnit.SECONDS.toNanos(10))).as("live without a release").isTrue();
    assertThat(sink.lines()).containsExactly("kept main INFO core kept null");
    gate = null; // nothing to release
  }

  @Test
  void anotherHoldWhileHoldingMovesTheEndAndAfterTheReleaseDoesNothing() throws InterruptedException {
    gate = new Log.Gate(TimeUnit.MILLISECONDS.toNanos(300), sink, WRITER);
    Log log = new Log("core", null, gate);
    gate.hold();
    log.info("first");
    gate.hold(); // a start: the end moves, still one writer
    assertThat(writerThreads()).isEqualTo(1);
    gate.release();
    assertThat(gate.awaitLive(TimeUnit.SECONDS.toNanos(10))).isTrue();
    gate.hold(); // live for good
    log.info("second");
    assertThat(sink.lines()).containsExactly("kept main INFO core first null", "now main INFO core second []");
  }

  @Test
  void linesLoggedWhileTheKeptOnesAreWrittenComeAfterThem() throws Exception {
    CountDownLatch writing = new CountDownLatch(1);
    CountDownLatch logged = new CountDownLatch(1);
    Recorder blocking = new Recorder() {
      @Override
      public void kept(Log log, Log.Level level, String message, Throwable cause) {
        super.kept(log, level, message, cause);
        if (message.equals("k1")) {
          writing.countDown();
          try {
            logged.await(10, TimeUnit.SECONDS); // the test logs another line meanwhile
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }
    };
    gate = new Log.Gate(LONG, blocking, WRITER);
    Log log = new Log("core", null, gate);
    gate.hold();
    log.info("k1");
    log.info("k2");
    gate.release();
    assertThat(writing.await(10, TimeUnit.SECONDS)).isTrue();
    log.info("during");
    logged.countDown();

    assertThat(gate.awaitLive(TimeUnit.SECONDS.toNanos(10))).isTrue();
    assertThat(blocking.lines()).containsExactly("kept main INFO core k1 null", "kept main INFO core k2 null",
        "kept main INFO core during null");
  }

  @Test
  void aFloodEndsTheHoldAtOnce() throws InterruptedException {
    gate = new Log.Gate(LONG, sink, WRITER);
    Log log = new Log("server.tiny", "tiny", gate);
    gate.hold();
    for (int i = 0; i < Log.Gate.LIMIT; i++) {
      log.debug("line {}", i);
    }
    assertThat(gate.awaitLive(TimeUnit.SECONDS.toNanos(10))).as("released by the flood, not by the 30 s").isTrue();
    assertThat(sink.lines()).hasSize(Log.Gate.LIMIT).startsWith("kept main DEBUG server.tiny line 0 null")
        .endsWith("kept main DEBUG server.tiny line " + (Log.Gate.LIMIT - 1) + " null");
  }

  @Test
  void aFailingBackEndLosesItsLineNotTheOthers() throws InterruptedException {
    Recorder failing = new Recorder() {
      @Override
      public void kept(Log log, Log.Level level, String message, Throwable cause) {
        if (message.equals("bad")) {
          throw new IllegalStateException("appender broken");
        }
        super.kept(log, level, message, cause);
      }
    };
    gate = new Log.Gate(LONG, failing, WRITER);
    Log log = new Log("core", null, gate);
    gate.hold();
    log.info("bad");
    log.info("good");
    gate.release();
    assertThat(gate.awaitLive(TimeUnit.SECONDS.toNanos(10))).isTrue();
    assertThat(failing.lines()).containsExactly("kept main INFO core good null");
  }

  @Test
  void formatsAsSlf4jDoes() {
    assertThat(Log.format("a {} b {}", new Object[] {1, "x"})).isEqualTo("a 1 b x");
    assertThat(Log.format("no placeholders", new Object[] {1})).isEqualTo("no placeholders");
    assertThat(Log.format("{} and {}", new Object[] {"only one"})).isEqualTo("only one and {}");
    assertThat(Log.format("{}", new Object[] {null})).isEqualTo("null");
    assertThat(Log.format("{}", new Object[] {new Object[] {1, new int[] {2}}})).isEqualTo("[1, [2]]");
    assertThat(Log.format("failed: {}", new Object[] {"x", new IOException("boom")})).isEqualTo("failed: x");
    assertThat(Log.cause(new Object[] {"x", new IOException("boom")})).hasMessage("boom");
    assertThat(Log.cause(new Object[] {"x"})).isNull();
    assertThat(Log.format("{}", new Object[] {new Object() {
      @Override
      public String toString() {
        throw new IllegalStateException("broken");
      }
    }})).isEqualTo("[FAILED toString()]");
    assertThat(Log.format("{}", new Object[0])).isEqualTo("{}");
    assertThat(Log.format("{} {}", new Object[] {new int[] {1, 2}, new byte[0]})).isEqualTo("[1, 2] []");
    assertThat(Log.format("{}", new Object[] {new Object() {
      @Override
      public String toString() {
        throw new StackOverflowError("deep");
      }
    }})).as("an Error from toString() spoils the argument only").isEqualTo("[FAILED toString()]");
    assertThat(Log.format("x", null)).isEqualTo("x");
  }

  private static List<Thread> writers() {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().equals(WRITER))
        .collect(Collectors.toList());
  }

  private static long writerThreads() {
    return writers().size();
  }

  /** Records each line with the thread that wrote it. */
  private static class Recorder implements Log.Sink {
    private final List<String> lines = new ArrayList<>();
    final List<String> servers = new ArrayList<>();

    synchronized List<String> lines() {
      return List.copyOf(lines);
    }

    @Override
    public synchronized void now(Log log, Log.Level level, String format, Object[] args) {
      lines.add("now " + Thread.currentThread().getName() + " " + level + " " + log.name() + " " + format + " "
          + java.util.Arrays.toString(args));
      servers.add(log.server());
    }

    @Override
    public synchronized void kept(Log log, Log.Level level, String message, Throwable cause) {
      lines.add("kept " + Thread.currentThread().getName() + " " + level + " " + log.name() + " " + message + " "
          + cause);
      servers.add(log.server());
    }
  }
}
