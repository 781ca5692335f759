package io.github.llamacppsdk.reliability;

import io.github.llamacppsdk.process.LaunchRequest;
import io.github.llamacppsdk.process.LaunchedProcess;
import io.github.llamacppsdk.process.ProcessTransport;
import io.github.llamacppsdk.process.TransportCapabilities;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The local transport, remembering every process it launched so a test can read their output. */
final class RecordingTransport implements ProcessTransport {
  private final ProcessTransport local = ProcessTransport.local();
  final List<LaunchedProcess> launched = new CopyOnWriteArrayList<>();

  @Override
  public TransportCapabilities capabilities() {
    return local.capabilities();
  }

  @Override
  public LaunchedProcess launch(LaunchRequest request) {
    LaunchedProcess p = local.launch(request);
    launched.add(p);
    return p;
  }

  @Override
  public void close() {
    local.close();
  }
}
