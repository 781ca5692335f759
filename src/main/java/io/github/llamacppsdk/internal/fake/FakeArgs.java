package io.github.llamacppsdk.internal.fake;

import io.github.llamacppsdk.internal.fake.FakeOptions.Kind;
import io.github.llamacppsdk.internal.fake.FakeOptions.Opt;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Parses llama-server's command line (and the fake's own {@code --fake-*} knobs) the way llama.cpp's
 * {@code common/arg.cpp} does, with the syntax of the build chosen by {@code --fake-build}: long and
 * short forms, {@code --flag value} and {@code --flag=value}, any order, unknown flags rejected with
 * {@code error: invalid argument: X}, bad values rejected with the usage text of that flag, {@code
 * --version} ending the parse. Environment forms ({@code LLAMA_ARG_*}, {@code LLAMA_API_KEY},
 * {@code FAKE_LLAMA_*}) fill in flags that were not given. Not API.
 */
final class FakeArgs {
  private static final Set<String> TRUTHY = Set.of("on", "enabled", "true", "1");
  private static final Set<String> FALSY = Set.of("off", "disabled", "false", "0");

  /** Thrown for a bad command line; the message is what llama-server prints on stderr. */
  static final class UsageError extends Exception {
    private static final long serialVersionUID = 1L;

    UsageError(String message) {
      super(message);
    }
  }

  private FakeArgs() {}

  /**
   * Parses {@code args} with the syntax of {@code rules}' build, then fills unset options from {@code env}.
   *
   * @throws UsageError with llama-server's message for an unknown flag or a bad value
   */
  static FakeConfig parse(List<String> args, Map<String, String> env, FakeBuildRules rules) throws UsageError {
    List<Opt> opts = FakeOptions.of(rules);
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      String name = arg;
      Optional<String> inline = Optional.empty();
      int eq = arg.indexOf('=');
      if (arg.startsWith("-") && eq > 0) {
        name = arg.substring(0, eq);
        inline = Optional.of(arg.substring(eq + 1));
      }
      Opt opt = find(opts, name).orElseThrow(() -> new UsageError("error: invalid argument: " + arg));
      switch (opt.kind()) {
        case VERSION:
          values.put("--version", "true"); // llama-server prints the version and exits at once
          return new FakeConfig(values, rules);
        case HELP:
          values.put("--help", "true");
          continue;
        case FLAG:
          values.put(opt.canonical(), String.valueOf(!opt.negatives().contains(name)));
          continue;
        default:
          break;
      }
      String value;
      if (inline.isPresent()) {
        value = inline.get();
      } else if (i + 1 < args.size()) {
        value = args.get(++i);
      } else {
        throw badValue(name, opt, "expected value for argument");
      }
      Optional<String> checked = check(opt, value, rules);
      if (checked.isEmpty()) {
        throw badValue(name, opt, why(opt, value));
      }
      values.put(opt.canonical(), checked.get());
    }
    for (Opt opt : opts) {
      String canonical = opt.canonical();
      if (opt.env() == null || values.containsKey(canonical) || !env.containsKey(opt.env())) {
        continue;
      }
      String value = env.get(opt.env());
      if (opt.kind() == Kind.FLAG) {
        if (TRUTHY.contains(value.toLowerCase(java.util.Locale.ROOT))) {
          values.put(canonical, "true");
        } else if (FALSY.contains(value.toLowerCase(java.util.Locale.ROOT))) {
          values.put(canonical, "false");
        }
      } else {
        String checked = check(opt, value, rules).orElse(null);
        if (checked == null) {
          throw new UsageError("error while handling environment variable \"" + opt.env() + "\": " + why(opt, value) + "\n\n");
        }
        values.put(canonical, checked);
      }
    }
    return new FakeConfig(values, rules);
  }

  private static Optional<Opt> find(List<Opt> opts, String name) {
    return opts.stream().filter(o -> o.names().contains(name)).findFirst();
  }

  /** {@return the value as stored (flash-attn normalised to on/off/auto), or empty when invalid} */
  private static Optional<String> check(Opt opt, String value, FakeBuildRules rules) {
    switch (opt.kind()) {
      case INT:
        return Optional.of(value).filter(FakeArgs::isInt);
      case GPU_LAYERS:
        return Optional.of(value).filter(v -> v.equals("auto") || v.equals("all") || isInt(v));
      case CHOICE:
        return Optional.of(value).filter(opt.choices()::contains);
      case FLASH_ATTN:
        if (List.of("on", "off", "auto").contains(value)) {
          return Optional.of(value);
        }
        if (!rules.flashAttnNumbers()) {
          return Optional.empty();
        }
        if (TRUTHY.contains(value)) {
          return Optional.of("on");
        }
        if (FALSY.contains(value)) {
          return Optional.of("off");
        }
        return value.equals("-1") ? Optional.of("auto") : Optional.empty();
      default:
        return Optional.of(value);
    }
  }

  private static boolean isInt(String value) {
    return value.matches("-?\\d{1,9}");
  }

  /** {@return what llama-server says about a bad value of {@code opt}} */
  private static String why(Opt opt, String value) {
    switch (opt.kind()) {
      case INT:
      case GPU_LAYERS:
        return "stoi";
      case CHOICE:
      case FLASH_ATTN:
        return opt.badChoice() != null ? opt.badChoice()
            : "error: unknown value for " + opt.canonical() + ": '" + value + "'\n";
      default:
        return "invalid value";
    }
  }

  private static UsageError badValue(String name, Opt opt, String why) {
    return new UsageError("error while handling argument \"" + name + "\": " + why + "\n\nusage:\n"
        + FakeOptions.usage(opt) + "\n\nto show complete usage, run with -h");
  }
}
