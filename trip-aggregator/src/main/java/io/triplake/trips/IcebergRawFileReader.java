package io.triplake.trips;

import io.triplake.trips.RawColumns.Column;
import io.triplake.trips.RawColumns.Rows;
import java.io.IOException;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.formats.FormatModelRegistry;
import org.apache.iceberg.formats.ReadBuilder;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.mapping.MappedField;
import org.apache.iceberg.mapping.NameMapping;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.util.DateTimeUtil;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * Raw files through Iceberg 1.11's own read path, {@link FormatModelRegistry}: the table's columns
 * projected by field id, found in files without ids through the name mapping (as Iceberg's scans
 * find them), row groups whose {@code t} is outside [lo, hi] skipped by Iceberg's filter. Two
 * object models: {@link #GENERIC}, Iceberg's generic records (one {@link Record} per row, boxed
 * values, {@code t} as a {@link OffsetDateTime}), and {@link #VECTORIZED}, the Arrow-based {@link
 * ColumnarBatch}es that Spark's own scans of Iceberg tables read.
 */
abstract class IcebergRawFileReader implements RawFileReader {
  static final RawFileReader GENERIC = new Generic();
  static final RawFileReader VECTORIZED = new Vectorized();

  /**
   * Rows per vectorized batch: Iceberg's default for Spark ({@code
   * read.parquet.vectorization.batch-size}).
   */
  private static final int BATCH_ROWS = 5000;

  private IcebergRawFileReader() {}

  @Override
  public final void append(
      InputFile input, Column time, List<Column> signals, long lo, long hi, Rows into)
      throws IOException {
    Expression range =
        Expressions.and(
            Expressions.greaterThanOrEqual(time.name(), lo),
            Expressions.lessThanOrEqual(time.name(), hi));
    append(input, Projection.of(time, signals), range, lo, hi, into);
  }

  abstract void append(
      InputFile input, Projection projection, Expression range, long lo, long hi, Rows into)
      throws IOException;

  private static <D> ReadBuilder<D, ?> builder(
      Class<D> model, InputFile input, Projection projection, Expression range) {
    return FormatModelRegistry.<D, Object>readBuilder(FileFormat.PARQUET, model, input)
        .project(projection.schema())
        .withNameMapping(projection.mapping())
        .filter(range);
  }

  /**
   * The columns to read: {@code t} at position 0, then each distinct signal column; {@code
   * positions[k]} is where signal k is. Signals of a type no reader reads as a number are refused
   * here, before the file is opened.
   */
  record Projection(Schema schema, NameMapping mapping, int[] positions, Type[] types) {
    static Projection of(Column time, List<Column> signals) {
      if (!(time.type() instanceof Types.TimestampType)) {
        throw new IllegalStateException(
            "column " + time.name() + " is " + time.type() + ", not a timestamp");
      }
      List<Column> columns = new ArrayList<>(List.of(time));
      int[] positions = new int[signals.size()];
      Type[] types = new Type[signals.size()];
      for (int k = 0; k < positions.length; k++) {
        Column signal = signals.get(k);
        if (!RawFileReader.readable(signal.type())) {
          throw new IllegalStateException(
              "column " + signal.name() + " is " + signal.type() + ", not a number");
        }
        int at = columns.indexOf(signal);
        if (at < 0) {
          at = columns.size();
          columns.add(signal);
        }
        positions[k] = at;
        types[k] = signal.type();
      }
      List<Types.NestedField> fields = new ArrayList<>();
      List<MappedField> mapped = new ArrayList<>();
      for (Column c : columns) {
        // Optional whatever the table says: a file may lack a column, and a NULL is a missing
        // value.
        fields.add(Types.NestedField.optional(c.fieldId(), c.name(), c.type()));
        mapped.add(MappedField.of(c.fieldId(), c.fileNames()));
      }
      return new Projection(new Schema(fields), NameMapping.of(mapped), positions, types);
    }
  }

  private static final class Generic extends IcebergRawFileReader {
    @Override
    void append(
        InputFile input, Projection projection, Expression range, long lo, long hi, Rows into)
        throws IOException {
      int[] positions = projection.positions();
      try (CloseableIterable<Record> records =
          builder(Record.class, input, projection, range).reuseContainers().build()) {
        for (Record record : records) {
          Object t = record.get(0);
          if (t == null) {
            continue;
          }
          long ts =
              t instanceof OffsetDateTime zoned
                  ? DateTimeUtil.microsFromTimestamptz(zoned)
                  : DateTimeUtil.microsFromTimestamp((LocalDateTime) t);
          // Iceberg's filter skips row groups, not rows.
          if (ts < lo || ts > hi) {
            continue;
          }
          int j = into.size;
          into.ensure(j + 1);
          into.ts[j] = ts;
          for (int k = 0; k < positions.length; k++) {
            Object v = record.get(positions[k]);
            into.values[k][j] =
                v == null
                    ? Double.NaN
                    : v instanceof Boolean b ? (b ? 1 : 0) : ((Number) v).doubleValue();
          }
          into.size = j + 1;
        }
      }
    }
  }

  private static final class Vectorized extends IcebergRawFileReader {
    @Override
    void append(
        InputFile input, Projection projection, Expression range, long lo, long hi, Rows into)
        throws IOException {
      int[] positions = projection.positions();
      int[] kept = new int[BATCH_ROWS];
      try (CloseableIterable<ColumnarBatch> batches =
          builder(ColumnarBatch.class, input, projection, range)
              .recordsPerBatch(BATCH_ROWS)
              .build()) {
        for (ColumnarBatch batch : batches) {
          int n = batch.numRows();
          if (kept.length < n) {
            kept = new int[n];
          }
          ColumnVector t = batch.column(0);
          int base = into.size;
          into.ensure(base + n);
          int m = 0;
          for (int i = 0; i < n; i++) {
            if (!t.isNullAt(i)) {
              long ts = t.getLong(i);
              // Iceberg's filter skips row groups, not rows.
              if (ts >= lo && ts <= hi) {
                into.ts[base + m] = ts;
                kept[m++] = i;
              }
            }
          }
          for (int k = 0; k < positions.length; k++) {
            copy(batch.column(positions[k]), projection.types()[k], kept, m, into.values[k], base);
          }
          into.size = base + m;
        }
      }
    }

    /**
     * The kept rows of one column as doubles, NULL as NaN: one loop per type, so no per-value
     * dispatch.
     */
    private static void copy(ColumnVector v, Type type, int[] rows, int m, double[] out, int base) {
      switch (type.typeId()) {
        case DOUBLE -> {
          for (int r = 0; r < m; r++) {
            out[base + r] = v.isNullAt(rows[r]) ? Double.NaN : v.getDouble(rows[r]);
          }
        }
        case FLOAT -> {
          for (int r = 0; r < m; r++) {
            out[base + r] = v.isNullAt(rows[r]) ? Double.NaN : v.getFloat(rows[r]);
          }
        }
        case INTEGER -> {
          for (int r = 0; r < m; r++) {
            out[base + r] = v.isNullAt(rows[r]) ? Double.NaN : v.getInt(rows[r]);
          }
        }
        case LONG -> {
          for (int r = 0; r < m; r++) {
            out[base + r] = v.isNullAt(rows[r]) ? Double.NaN : v.getLong(rows[r]);
          }
        }
        case BOOLEAN -> {
          for (int r = 0; r < m; r++) {
            out[base + r] = v.isNullAt(rows[r]) ? Double.NaN : v.getBoolean(rows[r]) ? 1 : 0;
          }
        }
        case DECIMAL -> {
          Types.DecimalType decimal = (Types.DecimalType) type;
          for (int r = 0; r < m; r++) {
            out[base + r] =
                v.isNullAt(rows[r])
                    ? Double.NaN
                    : v.getDecimal(rows[r], decimal.precision(), decimal.scale())
                        .toJavaBigDecimal()
                        .doubleValue();
          }
        }
        default -> throw new IllegalStateException("column of type " + type + " is not a number");
      }
    }
  }
}
