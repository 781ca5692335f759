package io.github.llamacppsdk.real;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.Pooling;
import io.github.llamacppsdk.core.Resolution;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import io.github.llamacppsdk.testing.RealServer;
import io.github.llamacppsdk.testkit.GgufFiles;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Embeddings on the real llama-server: a spec with {@code embeddings(true)} and a pooling type
 * answers {@code /v1/embeddings} with one vector of the model's embedding length per input, and the
 * pooling type reaches the server (mean, CLS and last pooling give different vectors).
 */
@Timeout(120)
@ExtendWith(NoLeakedProcesses.class)
class RealEmbeddingsIT {
  /** Not the tiny model's default (64), so the length can only come from this model file. */
  private static final int EMBEDDING_LENGTH = 96;
  private static final String INPUT = "{\"model\":\"tiny\",\"input\":[\"hello ok\",\"ok ok ok hello\"]}";

  @TempDir Path tmp;

  @Test
  void eachPoolingTypeAnswersWithVectorsOfTheModelsEmbeddingLength() {
    Path binary = RealServer.requireBinary();
    Path model = GgufFiles.tinyModel().embeddingLength(EMBEDDING_LENGTH).write(tmp.resolve("embed.gguf"));
    Map<Pooling, List<Double>> firstVector = new EnumMap<>(Pooling.class);
    try (LlamaCppBackend backend = LlamaCppBackend.create()) {
      for (Pooling pooling : List.of(Pooling.MEAN, Pooling.CLS, Pooling.LAST)) {
        try (Resolution r = backend.resolveEndpoint(RealFixture.spec(binary, model).alias("tiny")
            .embeddings(true).pooling(pooling).build(), RealFixture.options("embed-" + pooling))) {
          assertThat(r.instance().process().orElseThrow().command())
              .contains("--embedding").contains("--pooling " + pooling.wireValue());

          HttpResponse<String> answer = RealHttp.post(r.endpoint().baseUrl() + "/embeddings", INPUT,
              r.endpoint().headers());

          assertThat(answer.statusCode()).as("%s: %s", pooling, answer.body()).isEqualTo(200);
          JsonNode body = RealHttp.json(answer);
          assertThat(body.path("object").asText()).isEqualTo("list");
          JsonNode data = body.path("data");
          assertThat(data.size()).as("one vector per input").isEqualTo(2);
          for (int i = 0; i < 2; i++) {
            assertThat(data.path(i).path("object").asText()).isEqualTo("embedding");
            assertThat(data.path(i).path("index").asInt()).isEqualTo(i);
            assertThat(data.path(i).path("embedding").size()).as("%s vector %d", pooling, i).isEqualTo(EMBEDDING_LENGTH);
          }
          firstVector.put(pooling, vector(data.path(0).path("embedding")));
        }
        backend.instances().forEach(s -> backend.stopInstance(s.instanceId()).join());
      }
    }
    assertThat(firstVector.get(Pooling.MEAN)).as("mean vs CLS pooling").isNotEqualTo(firstVector.get(Pooling.CLS));
    assertThat(firstVector.get(Pooling.MEAN)).as("mean vs last pooling").isNotEqualTo(firstVector.get(Pooling.LAST));
  }

  private static List<Double> vector(JsonNode array) {
    List<Double> v = new ArrayList<>();
    array.forEach(n -> v.add(n.asDouble()));
    return v;
  }
}
