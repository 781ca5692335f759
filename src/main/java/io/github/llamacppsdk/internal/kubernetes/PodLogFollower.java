package io.github.llamacppsdk.internal.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.LogWatch;
import io.github.llamacppsdk.internal.Log;
import io.github.llamacppsdk.internal.process.LineFramer;
import io.github.llamacppsdk.kubernetes.KubernetesPlacement;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/**
 * Not API. Follows one container's log ({@code follow=true&timestamps=true}) on a daemon thread
 * {@code llamacpp-log-<pod>}, and reconnects from the last timestamp when the stream ends while the
 * container still runs (API servers cut long streams; a server that does not follow ends each
 * request at once, which turns this into a poll every {@value #RECONNECT_MILLIS} ms). Lines already
 * delivered are recognised by their timestamps and dropped, so a reconnect neither loses nor repeats
 * a line; a line without a timestamp is not the container's (an error body) and is dropped. One last pass after the container ended collects the tail; then {@link PodProcess#logDrained()}.
 */
final class PodLogFollower implements Runnable {
  static final long RECONNECT_MILLIS = 250;
  private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX");

  private final KubernetesClient client;
  private final String namespace;
  private final PodProcess pod;
  private final Log log; // its lines carry the server in the MDC, as the server's own lines do
  private Instant lastTimestamp;
  private int seenAtLast;
  private int samePass;

  PodLogFollower(KubernetesClient client, String namespace, PodProcess pod) {
    this.client = client;
    this.namespace = namespace;
    this.pod = pod;
    this.log = Log.forServer(PodLogFollower.class.getName(), pod.displayName());
  }

  void start() {
    Thread t = new Thread(this, "llamacpp-log-" + pod.podName());
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void run() {
    try {
      while (!pod.isGone()) {
        boolean lastPass = pod.containerDone();
        if (!pass()) {
          break;
        }
        if (lastPass) {
          break;
        }
        pod.awaitChange(RECONNECT_MILLIS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      pod.logDrained();
    }
  }

  /** One request; {@return false when the pod is gone} */
  private boolean pass() {
    samePass = 0;
    var container = client.pods().inNamespace(namespace).withName(pod.podName())
        .inContainer(KubernetesPlacement.CONTAINER_NAME).usingTimestamps();
    var request = lastTimestamp == null ? container
        : container.sinceTime(SECONDS.format(OffsetDateTime.ofInstant(lastTimestamp.truncatedTo(ChronoUnit.SECONDS),
            ZoneOffset.UTC)));
    LineFramer framer = new LineFramer(LineFramer.DEFAULT_MAX_LINE_BYTES);
    try (LogWatch watch = request.watchLog(); InputStream in = watch.getOutput()) {
      byte[] chunk = new byte[8192];
      int n;
      while ((n = in.read(chunk)) != -1) {
        framer.push(chunk, 0, n, this::onLine);
      }
      framer.flush(this::onLine);
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return false;
      }
      log.debug("{}: log stream of pod {} failed: {}", pod.displayName(), pod.podName(), e.getMessage());
      return true;
    } catch (IOException e) {
      log.debug("{}: log stream of pod {} closed: {}", pod.displayName(), pod.podName(), e.toString());
      return true;
    }
  }

  private void onLine(String raw) {
    int space = raw.indexOf(' ');
    Instant ts = null;
    if (space > 0) {
      try {
        ts = OffsetDateTime.parse(raw.substring(0, space)).toInstant();
      } catch (DateTimeParseException e) {
        ts = null;
      }
    }
    if (ts == null) { // every container log line has one; anything else is the API server's error body
      log.debug("{}: not a log line of pod {}: {}", pod.displayName(), pod.podName(), raw);
      return;
    }
    if (lastTimestamp != null && ts.isBefore(lastTimestamp)) {
      return;
    }
    if (ts.equals(lastTimestamp)) {
      samePass++;
      if (samePass <= seenAtLast) {
        return;
      }
      seenAtLast++;
    } else {
      lastTimestamp = ts;
      seenAtLast = 1;
      samePass = 1;
    }
    pod.logLine(raw.substring(space + 1));
  }
}
