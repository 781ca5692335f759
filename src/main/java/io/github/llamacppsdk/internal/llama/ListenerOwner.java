package io.github.llamacppsdk.internal.llama;

import io.github.llamacppsdk.internal.Scan;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
  private static final List<String> TABLES = List.of("net/tcp", "net/tcp6");

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
      String[] all = PROC.toFile().list();
      for (String dir : all == null ? new String[0] : all) {
        if (!dir.isEmpty() && Scan.isDigit(dir.charAt(0))) {
          long other = Long.parseLong(dir);
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

  /** {@return the whole file} through java.io: no channel classes on a fresh JVM's first start */
  private static byte[] readAll(Path file) throws IOException {
    try (java.io.FileInputStream in = new java.io.FileInputStream(file.toFile())) {
      return in.readAllBytes();
    }
  }

  private static Set<String> listeningInodes(int port) throws IOException {
    Set<String> inodes = new HashSet<>();
    String hex = Integer.toHexString(port).toUpperCase(Locale.ROOT);
    String portSuffix = ":" + "0000".substring(Math.min(4, hex.length())) + hex;
    for (String table : TABLES) {
      Path file = PROC.resolve(table);
      if (Files.isReadable(file)) {
        listeningInodes(readAll(file), portSuffix, inodes);
      }
    }
    return inodes;
  }

  /**
   * Adds to {@code into} the sockets ({@code socket:[INODE]}, as {@code /proc/PID/fd} links name them) that
   * a socket table ({@code /proc/net/tcp} or {@code tcp6}) lists as listening ({@code st} {@code 0A}) on a
   * local address ending in {@code portSuffix} ({@code :1F90}). A line's fields are separated by blanks:
   * 1 is the local address, 3 the state, 9 the inode (0 for none); a line with fewer fields, or whose
   * state is not hexadecimal (the header), is skipped. The table is searched for the port's bytes followed
   * by a blank, and only the lines where they occur are split into fields: a busy machine's tables list
   * thousands of connections, and a fresh JVM's first start reads them while its server comes up.
   *
   * @param table the table's bytes
   * @param portSuffix {@code :} and the port as four upper-case hexadecimal digits
   * @param into receives the sockets
   */
  static void listeningInodes(byte[] table, String portSuffix, Set<String> into) {
    byte[] needle = portSuffix.getBytes(StandardCharsets.US_ASCII);
    int n = needle.length;
    int lastLineDone = -1; // the start of the last line split, so that a line is split once
    for (int i = 0; i + n < table.length; i++) {
      if (table[i] != ':' || !isBlank(table[i + n]) || !matchesAt(table, i, needle)) {
        continue;
      }
      int lineStart = i;
      while (lineStart > 0 && table[lineStart - 1] != '\n') {
        lineStart--;
      }
      if (lineStart == lastLineDone) {
        continue;
      }
      lastLineDone = lineStart;
      int lineEnd = i;
      while (lineEnd < table.length && table[lineEnd] != '\n') {
        lineEnd++;
      }
      int[] f = fieldBounds(table, lineStart, lineEnd);
      if (f != null && endsWith(table, f[2], f[3], portSuffix) && hexValue(table, f[6], f[7]) == LISTEN
          && !(f[19] - f[18] == 1 && table[f[18]] == '0')) {
        into.add("socket:[" + new String(table, f[18], f[19] - f[18], StandardCharsets.US_ASCII) + "]");
      }
      i = lineEnd; // the next line
    }
  }

  private static boolean matchesAt(byte[] b, int at, byte[] needle) {
    for (int k = 1; k < needle.length; k++) {
      if (b[at + k] != needle[k]) {
        return false;
      }
    }
    return true;
  }

  /** {@return the start and end offsets of the first ten fields of a line, or null when it has fewer} */
  private static int[] fieldBounds(byte[] b, int from, int to) {
    int[] bounds = new int[20];
    int i = from;
    for (int field = 0; field < 10; field++) {
      while (i < to && isBlank(b[i])) {
        i++;
      }
      if (i == to) {
        return null;
      }
      bounds[2 * field] = i;
      while (i < to && !isBlank(b[i])) {
        i++;
      }
      bounds[2 * field + 1] = i;
    }
    return bounds;
  }

  /** {@return whether a byte separates fields: a space, a tab or another control byte, as the tables pad} */
  private static boolean isBlank(byte c) {
    return c >= 0 && c <= ' ';
  }

  private static boolean endsWith(byte[] b, int from, int to, String suffix) {
    int n = suffix.length();
    if (to - from < n) {
      return false;
    }
    for (int k = 0; k < n; k++) {
      if (b[to - n + k] != suffix.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  /** {@return the value of a field of one to seven hexadecimal digits, or -1 when it is not one} */
  private static int hexValue(byte[] b, int from, int to) {
    if (to == from || to - from > 7) {
      return -1;
    }
    int value = 0;
    for (int k = from; k < to; k++) {
      int digit = Character.digit(b[k], 16);
      if (digit < 0) {
        return -1;
      }
      value = value * 16 + digit;
    }
    return value;
  }

  private static boolean holdsAny(long pid, Set<String> inodes) {
    Path fdDir = PROC.resolve(pid + "/fd");
    String[] fds = fdDir.toFile().list(); // not a DirectoryStream: fewer classes on a fresh JVM's first start
    if (fds == null) {
      return false; // not ours to read (another user's process) or gone
    }
    for (String fd : fds) {
      try {
        if (inodes.contains(Files.readSymbolicLink(fdDir.resolve(fd)).toString())) {
          return true;
        }
      } catch (IOException | SecurityException e) {
        // closed meanwhile, or not ours to read
      }
    }
    return false;
  }
}
