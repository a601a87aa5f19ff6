package io.triplake.bench.s3;

import io.triplake.bench.s3.RequestKinds.Classifier;
import io.triplake.bench.s3.RequestKinds.Key;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An HTTP/1.1 forwarder on a loopback port that sits between AWS SDK clients and an emulator: every
 * request is classified ({@link RequestKinds}), waits the injected latency (what a real S3 request
 * takes before its first byte), goes to the upstream unchanged (on a new connection, with {@code
 * Connection: close}), and its answer goes back unchanged; requests, bytes both ways, response
 * bodies and ranged requests are counted.
 *
 * <p>Clients keep their connections alive as with S3. {@code Expect: 100-continue} is answered here
 * (the body then goes upstream with the request); a response without a length closes the client
 * connection after it. A thread per client connection, as many at once as the clients open:
 * concurrent requests wait their latency in parallel, as they do against S3.
 */
public final class CountingProxy implements AutoCloseable {
  private static final int MAX_HEAD_BYTES = 64 * 1024;
  private static final Set<String> HOP_BY_HOP =
      Set.of("connection", "keep-alive", "proxy-connection", "expect");

  private final ServerSocket server;
  private final String upstreamHost;
  private final int upstreamPort;
  private final Duration latency;
  private final Classifier classifier;
  private final ExecutorService threads =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "counting-proxy");
            t.setDaemon(true);
            return t;
          });
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final AtomicReference<ConcurrentHashMap<Key, Counter>> counters =
      new AtomicReference<>(new ConcurrentHashMap<>());
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong cpuNanos = new AtomicLong();
  private final java.util.concurrent.atomic.AtomicInteger inFlight =
      new java.util.concurrent.atomic.AtomicInteger();
  private final java.util.concurrent.atomic.AtomicInteger maxInFlight =
      new java.util.concurrent.atomic.AtomicInteger();
  private final List<String> failureMessages = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  private CountingProxy(
      ServerSocket server, URI upstream, Duration latency, Classifier classifier) {
    this.server = server;
    this.upstreamHost = upstream.getHost();
    this.upstreamPort = upstream.getPort();
    this.latency = latency;
    this.classifier = classifier;
  }

  /**
   * Starts forwarding to {@code upstream} ({@code http://host:port}), each request after {@code
   * latency}.
   */
  public static CountingProxy start(URI upstream, Duration latency, Classifier classifier)
      throws IOException {
    if (!"http".equals(upstream.getScheme()) || upstream.getPort() < 0) {
      throw new IllegalArgumentException(
          "Cannot forward: the upstream must be http://host:port (" + upstream + ")");
    }
    if (latency.isNegative()) {
      throw new IllegalArgumentException(
          "Cannot forward: the latency must not be negative (" + latency + ")");
    }
    CountingProxy proxy =
        new CountingProxy(
            new ServerSocket(0, 200, InetAddress.getLoopbackAddress()),
            upstream,
            latency,
            classifier);
    proxy.threads.execute(proxy::accept);
    return proxy;
  }

  public String endpoint() {
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  /** What was counted since the start or the last {@link #reset}. */
  public Traffic traffic() {
    return snapshot(counters.get());
  }

  /** What was counted since the start or the last reset; counting starts again from zero. */
  public Traffic reset() {
    maxInFlight.set(inFlight.get());
    return snapshot(counters.getAndSet(new ConcurrentHashMap<>()));
  }

  /**
   * The most requests it was forwarding at once (waiting their latency included) since the start or
   * the last {@link #reset}: how many connections the clients really used in parallel.
   */
  public int maxInFlight() {
    return maxInFlight.get();
  }

  /**
   * CPU time its threads spent forwarding since it started (the injected latency is a sleep and
   * costs none): work of the benchmark's own, which a job run on AWS does not do.
   */
  public long cpuNanos() {
    return cpuNanos.get();
  }

  /** Requests that could not be forwarded (answered 502 to the client). */
  public long failures() {
    return failures.get();
  }

  /** What went wrong with the first failed requests (at most 20). */
  public List<String> failureMessages() {
    return List.copyOf(failureMessages);
  }

  private void fail(String what) {
    if (failures.incrementAndGet() <= 20) {
      failureMessages.add(what);
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    for (Socket s : open) {
      s.close();
    }
    threads.shutdownNow();
  }

  private static Traffic snapshot(Map<Key, Counter> counts) {
    Map<String, Map<String, Traffic.Tally>> groups = new HashMap<>();
    counts.forEach(
        (key, c) ->
            groups.computeIfAbsent(key.group(), g -> new HashMap<>()).put(key.kind(), c.tally()));
    return new Traffic(groups);
  }

  private void accept() {
    while (!closed) {
      try {
        Socket client = server.accept();
        client.setTcpNoDelay(true);
        open.add(client);
        threads.execute(() -> serve(client));
      } catch (IOException e) {
        if (!closed) {
          fail("accept: " + e);
        }
      }
    }
  }

  private void serve(Socket client) {
    try (client) {
      InputStream in = new BufferedInputStream(client.getInputStream());
      OutputStream out = new BufferedOutputStream(client.getOutputStream());
      java.lang.management.ThreadMXBean cpu =
          java.lang.management.ManagementFactory.getThreadMXBean();
      while (!closed) {
        // Thread CPU time: blocking on an idle kept-alive connection and the injected latency's
        // sleep count nothing, reading and relaying do.
        long started = cpu.getCurrentThreadCpuTime();
        try {
          Head request = Head.read(in);
          if (request == null) {
            return;
          }
          maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
          boolean keepAlive;
          try {
            keepAlive = forward(request, in, out);
          } finally {
            inFlight.decrementAndGet();
          }
          if (!keepAlive) {
            return;
          }
        } finally {
          cpuNanos.addAndGet(cpu.getCurrentThreadCpuTime() - started);
        }
      }
    } catch (IOException e) {
      // The client closed its connection (or the proxy is closing).
    } finally {
      open.remove(client);
    }
  }

  /**
   * Forwards one request and relays its answer; false when the client connection must close after
   * it.
   */
  private boolean forward(Head request, InputStream in, OutputStream out) throws IOException {
    String[] line = request.startLine().split(" ", 3);
    if (line.length < 3) {
      throw new IOException("not an HTTP request line: " + request.startLine());
    }
    String method = line[0];
    if ("100-continue".equalsIgnoreCase(request.header("expect"))) {
      out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    Body.read(request, in, body);
    Key key = classifier.classify(method, line[1], request.lowerCaseHeaders());
    boolean ranged = request.header("range") != null;
    pause();

    ClientOutput client = new ClientOutput(out);
    long requestBytes = request.size() + body.size();
    long headBytes = 0;
    boolean counted = false;
    try (Socket upstream = new Socket(upstreamHost, upstreamPort)) {
      upstream.setTcpNoDelay(true);
      OutputStream up = new BufferedOutputStream(upstream.getOutputStream());
      up.write(request.withHeaders(request.startLine(), "Connection: close"));
      body.writeTo(up);
      up.flush();

      InputStream down = new BufferedInputStream(upstream.getInputStream());
      Head response = Head.read(down);
      while (response != null && response.status() / 100 == 1) {
        response = Head.read(down);
      }
      if (response == null) {
        throw new EOFException("the upstream closed the connection without an answer");
      }
      Body.Framing framing = Body.framing(method, response);
      boolean keepAlive =
          framing != Body.Framing.UNTIL_CLOSE
              && request.startLine().endsWith("HTTP/1.1")
              && !"close".equalsIgnoreCase(request.header("connection"));
      byte[] head =
          keepAlive
              ? response.withHeaders(response.startLine())
              : response.withHeaders(response.startLine(), "Connection: close");
      headBytes = head.length;
      client.write(head);
      long[] relayed = Body.relay(framing, response, down, client);
      // Counted before the answer's last bytes leave the buffer: a client that has its answer (a
      // test that reads the counts next) always finds the request counted.
      counter(key).add(requestBytes, response.size() + relayed[0], relayed[1], ranged, false);
      counted = true;
      client.flush();
      return keepAlive;
    } catch (IOException e) {
      if (client.failed && counted) {
        counter(key).abort();
        throw e;
      }
      if (client.failed) {
        // The client closed the connection before the end of the answer, as S3FileIO does with a
        // stream it seeks away from: S3 bills the request all the same. What it got is about what
        // went into the connection's buffers.
        counter(key)
            .add(requestBytes, client.bytes, Math.max(0, client.bytes - headBytes), ranged, true);
        throw e;
      }
      fail(request.startLine() + ": " + e);
      byte[] message = ("counting proxy: " + e.getMessage()).getBytes(StandardCharsets.UTF_8);
      out.write(
          ("HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nContent-Length: "
                  + message.length
                  + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.write(message);
      out.flush();
      return false;
    }
  }

  private Counter counter(Key key) {
    return counters.get().computeIfAbsent(key, k -> new Counter());
  }

  /**
   * The client side of one answer: counts what goes out, and notes whether the client went away.
   */
  private static final class ClientOutput extends java.io.FilterOutputStream {
    long bytes;
    boolean failed;

    ClientOutput(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      try {
        out.write(b, off, len);
        bytes += len;
      } catch (IOException e) {
        failed = true;
        throw e;
      }
    }

    @Override
    public void flush() throws IOException {
      try {
        out.flush();
      } catch (IOException e) {
        failed = true;
        throw e;
      }
    }

    @Override
    public void close() {
      // The connection outlives one answer.
    }
  }

  private void pause() throws IOException {
    if (latency.isZero()) {
      return;
    }
    try {
      Thread.sleep(latency.toMillis(), latency.toNanosPart() % 1_000_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private static final class Counter {
    private long requests;
    private long requestBytes;
    private long responseBytes;
    private long bodyBytes;
    private long rangeRequests;
    private long rangeBodyBytes;
    private long aborted;

    synchronized void abort() {
      aborted++;
    }

    synchronized void add(
        long sent, long answered, long body, boolean ranged, boolean abortedByClient) {
      requests++;
      if (abortedByClient) {
        aborted++;
      }
      requestBytes += sent;
      responseBytes += answered;
      bodyBytes += body;
      if (ranged) {
        rangeRequests++;
        rangeBodyBytes += body;
      }
    }

    synchronized Traffic.Tally tally() {
      return new Traffic.Tally(
          requests, requestBytes, responseBytes, bodyBytes, rangeRequests, rangeBodyBytes, aborted);
    }
  }

  /**
   * A request or response head: the start line and the headers as sent, and its size on the wire.
   */
  record Head(String startLine, List<String[]> headers, int size) {
    /** Reads a head up to its empty line; null when the stream ends before its first byte. */
    static Head read(InputStream in) throws IOException {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      int matched = 0;
      while (matched < 4) {
        int b = in.read();
        if (b < 0) {
          if (bytes.size() == 0) {
            return null;
          }
          throw new EOFException("the stream ended inside an HTTP head");
        }
        bytes.write(b);
        matched =
            (b == '\r' && matched % 2 == 0) || (b == '\n' && matched % 2 == 1)
                ? matched + 1
                : (b == '\r' ? 1 : 0);
        if (bytes.size() > MAX_HEAD_BYTES) {
          throw new IOException("HTTP head longer than " + MAX_HEAD_BYTES + " bytes");
        }
      }
      String[] lines = bytes.toString(StandardCharsets.ISO_8859_1).split("\r\n");
      List<String[]> headers = new ArrayList<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon > 0) {
          headers.add(
              new String[] {lines[i].substring(0, colon), lines[i].substring(colon + 1).trim()});
        }
      }
      return new Head(lines[0], headers, bytes.size());
    }

    /** The first value of a header (case-insensitive name), or null. */
    String header(String name) {
      for (String[] h : headers) {
        if (h[0].equalsIgnoreCase(name)) {
          return h[1];
        }
      }
      return null;
    }

    Map<String, String> lowerCaseHeaders() {
      Map<String, String> map = new HashMap<>();
      headers.forEach(h -> map.putIfAbsent(h[0].toLowerCase(Locale.ROOT), h[1]));
      return map;
    }

    int status() {
      String[] parts = startLine.split(" ", 3);
      return parts.length > 1 && parts[1].matches("\\d{3}") ? Integer.parseInt(parts[1]) : 0;
    }

    /** This head without its hop-by-hop headers, plus {@code extra} header lines. */
    byte[] withHeaders(String start, String... extra) {
      StringBuilder text = new StringBuilder(start).append("\r\n");
      for (String[] h : headers) {
        if (!HOP_BY_HOP.contains(h[0].toLowerCase(Locale.ROOT))) {
          text.append(h[0]).append(": ").append(h[1]).append("\r\n");
        }
      }
      for (String e : extra) {
        text.append(e).append("\r\n");
      }
      return text.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }
  }

  /** Message bodies: how one is delimited, and copying it as it is. */
  private static final class Body {
    enum Framing {
      NONE,
      LENGTH,
      CHUNKED,
      UNTIL_CLOSE
    }

    private Body() {}

    static Framing framing(String method, Head response) {
      int status = response.status();
      if ("HEAD".equals(method) || status == 204 || status == 304) {
        return Framing.NONE;
      }
      return requestFraming(response, Framing.UNTIL_CLOSE);
    }

    private static Framing requestFraming(Head head, Framing otherwise) {
      String encoding = head.header("transfer-encoding");
      if (encoding != null && encoding.toLowerCase(Locale.ROOT).contains("chunked")) {
        return Framing.CHUNKED;
      }
      return head.header("content-length") != null ? Framing.LENGTH : otherwise;
    }

    /** A request's body, as sent (chunk framing included). */
    static void read(Head request, InputStream in, OutputStream into) throws IOException {
      copy(requestFraming(request, Framing.NONE), request, in, into);
    }

    /** Copies a response body; returns {bytes copied, payload bytes}. */
    static long[] relay(Framing framing, Head response, InputStream in, OutputStream out)
        throws IOException {
      return copy(framing, response, in, out);
    }

    private static long[] copy(Framing framing, Head head, InputStream in, OutputStream out)
        throws IOException {
      switch (framing) {
        case LENGTH -> {
          long n = Long.parseLong(head.header("content-length").trim());
          copyExactly(in, out, n);
          return new long[] {n, n};
        }
        case CHUNKED -> {
          return copyChunked(in, out);
        }
        case UNTIL_CLOSE -> {
          long n = in.transferTo(out);
          return new long[] {n, n};
        }
        default -> {
          return new long[] {0, 0};
        }
      }
    }

    private static long[] copyChunked(InputStream in, OutputStream out) throws IOException {
      long copied = 0;
      long payload = 0;
      while (true) {
        String sizeLine = line(in);
        byte[] raw = (sizeLine + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
        out.write(raw);
        copied += raw.length;
        int semicolon = sizeLine.indexOf(';');
        long size =
            Long.parseLong(
                (semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
        if (size == 0) {
          // Trailers, up to the empty line.
          String trailer;
          do {
            trailer = line(in);
            byte[] t = (trailer + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
            out.write(t);
            copied += t.length;
          } while (!trailer.isEmpty());
          return new long[] {copied, payload};
        }
        copyExactly(in, out, size + 2);
        copied += size + 2;
        payload += size;
      }
    }

    private static String line(InputStream in) throws IOException {
      StringBuilder text = new StringBuilder();
      int b;
      while ((b = in.read()) != '\n') {
        if (b < 0) {
          throw new EOFException("the stream ended inside a chunk header");
        }
        if (b != '\r') {
          text.append((char) b);
        }
      }
      return text.toString();
    }

    private static void copyExactly(InputStream in, OutputStream out, long n) throws IOException {
      byte[] buffer = new byte[64 * 1024];
      long left = n;
      while (left > 0) {
        int read = in.read(buffer, 0, (int) Math.min(buffer.length, left));
        if (read < 0) {
          throw new EOFException("the stream ended " + left + " bytes before the end of its body");
        }
        out.write(buffer, 0, read);
        left -= read;
      }
    }
  }
}
