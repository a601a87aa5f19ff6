package io.triplake.trips;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.triplake.lake.LakeFileIO;
import io.triplake.trips.RawColumns.Column;
import io.triplake.trips.RawColumns.RawFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.apache.parquet.column.ParquetProperties;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Reading raw files' columns into arrays, on real Parquet files written by parquet-java. */
class TestRawColumns {
  private static final Column TIME = new Column("t", 1, Set.of("t"));
  private static final Column SPEED = new Column("speed", 2, Set.of("speed", "Speed"));
  private static final Column GEAR = new Column("gear", 3, Set.of("gear", "Gear"));
  private static final Column FLAG = new Column("flag", 4, Set.of("flag", "Flag"));
  private static final Column ABSENT = new Column("absent", 5, Set.of("absent", "Absent"));

  @TempDir
  Path dir;

  private static MessageType schema(LogicalTypeAnnotation.TimeUnit unit) {
    return Types.buildMessage()
        .optional(PrimitiveTypeName.INT64).as(LogicalTypeAnnotation.timestampType(true, unit)).named("t")
        .optional(PrimitiveTypeName.FLOAT).named("Speed")
        .optional(PrimitiveTypeName.INT32).named("Gear")
        .optional(PrimitiveTypeName.BOOLEAN).named("Flag")
        .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("Name")
        .named("schema");
  }

  /** Rows t = 0, 1, ... rows-1 seconds (t NULL every 10th row), Speed = i / 4, Gear = i (NULL every 3rd), Flag = odd. */
  private RawFile write(String name, int rows, LogicalTypeAnnotation.TimeUnit unit) throws IOException {
    return write(name, rows, unit, true, ParquetProperties.WriterVersion.PARQUET_1_0);
  }

  private RawFile write(String name, int rows, LogicalTypeAnnotation.TimeUnit unit, boolean dictionary,
      ParquetProperties.WriterVersion version) throws IOException {
    Path file = dir.resolve(name + ".parquet");
    MessageType schema = schema(unit);
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file)).withConf(new PlainParquetConfiguration())
        .withType(schema).withCompressionCodec(CompressionCodecName.SNAPPY).withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
        // Small row groups, so a time range can skip some of them.
        .withRowGroupSize(4096L).withPageSize(1024).withDictionaryEncoding(dictionary).withWriterVersion(version).build()) {
      for (int i = 0; i < rows; i++) {
        Group row = groups.newGroup();
        if (i % 10 != 9) {
          row.append("t", i * 1_000_000L);
        }
        row.append("Speed", i / 4f);
        if (i % 3 != 0) {
          row.append("Gear", i);
        }
        row.append("Flag", i % 2 == 1);
        row.append("Name", "n" + i);
        writer.write(row);
      }
    }
    return new RawFile(file.toUri().toString(), Files.size(file), 0, rows * 1_000_000L, rows);
  }

  private static RawColumns.Rows read(RawFile file, List<Column> signals, long lo, long hi) {
    RawColumns.Rows rows = new RawColumns.Rows(signals.size(), 4);
    try (LakeFileIO io = new LakeFileIO()) {
      RawColumns.read(io.newInputFile(file.location(), file.length()), "raw.test", file, TIME, signals, lo, hi, rows);
    }
    return rows;
  }

  /** Dictionary or PLAIN values, v1 or v2 pages (v2 writes integers DELTA_BINARY_PACKED). */
  @ParameterizedTest
  @CsvSource({"true, PARQUET_1_0", "false, PARQUET_1_0", "true, PARQUET_2_0", "false, PARQUET_2_0"})
  void readsNumbersOfEveryWidthAsDoublesAndDropsRowsWithoutTime(boolean dictionary, ParquetProperties.WriterVersion version)
      throws IOException {
    RawFile file = write("types", 5000, LogicalTypeAnnotation.TimeUnit.MICROS, dictionary, version);
    RawColumns.Rows rows = read(file, List.of(SPEED, GEAR, FLAG, ABSENT), Long.MIN_VALUE, Long.MAX_VALUE);

    assertThat(rows.size).isEqualTo(4500);
    assertThat(rows.sorted()).isTrue();
    int j = 0;
    for (int i = 0; i < 5000; i++) {
      if (i % 10 == 9) {
        continue;
      }
      assertThat(rows.ts[j]).isEqualTo(i * 1_000_000L);
      assertThat(rows.values[0][j]).isEqualTo(i / 4.0);
      if (i % 3 == 0) {
        assertThat(rows.values[1][j]).isNaN();
      } else {
        assertThat(rows.values[1][j]).isEqualTo(i);
      }
      assertThat(rows.values[2][j]).isEqualTo(i % 2 == 1 ? 1.0 : 0.0);
      assertThat(rows.values[3][j]).isNaN();
      j++;
    }
  }

  @Test
  void keepsOnlyRowsInTheTimeRangeAndAppendsToWhatIsThere() throws IOException {
    RawFile file = write("range", 5000, LogicalTypeAnnotation.TimeUnit.MICROS);
    RawColumns.Rows rows = new RawColumns.Rows(1, 4);
    try (LakeFileIO io = new LakeFileIO()) {
      RawColumns.read(io.newInputFile(file.location(), file.length()), "raw.test", file, TIME, List.of(SPEED), 4000 * 1_000_000L, 4100 * 1_000_000L, rows);
      RawColumns.read(io.newInputFile(file.location(), file.length()), "raw.test", file, TIME, List.of(SPEED), 10 * 1_000_000L, 12 * 1_000_000L, rows);
    }
    // 4000..4100 less 4009, 4019, ..., 4099 (10 rows without t), then 10..12 (no gaps).
    assertThat(rows.size).isEqualTo(101 - 10 + 3);
    assertThat(rows.ts[0]).isEqualTo(4000 * 1_000_000L);
    assertThat(rows.ts[rows.size - 1]).isEqualTo(12 * 1_000_000L);
    assertThat(rows.sorted()).isFalse();
  }

  @Test
  void aColumnThatIsNoNumberOrATimeInTheWrongUnitNamesTheFile() throws IOException {
    RawFile file = write("strings", 10, LogicalTypeAnnotation.TimeUnit.MICROS);
    Column name = new Column("name", 6, Set.of("Name"));
    assertThatThrownBy(() -> read(file, List.of(name), Long.MIN_VALUE, Long.MAX_VALUE))
        .hasMessageContaining(file.location()).hasMessageContaining("raw.test").hasMessageContaining("name").hasMessageContaining("not a number");

    RawFile millis = write("millis", 10, LogicalTypeAnnotation.TimeUnit.MILLIS);
    assertThatThrownBy(() -> read(millis, List.of(SPEED), Long.MIN_VALUE, Long.MAX_VALUE))
        .hasMessageContaining(millis.location()).hasMessageContaining("TIMESTAMP(MICROS)");
  }

  @Test
  void orderSortsIndexesByKeyStably() {
    long[] keys = {5, 3, 5, 1, 3, 9, 0, 5};
    assertThat(TripPass.order(keys, keys.length)).containsExactly(6, 3, 1, 4, 0, 2, 7, 5);
    assertThat(TripPass.order(keys, 0)).isEmpty();
  }
}
