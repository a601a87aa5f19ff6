package io.triplake.bench;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.sql.Row;

/**
 * Whether tripsummary rows equal DuckDB's: same keys and trip bounds, values within 1e-9 relative.
 */
final class OracleComparison {
  private OracleComparison() {}

  static boolean equal(List<Row> rows, List<DuckDbTrips.Row> oracle) {
    Map<String, DuckDbTrips.Row> expected = new HashMap<>();
    oracle.forEach(o -> expected.put(key(o), o));
    if (expected.size() != rows.size()) {
      return false;
    }
    for (Row r : rows) {
      DuckDbTrips.Row o = expected.get(key(r));
      if (o == null
          || !((LocalDateTime) r.getAs("tripstart")).toInstant(ZoneOffset.UTC).equals(o.tripstart())
          || !((LocalDateTime) r.getAs("tripend")).toInstant(ZoneOffset.UTC).equals(o.tripend())
          || (Long) r.getAs("signalcount") != o.signalcount()
          || Math.abs((Double) r.getAs("duration") - o.duration()) > 1e-6
          || !close(r.getAs("signalvalue"), o.signalvalue())) {
        return false;
      }
    }
    return true;
  }

  /** What a tripsummary row and a DuckDB row are matched by (the trip id names the device). */
  static String key(Row r) {
    return key(
        r.getAs("cluster"),
        r.getAs("tripid"),
        r.getAs("message"),
        r.getAs("signal"),
        r.getAs("aggregation"));
  }

  static String key(DuckDbTrips.Row o) {
    return key(o.cluster(), o.tripid(), o.message(), o.signal(), o.aggregation());
  }

  private static String key(
      String cluster, String tripid, String message, String signal, String aggregation) {
    return String.join("|", cluster, tripid, message, signal, aggregation);
  }

  private static boolean close(Double a, Double b) {
    if (a == null || b == null) {
      return Objects.equals(a, b);
    }
    return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
  }
}
