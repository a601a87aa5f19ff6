package io.triplake.trips;

import io.triplake.lake.ParquetInput;
import java.io.IOException;
import java.io.Serializable;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.mapping.MappedField;
import org.apache.iceberg.mapping.NameMapping;
import org.apache.iceberg.mapping.NameMappingParser;
import org.apache.iceberg.shaded.org.apache.parquet.bytes.ByteBufferInputStream;
import org.apache.iceberg.shaded.org.apache.parquet.bytes.BytesUtils;
import org.apache.iceberg.shaded.org.apache.parquet.column.ColumnDescriptor;
import org.apache.iceberg.shaded.org.apache.parquet.column.Dictionary;
import org.apache.iceberg.shaded.org.apache.parquet.column.Encoding;
import org.apache.iceberg.shaded.org.apache.parquet.column.ValuesType;
import org.apache.iceberg.shaded.org.apache.parquet.column.page.DataPage;
import org.apache.iceberg.shaded.org.apache.parquet.column.page.DataPageV1;
import org.apache.iceberg.shaded.org.apache.parquet.column.page.DataPageV2;
import org.apache.iceberg.shaded.org.apache.parquet.column.page.DictionaryPage;
import org.apache.iceberg.shaded.org.apache.parquet.column.page.PageReadStore;
import org.apache.iceberg.shaded.org.apache.parquet.column.page.PageReader;
import org.apache.iceberg.shaded.org.apache.parquet.column.statistics.Statistics;
import org.apache.iceberg.shaded.org.apache.parquet.column.values.ValuesReader;
import org.apache.iceberg.shaded.org.apache.parquet.column.values.rle.RunLengthBitPackingHybridDecoder;
import org.apache.iceberg.shaded.org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.iceberg.shaded.org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.iceberg.shaded.org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.iceberg.shaded.org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.iceberg.shaded.org.apache.parquet.schema.MessageType;
import org.apache.iceberg.shaded.org.apache.parquet.schema.PrimitiveType;
import org.apache.iceberg.shaded.org.apache.parquet.schema.Type;

/**
 * Reads the columns a trip needs from one raw Parquet file straight into primitive arrays: {@code
 * t} as epoch microseconds and signals as doubles.
 *
 * <p>Why not Spark's reader: a trip job needs each device's rows in time order, and raw files
 * already are (a logger writes them so). Spark cannot know that and sorts every row; reading the
 * files of one device in a task and merging them by their {@code t} bounds costs a scan and nothing
 * more. Columns are found the way Iceberg finds them in files without field ids: through the
 * table's name mapping.
 *
 * <p>Why not Iceberg's own Parquet readers, which read the same files the same way behind the same
 * {@link RawFileReader} ({@link IcebergRawFileReader}): they were measured against this class with
 * the rule "within 10 % on the first and on the warm run, and this decoder goes". {@code
 * ./trip-lake bench trips --devices 10 --days 1 --reader ...} (Iceberg 1.11.0, 12.2 M rows in 1,945
 * files, 2 cores shared with other work; docs/measurements.md), the trip job's CPU time, first run
 * / warm, median of 4 runs each:
 *
 * <ul>
 *   <li>RawColumns: 25.5 / 7.5 s;
 *   <li>Iceberg's vectorized Spark batches: 29.8 / 9.3 s, +17 % / +24 %; and it refuses the RLE
 *       booleans of v2 pages (apache/iceberg#7162);
 *   <li>Iceberg's generic records: 36.6 / 11.9 s (2 runs), +44 % / +59 %.
 * </ul>
 *
 * The wall-clock times of the same runs (medians of 8, 8 and 4: 25.4 / 9.3 s, 26.2 / 7.9 s, 33.2 /
 * 10.1 s) varied two- to threefold with the machine's other load, too much to tell 10 % apart.
 * Reading the job's files alone on one thread took 1.2 s of CPU here, 1.3-1.4 s vectorized and 3.8
 * s generic (4.2, 6.1 and 7.9 s in a fresh JVM). Measure again when Iceberg is upgraded.
 */
final class RawColumns implements RawFileReader {
  static final RawColumns READER = new RawColumns();

  /**
   * A table column: its field id, its Iceberg type (what Iceberg's readers project), and the names
   * it may have in a file (the table's name mapping).
   */
  record Column(String name, int fieldId, org.apache.iceberg.types.Type type, Set<String> fileNames)
      implements Serializable {
    static Column of(Table table, String name) {
      Schema schema = table.schema();
      org.apache.iceberg.types.Types.NestedField field = schema.findField(name);
      if (field == null) {
        throw new IllegalArgumentException(
            "Cannot read column "
                + name
                + " of "
                + table.name()
                + ": the table has no such column");
      }
      Set<String> names = new TreeSet<>();
      names.add(field.name());
      String json = table.properties().get(TableProperties.DEFAULT_NAME_MAPPING);
      if (json != null) {
        NameMapping mapping = NameMappingParser.fromJson(json);
        MappedField mapped = mapping.find(field.fieldId());
        if (mapped != null) {
          names.addAll(mapped.names());
        }
      }
      return new Column(field.name(), field.fieldId(), field.type(), Set.copyOf(names));
    }
  }

  /**
   * A planned raw file: where it is, its size, and the bounds of its {@code t} (from Iceberg's
   * metrics).
   */
  record RawFile(String location, long length, long lo, long hi, long records)
      implements Serializable {}

  /**
   * Rows in file order: {@code ts[i]} and {@code values[k][i]}, a missing value (NULL or NaN) as
   * NaN.
   */
  static final class Rows {
    long[] ts;
    final double[][] values;
    int size;

    Rows(int signals, int capacity) {
      ts = new long[capacity];
      values = new double[signals][capacity];
    }

    void ensure(int capacity) {
      if (capacity > ts.length) {
        int grown = Math.max(capacity, ts.length * 2);
        ts = Arrays.copyOf(ts, grown);
        for (int k = 0; k < values.length; k++) {
          values[k] = Arrays.copyOf(values[k], grown);
        }
      }
    }

    boolean sorted() {
      for (int i = 1; i < size; i++) {
        if (ts[i] < ts[i - 1]) {
          return false;
        }
      }
      return true;
    }
  }

  private RawColumns() {}

  @Override
  public void append(
      InputFile input, Column time, List<Column> signals, long lo, long hi, Rows into)
      throws IOException {
    try (ParquetFileReader reader = ParquetInput.open(input)) {
      MessageType schema = reader.getFooter().getFileMetaData().getSchema();
      boolean hasIds = schema.getFields().stream().anyMatch(f -> f.getId() != null);
      Type timeField = find(schema, time, hasIds);
      if (timeField == null) {
        throw new IllegalStateException("has no column " + time.name());
      }
      checkTime(timeField);
      List<Type> requestedFields = new ArrayList<>(List.of(timeField));
      Type[] signalFields = new Type[signals.size()];
      for (int k = 0; k < signalFields.length; k++) {
        signalFields[k] = find(schema, signals.get(k), hasIds);
        if (signalFields[k] != null && !requestedFields.contains(signalFields[k])) {
          requestedFields.add(signalFields[k]);
        }
      }
      MessageType requested = new MessageType(schema.getName(), requestedFields);
      reader.setRequestedSchema(requested);
      for (BlockMetaData block : reader.getRowGroups()) {
        if (outside(block, timeField.getName(), lo, hi)) {
          reader.skipNextRowGroup();
          continue;
        }
        PageReadStore pages = reader.readNextRowGroup();
        int n = Math.toIntExact(pages.getRowCount());
        long[] ts = new long[n];
        boolean[] keep = new boolean[n];
        readTimes(
            pages, requested.getColumnDescription(new String[] {timeField.getName()}), n, ts, keep);
        int kept = 0;
        for (int i = 0; i < n; i++) {
          keep[i] = keep[i] && ts[i] >= lo && ts[i] <= hi;
          kept += keep[i] ? 1 : 0;
        }
        if (kept == 0) {
          continue;
        }
        int base = into.size;
        into.ensure(base + kept);
        int j = base;
        for (int i = 0; i < n; i++) {
          if (keep[i]) {
            into.ts[j++] = ts[i];
          }
        }
        for (int k = 0; k < signalFields.length; k++) {
          double[] out = into.values[k];
          if (signalFields[k] == null) {
            Arrays.fill(out, base, base + kept, Double.NaN);
          } else {
            readDoubles(
                pages,
                requested.getColumnDescription(new String[] {signalFields[k].getName()}),
                signals.get(k),
                n,
                keep,
                out,
                base);
          }
        }
        into.size = base + kept;
      }
    }
  }

  /**
   * The file's top-level field for a table column: by field id when the file has ids, else by
   * mapped name.
   */
  private static Type find(MessageType schema, Column column, boolean hasIds) {
    for (Type field : schema.getFields()) {
      if (hasIds
          ? field.getId() != null && field.getId().intValue() == column.fieldId()
          : column.fileNames().contains(field.getName())) {
        return field;
      }
    }
    return null;
  }

  private static void checkTime(Type field) {
    if (!field.isPrimitive()
        || field.asPrimitiveType().getPrimitiveTypeName() != PrimitiveType.PrimitiveTypeName.INT64
        || !(field.getLogicalTypeAnnotation()
            instanceof LogicalTypeAnnotation.TimestampLogicalTypeAnnotation ts)
        || ts.getUnit() != LogicalTypeAnnotation.TimeUnit.MICROS) {
      throw new IllegalStateException(
          "column "
              + field.getName()
              + " is "
              + field.toString().trim()
              + ", not INT64 TIMESTAMP(MICROS)");
    }
  }

  /** Whether the row group's statistics show that no {@code t} of it is in [lo, hi]. */
  private static boolean outside(BlockMetaData block, String timeName, long lo, long hi) {
    for (ColumnChunkMetaData chunk : block.getColumns()) {
      if (chunk.getPath().size() == 1 && chunk.getPath().toArray()[0].equals(timeName)) {
        Statistics<?> stats = chunk.getStatistics();
        if (stats == null || stats.isEmpty()) {
          return false;
        }
        if (!stats.hasNonNullValue()) {
          return stats.getNumNulls() == block.getRowCount(); // no row has a t
        }
        long min = ((Number) stats.genericGetMin()).longValue();
        long max = ((Number) stats.genericGetMax()).longValue();
        return max < lo || min > hi;
      }
    }
    return false;
  }

  /** The times of a row group's rows; {@code defined[i]} false where row i has none. */
  private static void readTimes(
      PageReadStore rowGroup, ColumnDescriptor column, int n, long[] ts, boolean[] defined)
      throws IOException {
    Pages pages = new Pages(rowGroup, column);
    for (int i = 0; i < n; i++) {
      if (pages.nextDefined()) {
        ts[i] = pages.plain != null ? pages.plain.getLong() : pages.values.readLong();
        defined[i] = true;
      }
    }
  }

  /**
   * The kept rows of one signal column as doubles, as Spark's CAST(x AS DOUBLE) gives them; NULL as
   * NaN.
   */
  private static void readDoubles(
      PageReadStore rowGroup,
      ColumnDescriptor column,
      Column signal,
      int n,
      boolean[] keep,
      double[] out,
      int base)
      throws IOException {
    PrimitiveType type = column.getPrimitiveType();
    LogicalTypeAnnotation annotation = type.getLogicalTypeAnnotation();
    int scale =
        annotation instanceof LogicalTypeAnnotation.DecimalLogicalTypeAnnotation d
            ? d.getScale()
            : -1;
    boolean unsigned =
        annotation instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation i && !i.isSigned();
    PrimitiveType.PrimitiveTypeName physical = type.getPrimitiveTypeName();
    // What RawFileReader.readable accepts, however it is stored: a decimal in any of its three
    // storages; not a date, time or timestamp, whose INT32 or INT64 is no signal value.
    boolean number =
        switch (physical) {
          case DOUBLE, FLOAT, BOOLEAN -> true;
          case INT32, INT64 ->
              annotation == null
                  || scale >= 0
                  || annotation instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation;
          case FIXED_LEN_BYTE_ARRAY, BINARY -> scale >= 0;
          default -> false;
        };
    if (!number) {
      throw new IllegalStateException(
          "column " + signal.name() + " is " + type.toString().trim() + ", not a number");
    }
    Pages pages = new Pages(rowGroup, column);
    int j = base;
    for (int i = 0; i < n; i++) {
      double v = Double.NaN;
      if (pages.nextDefined()) {
        ByteBuffer plain = pages.plain;
        ValuesReader values = pages.values;
        v =
            switch (physical) {
              case DOUBLE -> plain != null ? plain.getDouble() : values.readDouble();
              case FLOAT -> plain != null ? plain.getFloat() : values.readFloat();
              case INT32 -> {
                int x = plain != null ? plain.getInt() : values.readInteger();
                yield scale >= 0
                    ? BigDecimal.valueOf(x, scale).doubleValue()
                    : unsigned ? Integer.toUnsignedLong(x) : x;
              }
              case INT64 -> {
                long x = plain != null ? plain.getLong() : values.readLong();
                yield scale >= 0
                    ? BigDecimal.valueOf(x, scale).doubleValue()
                    : unsigned ? new BigDecimal(Long.toUnsignedString(x)).doubleValue() : x;
              }
              case BOOLEAN -> values.readBoolean() ? 1 : 0;
              // The unscaled value, big-endian two's complement: how pyarrow stores every decimal
              // by default, and any writer a decimal of more than 18 digits.
              case FIXED_LEN_BYTE_ARRAY, BINARY ->
                  new BigDecimal(new BigInteger(values.readBytes().getBytes()), scale)
                      .doubleValue();
              default -> throw new AssertionError(physical);
            };
      }
      if (keep[i]) {
        out[j++] = v;
      }
    }
  }

  /**
   * The pages of one flat column chunk, value by value: definition levels, then values. PLAIN
   * values of fixed width are read straight from the page's buffer; parquet-java's value readers
   * read them through a stream, a readFully call per value, which took most of the job's reading
   * time (JFR). Every other encoding (dictionary, delta, ...) goes through parquet-java's readers.
   */
  private static final class Pages {
    private final PageReader reader;
    private final ColumnDescriptor column;
    private final Dictionary dictionary;
    private final int maxLevel;
    private int remaining;
    private ValuesReader levelsV1;
    private RunLengthBitPackingHybridDecoder levelsV2;

    /** The current page's PLAIN values (little-endian), or null. */
    ByteBuffer plain;

    /** The current page's values in any other encoding, or null. */
    ValuesReader values;

    Pages(PageReadStore rowGroup, ColumnDescriptor column) throws IOException {
      this.reader = rowGroup.getPageReader(column);
      this.column = column;
      DictionaryPage page = reader.readDictionaryPage();
      this.dictionary = page == null ? null : page.getEncoding().initDictionary(column, page);
      this.maxLevel = column.getMaxDefinitionLevel();
    }

    /**
     * Moves to the next row; whether it has a value (then read it from {@link #plain} or {@link
     * #values}).
     */
    boolean nextDefined() throws IOException {
      while (remaining == 0) {
        DataPage page = reader.readPage();
        if (page == null) {
          throw new IOException(
              "column " + column + " has fewer values than its row group has rows");
        }
        remaining = page.getValueCount();
        if (page instanceof DataPageV1 v1) {
          ByteBufferInputStream in = v1.getBytes().toInputStream();
          // Flat columns: repetition levels are all 0 and take no bytes, but are read as written.
          v1.getRlEncoding()
              .getValuesReader(column, ValuesType.REPETITION_LEVEL)
              .initFromPage(remaining, in);
          levelsV1 = v1.getDlEncoding().getValuesReader(column, ValuesType.DEFINITION_LEVEL);
          levelsV1.initFromPage(remaining, in);
          levelsV2 = null;
          values(v1.getValueEncoding(), in);
        } else if (page instanceof DataPageV2 v2) {
          levelsV1 = null;
          levelsV2 =
              maxLevel == 0
                  ? null
                  : new RunLengthBitPackingHybridDecoder(
                      BytesUtils.getWidthFromMaxInt(maxLevel),
                      v2.getDefinitionLevels().toInputStream());
          values(v2.getDataEncoding(), v2.getData().toInputStream());
        } else {
          throw new IOException(
              "column "
                  + column
                  + " has a data page of unknown kind "
                  + page.getClass().getSimpleName());
        }
      }
      remaining--;
      int level =
          levelsV1 != null
              ? levelsV1.readInteger()
              : levelsV2 != null ? levelsV2.readInt() : maxLevel;
      return level == maxLevel;
    }

    private void values(Encoding encoding, ByteBufferInputStream in) throws IOException {
      PrimitiveType.PrimitiveTypeName physical = column.getPrimitiveType().getPrimitiveTypeName();
      if (encoding == Encoding.PLAIN
          && physical != PrimitiveType.PrimitiveTypeName.BOOLEAN
          && physical != PrimitiveType.PrimitiveTypeName.BINARY
          && physical != PrimitiveType.PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY
          && physical != PrimitiveType.PrimitiveTypeName.INT96) {
        plain = in.slice(in.available()).order(ByteOrder.LITTLE_ENDIAN);
        values = null;
        return;
      }
      plain = null;
      if (encoding.usesDictionary()) {
        if (dictionary == null) {
          throw new IOException(
              "column " + column + " has dictionary-encoded values but no dictionary page");
        }
        values = encoding.getDictionaryBasedValuesReader(column, ValuesType.VALUES, dictionary);
      } else {
        values = encoding.getValuesReader(column, ValuesType.VALUES);
      }
      values.initFromPage(remaining, in);
    }
  }
}
