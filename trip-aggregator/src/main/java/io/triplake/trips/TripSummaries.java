package io.triplake.trips;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.last;
import static org.apache.spark.sql.functions.lit;

import io.triplake.trips.TripConfig.Aggregate;
import io.triplake.trips.TripConfig.SignalAggregates;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/** From raw message rows and trips to tripsummary rows. */
final class TripSummaries {
  private TripSummaries() {}

  /**
   * Each message row with the trip it falls in (tripstart <= t <= tripend), without a range join: trip
   * starts are merged into the rows' time order per device and window, and every row takes the latest
   * trip start at or before it (a trip's marker sorts before a row at the same instant).
   */
  static Dataset<Row> assign(Dataset<Row> rows, Dataset<Row> trips) {
    String ts = TripSessionizer.TIME;
    Dataset<Row> markers = trips.select(col("deviceid"), col("wlo"), col(TripSessionizer.TRIP_START).as(ts), lit(0).as("kind"),
        col(TripSessionizer.TRIP_START).as("mstart"), col(TripSessionizer.TRIP_END).as("mend"));
    Dataset<Row> data = rows.withColumn("kind", lit(1));
    WindowSpec order = Window.partitionBy("deviceid", "wlo").orderBy(col(ts), col("kind"))
        .rowsBetween(Window.unboundedPreceding(), Window.currentRow());
    return markers.unionByName(data, true)
        .withColumn(TripSessionizer.TRIP_START, last(col("mstart"), true).over(order))
        .withColumn(TripSessionizer.TRIP_END, last(col("mend"), true).over(order))
        .where(col("kind").equalTo(1).and(col(TripSessionizer.TRIP_START).isNotNull())
            .and(col(ts).leq(col(TripSessionizer.TRIP_END))))
        .drop("kind", "mstart", "mend", "wlo");
  }

  /**
   * One row per trip, signal and configured aggregation of one message.
   *
   * <p>A value is missing when NULL or NaN; aggregations use the non-missing values in (t, value) order.
   * Every group's rows reach the aggregation in that order in one task (the delta window partitions
   * and sorts by the group key), so floating-point sums are the same whichever window the trip was
   * computed in: an incremental run and a full recompute agree to the last bit.
   */
  static Dataset<Row> summarise(Dataset<Row> inTrips, String message, List<SignalAggregates> signals, String cluster,
      LocalDateTime updatedAt) {
    String ts = TripSessionizer.TIME;
    List<String> stack = new ArrayList<>();
    for (SignalAggregates s : signals) {
      stack.add(quote(s.signal()));
      stack.add("`" + s.signal().toLowerCase(Locale.ROOT) + "`");
    }
    Dataset<Row> values = inTrips.selectExpr("deviceid", TripSessionizer.TRIP_START, TripSessionizer.TRIP_END, ts,
            "stack(" + signals.size() + ", " + String.join(", ", stack) + ") AS (signal, value)")
        .withColumn("v", expr("CASE WHEN isnan(value) THEN CAST(NULL AS DOUBLE) ELSE value END"));
    WindowSpec previous = Window.partitionBy("deviceid", TripSessionizer.TRIP_START, "signal").orderBy(col(ts), col("v"))
        .rowsBetween(Window.unboundedPreceding(), -1);
    values = values.withColumn("d", col("v").minus(last(col("v"), true).over(previous)));

    Set<Aggregate> wanted = new LinkedHashSet<>();
    signals.forEach(s -> wanted.addAll(s.aggregates()));
    List<Column> aggs = new ArrayList<>();
    aggs.add(expr("count(v)").as("n"));
    aggs.add(expr("CAST(max(" + ts + ") - min(" + ts + ") AS DOUBLE) / 1000000").as("duration"));
    for (Aggregate a : wanted) {
      aggs.add(expr(aggregate(a)).as(a.label()));
    }
    Dataset<Row> grouped = values.groupBy(col("deviceid"), col(TripSessionizer.TRIP_START), col(TripSessionizer.TRIP_END), col("signal"))
        .agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new));

    String pairs = wanted.stream().map(a -> quote(a.label()) + ", `" + a.label() + "`").collect(Collectors.joining(", "));
    String configured = signals.stream()
        .map(s -> "(signal = " + quote(s.signal()) + " AND aggregation IN ("
            + s.aggregates().stream().map(a -> quote(a.label())).collect(Collectors.joining(", ")) + "))")
        .collect(Collectors.joining(" OR "));
    return grouped.selectExpr("deviceid", TripSessionizer.TRIP_START, TripSessionizer.TRIP_END, "signal", "n", "duration",
            "stack(" + wanted.size() + ", " + pairs + ") AS (aggregation, signalvalue)")
        .where(expr(configured))
        .selectExpr(
            "deviceid",
            quote(message) + " AS message",
            "signal",
            "aggregation",
            "signalvalue",
            "n AS signalcount",
            "duration",
            "CAST(timestamp_micros(" + TripSessionizer.TRIP_START + ") AS TIMESTAMP_NTZ) AS tripstart",
            "CAST(timestamp_micros(" + TripSessionizer.TRIP_END + ") AS TIMESTAMP_NTZ) AS tripend",
            "concat(deviceid, '_', date_format(CAST(timestamp_micros(" + TripSessionizer.TRIP_START
                + ") AS TIMESTAMP_NTZ), \"yyyyMMdd'T'HHmmss.SSSSSS\")) AS tripid",
            quote(cluster) + " AS cluster",
            "to_date(CAST(timestamp_micros(" + TripSessionizer.TRIP_START + ") AS TIMESTAMP_NTZ)) AS tripdate",
            "CAST(TIMESTAMP_NTZ '" + updatedAt + "' AS TIMESTAMP_NTZ) AS updatedat");
  }

  /** The Spark SQL of an aggregation over the non-missing values {@code v} with deltas {@code d}. */
  private static String aggregate(Aggregate a) {
    String order = "CASE WHEN v IS NULL THEN NULL ELSE struct(ts, v) END";
    return switch (a) {
      case AVG -> "avg(v)";
      case MEDIAN -> "median(v)";
      case MAX -> "max(v)";
      case MIN -> "min(v)";
      case SUM -> "sum(v)";
      case FIRST -> "min_by(v, " + order + ")";
      case LAST -> "max_by(v, " + order + ")";
      case DELTA_SUM -> "CASE WHEN count(v) > 0 THEN coalesce(sum(d), 0D) END";
      case DELTA_SUM_POS -> "CASE WHEN count(v) > 0 THEN coalesce(sum(CASE WHEN d > 0 THEN d END), 0D) END";
      case DELTA_SUM_NEG -> "CASE WHEN count(v) > 0 THEN coalesce(sum(CASE WHEN d < 0 THEN d END), 0D) END";
      case COUNT -> "CAST(count(v) AS DOUBLE)";
      case STDDEV -> "stddev_samp(v)";
    };
  }

  private static String quote(String text) {
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }
}
