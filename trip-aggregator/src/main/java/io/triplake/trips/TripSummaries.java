package io.triplake.trips;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.last;
import static org.apache.spark.sql.functions.lit;

import io.triplake.trips.TripConfig.Aggregate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * From raw signal rows and trips to tripsummary rows, for every cluster, message and signal at once:
 * the rows arrive unpivoted as (cluster, deviceid, wlo, message, signal, ts, value), so the whole job
 * is one sort to assign rows to trips, one sort for the deltas, and one aggregation.
 */
final class TripSummaries {
  /** The columns of the unpivoted signal rows. */
  static final List<String> LONG_COLUMNS = List.of("cluster", "deviceid", "wlo", "message", "signal", TripSessionizer.TIME, "value");

  private TripSummaries() {}

  /**
   * Each signal row with the trip it falls in (tripstart <= t <= tripend), without a range join: trip
   * starts are merged into the rows' time order per cluster, device and window, and every row takes the
   * latest trip start at or before it (a trip's marker sorts before a row at the same instant).
   */
  static Dataset<Row> assign(Dataset<Row> signalRows, Dataset<Row> trips) {
    String ts = TripSessionizer.TIME;
    Dataset<Row> markers = trips.select(col("cluster"), col("deviceid"), col("wlo"), col(TripSessionizer.TRIP_START).as(ts),
        lit(0).as("kind"), col(TripSessionizer.TRIP_START).as("mstart"), col(TripSessionizer.TRIP_END).as("mend"));
    WindowSpec order = Window.partitionBy("cluster", "deviceid", "wlo").orderBy(col(ts), col("kind"))
        .rowsBetween(Window.unboundedPreceding(), Window.currentRow());
    return markers.unionByName(signalRows.withColumn("kind", lit(1)), true)
        .withColumn(TripSessionizer.TRIP_START, last(col("mstart"), true).over(order))
        .withColumn(TripSessionizer.TRIP_END, last(col("mend"), true).over(order))
        .where(col("kind").equalTo(1).and(col(TripSessionizer.TRIP_START).isNotNull())
            .and(col(ts).leq(col(TripSessionizer.TRIP_END))))
        .drop("kind", "mstart", "mend", "wlo");
  }

  /**
   * One row per trip, message, signal and configured aggregation.
   *
   * <p>A value is missing when NULL or NaN; aggregations use the non-missing values in (t, value) order.
   * Every group's rows reach the aggregation in that order in one task (the delta window partitions and
   * sorts by the group key, and the aggregation needs no other partitioning), so floating-point sums are
   * the same whichever window the trip was computed in: an incremental run and a full recompute agree to
   * the last bit.
   *
   * @param wanted (cluster, message, signal, aggregation) rows of the config
   * @param needed every aggregation the config uses (each costs, median most)
   */
  static Dataset<Row> summarise(Dataset<Row> inTrips, Dataset<Row> wanted, java.util.Set<Aggregate> needed, LocalDateTime updatedAt) {
    String ts = TripSessionizer.TIME;
    List<String> group = List.of("cluster", "deviceid", TripSessionizer.TRIP_START, "message", "signal");
    Dataset<Row> values = inTrips.withColumn("v", expr("CASE WHEN isnan(value) THEN CAST(NULL AS DOUBLE) ELSE value END"));
    WindowSpec previous = Window.partitionBy(group.stream().map(c -> col(c)).toArray(Column[]::new)).orderBy(col(ts), col("v"))
        .rowsBetween(Window.unboundedPreceding(), -1);
    values = values.withColumn("d", col("v").minus(last(col("v"), true).over(previous)));

    List<Column> aggs = new ArrayList<>();
    aggs.add(expr("CAST(max(" + ts + ") - min(" + ts + ") AS DOUBLE) / 1000000").as("duration"));
    for (Aggregate a : needed) {
      aggs.add(expr(aggregate(a)).as(a.label()));
    }
    List<Column> keys = new ArrayList<>(group.stream().map(c -> col(c)).toList());
    keys.add(col(TripSessionizer.TRIP_END));
    Dataset<Row> grouped = values.groupBy(keys.toArray(Column[]::new))
        .agg(expr("count(v)").as("n"), aggs.toArray(Column[]::new));

    StringBuilder pairs = new StringBuilder();
    for (Aggregate a : needed) {
      pairs.append(pairs.isEmpty() ? "" : ", ").append("'").append(a.label()).append("', `").append(a.label()).append('`');
    }
    String start = "CAST(timestamp_micros(" + TripSessionizer.TRIP_START + ") AS TIMESTAMP_NTZ)";
    return grouped.selectExpr("cluster", "deviceid", "message", "signal", TripSessionizer.TRIP_START, TripSessionizer.TRIP_END,
            "n", "duration", "stack(" + needed.size() + ", " + pairs + ") AS (aggregation, signalvalue)").as("g")
        .join(broadcast(wanted).as("w"), col("g.cluster").equalTo(col("w.cluster")).and(col("g.message").equalTo(col("w.message")))
            .and(col("g.signal").equalTo(col("w.signal"))).and(col("g.aggregation").equalTo(col("w.aggregation"))), "left_semi")
        .selectExpr(
            "deviceid",
            "message",
            "signal",
            "aggregation",
            "signalvalue",
            "n AS signalcount",
            "duration",
            start + " AS tripstart",
            "CAST(timestamp_micros(" + TripSessionizer.TRIP_END + ") AS TIMESTAMP_NTZ) AS tripend",
            "concat(deviceid, '_', date_format(" + start + ", \"yyyyMMdd'T'HHmmss.SSSSSS\")) AS tripid",
            "cluster",
            "to_date(" + start + ") AS tripdate",
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
}
