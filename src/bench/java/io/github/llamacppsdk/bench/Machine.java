package io.github.llamacppsdk.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The machine a run happened on: cores, CPU model, memory, JDK. Immutable. */
record Machine(int cores, String cpu, String memory, String jdk, String os) {

  static Machine current() {
    String cpu = "unknown";
    String memory = "unknown";
    try {
      List<String> info = Files.readAllLines(Path.of("/proc/cpuinfo"));
      cpu = info.stream().filter(l -> l.startsWith("model name")).findFirst()
          .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(cpu);
      List<String> mem = Files.readAllLines(Path.of("/proc/meminfo"));
      memory = mem.stream().filter(l -> l.startsWith("MemTotal:")).findFirst()
          .map(l -> String.format(java.util.Locale.ROOT, "%.1f GiB",
              Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0)).orElse(memory);
    } catch (IOException | RuntimeException e) {
      // not Linux: leave unknown
    }
    String jdk = System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version");
    String os = System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch");
    return new Machine(Runtime.getRuntime().availableProcessors(), cpu, memory, jdk, os);
  }

  String describe() {
    return "nproc " + cores + ", " + cpu + ", " + memory + " RAM, " + jdk + ", " + os;
  }
}
