package io.github.llamacppsdk.internal.llama;

import io.github.llamacppsdk.ServerBuild;
import io.github.llamacppsdk.internal.Log;
import io.github.llamacppsdk.internal.Scan;
import io.github.llamacppsdk.internal.spec.Sha256;
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Not API. What llama-server binaries answered to {@code --version} and {@code --help}, kept on disk
 * so that a fresh JVM does not run them again (a GPU build initialises its devices for each, which
 * can take longer than starting a tiny model). One small file per binary, named by a fingerprint of
 * everything that could change the answers: the program's path, size and modification time, the
 * launcher arguments, the environment (hashed, never stored), and, for a script (a wrapper that execs
 * the real binary), the size and modification time of every existing absolute path the script
 * names. A script that names no existing absolute path is not recorded: what it runs cannot be
 * fingerprinted.
 *
 * <p>Where: the system property {@value #PROPERTY} (a directory, or {@code off}), else {@code
 * $XDG_CACHE_HOME/llama-cpp-sdk/builds}, else {@code ~/.cache/llama-cpp-sdk/builds}. At most
 * {@value #MAX_RECORDS} records are kept (the least recently written go). Any I/O problem only means
 * the binary is asked again. Thread-safe (files are written to a temporary name and moved).
 */
final class BuildRecords {
  static final String PROPERTY = "llamacpp.buildRecords";
  static final int MAX_RECORDS = 64;
  private static final Log log = Log.of(BuildRecords.class);
  private static final String HEADER = "llama-cpp-sdk build record 2"; // 2: the help is cut to its digest
  private static final int SCRIPT_LIMIT = 64 * 1024;

  /** The two answers of one binary. */
  record Answers(String version, String help) {}

  /**
   * {@return the answers to record for a binary} Its {@code --version} as printed, and its {@code
   * --help} cut to a digest: the option names on one line, and the {@code --flash-attn} and {@code
   * --gpu-layers} lines only as far as they tell the syntax. A real build's help is some 60 KB, and
   * reading it costs a fresh JVM's first launch about 35 ms; its digest reads in a fraction of that.
   * The digest is used only when it reads as the same build; otherwise the whole help is kept.
   *
   * @param version what {@code --version} printed
   * @param help what {@code --help} printed
   * @param build what the two read as
   */
  static Answers compact(String version, String help, ServerBuild build) {
    String digest = digest(build);
    return ServerBuild.parse(version, digest).equals(build) ? new Answers(version, digest) : new Answers(version, help);
  }

  /** A {@code --help} text that lists {@code build}'s options and says its two build-dependent syntaxes. */
  static String digest(ServerBuild build) {
    Set<String> options = build.options();
    List<String> gpuLayers = new ArrayList<>();
    StringBuilder names = new StringBuilder();
    for (String option : options) {
      if (option.equals("--gpu-layers") || option.equals("--n-gpu-layers")) {
        gpuLayers.add(option);
      } else if (!option.equals("--flash-attn")) {
        names.append(names.length() == 0 ? "" : " ").append(option); // one space: all of it is the line's head
      }
    }
    StringBuilder help = new StringBuilder(names).append('\n');
    if (options.contains("--flash-attn")) {
      help.append(build.flashAttnSyntax() == ServerBuild.FlashAttnSyntax.VALUES ? "--flash-attn FA\n" : "--flash-attn\n");
    }
    if (!gpuLayers.isEmpty()) {
      help.append(String.join(" ", gpuLayers)).append(" N  ").append(
          build.gpuLayersSyntax() == ServerBuild.GpuLayersSyntax.NUMBER_AUTO_ALL ? "'auto' or 'all'\n" : "a number\n");
    }
    return help.toString();
  }

  private final Optional<Path> dir;

  BuildRecords(Optional<Path> dir) {
    this.dir = dir;
  }

  /** {@return the records at the configured place, or none when switched off} */
  static BuildRecords configured() {
    String property = System.getProperty(PROPERTY, "").strip();
    if (property.equalsIgnoreCase("off")) {
      return new BuildRecords(Optional.empty());
    }
    if (!property.isEmpty()) {
      return new BuildRecords(Optional.of(Path.of(property)));
    }
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
    return new BuildRecords(Optional.of(base.resolve("llama-cpp-sdk").resolve("builds")));
  }

  /**
   * {@return the fingerprint of a binary run this way, or empty when it cannot be recorded}
   *
   * @param program the resolved program
   * @param attributes its attributes, read once by the caller
   * @param launcherArgs the arguments in front of llama-server's own
   * @param environment the environment the program runs with
   */
  Optional<String> fingerprint(Path program, BasicFileAttributes attributes, List<String> launcherArgs,
      Map<String, String> environment) {
    if (dir.isEmpty()) {
      return Optional.empty();
    }
    StringBuilder facts = new StringBuilder(HEADER).append('\n');
    facts.append(program).append('\n').append(attributes.size()).append(' ')
        .append(attributes.lastModifiedTime().toMillis()).append('\n');
    for (String a : launcherArgs) {
      facts.append(a).append('\0');
    }
    facts.append('\n');
    for (Map.Entry<String, String> e : new TreeMap<>(environment).entrySet()) {
      facts.append(e.getKey()).append('=').append(e.getValue()).append('\0');
    }
    facts.append('\n');
    Optional<List<String>> wrapped = wrappedFiles(program);
    if (wrapped.isEmpty()) {
      return Optional.empty();
    }
    for (String f : wrapped.get()) {
      facts.append(f).append('\n');
    }
    return Optional.of(HexFormat.of().formatHex(Sha256.digest(facts.toString().getBytes(StandardCharsets.UTF_8)))
        .substring(0, 32));
  }

  /** {@return the answers recorded under {@code fingerprint}, if any} */
  Optional<Answers> load(String fingerprint) {
    Path file = dir.orElseThrow().resolve(fingerprint + ".build");
    try (InputStream in = new FileInputStream(file.toFile())) { // java.io: no channel classes on a cold start
      String header = line(in);
      if (!HEADER.equals(header)) {
        return Optional.empty();
      }
      String version = block(in);
      String help = block(in);
      return Optional.of(new Answers(version, help));
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // absent, unreadable or cut short: ask the binary
    }
  }

  /** Records the answers under {@code fingerprint}; a failure is logged at DEBUG only. */
  void store(String fingerprint, Answers answers) {
    Path target = dir.orElseThrow();
    Path tmp = null;
    try {
      Files.createDirectories(target);
      Path file = target.resolve(fingerprint + ".build");
      tmp = Files.createTempFile(target, fingerprint, ".tmp");
      byte[] version = answers.version().getBytes(StandardCharsets.UTF_8);
      byte[] help = answers.help().getBytes(StandardCharsets.UTF_8);
      ByteArrayOutputStream out = new ByteArrayOutputStream(version.length + help.length + 128);
      out.writeBytes((HEADER + "\n" + version.length + "\n").getBytes(StandardCharsets.UTF_8));
      out.writeBytes(version);
      out.writeBytes(("\n" + help.length + "\n").getBytes(StandardCharsets.UTF_8));
      out.writeBytes(help);
      Files.write(tmp, out.toByteArray());
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      tmp = null; // moved into place
      prune(target);
    } catch (IOException | RuntimeException e) {
      log.debug("could not record a llama-server build under {}: {}", target, e.toString());
    } finally {
      if (tmp != null) { // a write or move that failed (a full disk): no half record left behind
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException e) {
          log.debug("could not remove {}: {}", tmp, e.toString());
        }
      }
    }
  }

  /**
   * {@return the absolute paths (with size and modification time) a script names, none for a
   * binary, or empty when the program is a script whose target cannot be fingerprinted}
   */
  private static Optional<List<String>> wrappedFiles(Path program) {
    byte[] head;
    try (InputStream in = new FileInputStream(program.toFile())) {
      head = in.readNBytes(SCRIPT_LIMIT);
    } catch (IOException | UnsupportedOperationException e) {
      return Optional.empty();
    }
    if (head.length < 2 || head[0] != '#' || head[1] != '!') {
      return Optional.of(List.of());
    }
    String text = new String(head, StandardCharsets.UTF_8);
    int firstLine = text.indexOf('\n');
    List<String> files = new ArrayList<>();
    for (String named : absolutePaths(firstLine < 0 ? "" : text.substring(firstLine))) {
      Path p = Path.of(named);
      try {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
        if (a.isRegularFile()) {
          files.add(p + " " + a.size() + " " + a.lastModifiedTime().toMillis());
        }
      } catch (IOException | RuntimeException e) {
        // not a file: a directory, an option value, a path created later
      }
    }
    return files.isEmpty() ? Optional.empty() : Optional.of(files);
  }

  /**
   * {@return the absolute paths a script names} What {@code (?<![\w$}])/[\w.+@%,/-]+} finds (not after a
   * word, {@code $} or {@code }}, so not {@code $HOME/x}), scanned by hand: no regular-expression engine
   * to start in a fresh JVM's first launch.
   */
  static List<String> absolutePaths(String text) {
    List<String> found = new ArrayList<>();
    int i = 0;
    while (i < text.length()) {
      char before = i > 0 ? text.charAt(i - 1) : ' ';
      if (text.charAt(i) != '/' || Scan.isWord(before) || before == '$' || before == '}') {
        i++;
        continue;
      }
      int end = i + 1;
      while (end < text.length() && (Scan.isWord(text.charAt(end)) || ".+@%,/-".indexOf(text.charAt(end)) >= 0)) {
        end++;
      }
      if (end == i + 1) {
        i++;
        continue;
      }
      found.add(text.substring(i, end));
      i = end;
    }
    return found;
  }

  private static void prune(Path target) throws IOException {
    List<Path> records;
    try (Stream<Path> s = Files.list(target)) {
      records = s.filter(p -> p.getFileName().toString().endsWith(".build")).toList();
    }
    if (records.size() <= MAX_RECORDS) {
      return;
    }
    List<Path> oldestFirst = new ArrayList<>(records);
    oldestFirst.sort(Comparator.comparing(BuildRecords::modified));
    for (Path p : oldestFirst.subList(0, records.size() - MAX_RECORDS)) {
      Files.deleteIfExists(p);
    }
  }

  private static FileTime modified(Path p) {
    try {
      return Files.getLastModifiedTime(p);
    } catch (IOException e) {
      return FileTime.fromMillis(0);
    }
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0 || b.size() > 64) {
        throw new IOException("cut short");
      }
      b.write(c);
    }
    return b.toString(StandardCharsets.UTF_8);
  }

  private static String block(InputStream in) throws IOException {
    int length = Integer.parseInt(line(in));
    byte[] bytes = in.readNBytes(length);
    if (bytes.length != length) {
      throw new IOException("cut short");
    }
    int newline = in.read(); // after the first block; -1 after the last
    if (newline != '\n' && newline != -1) {
      throw new IOException("malformed");
    }
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
