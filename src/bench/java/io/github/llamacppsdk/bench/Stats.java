package io.github.llamacppsdk.bench;

import java.util.Arrays;

/**
 * Percentiles of a sample of durations in nanoseconds, read from the sorted array (nearest rank, no
 * interpolation, no histogram buckets). Immutable.
 */
final class Stats {
  private final long[] sorted;

  private Stats(long[] sorted) {
    this.sorted = sorted;
  }

  static Stats of(long[] nanos) {
    if (nanos.length == 0) {
      throw new IllegalArgumentException("no samples");
    }
    long[] copy = nanos.clone();
    Arrays.sort(copy);
    return new Stats(copy);
  }

  int count() {
    return sorted.length;
  }

  /** {@return the q-quantile (0 < q <= 1) by nearest rank} @param q the quantile */
  long quantile(double q) {
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
  }

  long p50() {
    return quantile(0.50);
  }

  long p99() {
    return quantile(0.99);
  }

  long min() {
    return sorted[0];
  }

  long max() {
    return sorted[sorted.length - 1];
  }

  /** {@return "p50 a / p90 b / p99 c / max d (n=N)" in the given unit} @param unit ms or us */
  String summary(String unit) {
    return "p50 " + fmt(p50(), unit) + " / p90 " + fmt(quantile(0.90), unit) + " / p99 " + fmt(p99(), unit)
        + " / min " + fmt(min(), unit) + " / max " + fmt(max(), unit) + " (n=" + sorted.length + ")";
  }

  static String fmt(long nanos, String unit) {
    double v = "us".equals(unit) ? nanos / 1e3 : nanos / 1e6;
    return Report.num(v) + ("us".equals(unit) ? " µs" : " ms");
  }
}
