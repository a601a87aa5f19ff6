package io.triplake.trips;

import java.time.LocalDateTime;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The rows {@link TripPass} emits, as Spark sees them, and the tripsummary columns made from them.
 */
final class TripSummaries {
  /**
   * Output of the pass: one row per trip, message, signal and aggregation, plus one marker row per
   * trip.
   */
  static final StructType PASS_SCHEMA =
      new StructType()
          .add("cluster", DataTypes.StringType, false)
          .add("deviceid", DataTypes.StringType, false)
          .add("tripstart_us", DataTypes.LongType, false)
          .add("tripend_us", DataTypes.LongType, false)
          .add("message", DataTypes.StringType, true) // NULL: the trip's marker row
          .add("signal", DataTypes.StringType, true)
          .add("aggregation", DataTypes.StringType, true)
          .add("signalvalue", DataTypes.DoubleType, true)
          .add("n", DataTypes.LongType, false)
          .add("duration", DataTypes.DoubleType, false);

  private TripSummaries() {}

  /**
   * The tripsummary columns from the pass's rows (marker rows dropped).
   *
   * @param passed rows of {@link #PASS_SCHEMA}
   */
  static Dataset<Row> summaryRows(Dataset<Row> passed, LocalDateTime updatedAt) {
    String start = "CAST(timestamp_micros(tripstart_us) AS TIMESTAMP_NTZ)";
    return passed
        .where("message IS NOT NULL")
        .selectExpr(
            "deviceid",
            "message",
            "signal",
            "aggregation",
            "signalvalue",
            "n AS signalcount",
            "duration",
            start + " AS tripstart",
            "CAST(timestamp_micros(tripend_us) AS TIMESTAMP_NTZ) AS tripend",
            "concat(deviceid, '_', date_format("
                + start
                + ", \"yyyyMMdd'T'HHmmss.SSSSSS\")) AS tripid",
            "cluster",
            "to_date(" + start + ") AS tripdate",
            "CAST(TIMESTAMP_NTZ '" + updatedAt + "' AS TIMESTAMP_NTZ) AS updatedat");
  }
}
