/**
 * llama-cpp-sdk: run llama.cpp's {@code llama-server} as a managed child process and get back an
 * OpenAI-compatible endpoint.
 *
 * <p>Exported API packages: {@code io.github.llamacppsdk} (the front door), {@code .core} (the
 * in-process inference core: manifests, registry, leases), {@code .gguf} (reading GGUF model
 * files), {@code .models} (models by name: the Hugging Face puller), {@code .process} (the
 * process-transport SPI), {@code .kubernetes} (the Kubernetes placement; needs the optional fabric8
 * client) and {@code .testkit} (a faithful fake llama-server and a Hugging Face
 * stand-in for tests). {@code .internal} is not API.
 */
module io.github.llamacppsdk {
  requires java.net.http;
  // Only the fake servers of the testkit use these; they run in JVMs of their own (on the class
  // path, where every JDK module is present), so users of the library need neither.
  requires static jdk.httpserver;
  requires static jdk.unsupported;
  requires com.fasterxml.jackson.databind;
  requires org.slf4j;
  // Optional: only the Kubernetes placement uses the fabric8 client (automatic module names).
  requires static kubernetes.client.api;
  requires static kubernetes.model.core;
  requires static kubernetes.model.coordination;
  requires static kubernetes.model.common;

  exports io.github.llamacppsdk;
  exports io.github.llamacppsdk.core;
  exports io.github.llamacppsdk.gguf;
  exports io.github.llamacppsdk.models;
  exports io.github.llamacppsdk.process;
  exports io.github.llamacppsdk.testkit;
  exports io.github.llamacppsdk.kubernetes;

  opens io.github.llamacppsdk.internal to com.fasterxml.jackson.databind;
  opens io.github.llamacppsdk.testkit to com.fasterxml.jackson.databind;
}
