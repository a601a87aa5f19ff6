package io.triplake.ingest;

import io.triplake.lake.RawSchema;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.iceberg.Schema;
import org.apache.iceberg.parquet.ParquetSchemaUtil;
import org.apache.iceberg.shaded.org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.iceberg.shaded.org.apache.parquet.schema.LogicalTypeAnnotation.TimeUnit;
import org.apache.iceberg.shaded.org.apache.parquet.schema.LogicalTypeAnnotation.TimestampLogicalTypeAnnotation;
import org.apache.iceberg.shaded.org.apache.parquet.schema.MessageType;
import org.apache.iceberg.shaded.org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.iceberg.shaded.org.apache.parquet.schema.Type;
import org.apache.iceberg.types.Types;

/**
 * What a raw file's Parquet schema means for its table: the flavour of {@code t} and the signal
 * columns under their lower-case table names.
 */
record FileSchema(Types.TimestampType timeType, String timeFileName, List<Signal> signals) {

  /** A signal column: its table name (lower case), its name in the file, and its Iceberg type. */
  record Signal(String name, String fileName, org.apache.iceberg.types.Type.PrimitiveType type) {}

  /**
   * @throws IllegalArgumentException with the reason the file cannot go into a raw table
   */
  static FileSchema of(MessageType parquet) {
    Type time = null;
    Map<String, String> seen = new HashMap<>();
    List<Type> signalFields = new ArrayList<>();
    for (Type field : parquet.getFields()) {
      String lower = field.getName().toLowerCase(Locale.ROOT);
      String clash = seen.put(lower, field.getName());
      if (clash != null) {
        throw new IllegalArgumentException(
            "columns '"
                + clash
                + "' and '"
                + field.getName()
                + "' differ only in case (Athena lower-cases names)");
      }
      if (lower.equals(RawSchema.TIME)) {
        time = field;
      } else if (lower.equals(RawSchema.DEVICE)) {
        throw new IllegalArgumentException(
            "column '"
                + field.getName()
                + "' clashes with the partition column device_id taken from the path");
      } else if (!field.isPrimitive()) {
        throw new IllegalArgumentException(
            "column '" + field.getName() + "' is nested; signals must be flat columns");
      } else {
        signalFields.add(field);
      }
    }
    if (time == null) {
      throw new IllegalArgumentException("no timestamp column 't'");
    }
    Types.TimestampType timeType = timeType(time);

    // Iceberg's own Parquet-to-Iceberg type conversion, so types match what its readers expect.
    Schema converted = ParquetSchemaUtil.convert(new MessageType(parquet.getName(), signalFields));
    List<Signal> signals = new ArrayList<>();
    for (Type field : signalFields) {
      org.apache.iceberg.types.Type type = converted.findType(field.getName());
      if (type == null || !type.isPrimitiveType()) {
        throw new IllegalArgumentException(
            "column '" + field.getName() + "' has an unsupported type " + field);
      }
      signals.add(
          new Signal(
              field.getName().toLowerCase(Locale.ROOT), field.getName(), type.asPrimitiveType()));
    }
    return new FileSchema(timeType, time.getName(), List.copyOf(signals));
  }

  private static Types.TimestampType timeType(Type time) {
    if (!time.isPrimitive()
        || time.asPrimitiveType().getPrimitiveTypeName() != PrimitiveTypeName.INT64) {
      throw new IllegalArgumentException(
          "column 't' is not a timestamp: "
              + describe(time)
              + " (expected INT64 TIMESTAMP(MICROS))");
    }
    LogicalTypeAnnotation annotation = time.getLogicalTypeAnnotation();
    if (!(annotation instanceof TimestampLogicalTypeAnnotation ts)) {
      throw new IllegalArgumentException(
          "column 't' is not a timestamp: "
              + describe(time)
              + " (expected INT64 TIMESTAMP(MICROS))");
    }
    if (ts.getUnit() != TimeUnit.MICROS) {
      throw new IllegalArgumentException(
          "column 't' is a timestamp in " + ts.getUnit() + "; raw tables need MICROS");
    }
    // The Iceberg type must match the file's flag, or readers shift or refuse the times.
    return ts.isAdjustedToUTC()
        ? Types.TimestampType.withZone()
        : Types.TimestampType.withoutZone();
  }

  private static String describe(Type type) {
    return type.toString().trim();
  }
}
