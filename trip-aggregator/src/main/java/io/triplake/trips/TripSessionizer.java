package io.triplake.trips;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lag;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * Cuts trip-identifier rows into trips: ordered by time per device, a new trip starts where the gap to
 * the previous row is strictly greater than the threshold; a trip ends at its last row; trips shorter
 * than the minimum length are dropped. One ordered pass per partition (a sort, a lag and a running
 * sum), no joins.
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
   *     partition columns
   * @param partitionColumns the columns a trip never crosses (the device, and the recompute window)
   * @return one row per trip: the partition columns, {@value #TRIP_START} and {@value #TRIP_END}
   */
  public Dataset<Row> trips(Dataset<Row> rows, String... partitionColumns) {
    Column[] keys = Arrays.stream(partitionColumns).map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
    WindowSpec ordered = Window.partitionBy(keys).orderBy(col(TIME));
    Column previous = lag(col(TIME), 1).over(ordered);
    Dataset<Row> starts = rows.select(concat(keys, col(TIME)))
        .withColumn("new_trip", when(previous.isNull().or(col(TIME).minus(previous).gt(lit(gapMicros))), lit(1)).otherwise(lit(0)));
    Dataset<Row> numbered = starts.withColumn("trip_no",
        sum(col("new_trip")).over(ordered.rowsBetween(Window.unboundedPreceding(), Window.currentRow())));
    List<Column> groupBy = new ArrayList<>(Arrays.asList(keys));
    groupBy.add(col("trip_no"));
    return numbered.groupBy(groupBy.toArray(Column[]::new))
        .agg(min(col(TIME)).as(TRIP_START), max(col(TIME)).as(TRIP_END))
        .where(col(TRIP_END).minus(col(TRIP_START)).geq(lit(minLengthMicros)))
        .drop("trip_no");
  }

  private static Column[] concat(Column[] keys, Column extra) {
    Column[] all = Arrays.copyOf(keys, keys.length + 1);
    all[keys.length] = extra;
    return all;
  }
}
