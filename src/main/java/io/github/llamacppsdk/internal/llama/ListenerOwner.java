package io.github.llamacppsdk.internal.llama;

import io.github.llamacppsdk.internal.Scan;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Not API. Who holds the listening socket of a TCP port, read from Linux's {@code /proc}: the
 * readiness loop uses it so that a server that answers on our port is published only when the
 * listening socket belongs to the process we launched (or one of its descendants). Another process
 * can take a port between the free-port check and our server's bind, and answer in its place while
 * our process is still alive.
 *
 * <p>Verdicts are conservative: {@link Verdict#UNKNOWN} when {@code /proc} is missing (macOS) or the
 * owner cannot be seen (another user's process, another network namespace), and callers then accept
 * the answer as before. Stateless; thread-safe.
 */
public final class ListenerOwner {
  /** Whether the listener of a port belongs to our process tree. */
  public enum Verdict {
    /** A socket listening on the port is held by our process or a descendant. */
    OURS,
    /** The listening socket is held by a process outside our tree (its pid is known). */
    FOREIGN,
    /** Could not tell. */
    UNKNOWN
  }

  private static final Path PROC = Path.of("/proc");
  private static final int LISTEN = 0x0A;

  private ListenerOwner() {}

  /**
   * Decides whether the socket listening on {@code port} belongs to {@code pid}'s process tree.
   *
   * @param pid our server's pid; a pid that is not a live local process gives {@link Verdict#UNKNOWN}
   * @param port the TCP port
   * @return the verdict and, for {@link Verdict#FOREIGN}, the owner's pid
   */
  public static Result check(long pid, int port) {
    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    if (handle.isEmpty() || !handle.get().isAlive()) {
      return new Result(Verdict.UNKNOWN, -1); // not a local process we can look at
    }
    try {
      Set<String> inodes = listeningInodes(port);
      if (inodes.isEmpty()) {
        return new Result(Verdict.UNKNOWN, -1);
      }
      if (holdsAny(pid, inodes)) { // the usual case, without walking the process table for descendants
        return new Result(Verdict.OURS, pid);
      }
      List<Long> tree = Stream.concat(Stream.of(pid), ProcessHandle.of(pid).stream()
          .flatMap(ProcessHandle::descendants).map(ProcessHandle::pid)).collect(Collectors.toList());
      for (long p : tree) {
        if (holdsAny(p, inodes)) {
          return new Result(Verdict.OURS, p);
        }
      }
      try (DirectoryStream<Path> all = Files.newDirectoryStream(PROC, "[0-9]*")) {
        for (Path dir : all) {
          long other = Long.parseLong(dir.getFileName().toString());
          if (!tree.contains(other) && holdsAny(other, inodes)) {
            return new Result(Verdict.FOREIGN, other);
          }
        }
      }
      return new Result(Verdict.UNKNOWN, -1);
    } catch (IOException | RuntimeException e) {
      return new Result(Verdict.UNKNOWN, -1);
    }
  }

  /**
   * A verdict and the pid that holds the socket ({@code -1} when unknown).
   *
   * @param verdict the verdict
   * @param ownerPid the holder's pid, or -1
   */
  public record Result(Verdict verdict, long ownerPid) {
    /** {@return the holder's command line, for messages} */
    public String ownerCommand() {
      return ProcessHandle.of(ownerPid).flatMap(h -> h.info().commandLine()).orElse("?");
    }
  }

  private static Set<String> listeningInodes(int port) throws IOException {
    Set<String> inodes = new HashSet<>();
    String hex = Integer.toHexString(port).toUpperCase(Locale.ROOT);
    String portSuffix = ":" + "0000".substring(Math.min(4, hex.length())) + hex;
    for (String table : List.of("net/tcp", "net/tcp6")) {
      Path file = PROC.resolve(table);
      if (!Files.isReadable(file)) {
        continue;
      }
      for (String line : Files.readAllLines(file)) {
        String[] f = fields(line, 10);
        if (f == null || !f[1].endsWith(portSuffix)) {
          continue;
        }
        try {
          if (Integer.parseInt(f[3], 16) == LISTEN && !"0".equals(f[9])) {
            inodes.add("socket:[" + f[9] + "]");
          }
        } catch (NumberFormatException e) {
          // the header line
        }
      }
    }
    return inodes;
  }

  /**
   * {@return the first {@code n} whitespace-separated fields of {@code line}, or null when it has fewer}
   * Scanned by hand: a regular expression per line of the socket tables cost a fresh JVM's first start
   * a few hundred pattern compilations.
   */
  static String[] fields(String line, int n) {
    List<String> f = Scan.fields(line);
    return f.size() < n ? null : f.subList(0, n).toArray(new String[0]);
  }

  private static boolean holdsAny(long pid, Set<String> inodes) {
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(PROC.resolve(pid + "/fd"))) {
      for (Path fd : fds) {
        try {
          if (inodes.contains(Files.readSymbolicLink(fd).toString())) {
            return true;
          }
        } catch (IOException e) {
          // closed meanwhile
        }
      }
    } catch (IOException | SecurityException e) {
      return false; // not ours to read (another user's process) or gone
    }
    return false;
  }
}
