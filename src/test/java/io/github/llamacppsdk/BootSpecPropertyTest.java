package io.github.llamacppsdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.github.llamacppsdk.core.ErrorCode;
import io.github.llamacppsdk.internal.spec.SpecKeys;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Random maps into {@link BootSpec#fromMap}: the only outcomes are a valid spec or an
 * {@link InvalidBootSpecException} whose violations all have a field and a reason. Reproduce a
 * failure with {@code -Dbootspec.seed=N}.
 */
@Timeout(60)
class BootSpecPropertyTest {
  private static final int CASES = 5_000;
  private static final List<String> STRINGS = List.of("", " ", "auto", "all", "on", "off", "mean",
      "rank", "local_subprocess", "ssh_exec", "/models/a.gguf", ".gguf", "[::1]", "::", "0.0.0.0",
      "/tmp/x.sock", "--port", "-m", "--verbose", "8080", "llama", "/llama/", "a\u0000b", "x\ny",
      "/dev/null", "/nonexistent/key", "\u00e9\u4e2d", "true");

  @Test
  void fromMapYieldsASpecOrAnInvalidSpecExceptionAndNothingElse() {
    long seed = Long.getLong("bootspec.seed", System.nanoTime());
    Random random = new Random(seed);
    int valid = 0;
    for (int i = 0; i < CASES; i++) {
      Map<String, Object> attrs = randomMap(random);
      try {
        BootSpec spec = BootSpec.fromMap(attrs);
        valid++;
        assertThat(spec.toCommandLine().argv()).first().isEqualTo(spec.binaryPath());
        assertThat(spec.instanceKey()).startsWith("llama_cpp_sdk:");
        assertThat(spec.toBuilder().build()).isEqualTo(spec);
      } catch (InvalidBootSpecException e) {
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SPEC);
        assertThat(e.violations()).isNotEmpty().allSatisfy(v -> {
          assertThat(v.field()).isNotBlank();
          assertThat(v.reason()).isNotBlank();
        });
      } catch (RuntimeException | AssertionError e) {
        fail("seed " + seed + ", case " + i + " (rerun with -Dbootspec.seed=" + seed + "): "
            + attrs.keySet() + " threw " + e, e);
      }
    }
    // The generator must reach both outcomes, or the property says little.
    assertThat(valid).as("valid specs generated (seed %d)", seed).isPositive().isLessThan(CASES);
  }

  private static Map<String, Object> randomMap(Random r) {
    Map<String, Object> m = new HashMap<>();
    if (r.nextInt(10) > 0) {
      m.put("model", r.nextInt(4) > 0 ? "/models/m" + r.nextInt(5) + ".gguf" : randomValue(r, 0));
    }
    int n = r.nextInt(6);
    for (int i = 0; i < n; i++) {
      String key = r.nextInt(12) == 0 ? randomKey(r) : SpecKeys.ALL.get(r.nextInt(SpecKeys.ALL.size()));
      m.put(key, r.nextInt(3) == 0 ? plausible(r, key) : randomValue(r, 0));
    }
    return m;
  }

  private static String randomKey(Random r) {
    String known = SpecKeys.ALL.get(r.nextInt(SpecKeys.ALL.size()));
    switch (r.nextInt(3)) {
      case 0:
        return known.substring(0, Math.max(1, known.length() - 1));
      case 1:
        return known.toUpperCase();
      default:
        return "k" + r.nextInt(1000);
    }
  }

  /** A value of the right shape for {@code key}, often valid. */
  private static Object plausible(Random r, String key) {
    switch (key) {
      case "port":
        return r.nextInt(70_000) - 10;
      case "gpu_layers":
        return r.nextBoolean() ? List.of("auto", "all").get(r.nextInt(2)) : r.nextInt(200) - 5;
      case "flash_attn":
        return r.nextBoolean() ? r.nextBoolean() : List.of("on", "off", "auto").get(r.nextInt(3));
      case "embeddings":
        return r.nextBoolean();
      case "pooling":
        return Pooling.values()[r.nextInt(5)].wireValue();
      case "environment":
        return Map.of("V" + r.nextInt(3), r.nextBoolean() ? "x" : r.nextInt(9));
      case "extra_args":
      case "launcher_args":
        return List.of(STRINGS.get(r.nextInt(STRINGS.size())));
      case "execution_surface":
        return Map.of("surface_kind", STRINGS.get(r.nextInt(STRINGS.size())));
      case "metadata": {
        Map<String, Object> meta = new HashMap<>();
        meta.put("k", randomValue(r, 1));
        return meta;
      }
      case "host":
      case "alias":
      case "model_identity":
      case "api_prefix":
      case "binary_path":
      case "api_key":
      case "api_key_file":
      case "model":
        return STRINGS.get(r.nextInt(STRINGS.size()));
      default:
        return r.nextInt(100_000) - 5;
    }
  }

  private static Object randomValue(Random r, int depth) {
    switch (r.nextInt(depth > 2 ? 10 : 14)) {
      case 0:
        return null;
      case 1:
        return r.nextInt();
      case 2:
        return r.nextLong();
      case 3:
        return new BigInteger(100, r);
      case 4:
        return r.nextDouble() * 1e6;
      case 5:
        return r.nextBoolean();
      case 6:
      case 7:
        return STRINGS.get(r.nextInt(STRINGS.size()));
      case 8:
        return Duration.ofMillis(r.nextLong() % 1_000_000);
      case 9:
        return r.nextBoolean() ? Path.of("/models/p.gguf") : GpuLayers.count(r.nextInt(5));
      case 10:
      case 11: {
        List<Object> list = new ArrayList<>();
        for (int i = r.nextInt(4); i > 0; i--) {
          list.add(randomValue(r, depth + 1));
        }
        return list;
      }
      default: {
        Map<Object, Object> map = new HashMap<>();
        for (int i = r.nextInt(4); i > 0; i--) {
          map.put(r.nextInt(5) == 0 ? r.nextInt(3) : STRINGS.get(r.nextInt(STRINGS.size())), randomValue(r, depth + 1));
        }
        return map;
      }
    }
  }
}
