package io.github.llamacppsdk.testing;

import io.github.llamacppsdk.process.LaunchRequest;
import io.github.llamacppsdk.process.LaunchedProcess;
import io.github.llamacppsdk.process.ProcessTransport;
import io.github.llamacppsdk.process.TransportCapabilities;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The local transport, remembering every process it launched (so a test can read how it ended) and
 * running a hook just before each launch (so a test can play another program taking the server's
 * port between the library's checks and llama-server's bind).
 */
public final class RecordingTransport implements ProcessTransport {
  private final ProcessTransport local = ProcessTransport.local();
  private final Consumer<LaunchRequest> beforeLaunch;
  /** Every process launched, in order. */
  public final List<LaunchedProcess> launched = new CopyOnWriteArrayList<>();

  /** A recording local transport. */
  public RecordingTransport() {
    this(request -> { });
  }

  /** A recording local transport that runs {@code beforeLaunch} just before each launch. */
  public RecordingTransport(Consumer<LaunchRequest> beforeLaunch) {
    this.beforeLaunch = beforeLaunch;
  }

  /** {@return the value after {@code --port} in a launch request's argv} */
  public static int port(LaunchRequest request) {
    List<String> argv = request.argv();
    int i = argv.indexOf("--port");
    if (i < 0 || i + 1 >= argv.size()) {
      throw new IllegalStateException("no --port in " + argv);
    }
    return Integer.parseInt(argv.get(i + 1));
  }

  @Override
  public TransportCapabilities capabilities() {
    return local.capabilities();
  }

  @Override
  public LaunchedProcess launch(LaunchRequest request) {
    beforeLaunch.accept(request);
    LaunchedProcess p = local.launch(request);
    launched.add(p);
    return p;
  }

  @Override
  public void close() {
    local.close();
  }
}
