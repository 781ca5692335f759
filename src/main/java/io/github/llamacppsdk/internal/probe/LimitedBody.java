package io.github.llamacppsdk.internal.probe;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Not API. A body subscriber that keeps at most {@code limit} bytes and then cancels the rest, so an
 * endless or huge body from a misbehaving server cannot exhaust memory.
 */
final class LimitedBody implements HttpResponse.BodySubscriber<String> {
  private final int limit;
  private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
  private final CompletableFuture<String> result = new CompletableFuture<>();
  private Flow.Subscription subscription;

  private LimitedBody(int limit) {
    this.limit = limit;
  }

  /** {@return a handler whose bodies are cut at {@code limit} bytes}
   * @param limit the maximum */
  static HttpResponse.BodyHandler<String> handler(int limit) {
    return info -> new LimitedBody(limit);
  }

  @Override
  public CompletionStage<String> getBody() {
    return result;
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    this.subscription = s;
    s.request(1);
  }

  @Override
  public void onNext(List<ByteBuffer> items) {
    for (ByteBuffer item : items) {
      int take = Math.min(item.remaining(), limit - buffer.size());
      byte[] bytes = new byte[take];
      item.get(bytes);
      buffer.write(bytes, 0, take);
      if (buffer.size() >= limit) {
        subscription.cancel();
        result.complete(buffer.toString(StandardCharsets.UTF_8));
        return;
      }
    }
    subscription.request(1);
  }

  @Override
  public void onError(Throwable throwable) {
    result.completeExceptionally(throwable);
  }

  @Override
  public void onComplete() {
    result.complete(buffer.toString(StandardCharsets.UTF_8));
  }
}
