package io.github.llamacppsdk.testing;

import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One {@code pods/NAME/portforward?ports=P} WebSocket of {@link MockCluster}, bridged to the
 * simulated pod's port on this machine's loopback with the Kubernetes port-forward protocol (the
 * {@code v4.channel.k8s.io} framing that {@code kubectl port-forward} and fabric8's {@code
 * portForward} speak): binary frames whose first byte is the channel, channel 0 the data and channel 1
 * the errors of the one port; the first frame the server sends on each channel carries the port as two
 * bytes, little-endian. The client opens one WebSocket per local connection; a closed connection on
 * either side closes the other.
 */
final class PortForwardBridge extends WebSocketListener {
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final int port;
  private final Runnable onOpened;
  private final Runnable onClosed;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile Socket socket;
  private volatile boolean opened;

  /**
   * @param port the pod's port (the simulated pod listens on 127.0.0.1)
   * @param onOpened told when the bridge connected to the pod
   * @param onClosed told once when a bridge that connected to the pod is closed
   */
  PortForwardBridge(int port, Runnable onOpened, Runnable onClosed) {
    this.port = port;
    this.onOpened = onOpened;
    this.onClosed = onClosed;
  }

  @Override
  public void onOpen(WebSocket ws, Response response) {
    byte[] portBytes = {(byte) (port & 0xff), (byte) ((port >> 8) & 0xff)};
    ws.send(new byte[] {0, portBytes[0], portBytes[1]});
    ws.send(new byte[] {1, portBytes[0], portBytes[1]});
    try {
      socket = new Socket(InetAddress.getLoopbackAddress(), port);
    } catch (IOException e) { // as the kubelet does: an error on the error channel, then the stream ends
      ws.send(concat((byte) 1, ("error forwarding port " + port + " to pod: " + e.getMessage())
          .getBytes(StandardCharsets.UTF_8)));
      ws.close(1000, "");
      close();
      return;
    }
    opened = true;
    onOpened.run();
    Thread reader = new Thread(() -> pump(ws), "port-forward-" + THREADS.incrementAndGet());
    reader.setDaemon(true);
    reader.start();
  }

  /** Pod → client: every read becomes one channel-0 frame; the pod closing the connection ends the WebSocket. */
  private void pump(WebSocket ws) {
    byte[] buffer = new byte[16 * 1024];
    try (InputStream in = socket.getInputStream()) {
      int n;
      while ((n = in.read(buffer)) != -1) {
        ws.send(concat((byte) 0, Arrays.copyOf(buffer, n)));
      }
    } catch (IOException e) {
      // the connection was closed from the client's side
    } finally {
      ws.close(1000, "");
      close();
    }
  }

  @Override
  public void onMessage(WebSocket ws, byte[] frame) {
    if (frame.length < 1 || frame[0] != 0 || socket == null) {
      return; // only data for the one port is expected from the client
    }
    try {
      OutputStream out = socket.getOutputStream();
      out.write(frame, 1, frame.length - 1);
      out.flush();
    } catch (IOException e) {
      ws.close(1000, "");
      close();
    }
  }

  @Override
  public void onClosing(WebSocket ws, int code, String reason) {
    close();
  }

  @Override
  public void onClosed(WebSocket ws, int code, String reason) {
    close();
  }

  @Override
  public void onFailure(WebSocket ws, Throwable t, Response response) {
    close();
  }

  private void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    Socket s = socket;
    if (s != null) {
      try {
        s.close();
      } catch (IOException e) {
        // closing
      }
    }
    if (opened) {
      onClosed.run();
    }
  }

  private static byte[] concat(byte channel, byte[] data) {
    byte[] out = new byte[data.length + 1];
    out[0] = channel;
    System.arraycopy(data, 0, out, 1, data.length);
    return out;
  }
}
