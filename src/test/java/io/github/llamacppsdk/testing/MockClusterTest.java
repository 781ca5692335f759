package io.github.llamacppsdk.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.core.EndpointDescriptor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The set-up the Kubernetes placement tests share: before each test a {@link MockCluster} with a tiny
 * model on its {@code models} claim and one GPU; after it, the backend the test built (if any) and the
 * cluster are closed.
 */
public abstract class MockClusterTest {
  /** A scratch directory of the test. */
  @TempDir protected Path tmp;
  /** The cluster of the test. */
  protected MockCluster cluster;
  /** The backend the test builds; closed after it. */
  protected LlamaCppBackend backend;
  /** A client for chats with the endpoints. */
  protected final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  final void startCluster() throws Exception {
    cluster = MockCluster.withTinyModel(tmp, 1);
  }

  @AfterEach
  final void closeBackendAndCluster() {
    if (backend != null) {
      backend.close();
    }
    cluster.close();
  }

  /** {@return the body of a chat with {@code endpoint}, checked to be a 200} */
  protected String chat(EndpointDescriptor endpoint) throws Exception {
    return chat(http, endpoint);
  }

  /** {@return the body of a chat with {@code endpoint} over {@code http}, checked to be a 200} */
  public static String chat(HttpClient http, EndpointDescriptor endpoint) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(endpoint.chatCompletionsUrl()))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + endpoint.modelIdentity()
            + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
    endpoint.headers().forEach(request::header);
    HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return response.body();
  }
}
