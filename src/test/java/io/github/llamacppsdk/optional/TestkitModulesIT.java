package io.github.llamacppsdk.optional;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import java.net.URISyntaxException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The testkit imposes no JDK module on users of the library: {@code jdk.httpserver} and {@code
 * jdk.unsupported} (which only the fake servers use) are {@code requires static}, so the module graph
 * of {@code io.github.llamacppsdk} does not contain them, and the facade works in a JVM limited to
 * that graph, the fake llama-server included (it runs in a JVM of its own, on the class path, where
 * every JDK module is there).
 */
@Timeout(180)
@ExtendWith(NoLeakedProcesses.class)
class TestkitModulesIT {

  @Test
  void theLibrarysModuleGraphHasNeitherTheHttpServerNorTheUnsupportedModule() throws Exception {
    List<String> cmd = ChildJvms.java();
    cmd.addAll(List.of("--module-path", modulePath(), "--limit-modules", "io.github.llamacppsdk", "--list-modules"));
    String modules = ChildJvms.run(cmd);
    assertThat(modules).contains("io.github.llamacppsdk").contains("java.net.http")
        .doesNotContain("jdk.httpserver").doesNotContain("jdk.unsupported");
  }

  @Test
  void theFacadeAndTheFakeServerRunInAJvmLimitedToTheLibrarysModules() throws Exception {
    List<String> cmd = ChildJvms.java();
    cmd.addAll(List.of("--module-path", modulePath(), "--limit-modules", "io.github.llamacppsdk,java.logging",
        "--add-modules", "io.github.llamacppsdk", "-cp",
        ChildJvms.path(NoFabric8Main.class, org.slf4j.simple.SimpleLogger.class), NoFabric8Main.class.getName()));
    assertThat(ChildJvms.run(cmd)).endsWith("OK");
  }

  private static String modulePath() throws URISyntaxException {
    return ChildJvms.path(LlamaCppBackend.class, com.fasterxml.jackson.databind.ObjectMapper.class,
        com.fasterxml.jackson.core.JsonFactory.class, com.fasterxml.jackson.annotation.JsonProperty.class,
        org.slf4j.Logger.class);
  }
}
