package io.triplake.trips;

import io.triplake.lake.PrefetchedInputFile;
import io.triplake.lake.RawSchema;
import io.triplake.trips.RawColumns.Column;
import io.triplake.trips.RawColumns.RawFile;
import io.triplake.trips.RawColumns.Rows;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.Table;
import org.apache.iceberg.types.Types;

/**
 * Rows of some signals of one raw table, read file by file with the trip job's raw reader ({@link
 * RawFileReader#configured}): for code outside the trip job (the trip report), so that the lake
 * reads raw files one way. Each row is {@code t} as epoch microseconds and each signal as a double,
 * a missing value as NaN; rows come in file order.
 */
public final class RawRows {
  private final Table table;
  private final Column time;
  private final List<Column> signals;
  private final Rows rows;

  private RawRows(Table table, Column time, List<Column> signals) {
    this.table = table;
    this.time = time;
    this.signals = signals;
    this.rows = new Rows(signals.size(), 1024);
  }

  /**
   * No rows yet of {@code signals} (table column names) of a raw table, or empty when the table
   * lacks {@code t} or one of the signals, or a signal is not a number (no reader reads it as one).
   */
  public static Optional<RawRows> of(Table table, List<String> signals) {
    if (table.schema().findField(RawSchema.TIME) == null) {
      return Optional.empty();
    }
    List<Column> columns = new ArrayList<>();
    for (String name : signals) {
      Types.NestedField field = table.schema().findField(name);
      if (field == null || !RawFileReader.readable(field.type())) {
        return Optional.empty();
      }
      columns.add(Column.of(table, name));
    }
    return Optional.of(new RawRows(table, Column.of(table, RawSchema.TIME), List.copyOf(columns)));
  }

  /**
   * Appends the rows of one of the table's files with a {@code t} in [lo, hi].
   *
   * @throws RuntimeException naming the file and the table when the file cannot be read
   */
  public void read(DataFile file, long lo, long hi) {
    long length = file.fileSizeInBytes();
    RawFileReader.configured()
        .read(
            PrefetchedInputFile.whole(
                table.io().newInputFile(file.location(), length), TripPass.WHOLE_FILE_MAX),
            table.name(),
            // Bounds unknown, as for a file without metrics: the reader only names the file by it.
            new RawFile(
                file.location(), length, Long.MIN_VALUE, Long.MAX_VALUE, file.recordCount()),
            time,
            signals,
            lo,
            hi,
            rows);
  }

  public int size() {
    return rows.size;
  }

  /** How many signals each row has. */
  public int signals() {
    return signals.size();
  }

  /** Row {@code row}'s {@code t}, in epoch microseconds. */
  public long time(int row) {
    return rows.ts[row];
  }

  /** Signal {@code signal}'s value in row {@code row} (in the order given to {@link #of}). */
  public double value(int signal, int row) {
    return rows.values[signal][row];
  }
}
