package io.triplake.bench.s3;

import java.util.Map;
import java.util.TreeMap;

/**
 * The requests a {@link CountingProxy} forwarded, by group (an S3 bucket's role such as {@code raw}
 * or {@code warehouse}, or {@code glue}) and kind ({@code GET}, {@code LIST}, ..., or a Glue
 * operation).
 *
 * @param groups group -> kind -> tally, sorted by name
 */
public record Traffic(Map<String, Map<String, Tally>> groups) {
  public static final Traffic NONE = new Traffic(Map.of());

  /**
   * @param requests requests of this kind
   * @param requestBytes bytes the client sent (request line, headers, body)
   * @param responseBytes bytes the server answered (status line, headers, body)
   * @param bodyBytes bytes of the response bodies (the data a GET read)
   * @param rangeRequests requests with a {@code Range} header (ranged GETs)
   * @param rangeBodyBytes bytes of the bodies those answered
   * @param aborted requests whose client closed the connection before the end of the answer
   *     (S3FileIO aborts a GET it seeks away from); counted in {@code requests}, with the bytes
   *     that went out before
   */
  public record Tally(
      long requests,
      long requestBytes,
      long responseBytes,
      long bodyBytes,
      long rangeRequests,
      long rangeBodyBytes,
      long aborted) {
    public static final Tally ZERO = new Tally(0, 0, 0, 0, 0, 0, 0);

    public Tally plus(Tally o) {
      return new Tally(
          requests + o.requests,
          requestBytes + o.requestBytes,
          responseBytes + o.responseBytes,
          bodyBytes + o.bodyBytes,
          rangeRequests + o.rangeRequests,
          rangeBodyBytes + o.rangeBodyBytes,
          aborted + o.aborted);
    }
  }

  public Traffic {
    Map<String, Map<String, Tally>> copy = new TreeMap<>();
    groups.forEach(
        (g, kinds) -> copy.put(g, java.util.Collections.unmodifiableMap(new TreeMap<>(kinds))));
    groups = java.util.Collections.unmodifiableMap(copy);
  }

  public Tally tally(String group, String kind) {
    return groups.getOrDefault(group, Map.of()).getOrDefault(kind, Tally.ZERO);
  }

  public long requests(String group, String kind) {
    return tally(group, kind).requests();
  }

  /** Every kind of one group added up. */
  public Tally total(String group) {
    return groups.getOrDefault(group, Map.of()).values().stream().reduce(Tally.ZERO, Tally::plus);
  }
}
