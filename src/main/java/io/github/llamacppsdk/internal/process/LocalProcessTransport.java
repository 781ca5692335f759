package io.github.llamacppsdk.internal.process;

import io.github.llamacppsdk.process.LaunchRequest;
import io.github.llamacppsdk.process.LaunchedProcess;
import io.github.llamacppsdk.process.ProcessTransport;
import io.github.llamacppsdk.process.TransportCapabilities;

/** Not API. Placeholder until the local transport lands (issue 4). */
public final class LocalProcessTransport implements ProcessTransport {
  private LocalProcessTransport() {}

  /** @return a transport */
  public static LocalProcessTransport create() {
    return new LocalProcessTransport();
  }

  @Override
  public TransportCapabilities capabilities() {
    return new TransportCapabilities(false, false, false, false, false, false, false);
  }

  @Override
  public LaunchedProcess launch(LaunchRequest request) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  @Override
  public void close() {}
}
