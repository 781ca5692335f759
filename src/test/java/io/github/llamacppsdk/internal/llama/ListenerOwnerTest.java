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
  void theTableScanFindsTheListeningSocketsOfAPortAsALineSplitDoes() {
    String table = String.join("\n",
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
        "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 123456 1 x",
        "   1: 0100007F:1F90 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 777 1 x",
        "   2: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 0 1 x",
        "   3: 00000000:01F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 42 1 x",
        "   4: 0100007F:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 99 1 x",
        "\t5:\t00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 0:0 0:0 0 0 0 31337",
        "   6: 0100007F:1F90 00000000:0000 0A too few",
        "   7: 0100007F:1F90 00000000:0000 ZZ 00000000:00000000 00:00000000 00000000     0        0 555 1 x",
        "   8: 0100007F:0051 0100007F:1F90 0A 00000000:00000000 00:00000000 00000000     0        0 888 1 x",
        "   9: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 999 1 x");
    java.util.Set<String> found = new java.util.HashSet<>();
    ListenerOwner.listeningInodes(table.getBytes(java.nio.charset.StandardCharsets.US_ASCII), ":1F90", found);
    assertThat(found).containsExactlyInAnyOrder("socket:[123456]", "socket:[31337]", "socket:[999]")
        .isEqualTo(byLineSplit(table, ":1F90"));
  }

  @Test
  void theTableScanReadsThisMachinesTablesAsALineSplitDoes() throws Exception {
    for (String name : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
      Path file = Path.of(name);
      assumeTrue(Files.isReadable(file), "needs Linux /proc");
      byte[] bytes = Files.readAllBytes(file);
      String text = new String(bytes, java.nio.charset.StandardCharsets.US_ASCII);
      for (String line : text.split("\n")) { // every port this machine has in the table, and one it has not
        String[] f = line.trim().split("\\s+");
        if (f.length > 1 && f[1].contains(":")) {
          String suffix = f[1].substring(f[1].lastIndexOf(':'));
          java.util.Set<String> found = new java.util.HashSet<>();
          ListenerOwner.listeningInodes(bytes, suffix, found);
          assertThat(found).as("%s %s", name, suffix).isEqualTo(byLineSplit(text, suffix));
        }
      }
    }
  }

  /** The scan as it was written before, with a regular expression split per line (the reference). */
  private static java.util.Set<String> byLineSplit(String table, String portSuffix) {
    java.util.Set<String> inodes = new java.util.HashSet<>();
    for (String line : table.split("\n")) {
      String[] f = line.trim().split("[\\x00-\\x20]+");
      if (f.length < 10 || !f[1].endsWith(portSuffix) || !f[3].matches("[0-9A-Fa-f]{1,7}")) {
        continue;
      }
      if (Integer.parseInt(f[3], 16) == 0x0A && !"0".equals(f[9])) {
        inodes.add("socket:[" + f[9] + "]");
      }
    }
    return inodes;
  }
}
