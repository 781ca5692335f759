package io.github.llamacppsdk.internal.spec;

import io.github.llamacppsdk.Violation;
import io.github.llamacppsdk.internal.models.ModelNames;
import io.github.llamacppsdk.models.HuggingFaceModel;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Not API. The one home of every rule on a spec field's typed value and of the limits they use. The
 * typed builders ({@code BootSpecBuilder}, {@code AttachSpec}) apply a rule where the field is set;
 * the map adapters ({@code fromMap}) convert each value to its type and apply the same rule, so both
 * report the same reason. A rule returns the reason a value is wrong ({@code null} when it is fine),
 * or the violations it found.
 */
public final class SpecRules {
  /**
   * The longest duration any timing field, TTL or wait takes: a year is beyond any real load or grace,
   * and far below what {@link Duration#toNanos()} and the schedulers can represent (~292 years).
   */
  public static final Duration MAX_DURATION = Duration.ofDays(365);
  /** What a positive whole-number field accepts, as violations say it. */
  public static final String POSITIVE_INT = "must be a whole number from 1 to " + Integer.MAX_VALUE + ".";
  /** What {@code port} accepts, as violations say it. */
  public static final String PORT = "must be a whole number from 0 to 65535 (0 picks a free port at launch).";
  /** The only execution surface. */
  public static final String LOCAL_SUBPROCESS = "local_subprocess";
  /** The key of the surface kind in {@code execution_surface}. */
  public static final String SURFACE_KIND = "surface_kind";

  private SpecRules() {}

  /** {@return why {@code s} is not usable text (blank, or a NUL inside), or {@code null}}
   * @param s non-null text */
  public static String textProblem(String s) {
    if (s.isBlank()) {
      return "must not be empty or blank.";
    }
    if (s.indexOf('\0') >= 0) {
      return "must not contain a NUL character.";
    }
    return null;
  }

  /** {@return why {@code s} is not a usable path, or {@code null}} No file is touched.
   * @param s non-null text */
  public static String pathProblem(String s) {
    String problem = textProblem(s);
    if (problem != null) {
      return problem;
    }
    try {
      Path.of(s);
      return null;
    } catch (InvalidPathException e) {
      return "is not a valid path (" + e.getReason() + ").";
    }
  }

  /** {@return why {@code n} is not a positive whole number, or {@code null}}
   * @param n the value */
  public static String positiveProblem(long n) {
    return n < 1 || n > Integer.MAX_VALUE ? POSITIVE_INT : null;
  }

  /** {@return why {@code port} is not a port, or {@code null}}
   * @param port the value */
  public static String portProblem(long port) {
    return port < 0 || port > 65_535 ? PORT : null;
  }

  /**
   * {@return why {@code d} is not a timing value, or {@code null}}
   *
   * @param d the value
   * @param zeroMeansOff whether {@link Duration#ZERO} is accepted (it turns the feature off)
   */
  public static String durationProblem(Duration d, boolean zeroMeansOff) {
    if (d.isNegative() || (d.isZero() && !zeroMeansOff) || d.compareTo(MAX_DURATION) > 0) {
      return "must be " + durationWanted(zeroMeansOff) + " (at most " + MAX_DURATION.toMillis() + ", 365 days).";
    }
    return null;
  }

  /** {@return what a timing field accepts, in a map's milliseconds}
   * @param zeroMeansOff whether 0 turns it off */
  public static String durationWanted(boolean zeroMeansOff) {
    return zeroMeansOff
        ? "a whole number of milliseconds >= 0 (0 turns it off)"
        : "a whole number of milliseconds > 0";
  }

  /** {@return why {@code key} cannot be an API key, or {@code null}}
   * @param key the key, non-null */
  public static String apiKeyProblem(String key) {
    if (key.isEmpty()) {
      return "must not be empty; leave api_key out to run without a key.";
    }
    if (key.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      return "must not contain line breaks or control characters.";
    }
    return null;
  }

  /** {@return why {@code host} is not a listen address, or {@code null}}
   * @param host non-null text */
  public static String hostProblem(String host) {
    String problem = textProblem(host);
    return problem != null ? problem : SpecUrls.hostProblem(host);
  }

  /** {@return why {@code prefix} is not a route prefix, or {@code null}}
   * @param prefix non-null text */
  public static String apiPrefixProblem(String prefix) {
    return SpecUrls.prefixProblem(prefix);
  }

  /** {@return why {@code name} ({@code owner/repo[:QUANT]}) is not a Hugging Face name, or {@code null}}
   * @param name text */
  public static String hfRepoProblem(String name) {
    String problem = textProblem(name);
    if (problem != null) {
      return problem;
    }
    int colon = name.indexOf(':');
    String repo = colon < 0 ? name : name.substring(0, colon);
    problem = ModelNames.repoProblem(repo);
    if (problem != null) {
      return "must be owner/repo or owner/repo:QUANT (llama-server's -hf): the repository " + problem + ".";
    }
    if (colon >= 0 && ModelNames.quantProblem(name.substring(colon + 1)) != null) {
      return "the part after ':' " + ModelNames.quantProblem(name.substring(colon + 1)) + ".";
    }
    return null;
  }

  /** {@return why {@code file} is not a file of a Hugging Face repository, or {@code null}}
   * @param file text */
  public static String hfFileProblem(String file) {
    String problem = textProblem(file);
    if (problem != null) {
      return problem;
    }
    problem = ModelNames.fileProblem(file);
    return problem == null ? null : problem + ".";
  }

  /** {@return why {@code revision} is not a branch, tag or commit, or {@code null}}
   * @param revision text */
  public static String hfRevisionProblem(String revision) {
    String problem = textProblem(revision);
    if (problem != null) {
      return problem;
    }
    problem = ModelNames.revisionProblem(revision);
    return problem == null ? null : problem + ".";
  }

  /**
   * Combines the model-name fields, each checked where it was set, into a {@link HuggingFaceModel}.
   *
   * @param repo {@code hf_repo} ({@code owner/repo[:QUANT]}), or {@code null}
   * @param file {@code hf_file}, or {@code null}
   * @param revision {@code hf_revision}, or {@code null} for {@link HuggingFaceModel#DEFAULT_REVISION}
   * @param out receives the violations: a file or revision without a repository, a file beside a
   *     quantisation tag
   * @return the name, or empty when there is none or it is inconsistent
   */
  public static Optional<HuggingFaceModel> huggingFace(String repo, String file, String revision,
      List<Violation> out) {
    if (repo == null) {
      if (file != null) {
        out.add(new Violation(SpecKeys.HF_FILE, '"' + file + '"', "needs hf_repo: the repository the file is in."));
      }
      if (revision != null) {
        out.add(new Violation(SpecKeys.HF_REVISION, '"' + revision + '"',
            "needs hf_repo: the repository of the revision."));
      }
      return Optional.empty();
    }
    int colon = repo.indexOf(':');
    String quant = colon < 0 ? null : repo.substring(colon + 1);
    if (file != null && quant != null) {
      out.add(new Violation(SpecKeys.HF_FILE, '"' + file + '"', "names the file while hf_repo names the quantisation "
          + quant + "; give one of them."));
      return Optional.empty();
    }
    return Optional.of(new HuggingFaceModel(colon < 0 ? repo : repo.substring(0, colon), Optional.ofNullable(quant),
        Optional.ofNullable(file), revision != null ? revision : HuggingFaceModel.DEFAULT_REVISION));
  }

  /**
   * Checks argument lists ({@code launcher_args}, {@code extra_args}): no NUL inside an argument.
   *
   * @param key the field
   * @param args the arguments
   * @param out receives the violations
   */
  public static void checkArgs(String key, List<String> args, List<Violation> out) {
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (arg == null) {
        out.add(new Violation(key, "null", "element " + i + " must be a string, got null."));
      } else if (arg.indexOf('\0') >= 0) {
        out.add(new Violation(key, FieldReader.show(key, arg), "element " + i + " must not contain a NUL character."));
      }
    }
  }

  /**
   * Checks {@code extra_args}: the rule of {@link #checkArgs}, and no flag the spec manages.
   *
   * @param args the arguments
   * @param out receives the violations
   */
  public static void checkExtraArgs(List<String> args, List<Violation> out) {
    checkArgs(SpecKeys.EXTRA_ARGS, args, out);
    for (String arg : args) {
      Optional<String> owner = arg == null ? Optional.empty() : LlamaServerFlags.managedBy(arg);
      if (owner.isPresent()) {
        String flag = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
        out.add(new Violation(SpecKeys.EXTRA_ARGS,
            '"' + (arg.contains("=") && ShellText.looksSecret(flag) ? flag + "=" + ShellText.MASK : arg) + '"',
            "\"" + flag + "\" is managed by the spec (set \"" + owner.get()
                + "\" instead); a second copy would silently fight the library's probes."));
      }
    }
  }

  /**
   * Checks {@code environment}: variable names non-empty without {@code =} or NUL, values without NUL,
   * and no {@code LLAMA_API_KEY} (the key has its own fields).
   *
   * @param env the variables
   * @param out receives the violations
   * @return the valid entries, sorted by name
   */
  public static Map<String, String> checkEnvironment(Map<String, String> env, List<Violation> out) {
    Map<String, String> valid = new TreeMap<>();
    for (Map.Entry<String, String> e : env.entrySet()) {
      String name = e.getKey();
      if (name == null || name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
        out.add(new Violation(SpecKeys.ENVIRONMENT, FieldReader.show("", name),
            "variable names must be non-empty text without '=' or NUL."));
      } else if (name.equals(LlamaServerFlags.API_KEY_ENV)) {
        out.add(new Violation(SpecKeys.ENVIRONMENT, name, name + " is managed by the spec: set api_key or"
            + " api_key_file instead, so probes and clients know the key."));
      } else if (e.getValue() == null) {
        out.add(new Violation(SpecKeys.ENVIRONMENT, name, "the value of " + name + " must be text, got null."));
      } else if (e.getValue().indexOf('\0') >= 0) {
        out.add(new Violation(SpecKeys.ENVIRONMENT, name, "the value of " + name + " must not contain a NUL character."));
      } else {
        valid.put(name, e.getValue());
      }
    }
    return valid;
  }

  /**
   * Checks {@code execution_surface}: JSON-like values under text keys, and a {@code surface_kind}
   * that is absent or {@code local_subprocess}.
   *
   * @param surface the surface map
   * @param out receives the violations
   * @return the surface with {@code surface_kind} filled in (deeply copied, immutable)
   */
  public static Map<String, Object> checkExecutionSurface(Map<?, ?> surface, List<Violation> out) {
    Map<String, Object> result = new LinkedHashMap<>();
    result.put(SURFACE_KIND, LOCAL_SUBPROCESS);
    StringBuilder where = new StringBuilder();
    Object copy = FieldReader.jsonLike(surface, where);
    if (copy == null) {
      out.add(new Violation(SpecKeys.EXECUTION_SURFACE, FieldReader.show("", surface), "must hold only text keys"
          + " and JSON-like values (text, numbers, booleans, lists, maps); the problem is at" + where + "."));
      return result;
    }
    Map<?, ?> map = (Map<?, ?>) copy;
    Object kind = map.get(SURFACE_KIND);
    if (kind != null && !LOCAL_SUBPROCESS.equals(kind)) {
      boolean known = "ssh_exec".equals(kind) || "guest_bridge".equals(kind);
      out.add(new Violation(SpecKeys.EXECUTION_SURFACE, FieldReader.show("", kind), known
          ? "surface_kind " + FieldReader.show("", kind) + " is not supported yet; only \"local_subprocess\" is."
          : "surface_kind must be \"local_subprocess\" (the only supported surface)."));
      return result;
    }
    map.forEach((k, v) -> result.put((String) k, v));
    result.put(SURFACE_KIND, LOCAL_SUBPROCESS);
    return result;
  }

  /**
   * Checks {@code metadata}: text keys; {@code null} values are dropped.
   *
   * @param metadata the caller's data
   * @param out receives the violations
   * @return the valid entries, in order
   */
  public static Map<String, Object> checkMetadata(Map<?, ?> metadata, List<Violation> out) {
    Map<String, Object> valid = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : metadata.entrySet()) {
      if (!(e.getKey() instanceof String)) {
        out.add(new Violation(SpecKeys.METADATA, FieldReader.show("", e.getKey()), "keys must be text, got "
            + FieldReader.kind(e.getKey()) + "."));
      } else if (e.getValue() != null) {
        valid.put((String) e.getKey(), e.getValue());
      }
    }
    return valid;
  }

  /** {@return the host without IPv6 brackets, as {@code --host} gets it}
   * @param host a host that passed {@link #hostProblem} */
  public static String stripBrackets(String host) {
    return SpecUrls.stripBrackets(host);
  }

  /** {@return the route prefix normalised: a leading {@code /}, no trailing {@code /}, {@code ""} for none}
   * @param prefix the prefix */
  public static String normalisePrefix(String prefix) {
    return SpecUrls.normalisePrefix(prefix);
  }

  /**
   * {@return a value as a violation shows it: text quoted, secrets masked, long values cut}
   *
   * @param key the field (an {@code api_key} value is always masked)
   * @param value the value
   */
  public static String show(String key, Object value) {
    return FieldReader.show(key, value);
  }

  /**
   * The checks the {@code BootSpec} constructor makes on values that did not come through the builder;
   * a failure here is a programming error.
   *
   * @throws IllegalArgumentException naming what does not hold
   */
  public static void checkInvariants(String binaryPath, String model, String alias, String modelIdentity,
      String host, int port, List<Duration> positive) {
    for (String s : List.of(binaryPath, model, alias, modelIdentity, host)) {
      if (s.isBlank()) {
        throw new IllegalArgumentException("binaryPath, model, alias, modelIdentity and host must not be blank");
      }
    }
    if (portProblem(port) != null) {
      throw new IllegalArgumentException("port must be from 0 to 65535: " + port);
    }
    if (host.startsWith("[")) {
      throw new IllegalArgumentException("host is stored without IPv6 brackets: " + host);
    }
    for (Duration d : positive) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("timeouts and intervals must be positive: " + d);
      }
    }
  }

  /** {@return a new, empty list of violations} */
  public static List<Violation> violations() {
    return new ArrayList<>();
  }

  /** {@return the default alias of a model path: its last component without the final extension}
   * @param model the path */
  public static String deriveAlias(String model) {
    int end = model.length();
    while (end > 1 && model.charAt(end - 1) == '/') {
      end--;
    }
    String base = model.substring(model.lastIndexOf('/', end - 1) + 1, end);
    int dot = base.lastIndexOf('.');
    return dot >= 0 && dot < base.length() - 1 ? base.substring(0, dot) : base;
  }
}
