package io.github.llamacppsdk.internal.probe;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Not API. The library's private JSON reading of llama-server's answers; never throws.
 *
 * <p>A small recursive-descent reader (objects, arrays, strings with escapes, numbers, literals; nesting
 * bounded) rather than Jackson's {@code ObjectMapper}: the probes read three tiny documents, and
 * initialising a mapper costs a fresh JVM hundreds of classes and tens of milliseconds before the
 * first endpoint can be published (see the cold-start figure in {@code guides/benchmarks.md}).
 * Stateless; thread-safe.
 */
final class Json {
  private static final int MAX_DEPTH = 64;
  private static final Object NULL = new Object();

  private Json() {}

  /** {@return the parsed document (maps, lists, strings, numbers, booleans), or empty if malformed} */
  static Optional<Object> parse(String body) {
    if (body == null || body.isBlank()) {
      return Optional.empty();
    }
    try {
      Reader r = new Reader(body);
      Object value = r.value(0);
      r.skipBlanks();
      return r.pos == body.length() ? Optional.of(value) : Optional.empty();
    } catch (RuntimeException e) { // malformed JSON is an observation, not an error
      return Optional.empty();
    }
  }

  /** The {@code error.message} of llama-server's error JSON, if present. */
  static Optional<String> errorMessage(String body) {
    Optional<Object> root = parse(body);
    return root.isPresent() && member(member(root.get(), "error"), "message") instanceof String m
        ? Optional.of(m) : Optional.empty();
  }

  /** The {@code status} of a health body such as {@code {"status":"ok"}}, if present. */
  static Optional<String> status(String body) {
    Optional<Object> root = parse(body);
    return root.isPresent() && member(root.get(), "status") instanceof String s ? Optional.of(s) : Optional.empty();
  }

  /**
   * The model ids of a {@code /v1/models} body: OpenAI-style {@code data[].id}, else Ollama-style
   * {@code models[].model}/{@code models[].name}; empty if the body is not such a document.
   */
  static Optional<List<String>> modelIds(String body) {
    Optional<Object> root = parse(body);
    if (root.isEmpty() || !(root.get() instanceof Map)) {
      return Optional.empty();
    }
    List<String> ids = new ArrayList<>();
    if (member(root.get(), "data") instanceof List<?> data) {
      for (Object m : data) {
        if (member(m, "id") instanceof String id) {
          ids.add(id);
        }
      }
      return Optional.of(ids);
    }
    if (member(root.get(), "models") instanceof List<?> models) {
      for (Object m : models) {
        Object id = member(m, "model") instanceof String ? member(m, "model") : member(m, "name");
        if (id instanceof String s) {
          ids.add(s);
        }
      }
      return Optional.of(ids);
    }
    return Optional.empty();
  }

  private static Object member(Object node, String name) {
    return node instanceof Map<?, ?> m ? m.get(name) : null;
  }

  /** One pass over one document. */
  private static final class Reader {
    private final String s;
    private int pos;

    Reader(String s) {
      this.s = s;
    }

    Object value(int depth) {
      if (depth > MAX_DEPTH) {
        throw new IllegalArgumentException("nested too deeply");
      }
      skipBlanks();
      char c = s.charAt(pos);
      switch (c) {
        case '{':
          return object(depth);
        case '[':
          return array(depth);
        case '"':
          return string();
        case 't':
          return literal("true", Boolean.TRUE);
        case 'f':
          return literal("false", Boolean.FALSE);
        case 'n':
          return literal("null", NULL);
        default:
          return number();
      }
    }

    private Map<String, Object> object(int depth) {
      Map<String, Object> out = new LinkedHashMap<>();
      pos++; // {
      skipBlanks();
      if (s.charAt(pos) == '}') {
        pos++;
        return out;
      }
      while (true) {
        skipBlanks();
        if (s.charAt(pos) != '"') {
          throw new IllegalArgumentException("member name expected at " + pos);
        }
        String name = string();
        skipBlanks();
        expect(':');
        out.put(name, value(depth + 1));
        skipBlanks();
        char c = s.charAt(pos++);
        if (c == '}') {
          return out;
        }
        if (c != ',') {
          throw new IllegalArgumentException("',' or '}' expected at " + (pos - 1));
        }
      }
    }

    private List<Object> array(int depth) {
      List<Object> out = new ArrayList<>();
      pos++; // [
      skipBlanks();
      if (s.charAt(pos) == ']') {
        pos++;
        return out;
      }
      while (true) {
        out.add(value(depth + 1));
        skipBlanks();
        char c = s.charAt(pos++);
        if (c == ']') {
          return out;
        }
        if (c != ',') {
          throw new IllegalArgumentException("',' or ']' expected at " + (pos - 1));
        }
      }
    }

    private String string() {
      pos++; // opening quote
      StringBuilder out = new StringBuilder();
      while (true) {
        char c = s.charAt(pos++);
        if (c == '"') {
          return out.toString();
        }
        if (c < 0x20) {
          throw new IllegalArgumentException("control character in a string at " + (pos - 1));
        }
        if (c != '\\') {
          out.append(c);
          continue;
        }
        char e = s.charAt(pos++);
        switch (e) {
          case '"': case '\\': case '/': out.append(e); break;
          case 'b': out.append('\b'); break;
          case 'f': out.append('\f'); break;
          case 'n': out.append('\n'); break;
          case 'r': out.append('\r'); break;
          case 't': out.append('\t'); break;
          case 'u':
            out.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
            pos += 4;
            break;
          default:
            throw new IllegalArgumentException("bad escape at " + (pos - 1));
        }
      }
    }

    private Object literal(String word, Object value) {
      if (!s.startsWith(word, pos)) {
        throw new IllegalArgumentException(word + " expected at " + pos);
      }
      pos += word.length();
      return value;
    }

    private Double number() {
      int start = pos;
      while (pos < s.length() && "+-0123456789.eE".indexOf(s.charAt(pos)) >= 0) {
        pos++;
      }
      if (pos == start) {
        throw new IllegalArgumentException("value expected at " + pos);
      }
      return Double.valueOf(s.substring(start, pos)); // a number is never mistaken for text
    }

    private void expect(char c) {
      if (s.charAt(pos++) != c) {
        throw new IllegalArgumentException("'" + c + "' expected at " + (pos - 1));
      }
    }

    void skipBlanks() {
      while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
        pos++;
      }
    }
  }
}
