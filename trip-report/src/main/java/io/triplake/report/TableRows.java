package io.triplake.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.io.CloseableIterable;

/** Rows of a table through Iceberg's generic reader, and the conversions of their values. */
final class TableRows {
  private TableRows() {}

  /**
   * The rows matching {@code filter}, each mapped; only the columns of {@code wanted} the table has
   * are read (a column it lacks reads as null).
   */
  static <T> List<T> read(
      Table table, Expression filter, List<String> wanted, Function<Record, T> mapper) {
    List<String> columns =
        wanted.stream().filter(c -> table.schema().findField(c) != null).toList();
    List<T> out = new ArrayList<>();
    try (CloseableIterable<Record> rows =
        IcebergGenerics.read(table).where(filter).select(columns).build()) {
      for (Record row : rows) {
        out.add(mapper.apply(row));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot build the trip report: reading " + table.name() + " failed: " + e.getMessage(),
          e);
    }
    return out;
  }

  /** Epoch microseconds of a timestamp (UTC wall-clock or with zone), or null. */
  static Long micros(Object value) {
    if (value instanceof LocalDateTime t) {
      return t.toEpochSecond(ZoneOffset.UTC) * 1_000_000L + t.getNano() / 1000;
    }
    if (value instanceof OffsetDateTime t) {
      return t.toEpochSecond() * 1_000_000L + t.getNano() / 1000;
    }
    return null;
  }

  /** Epoch milliseconds of a timestamp, or null. */
  static Long millis(Object value) {
    Long micros = micros(value);
    return micros == null ? null : Math.floorDiv(micros, 1000L);
  }

  static String day(Object value) {
    return value instanceof LocalDate d ? d.toString() : value == null ? null : value.toString();
  }

  static Double number(Object value) {
    return value instanceof Number n ? Double.valueOf(n.doubleValue()) : null;
  }

  static long count(Object value) {
    return value instanceof Number n ? n.longValue() : 0;
  }

  static String text(Object value) {
    return value == null ? null : value.toString();
  }
}
