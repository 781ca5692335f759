package io.github.llamacppsdk.internal.probe;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Not API. One kept-alive connection of a {@link KeepAlivePoller} and the requests waiting for it: one
 * request at a time on it, later ones wait their turn. Selector thread only.
 */
final class PollConnection {
  final String key;
  final SocketChannel channel;
  final SelectionKey selectionKey;
  final ArrayDeque<PollRequest> waiting = new ArrayDeque<>();
  PollRequest current;
  boolean connected;
  boolean reused; // it has answered a request before
  ByteBuffer in = ByteBuffer.allocate(1024);
  boolean anyAnswerByte;

  PollConnection(String key, SocketChannel channel, SelectionKey selectionKey) {
    this.key = key;
    this.channel = channel;
    this.selectionKey = selectionKey;
  }

  /** {@return the requests that were waiting, in order; none wait any more} */
  List<PollRequest> takeWaiting() {
    List<PollRequest> rest = new ArrayList<>(waiting);
    waiting.clear();
    return rest;
  }

  /** {@return the request under way, if any; none is any more} */
  PollRequest takeCurrent() {
    PollRequest r = current;
    current = null;
    return r;
  }

  /** Grows the read buffer when it is full, up to {@code max} bytes. */
  void makeRoom(int max) {
    if (!in.hasRemaining()) {
      ByteBuffer bigger = ByteBuffer.allocate(Math.min(in.capacity() * 2, max));
      in.flip();
      bigger.put(in);
      in = bigger;
    }
  }

  /** Cancels the key and closes the channel. */
  void close() {
    selectionKey.cancel();
    try {
      channel.close();
    } catch (IOException ignored) {
      // closing cannot fail in a way that matters
    }
  }
}
