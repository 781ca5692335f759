package io.github.llamacppsdk.internal.process;

import io.github.llamacppsdk.process.LaunchRequest;
import io.github.llamacppsdk.process.LaunchedProcess;
import io.github.llamacppsdk.process.ProcessTransport;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The child JVM of {@link OrphanIT}: launches a server ({@code sleep 300}) and a wrapper whose child
 * is the real server, prints {@code PIDS <server> <wrapper> <wrapped child> <watchdog>}, and waits to
 * be killed.
 */
public final class OrphanChildMain {
  private OrphanChildMain() {}

  public static void main(String[] args) throws Exception {
    ProcessTransport transport = ProcessTransport.local();
    LaunchedProcess server = transport.launch(LaunchRequest.of("orphan-server", List.of("sleep", "300")));
    LaunchedProcess wrapper = transport.launch(LaunchRequest.of("orphan-wrapper",
        List.of("/bin/sh", "-c", "sleep 301 & echo child $!; wait")));
    String child = ProcessTesting.line(wrapper, t -> t.startsWith("child ")).get(10, TimeUnit.SECONDS)
        .text().substring(6).trim();
    long watchdog = ((LocalProcessTransport) transport).watchdogPid().orElseThrow();
    System.out.println("PIDS " + server.pid() + " " + wrapper.pid() + " " + child + " " + watchdog);
    System.out.flush();
    new CountDownLatch(1).await();
  }
}
