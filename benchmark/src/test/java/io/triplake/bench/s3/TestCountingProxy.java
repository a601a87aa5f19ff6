package io.triplake.bench.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The proxy against a hand-made upstream: what arrives upstream and back is what was sent, and
 * every request is counted with its kind, bucket and bytes (bodies with a length, chunked, none for
 * HEAD; a PUT that expects 100-continue; several requests on one kept-alive connection).
 */
class TestCountingProxy {
  private static final byte[] OBJECT = "0123456789abcdefghij".getBytes(StandardCharsets.US_ASCII);
  private static final String LISTING =
      "<ListBucketResult><Contents><Key>a</Key></Contents></ListBucketResult>";

  private HttpServer upstream;
  private CountingProxy proxy;
  private final List<String> received = new CopyOnWriteArrayList<>();
  private HttpClient client;

  @BeforeEach
  void start() throws IOException {
    upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    upstream.createContext("/", this::answer);
    upstream.start();
    proxy =
        CountingProxy.start(
            URI.create("http://127.0.0.1:" + upstream.getAddress().getPort()),
            Duration.ofMillis(1),
            RequestKinds.s3(Map.of("raw", "raw", "wh", "warehouse")));
    client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  @AfterEach
  void stop() throws IOException {
    proxy.close();
    upstream.stop(0);
  }

  /**
   * A tiny S3: GET objects (whole or a range), HEAD, PUT (echoes the size it got), a listing sent
   * chunked.
   */
  private void answer(HttpExchange exchange) throws IOException {
    byte[] body = exchange.getRequestBody().readAllBytes();
    String method = exchange.getRequestMethod();
    String target = exchange.getRequestURI().toString();
    received.add(method + " " + target + " " + body.length);
    byte[] answer;
    int status = 200;
    if (method.equals("GET") && target.contains("list-type=2")) {
      exchange.sendResponseHeaders(200, 0);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(LISTING.getBytes(StandardCharsets.UTF_8));
      }
      return;
    } else if (method.equals("GET") && exchange.getRequestHeaders().getFirst("Range") != null) {
      String[] range =
          exchange.getRequestHeaders().getFirst("Range").replace("bytes=", "").split("-");
      answer =
          Arrays.copyOfRange(OBJECT, Integer.parseInt(range[0]), Integer.parseInt(range[1]) + 1);
      status = 206;
    } else if (method.equals("GET")) {
      answer = OBJECT;
    } else if (method.equals("HEAD")) {
      exchange.getResponseHeaders().add("Content-Length", String.valueOf(OBJECT.length));
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
      return;
    } else {
      answer = ("got " + body.length).getBytes(StandardCharsets.UTF_8);
    }
    exchange.sendResponseHeaders(status, answer.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(answer);
    }
  }

  private HttpResponse<byte[]> send(HttpRequest.Builder request)
      throws IOException, InterruptedException {
    return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private HttpRequest.Builder at(String target) {
    return HttpRequest.newBuilder(URI.create(proxy.endpoint() + target));
  }

  @Test
  void forwardsEveryRequestUnchangedAndCountsItsKindBucketAndBytes() throws Exception {
    HttpResponse<byte[]> whole = send(at("/raw/dev/msg/a.parquet").GET());
    HttpResponse<byte[]> tail =
        send(at("/raw/dev/msg/a.parquet").header("Range", "bytes=12-19").GET());
    HttpResponse<byte[]> head =
        send(at("/raw/dev/msg/a.parquet").method("HEAD", HttpRequest.BodyPublishers.noBody()));
    HttpResponse<byte[]> listing = send(at("/raw?list-type=2&prefix=dev").GET());
    HttpResponse<byte[]> put =
        send(at("/wh/t/metadata/v1.json").PUT(HttpRequest.BodyPublishers.ofString("{\"v\": 1}")));
    HttpResponse<byte[]> expecting =
        send(
            at("/wh/t/data/x.parquet")
                .expectContinue(true)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[1000])));

    assertThat(whole.body()).isEqualTo(OBJECT);
    assertThat(tail.statusCode()).isEqualTo(206);
    assertThat(new String(tail.body(), StandardCharsets.US_ASCII)).isEqualTo("cdefghij");
    assertThat(head.headers().firstValue("content-length")).hasValue("20");
    assertThat(new String(listing.body(), StandardCharsets.UTF_8)).isEqualTo(LISTING);
    assertThat(new String(put.body(), StandardCharsets.UTF_8)).isEqualTo("got 8");
    assertThat(new String(expecting.body(), StandardCharsets.UTF_8)).isEqualTo("got 1000");
    assertThat(received)
        .containsExactly(
            "GET /raw/dev/msg/a.parquet 0",
            "GET /raw/dev/msg/a.parquet 0",
            "HEAD /raw/dev/msg/a.parquet 0",
            "GET /raw?list-type=2&prefix=dev 0",
            "PUT /wh/t/metadata/v1.json 8",
            "PUT /wh/t/data/x.parquet 1000");

    Traffic traffic = proxy.reset();
    assertThat(traffic.groups().keySet()).containsExactly("raw", "warehouse");
    Traffic.Tally gets = traffic.tally("raw", "GET");
    assertThat(gets.requests()).isEqualTo(2);
    assertThat(gets.bodyBytes()).isEqualTo(20 + 8);
    assertThat(gets.rangeRequests()).isEqualTo(1);
    assertThat(gets.rangeBodyBytes()).isEqualTo(8);
    assertThat(traffic.tally("raw", "HEAD").requests()).isEqualTo(1);
    assertThat(traffic.tally("raw", "HEAD").bodyBytes()).isZero();
    assertThat(traffic.tally("raw", "LIST").requests()).isEqualTo(1);
    assertThat(traffic.tally("raw", "LIST").bodyBytes())
        .as("chunked: the payload, not the framing")
        .isEqualTo(LISTING.length());
    assertThat(traffic.tally("raw", "LIST").responseBytes()).isGreaterThan(LISTING.length());
    Traffic.Tally puts = traffic.tally("warehouse", "PUT");
    assertThat(puts.requests()).isEqualTo(2);
    assertThat(puts.requestBytes()).isGreaterThan(1008);
    assertThat(puts.bodyBytes()).isEqualTo("got 8".length() + "got 1000".length());
    assertThat(traffic.total("raw").requests()).isEqualTo(4);
    assertThat(proxy.failures()).isZero();
    assertThat(proxy.traffic()).as("reset starts from zero").isEqualTo(Traffic.NONE);
  }

  @Test
  void anUpstreamThatIsGoneIsA502AndAFailure() throws Exception {
    upstream.stop(0);

    HttpResponse<byte[]> answer = send(at("/raw/a").GET());

    assertThat(answer.statusCode()).isEqualTo(502);
    assertThat(proxy.failures()).isEqualTo(1);
    assertThat(proxy.traffic().total("raw").requests()).isZero();
  }

  @Test
  void refusesWhatItCannotForward() {
    assertThatThrownBy(
            () ->
                CountingProxy.start(
                    URI.create("https://s3.amazonaws.com"), Duration.ZERO, RequestKinds.glue()))
        .hasMessage(
            "Cannot forward: the upstream must be http://host:port (https://s3.amazonaws.com)");
    assertThatThrownBy(
            () ->
                CountingProxy.start(
                    URI.create("http://127.0.0.1:9"), Duration.ofMillis(-1), RequestKinds.glue()))
        .hasMessage("Cannot forward: the latency must not be negative (PT-0.001S)");
  }
}
