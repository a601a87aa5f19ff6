package io.triplake.trips;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.triplake.lake.LakeFileIO;
import io.triplake.trips.RawColumns.Column;
import io.triplake.trips.RawColumns.RawFile;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Reading raw files' columns into arrays, on real Parquet files written by parquet-java: every case
 * with every {@link RawFileReader} (its name in {@link TripAggregator#RAW_READERS}), so that they
 * give the same rows.
 */
class TestRawColumns {
  private static final org.apache.iceberg.types.Type TIMESTAMPTZ =
      org.apache.iceberg.types.Types.TimestampType.withZone();
  private static final Column TIME = new Column("t", 1, TIMESTAMPTZ, Set.of("t"));
  private static final Column SPEED =
      new Column(
          "speed", 2, org.apache.iceberg.types.Types.FloatType.get(), Set.of("speed", "Speed"));
  private static final Column GEAR =
      new Column(
          "gear", 3, org.apache.iceberg.types.Types.IntegerType.get(), Set.of("gear", "Gear"));
  private static final Column FLAG =
      new Column(
          "flag", 4, org.apache.iceberg.types.Types.BooleanType.get(), Set.of("flag", "Flag"));
  private static final Column ABSENT =
      new Column(
          "absent", 5, org.apache.iceberg.types.Types.DoubleType.get(), Set.of("absent", "Absent"));

  @TempDir Path dir;

  static Stream<String> readers() {
    return TripAggregator.RAW_READERS.stream();
  }

  /**
   * Every reader with each page layout: dictionary or PLAIN values, v1 or v2 pages (v2 writes
   * integers DELTA_BINARY_PACKED and booleans RLE). Not the vectorized reader on v2 pages: it
   * cannot read their booleans ({@link #theVectorizedReaderReadsV2PagesButNotTheirBooleans}).
   */
  static Stream<Arguments> readersAndLayouts() {
    return readers()
        .flatMap(
            reader ->
                Stream.of(
                    Arguments.of(reader, true, ParquetProperties.WriterVersion.PARQUET_1_0),
                    Arguments.of(reader, false, ParquetProperties.WriterVersion.PARQUET_1_0),
                    Arguments.of(reader, true, ParquetProperties.WriterVersion.PARQUET_2_0),
                    Arguments.of(reader, false, ParquetProperties.WriterVersion.PARQUET_2_0)))
        .filter(
            a ->
                !(a.get()[0].equals("iceberg-vectorized")
                    && a.get()[2] == ParquetProperties.WriterVersion.PARQUET_2_0));
  }

  static Stream<Arguments> readersAndPageVersions() {
    return readers()
        .flatMap(
            reader ->
                Stream.of(
                    Arguments.of(reader, ParquetProperties.WriterVersion.PARQUET_1_0),
                    Arguments.of(reader, ParquetProperties.WriterVersion.PARQUET_2_0)));
  }

  /**
   * A raw file's schema up to its signals: {@code t} first, a UTC timestamp as loggers write it.
   */
  private static Types.GroupBuilder<MessageType> time(LogicalTypeAnnotation.TimeUnit unit) {
    return Types.buildMessage()
        .optional(PrimitiveTypeName.INT64)
        .as(LogicalTypeAnnotation.timestampType(true, unit))
        .named("t");
  }

  private static MessageType schema(LogicalTypeAnnotation.TimeUnit unit) {
    return time(unit)
        .optional(PrimitiveTypeName.FLOAT)
        .named("Speed")
        .optional(PrimitiveTypeName.INT32)
        .named("Gear")
        .optional(PrimitiveTypeName.BOOLEAN)
        .named("Flag")
        .optional(PrimitiveTypeName.BINARY)
        .as(LogicalTypeAnnotation.stringType())
        .named("Name")
        .named("schema");
  }

  /**
   * Rows t = 0, 1, ... rows-1 seconds (t NULL every 10th row), Speed = i / 4 (NaN every 7th), Gear
   * = i (NULL every 3rd), Flag = odd.
   */
  private RawFile write(String name, int rows, LogicalTypeAnnotation.TimeUnit unit)
      throws IOException {
    return write(name, rows, unit, true, ParquetProperties.WriterVersion.PARQUET_1_0);
  }

  private RawFile write(
      String name,
      int rows,
      LogicalTypeAnnotation.TimeUnit unit,
      boolean dictionary,
      ParquetProperties.WriterVersion version)
      throws IOException {
    return write(
        name,
        schema(unit),
        rows,
        dictionary,
        version,
        (i, row) -> {
          if (i % 10 != 9) {
            row.append("t", i * 1_000_000L);
          }
          row.append("Speed", i % 7 == 6 ? Float.NaN : i / 4f);
          if (i % 3 != 0) {
            row.append("Gear", i);
          }
          row.append("Flag", i % 2 == 1);
          row.append("Name", "n" + i);
        });
  }

  private RawFile write(
      String name,
      MessageType schema,
      int rows,
      boolean dictionary,
      ParquetProperties.WriterVersion version,
      BiConsumer<Integer, Group> values)
      throws IOException {
    Path file = dir.resolve(name + ".parquet");
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    try (ParquetWriter<Group> writer =
        ExampleParquetWriter.builder(new LocalOutputFile(file))
            .withConf(new PlainParquetConfiguration())
            .withType(schema)
            .withCompressionCodec(CompressionCodecName.SNAPPY)
            .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
            // Small row groups, so a time range can skip some of them.
            .withRowGroupSize(4096L)
            .withPageSize(1024)
            .withDictionaryEncoding(dictionary)
            .withWriterVersion(version)
            .build()) {
      for (int i = 0; i < rows; i++) {
        Group row = groups.newGroup();
        values.accept(i, row);
        writer.write(row);
      }
    }
    return new RawFile(file.toUri().toString(), Files.size(file), 0, rows * 1_000_000L, rows);
  }

  private static RawColumns.Rows read(
      String reader, RawFile file, List<Column> signals, long lo, long hi) {
    RawColumns.Rows rows = new RawColumns.Rows(signals.size(), 4);
    read(reader, file, signals, lo, hi, rows);
    return rows;
  }

  private static void read(
      String reader, RawFile file, List<Column> signals, long lo, long hi, RawColumns.Rows into) {
    try (LakeFileIO io = new LakeFileIO()) {
      RawFileReader.named(reader)
          .read(
              io.newInputFile(file.location(), file.length()),
              "raw.test",
              file,
              TIME,
              signals,
              lo,
              hi,
              into);
    }
  }

  /** The same rows as RawColumns gives, bit for bit (NaN included). */
  private static void assertSameAsRawColumns(String reader, RawFile file, List<Column> signals) {
    RawColumns.Rows expected =
        read(TripAggregator.RAW_READER_DEFAULT, file, signals, Long.MIN_VALUE, Long.MAX_VALUE);
    RawColumns.Rows actual = read(reader, file, signals, Long.MIN_VALUE, Long.MAX_VALUE);
    assertThat(actual.size).isEqualTo(expected.size);
    assertThat(Arrays.copyOf(actual.ts, actual.size))
        .containsExactly(Arrays.copyOf(expected.ts, expected.size));
    for (int k = 0; k < signals.size(); k++) {
      assertThat(Arrays.copyOf(actual.values[k], actual.size))
          .as(signals.get(k).name())
          .containsExactly(Arrays.copyOf(expected.values[k], expected.size));
    }
  }

  @ParameterizedTest
  @MethodSource("readersAndLayouts")
  void readsNumbersOfEveryWidthAsDoublesAndDropsRowsWithoutTime(
      String reader, boolean dictionary, ParquetProperties.WriterVersion version)
      throws IOException {
    RawFile file = write("types", 5000, LogicalTypeAnnotation.TimeUnit.MICROS, dictionary, version);
    RawColumns.Rows rows =
        read(reader, file, List.of(SPEED, GEAR, FLAG, ABSENT), Long.MIN_VALUE, Long.MAX_VALUE);

    assertThat(rows.size).isEqualTo(4500);
    assertThat(rows.sorted()).isTrue();
    int j = 0;
    for (int i = 0; i < 5000; i++) {
      if (i % 10 == 9) {
        continue;
      }
      assertThat(rows.ts[j]).isEqualTo(i * 1_000_000L);
      if (i % 7 == 6) {
        assertThat(rows.values[0][j]).isNaN();
      } else {
        assertThat(rows.values[0][j]).isEqualTo(i / 4.0);
      }
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

  /**
   * Iceberg 1.11's vectorized reader refuses RLE-encoded boolean pages, which every parquet-java v2
   * writer makes (apache/iceberg#7162); the other columns of the same file it reads.
   */
  @ParameterizedTest
  @CsvSource({"true", "false"})
  void theVectorizedReaderReadsV2PagesButNotTheirBooleans(boolean dictionary) throws IOException {
    RawFile file =
        write(
            "v2",
            5000,
            LogicalTypeAnnotation.TimeUnit.MICROS,
            dictionary,
            ParquetProperties.WriterVersion.PARQUET_2_0);
    assertSameAsRawColumns("iceberg-vectorized", file, List.of(SPEED, GEAR, ABSENT));
    assertThatThrownBy(
            () -> read("iceberg-vectorized", file, List.of(FLAG), Long.MIN_VALUE, Long.MAX_VALUE))
        .hasMessageStartingWith(
            "Cannot read raw file "
                + file.location()
                + " of raw.test: Cannot support vectorized reads for column [Flag]")
        .hasMessageContaining("with encoding RLE");
  }

  /**
   * A file that has field ids is read by id, as Iceberg reads it: the name mapping does not apply.
   */
  @ParameterizedTest
  @MethodSource("readers")
  void aFileWithFieldIdsIsReadByIdNotByName(String reader) throws IOException {
    MessageType schema =
        Types.buildMessage()
            .optional(PrimitiveTypeName.INT64)
            .as(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MICROS))
            .id(TIME.fieldId())
            .named("time")
            .optional(PrimitiveTypeName.FLOAT)
            .id(SPEED.fieldId())
            .named("velocity")
            // A mapped name with another id: not the table's speed.
            .optional(PrimitiveTypeName.FLOAT)
            .id(99)
            .named("Speed")
            .optional(PrimitiveTypeName.INT32)
            .id(GEAR.fieldId())
            .named("Gear")
            .named("schema");
    RawFile file =
        write(
            "ids",
            schema,
            3000,
            true,
            ParquetProperties.WriterVersion.PARQUET_1_0,
            (i, row) -> {
              row.append("time", i * 1_000_000L);
              row.append("velocity", i % 7 == 6 ? Float.NaN : i / 4f);
              row.append("Speed", -1f);
              if (i % 3 != 0) {
                row.append("Gear", i);
              }
            });
    RawColumns.Rows rows =
        read(reader, file, List.of(SPEED, GEAR, ABSENT), 100 * 1_000_000L, 2999 * 1_000_000L);

    assertThat(rows.size).isEqualTo(2900);
    for (int j = 0; j < rows.size; j++) {
      int i = j + 100;
      assertThat(rows.ts[j]).isEqualTo(i * 1_000_000L);
      assertThat(rows.values[0][j]).isEqualTo(Double.valueOf(i % 7 == 6 ? Double.NaN : i / 4.0));
      assertThat(rows.values[1][j]).isEqualTo(Double.valueOf(i % 3 == 0 ? Double.NaN : i));
      assertThat(rows.values[2][j]).isNaN();
    }
    assertSameAsRawColumns(reader, file, List.of(SPEED, GEAR, ABSENT));
  }

  /** REQUIRED columns have no definition levels in their pages. */
  @ParameterizedTest
  @MethodSource("readersAndPageVersions")
  void requiredColumnsReadLikeOptionalOnes(String reader, ParquetProperties.WriterVersion version)
      throws IOException {
    MessageType schema =
        Types.buildMessage()
            .required(PrimitiveTypeName.INT64)
            .as(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MICROS))
            .named("t")
            .required(PrimitiveTypeName.FLOAT)
            .named("Speed")
            .required(PrimitiveTypeName.INT32)
            .named("Gear")
            .named("schema");
    RawFile file =
        write(
            "required",
            schema,
            3000,
            true,
            version,
            (i, row) -> {
              row.append("t", i * 1_000_000L);
              row.append("Speed", i % 7 == 6 ? Float.NaN : i / 4f);
              row.append("Gear", i % 5);
            });
    RawColumns.Rows rows = read(reader, file, List.of(SPEED, GEAR), Long.MIN_VALUE, Long.MAX_VALUE);

    assertThat(rows.size).isEqualTo(3000);
    for (int i = 0; i < rows.size; i++) {
      assertThat(rows.ts[i]).isEqualTo(i * 1_000_000L);
      assertThat(rows.values[0][i]).isEqualTo(Double.valueOf(i % 7 == 6 ? Double.NaN : i / 4.0));
      assertThat(rows.values[1][i]).isEqualTo(i % 5);
    }
    assertSameAsRawColumns(reader, file, List.of(SPEED, GEAR));
  }

  /**
   * Every numeric Iceberg type a raw table can have: INT64 (beyond what an int holds), and DECIMAL
   * stored in INT32, INT64 or a FIXED_LEN_BYTE_ARRAY (how pyarrow writes every decimal by default),
   * read as Spark's {@code CAST(x AS DOUBLE)} reads them.
   */
  @ParameterizedTest
  @MethodSource("readers")
  void longsAndDecimalsOfEveryStorageReadAsDoubles(String reader) throws IOException {
    MessageType schema =
        time(LogicalTypeAnnotation.TimeUnit.MICROS)
            .optional(PrimitiveTypeName.INT64)
            .named("Count")
            .optional(PrimitiveTypeName.INT32)
            .as(LogicalTypeAnnotation.decimalType(2, 9))
            .named("Price")
            .optional(PrimitiveTypeName.INT64)
            .as(LogicalTypeAnnotation.decimalType(3, 18))
            .named("Amount")
            .optional(PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY)
            .length(9)
            .as(LogicalTypeAnnotation.decimalType(4, 20))
            .named("Big")
            .named("schema");
    RawFile file =
        write(
            "decimals",
            schema,
            2000,
            true,
            ParquetProperties.WriterVersion.PARQUET_1_0,
            (i, row) -> {
              row.append("t", i * 1_000_000L);
              row.append("Count", i * 3_000_000_017L);
              if (i % 3 != 0) {
                row.append("Price", -i * 7);
                row.append("Amount", i * 1_000_003L);
                row.append("Big", Binary.fromConstantByteArray(fixed(bigUnscaled(i), 9)));
              }
            });
    List<Column> columns =
        List.of(
            new Column("count", 10, org.apache.iceberg.types.Types.LongType.get(), Set.of("Count")),
            new Column(
                "price", 11, org.apache.iceberg.types.Types.DecimalType.of(9, 2), Set.of("Price")),
            new Column(
                "amount",
                12,
                org.apache.iceberg.types.Types.DecimalType.of(18, 3),
                Set.of("Amount")),
            new Column(
                "big", 13, org.apache.iceberg.types.Types.DecimalType.of(20, 4), Set.of("Big")));
    RawColumns.Rows rows = read(reader, file, columns, Long.MIN_VALUE, Long.MAX_VALUE);

    assertThat(rows.size).isEqualTo(2000);
    for (int i = 0; i < rows.size; i++) {
      assertThat(rows.values[0][i]).isEqualTo((double) (i * 3_000_000_017L));
      if (i % 3 == 0) {
        assertThat(rows.values[1][i]).isNaN();
        assertThat(rows.values[2][i]).isNaN();
        assertThat(rows.values[3][i]).isNaN();
      } else {
        assertThat(rows.values[1][i]).isEqualTo(BigDecimal.valueOf(-i * 7L, 2).doubleValue());
        assertThat(rows.values[2][i])
            .isEqualTo(BigDecimal.valueOf(i * 1_000_003L, 3).doubleValue());
        assertThat(rows.values[3][i]).isEqualTo(new BigDecimal(bigUnscaled(i), 4).doubleValue());
      }
    }
  }

  /**
   * Beyond a long for large i, negative for odd i: every byte of the fixed-width two's complement
   * matters.
   */
  private static BigInteger bigUnscaled(int i) {
    BigInteger v =
        BigInteger.TEN.pow(16).multiply(BigInteger.valueOf(i)).add(BigInteger.valueOf(12_345));
    return i % 2 == 1 ? v.negate() : v;
  }

  /** {@code v} as {@code width} bytes, big-endian two's complement, sign-extended. */
  private static byte[] fixed(BigInteger v, int width) {
    byte[] minimal = v.toByteArray();
    byte[] out = new byte[width];
    Arrays.fill(out, 0, width - minimal.length, (byte) (v.signum() < 0 ? -1 : 0));
    System.arraycopy(minimal, 0, out, width - minimal.length, minimal.length);
    return out;
  }

  /**
   * A date or a timestamp is stored as an integer, but its number (days, microseconds) is no signal
   * value.
   */
  @ParameterizedTest
  @MethodSource("readers")
  void aDateOrTimestampSignalIsNoNumber(String reader) throws IOException {
    MessageType schema =
        time(LogicalTypeAnnotation.TimeUnit.MICROS)
            .optional(PrimitiveTypeName.INT32)
            .as(LogicalTypeAnnotation.dateType())
            .named("Day")
            .optional(PrimitiveTypeName.INT64)
            .as(LogicalTypeAnnotation.timestampType(false, LogicalTypeAnnotation.TimeUnit.MICROS))
            .named("Seen")
            .named("schema");
    RawFile file =
        write(
            "dates",
            schema,
            10,
            true,
            ParquetProperties.WriterVersion.PARQUET_1_0,
            (i, row) -> {
              row.append("t", i * 1_000_000L);
              row.append("Day", 19_000 + i);
              row.append("Seen", i * 2_000_000L);
            });
    for (Column column :
        List.of(
            new Column("day", 20, org.apache.iceberg.types.Types.DateType.get(), Set.of("Day")),
            new Column(
                "seen",
                21,
                org.apache.iceberg.types.Types.TimestampType.withoutZone(),
                Set.of("Seen")))) {
      assertThatThrownBy(() -> read(reader, file, List.of(column), Long.MIN_VALUE, Long.MAX_VALUE))
          .hasMessageStartingWith(
              "Cannot read raw file "
                  + file.location()
                  + " of raw.test: column "
                  + column.name()
                  + " is ")
          .hasMessageEndingWith(", not a number");
    }
  }

  @ParameterizedTest
  @MethodSource("readers")
  void keepsOnlyRowsInTheTimeRangeAndAppendsToWhatIsThere(String reader) throws IOException {
    RawFile file = write("range", 5000, LogicalTypeAnnotation.TimeUnit.MICROS);
    RawColumns.Rows rows = new RawColumns.Rows(1, 4);
    read(reader, file, List.of(SPEED), 4000 * 1_000_000L, 4100 * 1_000_000L, rows);
    read(reader, file, List.of(SPEED), 10 * 1_000_000L, 12 * 1_000_000L, rows);
    // 4000..4100 less 4009, 4019, ..., 4099 (10 rows without t), then 10..12 (no gaps).
    assertThat(rows.size).isEqualTo(101 - 10 + 3);
    assertThat(rows.ts[0]).isEqualTo(4000 * 1_000_000L);
    assertThat(rows.ts[rows.size - 1]).isEqualTo(12 * 1_000_000L);
    assertThat(rows.values[0][rows.size - 1]).isEqualTo(3.0);
    assertThat(rows.sorted()).isFalse();
  }

  @ParameterizedTest
  @MethodSource("readers")
  void aColumnThatIsNoNumberNamesTheFileAndTheTable(String reader) throws IOException {
    RawFile file = write("strings", 10, LogicalTypeAnnotation.TimeUnit.MICROS);
    Column name =
        new Column("name", 6, org.apache.iceberg.types.Types.StringType.get(), Set.of("Name"));
    assertThatThrownBy(() -> read(reader, file, List.of(name), Long.MIN_VALUE, Long.MAX_VALUE))
        .hasMessageStartingWith(
            "Cannot read raw file " + file.location() + " of raw.test: column name is ")
        .hasMessageEndingWith(", not a number");
  }

  /** Iceberg's readers convert MILLIS to micros; RawColumns refuses them, as registration does. */
  @Test
  void rawColumnsRefusesATimeInTheWrongUnit() throws IOException {
    RawFile millis = write("millis", 10, LogicalTypeAnnotation.TimeUnit.MILLIS);
    assertThatThrownBy(
            () ->
                read(
                    TripAggregator.RAW_READER_DEFAULT,
                    millis,
                    List.of(SPEED),
                    Long.MIN_VALUE,
                    Long.MAX_VALUE))
        .hasMessageContaining(millis.location())
        .hasMessageContaining("TIMESTAMP(MICROS)");
  }

  @Test
  void orderSortsIndexesByKeyStably() {
    long[] keys = {5, 3, 5, 1, 3, 9, 0, 5};
    assertThat(TripPass.order(keys, keys.length)).containsExactly(6, 3, 1, 4, 0, 2, 7, 5);
    assertThat(TripPass.order(keys, 0)).isEmpty();
  }
}
