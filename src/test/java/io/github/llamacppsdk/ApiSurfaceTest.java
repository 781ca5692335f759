package io.github.llamacppsdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Freezes the public API (OkHttp's {@code .api} idea): the public types and members of the exported
 * packages must match {@code src/test/resources/api-surface.txt}, so an accidental change of API fails
 * review. After an intended change, regenerate the file with {@code mvn test -Dtest=ApiSurfaceTest
 * -Dapi.update=true} and commit it with the change.
 */
class ApiSurfaceTest {
  private static final List<String> EXPORTED = List.of("io.github.llamacppsdk", "io.github.llamacppsdk.core",
      "io.github.llamacppsdk.gguf", "io.github.llamacppsdk.process", "io.github.llamacppsdk.testkit");
  private static final Path FROZEN = Path.of("src/test/resources/api-surface.txt");

  @Test
  void thePublicApiIsTheFrozenOne() throws Exception {
    List<String> current = surface();
    if (Boolean.getBoolean("api.update")) {
      Files.write(FROZEN, current);
    }
    assertThat(current).as("public API (regenerate api-surface.txt with -Dapi.update=true if intended)")
        .containsExactlyElementsOf(Files.readAllLines(FROZEN));
  }

  @Test
  void internalPackagesAreNotExported() {
    assertThat(LlamaCppBackend.class.getModule().isNamed()
        ? LlamaCppBackend.class.getModule().getDescriptor().exports().stream().map(e -> e.source()).toList()
        : EXPORTED).noneMatch(p -> p.contains(".internal"));
  }

  private static List<String> surface() throws IOException, URISyntaxException, ClassNotFoundException {
    Path classes = Path.of(LlamaCppBackend.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<String> lines = new ArrayList<>();
    for (String pkg : EXPORTED) {
      Path dir = classes.resolve(pkg.replace('.', '/'));
      List<String> names;
      try (Stream<Path> files = Files.list(dir)) {
        names = files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".class"))
            .filter(n -> !n.equals("package-info.class")).map(n -> pkg + "." + n.substring(0, n.length() - 6))
            .sorted().toList();
      }
      for (String name : names) {
        Class<?> type = Class.forName(name, false, ApiSurfaceTest.class.getClassLoader());
        if (isPublicApi(type)) {
          describe(type, lines);
        }
      }
    }
    return lines;
  }

  private static boolean isPublicApi(Class<?> type) {
    for (Class<?> c = type; c != null; c = c.getEnclosingClass()) {
      if (!Modifier.isPublic(c.getModifiers())) {
        return false;
      }
    }
    return !type.isAnonymousClass() && !type.isSynthetic();
  }

  private static void describe(Class<?> type, List<String> lines) {
    lines.add(kind(type) + " " + type.getName().replace('$', '.'));
    TreeSet<String> members = new TreeSet<>();
    for (Constructor<?> c : type.getDeclaredConstructors()) {
      if (Modifier.isPublic(c.getModifiers())) {
        members.add("  new(" + params(c) + ")");
      }
    }
    for (Method m : type.getDeclaredMethods()) {
      if (Modifier.isPublic(m.getModifiers()) && !m.isSynthetic() && !m.isBridge()) {
        members.add("  " + (Modifier.isStatic(m.getModifiers()) ? "static " : "") + m.getName() + "("
            + params(m) + "): " + m.getGenericReturnType().getTypeName());
      }
    }
    for (Field f : type.getDeclaredFields()) {
      if (Modifier.isPublic(f.getModifiers()) && !f.isSynthetic()) {
        members.add("  field " + f.getName() + ": " + f.getGenericType().getTypeName());
      }
    }
    lines.addAll(members);
  }

  private static String kind(Class<?> type) {
    if (type.isRecord()) {
      return "record";
    }
    if (type.isEnum()) {
      return "enum";
    }
    if (type.isInterface()) {
      return type.isSealed() ? "sealed interface" : "interface";
    }
    return (Modifier.isFinal(type.getModifiers()) ? "final " : "") + "class";
  }

  private static String params(Executable e) {
    return Arrays.stream(e.getGenericParameterTypes()).map(t -> t.getTypeName()).collect(Collectors.joining(", "));
  }
}
