package io.triplake.lake;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/**
 * Writes Parquet files as CANedge loggers' decoders do: {@code t} as INT64 TIMESTAMP(MICROS) and
 * one DOUBLE column per signal, SNAPPY-compressed. Used by the fleet generator and by tests.
 */
public final class RawFileWriter implements AutoCloseable {
  private final ParquetWriter<Group> writer;
  private final SimpleGroupFactory groups;
  private final List<String> signals;

  private RawFileWriter(Path file, MessageType schema, List<String> signals) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    this.writer =
        ExampleParquetWriter.builder(new LocalOutputFile(file))
            // Plain configuration: a Hadoop Configuration per file costs more than writing a small
            // file.
            .withConf(new PlainParquetConfiguration())
            .withType(schema)
            .withCompressionCodec(CompressionCodecName.SNAPPY)
            .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
            .build();
    this.groups = new SimpleGroupFactory(schema);
    this.signals = signals;
  }

  /** A file with {@code t} (UTC-adjusted or not) and the given DOUBLE signal columns. */
  public static RawFileWriter open(Path file, boolean utcAdjusted, List<String> signals) {
    return open(file, schema(utcAdjusted, signals), signals);
  }

  /**
   * A file with any schema whose first column is an INT64 {@code t} and whose other columns are
   * DOUBLE.
   */
  public static RawFileWriter open(Path file, MessageType schema, List<String> signals) {
    try {
      return new RawFileWriter(file, schema, List.copyOf(signals));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  public static MessageType schema(boolean utcAdjusted, List<String> signals) {
    Types.MessageTypeBuilder builder = Types.buildMessage();
    builder
        .optional(PrimitiveTypeName.INT64)
        .as(LogicalTypeAnnotation.timestampType(utcAdjusted, LogicalTypeAnnotation.TimeUnit.MICROS))
        .named("t");
    List<String> names = new ArrayList<>(signals);
    for (String name : names) {
      builder.optional(PrimitiveTypeName.DOUBLE).named(name);
    }
    return builder.named("schema");
  }

  /** One row: microseconds since the epoch, then one value per signal (null for missing). */
  public void write(long micros, Double... values) {
    if (values.length != signals.size()) {
      throw new IllegalArgumentException(
          "Cannot write row: " + values.length + " values for " + signals.size() + " signals");
    }
    Group row = groups.newGroup().append("t", micros);
    for (int i = 0; i < values.length; i++) {
      if (values[i] != null) {
        row.append(signals.get(i), values[i]);
      }
    }
    try {
      writer.write(row);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      writer.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
