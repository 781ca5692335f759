package io.github.llamacppsdk.reliability;

import static org.assertj.core.api.Assertions.fail;

import io.github.llamacppsdk.AttachSpec;
import io.github.llamacppsdk.BootSpec;
import io.github.llamacppsdk.core.ConsumerManifest;
import io.github.llamacppsdk.core.InferenceException;
import io.github.llamacppsdk.core.ResolveOptions;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Item 8 (bad input, pure part): seeded random maps into every {@code fromMap} ({@link BootSpec},
 * {@link ConsumerManifest}, {@link ResolveOptions}, {@link AttachSpec}) give a value or an {@link
 * InferenceException}, never another exception. Keys are mostly the real ones, values of every JSON-ish
 * shape (null, numbers of every width, NaN, strings, lists, nested maps). Reproduce with {@code
 * -Dreliability.fuzz.seed=N}.
 */
@Timeout(120)
class FromMapFuzzTest {
  static final int CASES = Integer.getInteger("reliability.fuzz.cases", 5_000);
  static final long SEED = Long.getLong("reliability.fuzz.seed", 8L);

  private static final List<String> BOOT_KEYS = List.of("model", "binary_path", "alias", "model_identity", "host",
      "port", "api_prefix", "ctx_size", "gpu_layers", "threads", "threads_batch", "parallel", "flash_attn", "embeddings",
      "api_key", "api_key_file", "timeout_seconds", "threads_http", "pooling", "ready_timeout_ms",
      "readiness_interval_ms", "health_interval_ms", "stop_timeout_ms", "stall_timeout_ms", "idle_shutdown_ms",
      "execution_surface", "environment", "extra_args", "launcher_args", "metadata");
  private static final List<String> CONSUMER_KEYS = List.of("consumer", "accepted_runtime_kinds",
      "accepted_management_modes", "accepted_protocols", "required_capabilities", "optional_capabilities",
      "constraints", "metadata", "startup_kind", "contract_version");
  private static final List<String> RESOLVE_KEYS = List.of("owner_ref", "ttl_ms", "await_timeout_ms");
  private static final List<String> ATTACH_KEYS = List.of("root_url", "alias", "model_identity", "api_prefix", "api_key",
      "ready_timeout_ms", "health_interval_ms");
  private static final List<String> STRINGS = List.of("", " ", "auto", "all", "on", "off", "service", "task",
      "jido_managed", "externally_managed", "openai_chat_completions", "spawned", "attach_existing_service",
      "http://127.0.0.1:8080", "127.0.0.1:1/v1/", "ftp://x", "http://", "http://[::1", "/models/a.gguf", "-1", "1e9",
      "NaN", "a\u0000b", "x\ny", "\u00e9\u4e2d", "%zz", "true", "null", "streaming", "tool_calling", "unknown");

  @Test
  void everyFromMapGivesAValueOrATypedFailure() {
    Map<String, int[]> outcomes = new TreeMap<>();
    run("BootSpec", BOOT_KEYS, BootSpec::fromMap, outcomes);
    run("ConsumerManifest", CONSUMER_KEYS, ConsumerManifest::fromMap, outcomes);
    run("ResolveOptions", RESOLVE_KEYS, ResolveOptions::fromMap, outcomes);
    run("AttachSpec", ATTACH_KEYS, AttachSpec::fromMap, outcomes);
    StringBuilder sb = new StringBuilder();
    outcomes.forEach((k, v) -> sb.append(k).append(" ok=").append(v[0]).append(" typed=").append(v[1]).append("; "));
    Rel.figure("fromMap fuzz, seed " + SEED + ", " + CASES + " maps each", sb);
  }

  private static void run(String what, List<String> keys, Function<Map<String, Object>, ?> fromMap,
      Map<String, int[]> outcomes) {
    Random r = new Random(SEED ^ what.hashCode());
    int[] counts = new int[2];
    for (int i = 0; i < CASES; i++) {
      Map<String, Object> map = randomMap(r, keys);
      try {
        fromMap.apply(map);
        counts[0]++;
      } catch (InferenceException e) {
        counts[1]++;
      } catch (RuntimeException | StackOverflowError e) {
        fail(what + ".fromMap, seed " + SEED + ", case " + i + ": " + map + " threw " + e, e);
      }
    }
    outcomes.put(what, counts);
  }

  private static Map<String, Object> randomMap(Random r, List<String> keys) {
    Map<String, Object> m = new HashMap<>();
    int n = r.nextInt(keys.size() + 2);
    for (int i = 0; i < n; i++) {
      String key = r.nextInt(15) == 0 ? mutate(r, keys.get(r.nextInt(keys.size()))) : keys.get(r.nextInt(keys.size()));
      m.put(key, r.nextBoolean() ? plausible(r, key) : value(r, 0));
    }
    for (String required : List.of("model", "consumer", "root_url", "alias")) {
      if (keys.contains(required) && r.nextInt(4) > 0) {
        m.put(required, plausible(r, required));
      }
    }
    if (r.nextInt(50) == 0) {
      m.put(null, value(r, 0));
    }
    return m;
  }

  /** A value of the right shape for the key, usually valid, so that both outcomes are reached. */
  private static Object plausible(Random r, String key) {
    if (key.endsWith("_ms") || key.equals("port") || key.equals("ctx_size") || key.startsWith("threads")
        || key.equals("parallel") || key.equals("timeout_seconds")) {
      return r.nextInt(5) == 0 ? r.nextInt(70_000) - 10 : 1 + r.nextInt(5000);
    }
    switch (key) {
      case "model":
        return "/models/m" + r.nextInt(3) + ".gguf";
      case "root_url":
        return List.of("http://127.0.0.1:8080", "127.0.0.1:9/v1/", "https://[::1]:8443/").get(r.nextInt(3));
      case "embeddings":
        return r.nextBoolean();
      case "gpu_layers":
        return r.nextBoolean() ? "auto" : r.nextInt(99);
      case "flash_attn":
        return List.of("on", "off", "auto").get(r.nextInt(3));
      case "accepted_runtime_kinds":
        return List.of("service");
      case "accepted_management_modes":
        return List.of("jido_managed", "externally_managed");
      case "accepted_protocols":
        return List.of("openai_chat_completions");
      case "required_capabilities":
      case "optional_capabilities":
        return Map.of("streaming", r.nextBoolean() ? Boolean.TRUE : "unknown");
      case "environment":
      case "metadata":
      case "constraints":
      case "execution_surface":
        return Map.of("k", "v");
      case "extra_args":
      case "launcher_args":
        return List.of("--verbose");
      default:
        return "x" + r.nextInt(3);
    }
  }

  private static String mutate(Random r, String key) {
    switch (r.nextInt(4)) {
      case 0:
        return key.toUpperCase();
      case 1:
        return key.substring(1);
      case 2:
        return "";
      default:
        return key + "_";
    }
  }

  private static Object value(Random r, int depth) {
    switch (r.nextInt(depth > 2 ? 12 : 15)) {
      case 0:
        return null;
      case 1:
        return r.nextInt(200) - 20;
      case 2:
        return r.nextLong();
      case 3:
        return new BigInteger(80, r);
      case 4:
        return List.of(Double.NaN, Double.POSITIVE_INFINITY, -0.0, 1.5, 1e300, 30000.0).get(r.nextInt(6));
      case 5:
        return r.nextBoolean();
      case 6:
      case 7:
      case 8:
        return STRINGS.get(r.nextInt(STRINGS.size()));
      case 9:
        return new BigDecimal("1" + "0".repeat(r.nextInt(30)));
      case 10:
        return List.of(Duration.ofMillis(5), 'c', (short) 3, (byte) 1, 2.5f, new Object()).get(r.nextInt(6));
      case 11:
        return Integer.MAX_VALUE;
      case 12:
      case 13: {
        List<Object> list = new ArrayList<>();
        for (int i = r.nextInt(4); i > 0; i--) {
          list.add(value(r, depth + 1));
        }
        return list;
      }
      default: {
        Map<Object, Object> map = new HashMap<>();
        for (int i = r.nextInt(4); i > 0; i--) {
          map.put(r.nextInt(6) == 0 ? r.nextInt(3) : STRINGS.get(r.nextInt(STRINGS.size())), value(r, depth + 1));
        }
        return map;
      }
    }
  }
}
