package io.github.llamacppsdk.internal.llama;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Not API. Picks free ports and checks whether a port is taken, on the server's own address. */
public final class PortAllocator {
  private PortAllocator() {}

  /**
   * {@return a port that was free on {@code host} a moment ago} The server may still lose a race for
   * it; the caller retries on {@code couldn't bind}.
   *
   * @param host the address the server will bind
   */
  public static int freePort(String host) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new io.github.llamacppsdk.core.InferenceException(io.github.llamacppsdk.core.ErrorCode.LAUNCH_FAILED,
          "cannot find a free port on host " + host + " (is it an address of this machine?): " + e.getMessage(), e);
    }
  }

  /**
   * {@return whether nothing listens on {@code host:port}} (a port in TIME_WAIT counts as free, as it
   * does for llama-server)
   *
   * @param host the address the server will bind
   * @param port the port
   */
  public static boolean isFree(String host, int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getByName(host), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
