package io.github.llamacppsdk.internal.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamacppsdk.core.HealthStatus;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HealthClassifierTest {

  @ParameterizedTest(name = "{0} {1} -> {2} (fallback {3})")
  @CsvSource(delimiter = '|', value = {
      "200 | {\"status\":\"ok\"}          | HEALTHY     | false",
      "200 | healthy                      | HEALTHY     | false",
      "200 | ''                           | HEALTHY     | false",
      "200 | degraded                     | DEGRADED    | false",
      "200 | {\"status\":\"degraded\"}    | DEGRADED    | false",
      "200 | unavailable                  | UNAVAILABLE | false",
      "200 | {\"status\":\"unavailable\"} | UNAVAILABLE | false",
      "502 | ''                           | DEGRADED    | false",
      "503 | {\"error\":{\"message\":\"Loading model\"}} | DEGRADED | false",
      "504 | ''                           | DEGRADED    | false",
      "404 | ''                           | UNAVAILABLE | true",
      "401 | ''                           | UNAVAILABLE | false",
      "500 | boom                         | UNAVAILABLE | false",
  })
  void classifiesLikeTheSeed(int status, String body, HealthStatus expected, boolean fallback) {
    HealthClassifier.Verdict v = HealthClassifier.classify("/health", status, body, null);

    assertThat(v.status()).isEqualTo(expected);
    assertThat(v.fallbackToModels()).isEqualTo(fallback);
    assertThat(v.reason()).startsWith("GET /health -> " + status);
  }

  @ParameterizedTest
  @CsvSource({"connection refused", "timed out"})
  void noAnswerIsUnavailableWithoutAModelsRetry(String failure) {
    HealthClassifier.Verdict v = HealthClassifier.classify("/p/health", -1, "", failure);

    assertThat(v.status()).isEqualTo(HealthStatus.UNAVAILABLE);
    assertThat(v.fallbackToModels()).as("a hung or dead server is not asked twice").isFalse();
    assertThat(v.reason()).isEqualTo("GET /p/health -> " + failure);
  }
}
