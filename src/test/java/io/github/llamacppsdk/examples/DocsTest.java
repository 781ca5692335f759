package io.github.llamacppsdk.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The README, the guides and the examples README stay in step with the files they describe (seed §16.1 12–14). */
@Timeout(30)
class DocsTest {
  private static final Path ROOT = Path.of("").toAbsolutePath();
  private static final Path EXAMPLES = ROOT.resolve("examples/java/io/github/llamacppsdk/examples");
  private static final Pattern FENCE = Pattern.compile("```(\\w*)\\n(.*?)```", Pattern.DOTALL);

  private static String read(String path) throws IOException {
    return Files.readString(ROOT.resolve(path));
  }

  private static List<String> blocks(String markdown, String language) {
    List<String> found = new ArrayList<>();
    Matcher m = FENCE.matcher(markdown);
    while (m.find()) {
      if (m.group(1).equals(language)) {
        found.add(m.group(2));
      }
    }
    return found;
  }

  @Test
  void theReadmeShowsTheDemoThenTheTestsInOneBlock() throws IOException {
    List<String> withBoth = blocks(read("README.md"), "sh").stream()
        .filter(b -> b.contains("mvn -q test-compile exec:exec@demo") && b.contains("mvn -B verify")).toList();

    assertThat(withBoth).hasSize(1);
    List<String> commands = withBoth.get(0).lines().map(l -> l.replaceAll("\\s+#.*", "").strip()).toList();
    assertThat(commands).containsExactly("mvn -q test-compile exec:exec@demo", "mvn -B verify");
  }

  @Test
  void theReadmeMentionsWhatTheSeedsReadmeTestExpects() throws IOException {
    assertThat(read("README.md").toLowerCase(Locale.ROOT))
        .contains("self_hosted_inference_core", "does not parse", "openai", "ssh_exec", "future")
        .contains("io.github.llamacppsdk", "llama-cpp-sdk", "0.1.0-snapshot");
  }

  @Test
  void theReadmeLinksEveryGuideAndTheExamples() throws IOException {
    String readme = read("README.md");
    try (Stream<Path> guides = Files.list(ROOT.resolve("guides"))) {
      assertThat(guides.map(p -> "(guides/" + p.getFileName() + ")").toList()).isNotEmpty()
          .allSatisfy(link -> assertThat(readme).contains(link));
    }
    assertThat(readme).contains("(examples/README.md)");
  }

  @Test
  void theReadmeQuickStartIsTheCodeThatRunsInTheBuild() throws IOException {
    List<String> java = blocks(read("README.md"), "java");
    assertThat(java).hasSize(2); // the quick start, then the langchain4j line
    List<String> quickStart = Files.readAllLines(EXAMPLES.resolve("QuickStart.java")).stream().map(DocsTest::code).toList();

    List<String> readmeLines = java.get(0).lines().map(DocsTest::code).filter(l -> !l.isEmpty())
        .filter(l -> !l.contains("/models/") && !l.contains("/opt/llama.cpp")).toList(); // the two paths are parameters
    assertThat(readmeLines).hasSizeGreaterThan(10);
    assertThat(quickStart).containsAll(readmeLines);
  }

  @Test
  void theReadmesLangchain4jLineIsTheOneTheClientExampleRuns() throws IOException {
    List<String> java = blocks(read("README.md"), "java");
    List<String> example = Files.readAllLines(EXAMPLES.resolve("OpenAiClientExample.java")).stream().map(DocsTest::code).toList();

    List<String> line = java.get(1).lines().map(DocsTest::code).filter(l -> !l.isEmpty()).toList();
    assertThat(line).singleElement().satisfies(l -> assertThat(l).startsWith("OpenAiChatModel chat = OpenAiChatModel.builder()")
        .contains("endpoint.apiKey()").contains("endpoint.baseUrl()").contains("endpoint.modelIdentity()"));
    assertThat(example).containsAll(line);
  }

  @Test
  void theExamplesReadmeGivesACommandForEveryRunnableExample() throws IOException {
    String readme = read("examples/README.md");
    assertThat(readme).contains("`spawned`", "SpawnedEndpointDemo.java", "endpoint publication");
    try (Stream<Path> files = Files.list(EXAMPLES)) {
      List<String> runnable = files.filter(p -> contains(p, "public static void main"))
          .map(p -> p.getFileName().toString().replace(".java", "")).toList();
      assertThat(runnable).contains("SpawnedEndpointDemo", "OpenAiClientExample", "LeaseSharingExample", "AttachExample");
      for (String name : runnable) {
        assertThat(readme).contains(name + ".java");
        if (!name.equals("SpawnedEndpointDemo")) {
          assertThat(readme).contains("mvn -q test-compile exec:exec@demo -Ddemo.main=io.github.llamacppsdk.examples." + name);
        }
      }
    }
  }

  @Test
  void thePomRunsTheDemoByDefaultAndAnyExampleByProperty() throws IOException {
    String pom = read("pom.xml");
    assertThat(pom).contains("<demo.main>io.github.llamacppsdk.examples.SpawnedEndpointDemo</demo.main>")
        .contains("<argument>${demo.main}</argument>");
  }

  private static boolean contains(Path file, String text) {
    try {
      return Files.readString(file).contains(text);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** A line of code without its trailing comment and surrounding blanks. */
  private static String code(String line) {
    int comment = line.indexOf("  //");
    return (comment >= 0 ? line.substring(0, comment) : line).strip();
  }
}
