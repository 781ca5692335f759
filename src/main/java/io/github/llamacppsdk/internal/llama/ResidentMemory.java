package io.github.llamacppsdk.internal.llama;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Not API. The resident memory of one local process, from Linux's {@code /proc/<pid>/status} ({@code
 * VmRSS}), read at most once per {@link #MAX_AGE_NANOS} however often it is asked for (snapshots are
 * taken on every resolve). Empty where there is no {@code /proc} (macOS) or the process is gone. It is
 * the process's own memory: a wrapper in {@code launcher_args} that does not {@code exec} llama-server
 * reports its own. Thread-safe.
 */
final class ResidentMemory {
  /** How long a reading is reused. */
  static final long MAX_AGE_NANOS = 1_000_000_000L;

  private record Reading(long pid, OptionalLong bytes, long atNanos) {}

  private volatile Reading last;

  /**
   * {@return the resident bytes of {@code pid}, at most {@link #MAX_AGE_NANOS} old}
   *
   * @param pid the process
   */
  OptionalLong read(long pid) {
    Reading r = last;
    long now = System.nanoTime();
    if (r != null && r.pid() == pid && now - r.atNanos() < MAX_AGE_NANOS) {
      return r.bytes();
    }
    OptionalLong bytes = readNow(Path.of("/proc", Long.toString(pid), "status"));
    last = new Reading(pid, bytes, now);
    return bytes;
  }

  /** {@return {@code VmRSS} of a {@code status} file in bytes}
   * @param status the file */
  static OptionalLong readNow(Path status) {
    String text;
    try {
      try (java.io.FileInputStream in = new java.io.FileInputStream(status.toFile())) { // no channel classes
        text = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
      }
    } catch (IOException | RuntimeException e) {
      return OptionalLong.empty();
    }
    return parseVmRss(text);
  }

  /** {@return the {@code VmRSS:   1234 kB} line's value in bytes}
   * @param status the file's text */
  static OptionalLong parseVmRss(String status) {
    int i = status.indexOf("VmRSS:");
    if (i < 0) {
      return OptionalLong.empty(); // a zombie or a kernel thread has none
    }
    long kb = 0;
    boolean digits = false;
    for (int j = i + 6; j < status.length(); j++) {
      char c = status.charAt(j);
      if (c >= '0' && c <= '9') {
        kb = kb * 10 + (c - '0');
        digits = true;
      } else if (digits || c == '\n') {
        break;
      }
    }
    return digits ? OptionalLong.of(kb * 1024) : OptionalLong.empty();
  }
}
