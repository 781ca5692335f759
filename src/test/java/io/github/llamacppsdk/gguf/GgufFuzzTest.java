package io.github.llamacppsdk.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.github.llamacppsdk.testkit.GgufFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random corruptions of a valid model: the reader either reads the file or throws {@link
 * InvalidModelFileException}, never anything else (no index, arithmetic, allocation or UTF-8 errors).
 */
class GgufFuzzTest {
  private static final long SEED = 20_261_202L;
  private static final int RUNS = 1500;

  @TempDir Path tmp;

  @Test
  void corruptionsGiveOnlyTheTypedError() throws IOException {
    byte[] valid = Files.readAllBytes(GgufFiles.tinyModel().embeddingLength(8).layers(1).feedForwardLength(8)
        .write(tmp.resolve("valid.gguf")));
    int metadataEnd = (int) GgufModel.read(tmp.resolve("valid.gguf")).dataOffset();
    SplittableRandom random = new SplittableRandom(SEED);
    Path file = tmp.resolve("fuzz.gguf");
    Map<InvalidModelFileException.Problem, Integer> seen = new EnumMap<>(InvalidModelFileException.Problem.class);
    int readOk = 0;

    for (int run = 0; run < RUNS; run++) {
      byte[] bytes = corrupt(valid, metadataEnd, random);
      Files.write(file, bytes);
      try {
        GgufModel m = GgufModel.read(file);
        assertThat(m.tensorBytes()).isBetween(0L, m.fileSize());
        readOk++;
      } catch (InvalidModelFileException e) {
        assertThat(e.path()).isEqualTo(file);
        assertThat(e.getMessage()).startsWith("INVALID_MODEL_FILE: " + file + ": ");
        seen.merge(e.problem(), 1, Integer::sum);
      } catch (RuntimeException | Error e) {
        fail("run " + run + " (seed " + SEED + "): " + e, e);
      }
    }

    assertThat(seen.keySet()).as("the corruptions reach the checks: %s, %d read", seen, readOk)
        .contains(InvalidModelFileException.Problem.NOT_GGUF, InvalidModelFileException.Problem.TRUNCATED,
            InvalidModelFileException.Problem.MALFORMED);
  }

  private static byte[] corrupt(byte[] valid, int metadataEnd, SplittableRandom random) {
    byte[] b = valid.clone();
    switch (random.nextInt(6)) {
      case 0 -> { // flip a few bytes in the header and metadata
        for (int i = random.nextInt(1, 8); i > 0; i--) {
          b[random.nextInt(metadataEnd)] ^= (byte) random.nextInt(1, 256);
        }
      }
      case 1 -> { // an extreme 64-bit value where a count or a length may be
        long v = switch (random.nextInt(4)) {
          case 0 -> -1L;
          case 1 -> Long.MAX_VALUE;
          case 2 -> 1L << random.nextInt(63);
          default -> random.nextLong();
        };
        int at = random.nextInt(metadataEnd - 8);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(at, v);
      }
      case 2 -> b = Arrays.copyOf(b, random.nextInt(b.length)); // truncate anywhere
      case 3 -> b = Arrays.copyOf(b, random.nextInt(Math.min(64, b.length))); // truncate in the header
      case 4 -> { // random garbage over a run of the metadata
        int at = random.nextInt(metadataEnd);
        for (int i = at; i < Math.min(metadataEnd, at + random.nextInt(1, 64)); i++) {
          b[i] = (byte) random.nextInt(256);
        }
      }
      default -> { // a 32-bit type or dimension count set to something odd
        int at = random.nextInt(metadataEnd - 4);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(at, random.nextInt(-3, 70));
      }
    }
    return b;
  }
}
