package io.triplake.trips;

import io.triplake.trips.RawColumns.Column;
import io.triplake.trips.RawColumns.RawFile;
import io.triplake.trips.RawColumns.Rows;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.types.Type;

/**
 * Reads one raw file's rows for the trip pass, devicedays and, through {@link RawRows}, the trip
 * report. Two kinds exist so that they can be measured against each other on the same job ({@code
 * ./trip-lake bench trips --reader ...}, figures in docs/measurements.md): {@link RawColumns}, the
 * project's own page decoder, and {@link IcebergRawFileReader}, Iceberg's read path.
 */
interface RawFileReader {
  /**
   * Appends the rows of {@code file} with a {@code t} in [lo, hi] to {@code into}, in file order:
   * {@code t} as epoch microseconds, each signal as a double, a missing value (NULL, NaN, or a
   * column the file lacks) as NaN. Rows without {@code t} are no rows.
   *
   * @param table the table's name, for errors
   * @throws RuntimeException naming the file and the table when the file cannot be read
   */
  default void read(
      InputFile input,
      String table,
      RawFile file,
      Column time,
      List<Column> signals,
      long lo,
      long hi,
      Rows into) {
    // Here rather than in each reader, so that every reader's failure names the file and the table.
    try {
      append(input, time, signals, lo, hi, into);
    } catch (IOException | RuntimeException e) {
      String message =
          "Cannot read raw file " + file.location() + " of " + table + ": " + e.getMessage();
      throw e instanceof IOException io
          ? new UncheckedIOException(message, io)
          : new IllegalStateException(message, e);
    }
  }

  /** What each reader implements; {@link #read} adds the file and the table to its errors. */
  void append(InputFile input, Column time, List<Column> signals, long lo, long hi, Rows into)
      throws IOException;

  /**
   * The reader {@link TripAggregator#RAW_READER} names in this JVM (on an executor: the executor's
   * JVM).
   */
  static RawFileReader configured() {
    return named(System.getProperty(TripAggregator.RAW_READER, TripAggregator.RAW_READER_DEFAULT));
  }

  static RawFileReader named(String name) {
    return switch (name) {
      case TripAggregator.RAW_READER_DEFAULT -> RawColumns.READER;
      case "iceberg" -> IcebergRawFileReader.GENERIC;
      case "iceberg-vectorized" -> IcebergRawFileReader.VECTORIZED;
      default ->
          throw new IllegalArgumentException(
              "Cannot read raw files with reader '"
                  + name
                  + "': there is no such reader (known: "
                  + String.join(", ", TripAggregator.RAW_READERS)
                  + ")");
    };
  }

  /**
   * Whether every reader reads a signal of this Iceberg type as a number, as Spark's {@code CAST(x
   * AS DOUBLE)} gives it (a boolean as 1 or 0). Dates, times and timestamps are not: their numbers
   * would be days or microseconds where Spark's cast refuses them or gives seconds.
   */
  static boolean readable(Type type) {
    return switch (type.typeId()) {
      case BOOLEAN, INTEGER, LONG, FLOAT, DOUBLE, DECIMAL -> true;
      default -> false;
    };
  }
}
