/**
 * llama-cpp-sdk: run llama.cpp's {@code llama-server} as a managed child process and get back an
 * OpenAI-compatible endpoint.
 *
 * <p>Exported API packages: {@code io.github.llamacppsdk} (the front door), {@code .core} (the
 * in-process inference core: manifests, registry, leases), {@code .gguf} (reading GGUF model
 * files), {@code .process} (the process-transport SPI) and {@code .testkit} (a faithful fake
 * llama-server for tests). {@code .internal} is not API.
 */
module io.github.llamacppsdk {
  requires java.net.http;
  requires jdk.httpserver;
  requires jdk.unsupported;
  requires com.fasterxml.jackson.databind;
  requires org.slf4j;

  exports io.github.llamacppsdk;
  exports io.github.llamacppsdk.core;
  exports io.github.llamacppsdk.gguf;
  exports io.github.llamacppsdk.process;
  exports io.github.llamacppsdk.testkit;

  opens io.github.llamacppsdk.internal to com.fasterxml.jackson.databind;
  opens io.github.llamacppsdk.testkit to com.fasterxml.jackson.databind;
}
