package io.triplake.trips;

import static org.apache.spark.sql.functions.col;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapGroupsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Cuts trip-identifier rows into trips: ordered by time per device, a new trip starts where the gap to
 * the previous row is strictly greater than the threshold; a trip ends at its last row; trips shorter
 * than the minimum length are dropped. One ordered pass per group of the partition columns, in O(1)
 * memory per group; no joins, no window buffering a whole group.
 */
public final class TripSessionizer {
  public static final String TIME = "ts";
  public static final String TRIP_START = "tripstart_us";
  public static final String TRIP_END = "tripend_us";

  private final long gapMicros;
  private final long minLengthMicros;

  public TripSessionizer(long gapMicros, long minLengthMicros) {
    if (gapMicros <= 0) {
      throw new IllegalArgumentException("Cannot sessionize: the trip gap must be positive (" + gapMicros + " us)");
    }
    if (minLengthMicros < 0) {
      throw new IllegalArgumentException("Cannot sessionize: the minimum trip length must not be negative (" + minLengthMicros + " us)");
    }
    this.gapMicros = gapMicros;
    this.minLengthMicros = minLengthMicros;
  }

  /**
   * @param rows identifier rows with a {@value #TIME} column (microseconds since the epoch) and the
   *     partition columns; rows without a time are ignored
   * @param partitionColumns the columns a trip never crosses (the device, and the recompute window)
   * @return one row per trip: the partition columns, {@value #TRIP_START} and {@value #TRIP_END}
   */
  public Dataset<Row> trips(Dataset<Row> rows, String... partitionColumns) {
    Column[] keys = Arrays.stream(partitionColumns).map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
    Column[] selected = Arrays.copyOf(keys, keys.length + 1);
    selected[keys.length] = col(TIME);
    Dataset<Row> keyed = rows.select(selected);
    StructType keySchema = new StructType();
    for (String c : partitionColumns) {
      keySchema = keySchema.add(keyed.schema().apply(c));
    }
    StructType out = keySchema.add(TRIP_START, DataTypes.LongType, false).add(TRIP_END, DataTypes.LongType, false);
    // Grouped by columns Iceberg already groups its files by (the device), so there is no shuffle.
    return keyed.groupBy(keys).as(Encoders.row(keySchema), Encoders.row(keyed.schema()))
        .flatMapSortedGroups(new Column[] {col(TIME)}, new Cut(gapMicros, minLengthMicros, keys.length), Encoders.row(out));
  }

  /** The trips of one group's rows in time order. */
  private record Cut(long gapMicros, long minLengthMicros, int timeIndex) implements FlatMapGroupsFunction<Row, Row, Row> {
    @Override
    public Iterator<Row> call(Row key, Iterator<Row> rows) {
      List<Row> trips = new ArrayList<>();
      boolean open = false;
      long start = 0;
      long end = 0;
      while (rows.hasNext()) {
        Row row = rows.next();
        if (row.isNullAt(timeIndex)) {
          continue;
        }
        long ts = row.getLong(timeIndex);
        if (open && ts - end > gapMicros) {
          emit(key, start, end, trips);
          open = false;
        }
        if (!open) {
          start = ts;
          open = true;
        }
        end = ts;
      }
      if (open) {
        emit(key, start, end, trips);
      }
      return trips.iterator();
    }

    private void emit(Row key, long start, long end, List<Row> trips) {
      if (end - start >= minLengthMicros) {
        Object[] values = new Object[key.length() + 2];
        for (int i = 0; i < key.length(); i++) {
          values[i] = key.get(i);
        }
        values[key.length()] = start;
        values[key.length() + 1] = end;
        trips.add(RowFactory.create(values));
      }
    }
  }
}
