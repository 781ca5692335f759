package io.github.llamacppsdk.internal.process;

import io.github.llamacppsdk.internal.Scan;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * Not API. A process's descendants, from {@code /proc/PID/task/TID/children} where the kernel offers
 * it: a few small reads along the tree, instead of {@link ProcessHandle#descendants()}, which reads
 * the status of every process on the machine (1–10 ms at a hundred processes, on the path of every
 * stop). Anywhere else (no {@code /proc}, a kernel without {@code CONFIG_PROC_CHILDREN}) it is the
 * JDK's walk.
 */
final class ProcessTree {
  private static final Path PROC = Path.of("/proc");
  private static final boolean CHILDREN_FILES = Files.isReadable(
      PROC.resolve("self").resolve("task").resolve(Long.toString(ProcessHandle.current().pid())).resolve("children"));

  private ProcessTree() {}

  /** {@return the descendants of {@code root} alive now, children before their own children} */
  static List<ProcessHandle> descendants(ProcessHandle root) {
    if (!CHILDREN_FILES) {
      return root.descendants().toList();
    }
    List<ProcessHandle> found = new ArrayList<>();
    Deque<Long> todo = new ArrayDeque<>();
    todo.add(root.pid());
    while (!todo.isEmpty()) {
      long pid = todo.poll();
      Optional<List<Long>> children = children(pid);
      if (children.isEmpty()) {
        if (pid == root.pid() && root.isAlive()) {
          return root.descendants().toList(); // its task list could not be read: ask the JDK
        }
        continue; // ended meanwhile: its children, if any, are init's now, as for the JDK's walk
      }
      for (long child : children.get()) {
        ProcessHandle.of(child).ifPresent(h -> {
          found.add(h);
          todo.add(child);
        });
      }
    }
    return found;
  }

  /**
   * {@return the numbers of a {@code children} file} What {@code list.trim().split("\\s+")} and {@link
   * Long#parseLong} of each read, scanned by hand (no regular expression): {@code trim}'s ends, then
   * runs of {@code [ \t\n\x0B\f\r]}.
   *
   * @throws NumberFormatException when a field is not a number (or overflows a long)
   */
  static List<Long> pids(String list) {
    List<Long> pids = new ArrayList<>();
    for (String field : Scan.fields(list)) {
      pids.add(Long.parseLong(field));
    }
    return pids;
  }

  /** {@return the children of every thread of {@code pid}, or empty when its tasks cannot be read} */
  private static Optional<List<Long>> children(long pid) {
    List<Long> children = new ArrayList<>();
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(PROC.resolve(Long.toString(pid)).resolve("task"))) {
      for (Path task : tasks) {
        String list;
        try {
          list = Files.readString(task.resolve("children"));
        } catch (IOException e) {
          continue; // a thread that ended while we looked
        }
        children.addAll(pids(list));
      }
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
    return Optional.of(children);
  }
}
