package io.github.llamacppsdk.internal.probe;

import io.github.llamacppsdk.core.HealthStatus;
import java.util.Locale;

/**
 * Not API. The health classification table, as a pure function.
 *
 * <table>
 *   <caption>One {@code GET {prefix}/health}</caption>
 *   <tr><th>Observation</th><th>Health</th></tr>
 *   <tr><td>200, status/body says {@code unavailable}</td><td>UNAVAILABLE</td></tr>
 *   <tr><td>200, status/body says {@code degraded}</td><td>DEGRADED</td></tr>
 *   <tr><td>200, anything else ({@code {"status":"ok"}})</td><td>HEALTHY</td></tr>
 *   <tr><td>502, 503, 504</td><td>DEGRADED</td></tr>
 *   <tr><td>404 (a build without {@code /health})</td><td>fall back to {@code /v1/models}: 200 HEALTHY,
 *   else UNAVAILABLE</td></tr>
 *   <tr><td>no answer (refused, timed out)</td><td>UNAVAILABLE (not retried on {@code /v1/models}: a
 *   server that does not answer {@code /health} in time does not serve)</td></tr>
 *   <tr><td>any other status (401, 500, ...)</td><td>UNAVAILABLE</td></tr>
 * </table>
 *
 * <p>A JSON body is read by its {@code status} field first, and only a non-JSON
 * body is matched by substring.
 */
public final class HealthClassifier {
  private HealthClassifier() {}

  /** The verdict on one health answer. */
  public record Verdict(HealthStatus status, String reason, boolean fallbackToModels) {}

  /**
   * Classifies one health answer.
   *
   * @param path the probed path, for the reason
   * @param status the HTTP status, or -1 when there was no answer
   * @param body the (bounded) body
   * @param failure why there was no answer, or {@code null}
   * @return the verdict
   */
  public static Verdict classify(String path, int status, String body, String failure) {
    if (failure != null) {
      return new Verdict(HealthStatus.UNAVAILABLE, "GET " + path + " -> " + failure, false);
    }
    String what = "GET " + path + " -> " + status;
    if (status == 200) {
      String text = Json.status(body).orElse(body).strip().toLowerCase(Locale.ROOT);
      if (text.contains("unavailable")) {
        return new Verdict(HealthStatus.UNAVAILABLE, what + " " + text, false);
      }
      if (text.contains("degraded")) {
        return new Verdict(HealthStatus.DEGRADED, what + " " + text, false);
      }
      return new Verdict(HealthStatus.HEALTHY, what + (text.isEmpty() ? "" : " " + text), false);
    }
    if (status == 502 || status == 503 || status == 504) {
      return new Verdict(HealthStatus.DEGRADED,
          what + Json.errorMessage(body).map(m -> " " + m).orElse(""), false);
    }
    if (status == 404) {
      return new Verdict(HealthStatus.UNAVAILABLE, what, true);
    }
    return new Verdict(HealthStatus.UNAVAILABLE,
        what + Json.errorMessage(body).map(m -> " " + m).orElse(""), false);
  }
}
