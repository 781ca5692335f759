package io.github.llamacppsdk.internal.probe;

import java.util.List;
import java.util.Objects;

/**
 * Not API. What one readiness probe saw. Probing never throws: every outcome, including a refused
 * connection, is an observation, and the last one is kept for error messages.
 */
public sealed interface Observation {

  /** {@return a one-line description, e.g. {@code GET /health -> 503 Loading model}} */
  String describe();

  /** {@return the coarse kind, for comparing successive observations} */
  Kind kind();

  /** The coarse kinds of observation. */
  enum Kind {
    NOT_LISTENING, LOADING, UNAUTHORIZED, WRONG_MODEL, UNEXPECTED, READY
  }

  /**
   * Nothing accepts connections yet (or the connection failed).
   *
   * @param what e.g. {@code TCP 127.0.0.1:8080 -> connection refused}
   */
  record NotListening(String what) implements Observation {
    @Override public String describe() { return what; }
    @Override public Kind kind() { return Kind.NOT_LISTENING; }
  }

  /**
   * The server answers but is loading its model (503).
   *
   * @param what e.g. {@code GET /health -> 503 Loading model}
   */
  record Loading(String what) implements Observation {
    @Override public String describe() { return what; }
    @Override public Kind kind() { return Kind.LOADING; }
  }

  /**
   * The server wants a key we do not have, or rejects ours (401).
   *
   * @param what e.g. {@code GET /p/health -> 401 Invalid API Key}
   */
  record Unauthorized(String what) implements Observation {
    @Override public String describe() { return what; }
    @Override public Kind kind() { return Kind.UNAUTHORIZED; }
  }

  /**
   * Something answers {@code /v1/models}, but not with the model we started: not our server.
   *
   * @param expected the alias we expect
   * @param served the model ids it serves
   */
  record WrongModel(String expected, List<String> served) implements Observation {
    public WrongModel {
      Objects.requireNonNull(expected, "expected");
      served = List.copyOf(served);
    }

    @Override public String describe() {
      return "GET /v1/models -> 200 serving " + served + ", expected \"" + expected + "\"";
    }

    @Override public Kind kind() { return Kind.WRONG_MODEL; }
  }

  /**
   * An answer that fits no rule (an unexpected status, a body that is not llama-server's JSON).
   *
   * @param what e.g. {@code GET /health -> 500 (text/html, 12 bytes)}
   */
  record Unexpected(String what) implements Observation {
    @Override public String describe() { return what; }
    @Override public Kind kind() { return Kind.UNEXPECTED; }
  }

  /**
   * Health is 200 and {@code /v1/models} serves the expected model.
   *
   * @param modelId the model id served
   */
  record Ready(String modelId) implements Observation {
    @Override public String describe() { return "GET /health -> 200, GET /v1/models -> 200 serving \"" + modelId + "\""; }
    @Override public Kind kind() { return Kind.READY; }
  }
}
