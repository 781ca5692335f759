package io.github.llamacppsdk.optional;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.llamacppsdk.LlamaCppBackend;
import io.github.llamacppsdk.testing.NoLeakedProcesses;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The fabric8 client is optional: with only the library, Jackson and SLF4J (no fabric8 jar), on the
 * class path and on the module path ({@code requires static}), the facade works and a Kubernetes
 * placement fails with a message naming the missing dependency. The program lives in a package of
 * its own: on the module path a class path class cannot share a package with the named module.
 */
@Timeout(180)
@ExtendWith(NoLeakedProcesses.class)
class WithoutFabric8IT {

  @Test
  void theFacadeWorksWithoutFabric8OnTheClassPath() throws Exception {
    List<String> cmd = ChildJvms.java();
    cmd.add("-cp");
    cmd.add(ChildJvms.path(LlamaCppBackend.class, NoFabric8Main.class, com.fasterxml.jackson.databind.ObjectMapper.class,
        com.fasterxml.jackson.core.JsonFactory.class, com.fasterxml.jackson.annotation.JsonProperty.class,
        org.slf4j.Logger.class, org.slf4j.simple.SimpleLogger.class));
    cmd.add(NoFabric8Main.class.getName());
    assertThat(ChildJvms.run(cmd)).endsWith("OK");
  }

  @Test
  void theModuleResolvesWithoutFabric8OnTheModulePath() throws Exception {
    List<String> cmd = ChildJvms.java();
    cmd.add("--module-path");
    cmd.add(ChildJvms.path(LlamaCppBackend.class, com.fasterxml.jackson.databind.ObjectMapper.class,
        com.fasterxml.jackson.core.JsonFactory.class, com.fasterxml.jackson.annotation.JsonProperty.class,
        org.slf4j.Logger.class));
    cmd.add("--add-modules");
    cmd.add("io.github.llamacppsdk");
    cmd.add("-cp");
    cmd.add(ChildJvms.path(NoFabric8Main.class, org.slf4j.simple.SimpleLogger.class));
    cmd.add(NoFabric8Main.class.getName());
    assertThat(ChildJvms.run(cmd)).endsWith("OK");
  }
}
