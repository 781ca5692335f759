package io.github.llamacppsdk.internal.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Who holds a listening socket, read from /proc (Linux only). */
@Timeout(30)
class ListenerOwnerTest {

  @Test
  void aSocketOfThisJvmIsOursForThisJvmAndForeignForAnotherProcess() throws Exception {
    assumeTrue(Files.isReadable(Path.of("/proc/net/tcp")), "needs Linux /proc");
    long me = ProcessHandle.current().pid();
    Process sibling = new ProcessBuilder("sleep", "30").start(); // a process outside this JVM's tree of sockets
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      int port = s.getLocalPort();

      assertThat(ListenerOwner.check(me, port)).isEqualTo(new ListenerOwner.Result(ListenerOwner.Verdict.OURS, me));
      ListenerOwner.Result other = ListenerOwner.check(sibling.pid(), port);
      assertThat(other.verdict()).isEqualTo(ListenerOwner.Verdict.FOREIGN);
      assertThat(other.ownerPid()).isEqualTo(me);
      assertThat(other.ownerCommand()).contains("java");
    } finally {
      sibling.destroyForcibly();
      sibling.onExit().join();
    }
  }

  @Test
  void aPortNobodyListensOnIsUnknown() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    assertThat(ListenerOwner.check(ProcessHandle.current().pid(), port).verdict())
        .isEqualTo(ListenerOwner.Verdict.UNKNOWN);
  }

  @Test
  void aSocketTableLineSplitsIntoItsFieldsAsWhitespaceDoes() {
    String line = "   1: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 123456 1";
    assertThat(ListenerOwner.fields(line, 10)).containsExactly(java.util.Arrays.copyOf(line.trim().split("\\s+"), 10));
    assertThat(ListenerOwner.fields("  sl  local_address rem_address   st", 10)).isNull();
    assertThat(ListenerOwner.fields("", 1)).isNull();
    assertThat(ListenerOwner.fields("a\tb", 2)).containsExactly("a", "b");
    // as trim() and \s+ split: trim drops every control character at the ends, \s+ splits on [ \t\n\x0B\f\r] only
    for (String odd : new String[] {"\u0001 a b c", "a\u001cb c d", "a b\u00a0c d", "a\u2003b c d", "\u3000a b c", "a b c\u0000"}) {
      String[] f = odd.trim().split("\\s+");
      assertThat(ListenerOwner.fields(odd, 3)).as(odd).containsExactly(java.util.Arrays.copyOf(f, 3));
    }
    assertThat(ListenerOwner.fields("a\u001cb c", 3)).isNull();
  }
}
