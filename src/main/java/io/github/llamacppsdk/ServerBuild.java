package io.github.llamacppsdk;

import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * What one llama-server binary is and accepts, learned from its {@code --version} and {@code --help}
 * output before it is launched (once per binary: path, size and modification time).
 *
 * <p>llama-server's command line changes between builds: before build 6325 (August 2025) {@code
 * --flash-attn} is a bare switch, and before build 7553 (December 2025) {@code --gpu-layers} takes a
 * number only. The library renders the spec for the build it is about to run (see {@link
 * BootSpec#toCommandLine(ServerBuild)}). {@code --version} comes in several shapes ({@code version:
 * 6000 (4762ad73)} from a git checkout, {@code version: 0.7.0 (build 11669, commit Debian)} from
 * Debian, {@code version: 0 (unknown)} from a build made outside git), so the options are read from
 * {@code --help}, which lists every option with its syntax; the build number is used only where the
 * help says nothing.
 *
 * <p>Immutable and thread-safe. {@link #parse} is public so that captured outputs can be checked.
 */
public final class ServerBuild {
  /** The first build whose {@code --flash-attn} takes {@code on|off|auto}. */
  public static final int FLASH_ATTN_VALUES_SINCE = 6325;
  /** The first build whose {@code --gpu-layers} accepts {@code auto} and {@code all}. */
  public static final int GPU_LAYERS_AUTO_SINCE = 7553;


  /** How a build takes {@code --flash-attn}. */
  public enum FlashAttnSyntax {
    /** {@code --flash-attn on|off|auto} (build 6325 and later). */
    VALUES,
    /** {@code --flash-attn} alone turns it on; off is the default (before build 6325). */
    SWITCH,
    /** The build has no {@code --flash-attn}. */
    ABSENT,
    /** Nothing could be learned: the current syntax is assumed, {@code auto} is left to the default. */
    UNKNOWN
  }

  /** How a build takes {@code --gpu-layers}. */
  public enum GpuLayersSyntax {
    /** A number, {@code auto} or {@code all} (build 7553 and later). */
    NUMBER_AUTO_ALL,
    /** A number only (before build 7553). */
    NUMBER_ONLY,
    /** Nothing could be learned: {@code auto} is left to the default, {@code all} is sent as 999. */
    UNKNOWN
  }

  private final String versionLine;
  private final Optional<String> builtWith;
  private final OptionalInt buildNumber;
  private final Optional<String> commit;
  private final Set<String> options;
  private final FlashAttnSyntax flashAttn;
  private final GpuLayersSyntax gpuLayers;
  private final Optional<String> unknownBecause;

  private ServerBuild(String versionLine, Optional<String> builtWith, OptionalInt buildNumber,
      Optional<String> commit, Set<String> options, FlashAttnSyntax flashAttn, GpuLayersSyntax gpuLayers,
      Optional<String> unknownBecause) {
    this.versionLine = versionLine;
    this.builtWith = builtWith;
    this.buildNumber = buildNumber;
    this.commit = commit;
    this.options = options instanceof SortedNames ? options : SortedNames.of(options);
    this.flashAttn = flashAttn;
    this.gpuLayers = gpuLayers;
    this.unknownBecause = unknownBecause;
  }

  /**
   * Reads a build from what its {@code --version} (stderr) and {@code --help} (stdout) printed.
   * Lines that are not about the version or an option (backend loading messages, section headers)
   * are ignored; either output may be empty.
   *
   * @param versionOutput what {@code llama-server --version} printed
   * @param helpOutput what {@code llama-server --help} printed
   * @return the build
   */
  public static ServerBuild parse(String versionOutput, String helpOutput) {
    Objects.requireNonNull(versionOutput, "versionOutput");
    Objects.requireNonNull(helpOutput, "helpOutput");
    String versionLine = "version: unknown";
    OptionalInt build = OptionalInt.empty();
    Optional<String> commit = Optional.empty();
    String[] v = VersionText.version(versionOutput);
    if (v != null) {
      versionLine = v[0];
      String number = v[1];
      String parens = v[2];
      String b = VersionText.afterWord(parens, "build", true);
      if (b != null) {
        build = positive(b);
        commit = Optional.ofNullable(VersionText.afterWord(parens, "commit", false));
      } else if (VersionText.isShortNumber(number)) {
        build = positive(number);
        commit = parens.isBlank() || parens.equals("unknown") ? Optional.empty() : Optional.of(parens.strip());
      }
    }
    String builtWithLine = VersionText.builtWith(versionOutput);
    Optional<String> builtWith = builtWithLine == null ? Optional.empty() : Optional.of(builtWithLine.strip());

    HelpTable help = HelpTable.read(helpOutput);
    int n = build.orElse(-1);
    FlashAttnSyntax fa = help.flashAttn().orElse(n < 0 ? FlashAttnSyntax.UNKNOWN
        : n >= FLASH_ATTN_VALUES_SINCE ? FlashAttnSyntax.VALUES : FlashAttnSyntax.SWITCH);
    GpuLayersSyntax ngl = help.gpuLayers().orElse(n < 0 ? GpuLayersSyntax.UNKNOWN
        : n >= GPU_LAYERS_AUTO_SINCE ? GpuLayersSyntax.NUMBER_AUTO_ALL : GpuLayersSyntax.NUMBER_ONLY);
    Optional<String> unknown = build.isEmpty() && help.options().isEmpty()
        ? Optional.of("neither --version nor --help said which build this is")
        : Optional.empty();
    return new ServerBuild(versionLine, builtWith, build, commit, help.options(), fa, ngl, unknown);
  }

  /**
   * A build nothing could be learned about (the transport cannot run the binary locally, or it did
   * not answer {@code --version}/{@code --help}). Rendering then avoids every build-dependent
   * value: {@code auto} is left to the build's default and {@code all} is sent as {@code 999}.
   *
   * @param why why nothing is known, for the snapshot and error messages
   * @return the build
   */
  public static ServerBuild unknown(String why) {
    return new ServerBuild("version: unknown", Optional.empty(), OptionalInt.empty(), Optional.empty(), Set.of(),
        FlashAttnSyntax.UNKNOWN, GpuLayersSyntax.UNKNOWN, Optional.of(Objects.requireNonNull(why, "why")));
  }

  /**
   * The syntax of current builds (build {@value #GPU_LAYERS_AUTO_SINCE} and later) with no option
   * list: what {@link BootSpec#toCommandLine()} renders for.
   *
   * @return the build
   */
  public static ServerBuild currentSyntax() {
    return new ServerBuild("version: current syntax (not detected)", Optional.empty(), OptionalInt.empty(),
        Optional.empty(), Set.of(), FlashAttnSyntax.VALUES, GpuLayersSyntax.NUMBER_AUTO_ALL, Optional.empty());
  }

  private static OptionalInt positive(String digits) {
    try {
      int n = Integer.parseInt(digits);
      return n > 0 ? OptionalInt.of(n) : OptionalInt.empty();
    } catch (NumberFormatException e) {
      return OptionalInt.empty();
    }
  }

  /** {@return the {@code version:} line as printed, e.g. {@code version: 0.7.0 (build 11669, commit Debian)}} */
  public String versionLine() {
    return versionLine;
  }

  /** {@return the {@code built with ...} line, if it was printed} */
  public Optional<String> builtWith() {
    return builtWith;
  }

  /** {@return llama.cpp's build number, when the binary says it (builds made outside git do not)} */
  public OptionalInt buildNumber() {
    return buildNumber;
  }

  /** {@return the commit the binary names, if any} */
  public Optional<String> commit() {
    return commit;
  }

  /** {@return the long options {@code --help} lists, sorted; empty when the help was not read} */
  public Set<String> options() {
    return options;
  }

  /**
   * {@return whether the build accepts {@code option}} True when the option list is unknown: only a
   * help that was read and lacks the option says no.
   *
   * @param option a long option such as {@code --api-prefix}
   */
  public boolean accepts(String option) {
    return options.isEmpty() || options.contains(option);
  }

  /** {@return how this build takes {@code --flash-attn}} */
  public FlashAttnSyntax flashAttnSyntax() {
    return flashAttn;
  }

  /** {@return how this build takes {@code --gpu-layers}} */
  public GpuLayersSyntax gpuLayersSyntax() {
    return gpuLayers;
  }

  /** {@return why nothing is known about this build, when nothing is} */
  public Optional<String> unknownBecause() {
    return unknownBecause;
  }

  /** {@return one line: the version line, the build number, how many options it lists} */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder(versionLine);
    buildNumber.ifPresent(n -> s.append(" [build ").append(n).append(']'));
    if (!options.isEmpty()) {
      s.append(", ").append(options.size()).append(" options");
    }
    unknownBecause.ifPresent(why -> s.append(" (").append(why).append(')'));
    return s.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ServerBuild b && versionLine.equals(b.versionLine) && builtWith.equals(b.builtWith)
        && buildNumber.equals(b.buildNumber) && commit.equals(b.commit) && options.equals(b.options)
        && flashAttn == b.flashAttn && gpuLayers == b.gpuLayers && unknownBecause.equals(b.unknownBecause);
  }

  @Override
  public int hashCode() {
    return Objects.hash(versionLine, buildNumber, options, flashAttn, gpuLayers);
  }

  /**
   * An unmodifiable set of option names in a sorted array: built by one sort of names that mostly come sorted
   * already (a build record's digest lists them in order), where a tree set would compare each name with a
   * dozen others on a fresh JVM's first launch. Iterates in order; {@code contains} is a binary search.
   */
  private static final class SortedNames extends AbstractSet<String> {
    private final String[] names;

    private SortedNames(String[] names) {
      this.names = names;
    }

    /** {@return the distinct names of {@code c}, sorted} */
    static SortedNames of(java.util.Collection<String> c) {
      String[] a = c.toArray(new String[0]);
      Arrays.sort(a); // TimSort: one pass over names already in order
      int n = 0;
      for (int i = 0; i < a.length; i++) {
        if (n == 0 || !a[i].equals(a[n - 1])) {
          a[n++] = Objects.requireNonNull(a[i], "option");
        }
      }
      return new SortedNames(n == a.length ? a : Arrays.copyOf(a, n));
    }

    @Override
    public boolean contains(Object o) {
      return o instanceof String s && Arrays.binarySearch(names, s) >= 0;
    }

    @Override
    public Iterator<String> iterator() {
      return Collections.unmodifiableList(Arrays.asList(names)).iterator();
    }

    @Override
    public int size() {
      return names.length;
    }
  }

  /** The option lines of a {@code --help} output. */
  private record HelpTable(Set<String> options, Optional<FlashAttnSyntax> flashAttn,
      Optional<GpuLayersSyntax> gpuLayers) {

    static HelpTable read(String help) {
      List<String> options = new ArrayList<>();
      FlashAttnSyntax fa = null;
      GpuLayersSyntax ngl = null;
      List<String> lines = lines(help);
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i);
        if (!line.startsWith("-") || line.startsWith("---")) {
          continue;
        }
        int end = headEnd(line);
        String head = end < 0 ? line : line.substring(0, end);
        List<String> names = longOptions(head);
        options.addAll(names);
        if (names.contains("--flash-attn")) {
          String hint = VersionText.withoutLeadingAliases(
              head.substring(head.indexOf("--flash-attn") + "--flash-attn".length())).strip();
          fa = hint.isEmpty() ? FlashAttnSyntax.SWITCH : FlashAttnSyntax.VALUES;
        }
        if (names.contains("--gpu-layers") || names.contains("--n-gpu-layers")) {
          String text = describe(lines, i, end < 0 ? line.length() : end);
          ngl = text.contains("'auto'") || text.contains("'all'") || head.contains("auto")
              ? GpuLayersSyntax.NUMBER_AUTO_ALL : GpuLayersSyntax.NUMBER_ONLY;
        }
      }
      if (!options.isEmpty() && fa == null) {
        fa = FlashAttnSyntax.ABSENT;
      }
      return new HelpTable(SortedNames.of(options), Optional.ofNullable(fa), Optional.ofNullable(ngl));
    }

    /**
     * The lines of {@code text} as {@link String#lines()} splits them ({@code \n}, {@code \r} or {@code \r\n}
     * ends a line; no empty line after a final terminator), without a stream: this runs in a fresh JVM's
     * first launch (guides/benchmarks.md, figure 7).
     */
    static List<String> lines(String text) {
      List<String> lines = new ArrayList<>();
      boolean carriageReturns = text.indexOf('\r') >= 0;
      int start = 0;
      while (start < text.length()) {
        int end = carriageReturns ? lineEnd(text, start) : text.indexOf('\n', start); // indexOf: no loop by hand
        if (end < 0) {
          lines.add(text.substring(start));
          break;
        }
        lines.add(text.substring(start, end));
        start = end + (text.charAt(end) == '\r' && end + 1 < text.length() && text.charAt(end + 1) == '\n' ? 2 : 1);
      }
      return lines;
    }

    /** {@return where the line from {@code start} ends: the next {@code \n} or {@code \r}, or -1} */
    private static int lineEnd(String text, int start) {
      for (int i = start; i < text.length(); i++) {
        char c = text.charAt(i);
        if (c == '\n' || c == '\r') {
          return i;
        }
      }
      return -1;
    }

    /**
     * Where an option line's names end and its description begins: the first run of two or more
     * spaces followed by something other than a space or a dash; -1 when the line has no description.
     * (Scanned by hand, as are the names: a build's {@code --help} has some 200 option lines, and
     * regular expressions over them cost a fresh JVM's first launch about 10 ms.)
     */
    static int headEnd(String line) {
      for (int i = line.indexOf("  "); i >= 0 && i + 2 < line.length(); i = line.indexOf("  ", i + 1)) {
        int j = i + 2;
        while (j < line.length() && line.charAt(j) == ' ') {
          j++;
        }
        if (j < line.length() && line.charAt(j) != '-') {
          return i;
        }
        i = j - 1;
      }
      return -1;
    }

    /** The long option names in an option line's head: {@code --} not preceded by a word character or a dash. */
    static List<String> longOptions(String head) {
      List<String> names = new ArrayList<>();
      for (int i = head.indexOf("--"); i >= 0; i = head.indexOf("--", i + 2)) {
        if (i > 0 && (Character.isLetterOrDigit(head.charAt(i - 1)) || head.charAt(i - 1) == '_'
            || head.charAt(i - 1) == '-')) {
          continue;
        }
        int j = i + 2;
        if (j >= head.length() || !isNameStart(head.charAt(j))) {
          continue;
        }
        while (j < head.length() && (isNameStart(head.charAt(j)) || head.charAt(j) == '-')) {
          j++;
        }
        names.add(head.substring(i, j));
        i = j - 2;
      }
      return names;
    }

    private static boolean isNameStart(char c) {
      return c >= 'a' && c <= 'z' || c >= '0' && c <= '9';
    }

    /** The description of the option on line {@code i}: the rest of its line and its indented continuation. */
    private static String describe(List<String> lines, int i, int from) {
      StringBuilder d = new StringBuilder(lines.get(i).substring(Math.min(from, lines.get(i).length())));
      for (int j = i + 1; j < lines.size() && lines.get(j).startsWith(" "); j++) {
        d.append(' ').append(lines.get(j).strip());
      }
      return d.toString();
    }
  }
}
