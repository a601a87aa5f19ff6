package io.triplake.trips;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
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
          .add("duration", DataTypes.DoubleType, false)
          // The trips table's columns, on marker rows only.
          .add("start_lat", DataTypes.DoubleType, true)
          .add("start_lon", DataTypes.DoubleType, true)
          .add("end_lat", DataTypes.DoubleType, true)
          .add("end_lon", DataTypes.DoubleType, true)
          .add("distance_km", DataTypes.DoubleType, true)
          .add("fixes", DataTypes.LongType, true)
          .add("max_speed_kmh", DataTypes.DoubleType, true)
          .add("moving_s", DataTypes.DoubleType, true)
          .add("idle_s", DataTypes.DoubleType, true)
          .add("identifier_rows", DataTypes.LongType, true)
          .add("max_gap_s", DataTypes.DoubleType, true);

  /** The pass's columns the trips table takes as they are, from {@code start_lat} on. */
  private static final int TRIP_COLUMNS_FROM = 10;

  private TripSummaries() {}

  private static final DateTimeFormatter TRIP_ID =
      DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss.SSSSSS", Locale.ROOT);

  /**
   * The tripsummary rows of the pass's rows (marker rows dropped), as Iceberg records of the
   * table's schema: tripid and tripdate from the trip's start, as Spark's date_format and to_date
   * would make them.
   *
   * @param passed rows of {@link #PASS_SCHEMA}
   */
  static List<Record> records(Iterable<Row> passed, Schema schema, LocalDateTime updatedAt) {
    List<Record> records = new ArrayList<>();
    Record template = GenericRecord.create(schema);
    for (Row r : passed) {
      if (r.isNullAt(4)) {
        continue;
      }
      String device = r.getString(1);
      LocalDateTime start = timestamp(r.getLong(2));
      Record out = template.copy();
      out.setField("deviceid", device);
      out.setField("message", r.getString(4));
      out.setField("signal", r.getString(5));
      out.setField("aggregation", r.getString(6));
      out.setField("signalvalue", r.isNullAt(7) ? null : r.getDouble(7));
      out.setField("signalcount", r.getLong(8));
      out.setField("duration", r.getDouble(9));
      out.setField("tripstart", start);
      out.setField("tripend", timestamp(r.getLong(3)));
      out.setField("tripid", device + "_" + TRIP_ID.format(start));
      out.setField("cluster", r.getString(0));
      out.setField("tripdate", start.toLocalDate());
      out.setField("updatedat", updatedAt);
      records.add(out);
    }
    return records;
  }

  /**
   * The trips table's rows: one per marker row of the pass, as Iceberg records of the table's
   * schema.
   *
   * @param passed rows of {@link #PASS_SCHEMA}
   */
  static List<Record> tripRecords(Iterable<Row> passed, Schema schema, LocalDateTime updatedAt) {
    List<Record> records = new ArrayList<>();
    Record template = GenericRecord.create(schema);
    for (Row r : passed) {
      if (!r.isNullAt(4)) {
        continue;
      }
      String device = r.getString(1);
      long startMicros = r.getLong(2);
      long endMicros = r.getLong(3);
      LocalDateTime start = timestamp(startMicros);
      Record out = template.copy();
      out.setField("deviceid", device);
      out.setField("cluster", r.getString(0));
      out.setField("tripid", device + "_" + TRIP_ID.format(start));
      out.setField("tripstart", start);
      out.setField("tripend", timestamp(endMicros));
      out.setField("tripdate", start.toLocalDate());
      out.setField("duration_s", (endMicros - startMicros) / 1e6);
      for (int i = TRIP_COLUMNS_FROM; i < PASS_SCHEMA.size(); i++) {
        out.setField(PASS_SCHEMA.fields()[i].name(), r.isNullAt(i) ? null : r.get(i));
      }
      out.setField("updatedat", updatedAt);
      records.add(out);
    }
    return records;
  }

  /** UTC wall-clock of epoch microseconds, as the trip tables store timestamps. */
  static LocalDateTime timestamp(long micros) {
    return LocalDateTime.ofEpochSecond(
        Math.floorDiv(micros, 1_000_000L),
        (int) Math.floorMod(micros, 1_000_000L) * 1000,
        ZoneOffset.UTC);
  }
}
