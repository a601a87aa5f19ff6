package io.triplake.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.triplake.ingest.RawFileRegistrar.FileProblem;
import io.triplake.ingest.RawFileRegistrar.Result;
import io.triplake.lake.Lake;
import io.triplake.lake.LakeProperties;
import io.triplake.lake.RawFileWriter;
import io.triplake.lake.testing.Checksums;
import io.triplake.lake.testing.SampleLake;
import io.triplake.lake.testing.SparkLakeTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.types.Types;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

class TestRawFileRegistrar extends SparkLakeTest {
  private static final long HOUR = 3_600_000_000L;

  private Lake testLake;
  private Catalog catalog;
  private Path source;
  private Map<String, String> sampleChecksums;

  @BeforeEach
  void newNamespaceAndSource(TestInfo info) throws IOException {
    String name = info.getTestMethod().orElseThrow().getName().toLowerCase();
    testLake = lake.withNamespaces("raw_" + name, "trips_" + name);
    catalog = testLake.catalog(spark);
    source = Files.createDirectories(tempDir.resolve("src-" + name));
    sampleChecksums = Checksums.of(SampleLake.location());
  }

  @AfterEach
  void sampleIsUntouched() {
    assertThat(Checksums.of(SampleLake.location())).isEqualTo(sampleChecksums);
  }

  private Result register(String root) {
    try (FileIO io = testLake.sourceIO()) {
      return RawFileRegistrar.of(testLake, catalog, io).source(root).execute();
    }
  }

  private long count(String table, String where) {
    return spark
        .sql(
            "SELECT count(*) FROM "
                + testLake.rawTable(table)
                + (where.isEmpty() ? "" : " WHERE " + where))
        .first()
        .getLong(0);
  }

  @Test
  void registersEverySampleFileOnceWithAllItsRows() throws Exception {
    Path sample = SampleLake.location();
    Map<String, String> before = Checksums.of(sample);

    Result first = register(sample.toString());

    List<Path> files = parquetFiles(sample);
    assertThat(files).hasSize(165);
    assertThat(first.registeredFiles()).isEqualTo(165);
    assertThat(first.rejectedFiles()).isEmpty();
    assertThat(first.ignoredFiles()).isEqualTo(2); // README.md and MANIFEST.json
    assertThat(first.registeredRows()).isEqualTo(719_624L);
    // The JSON report stays one flat object with the field names operators' scripts read.
    com.fasterxml.jackson.databind.JsonNode report =
        io.triplake.lake.Json.MAPPER.readTree(io.triplake.lake.Json.write(first));
    assertThat(report.get("registeredFiles").asInt()).isEqualTo(165);
    assertThat(report.get("ignoredFiles").asInt()).isEqualTo(2);
    assertThat(report.get("registeredRows").asLong()).isEqualTo(719_624L);
    assertThat(report.has("added")).isFalse();
    assertThat(first.tablesCreated()).hasSize(18);

    // count(*) of each table equals the rows of its files, read directly with Spark's Parquet
    // reader.
    Map<String, List<Path>> byMessage =
        files.stream()
            .collect(
                Collectors.groupingBy(
                    p -> sample.relativize(p).getName(1).toString().toLowerCase()));
    for (Map.Entry<String, List<Path>> message : byMessage.entrySet()) {
      long expected =
          spark
              .read()
              .parquet(message.getValue().stream().map(Path::toString).toArray(String[]::new))
              .count();
      assertThat(count(message.getKey(), "")).as(message.getKey()).isEqualTo(expected);
      Table table = catalog.loadTable(testLake.rawTable(message.getKey()));
      assertThat(table.currentSnapshot().summary())
          .containsEntry(LakeProperties.RUN_ID, first.runId())
          .containsEntry("added-data-files", String.valueOf(message.getValue().size()));
      assertThat(table.properties()).containsEntry(TableProperties.GC_ENABLED, "false");
      assertThat(org.apache.iceberg.TableUtil.formatVersion(table)).isEqualTo(2);
      // Each file is registered in place: the table points at the original path.
      assertThat(
              spark
                  .sql(
                      "SELECT count(DISTINCT file_path) FROM "
                          + testLake.rawTable(message.getKey())
                          + ".files")
                  .first()
                  .getLong(0))
          .isEqualTo(message.getValue().size());
    }

    Map<String, Long> snapshots = snapshotIds();
    Result second = register(sample.toString());
    assertThat(second.registeredFiles()).isZero();
    assertThat(second.skippedFiles()).isEqualTo(165);
    assertThat(second.commits()).isEmpty();
    assertThat(snapshotIds()).isEqualTo(snapshots);
    assertThat(Checksums.of(sample)).isEqualTo(before);
  }

  private Map<String, Long> snapshotIds() {
    Map<String, Long> ids = new HashMap<>();
    catalog.listTables(testLake.rawNamespace()).stream()
        .filter(id -> io.triplake.lake.RawPath.isMessageTable(id.name()))
        .forEach(id -> ids.put(id.name(), catalog.loadTable(id).currentSnapshot().snapshotId()));
    return ids;
  }

  @Test
  void aTableWithMoreNewFilesThanOneCommitHoldsGetsSeveralAndTheSameRows() {
    Result sliced;
    try (FileIO io = testLake.sourceIO()) {
      sliced =
          RawFileRegistrar.of(testLake, catalog, io)
              .source(SampleLake.location().toString())
              .filesPerCommit(7)
              .execute();
    }
    assertThat(sliced.registeredFiles()).isEqualTo(165);
    assertThat(sliced.registeredRows()).isEqualTo(719_624L);
    // Tables with more than 7 new files commit in slices: more commits than tables, each of at most
    // 7 files.
    assertThat(sliced.commits()).hasSizeGreaterThan(sliced.tablesCreated().size());
    assertThat(sliced.commits()).allSatisfy(c -> assertThat(c.files()).isBetween(1, 7));
    assertThat(sliced.commits().stream().mapToLong(RawFileRegistrar.TableCommit::rows).sum())
        .isEqualTo(719_624L);
    String busiest =
        sliced.commits().stream()
            .collect(
                java.util.stream.Collectors.groupingBy(
                    RawFileRegistrar.TableCommit::table, java.util.stream.Collectors.counting()))
            .entrySet()
            .stream()
            .max(Map.Entry.comparingByValue())
            .orElseThrow()
            .getKey();
    org.apache.iceberg.Table table =
        catalog.loadTable(org.apache.iceberg.catalog.TableIdentifier.parse(busiest));
    assertThat(sliced.snapshotIds().get(busiest)).isEqualTo(table.currentSnapshot().snapshotId());
    assertThat(register(SampleLake.location().toString()).skippedFiles())
        .as("nothing twice")
        .isEqualTo(165);
  }

  @Test
  void metricsLandOnTheRightColumnsSoFiltersFindTheRows() {
    // Signals named in mixed case in the file, lower case in the table: the name mapping joins
    // them.
    register(SampleLake.location().toString());
    String files = SampleLake.location() + "/*/CAN2_gnss_speed/*/*/*/*.parquet";
    long expected = spark.read().parquet(files).where("Speed > 20").count();
    assertThat(expected).isPositive();
    assertThat(count("can2_gnss_speed", "speed > 20")).isEqualTo(expected);
    assertThat(count("can2_gnss_speed", "speed > 1000")).isZero();
  }

  @Test
  void fileCrossingMidnightIsFoundByQueriesForBothDays() {
    long midnight = micros("2024-03-02T00:00:00Z");
    try (RawFileWriter w =
        RawFileWriter.open(
            rawFile("AABBCCDD", "CAN2_gnss_speed", "2024/03/01", "00000001_00000001"),
            true,
            List.of("Speed"))) {
      for (long t = midnight - HOUR / 6; t <= midnight + HOUR / 6; t += 60_000_000L) {
        w.write(t, 10.0);
      }
    }
    register(source.toString());
    assertThat(
            count(
                "can2_gnss_speed",
                "t >= TIMESTAMP '2024-03-01 00:00:00' AND t < TIMESTAMP '2024-03-02 00:00:00'"))
        .isEqualTo(10);
    assertThat(
            count(
                "can2_gnss_speed",
                "t >= TIMESTAMP '2024-03-02 00:00:00' AND t < TIMESTAMP '2024-03-03 00:00:00'"))
        .isEqualTo(11);
    assertThat(count("can2_gnss_speed", "CAST(t AS DATE) = DATE '2024-03-02'")).isEqualTo(11);
  }

  @Test
  void newSignalColumnIsAddedAndOlderFilesReadItAsNull() {
    try (RawFileWriter w =
        RawFileWriter.open(
            rawFile("AABBCCDD", "CAN2_gnss_speed", "2024/03/01", "a"), true, List.of("Speed"))) {
      w.write(1_000_000L, 1.0);
    }
    Result first = register(source.toString());
    assertThat(first.tablesCreated())
        .containsExactly(testLake.rawTable("can2_gnss_speed").toString());

    try (RawFileWriter w =
        RawFileWriter.open(
            rawFile("AABBCCDD", "CAN2_gnss_speed", "2024/03/02", "b"),
            true,
            List.of("Speed", "SpeedAccuracy"))) {
      w.write(2_000_000L, 2.0, 0.5);
    }
    Result second = register(source.toString());
    assertThat(second.registeredFiles()).isEqualTo(1);
    assertThat(second.columnsAdded())
        .containsExactly(testLake.rawTable("can2_gnss_speed") + ".speedaccuracy");

    List<Row> rows =
        spark
            .sql(
                "SELECT speed, speedaccuracy FROM "
                    + testLake.rawTable("can2_gnss_speed")
                    + " ORDER BY t")
            .collectAsList();
    assertThat(rows).hasSize(2);
    assertThat(rows.get(0).getDouble(0)).isEqualTo(1.0);
    assertThat(rows.get(0).isNullAt(1)).isTrue();
    assertThat(rows.get(1).getDouble(1)).isEqualTo(0.5);
  }

  @Test
  void bothTimestampFlavoursRegisterAndReadBackTheSameInstants() {
    long[] times = {micros("2021-07-26T04:41:10.528107Z"), 1_700_000_000_123_456L};
    for (boolean adjusted : new boolean[] {true, false}) {
      String message = adjusted ? "CAN2_utc" : "CAN2_local";
      try (RawFileWriter w =
          RawFileWriter.open(
              rawFile("AABBCCDD", message, "2021/07/26", "f"), adjusted, List.of("Speed"))) {
        for (long t : times) {
          w.write(t, 1.0);
        }
      }
    }
    register(source.toString());
    Table utc = catalog.loadTable(testLake.rawTable("can2_utc"));
    Table local = catalog.loadTable(testLake.rawTable("can2_local"));
    assertThat(utc.schema().findType("t")).isEqualTo(Types.TimestampType.withZone());
    assertThat(local.schema().findType("t")).isEqualTo(Types.TimestampType.withoutZone());
    for (String table : List.of("can2_utc", "can2_local")) {
      List<String> read =
          spark
              .sql("SELECT CAST(t AS STRING) FROM " + testLake.rawTable(table) + " ORDER BY t")
              .collectAsList()
              .stream()
              .map(r -> r.getString(0))
              .toList();
      assertThat(read)
          .as(table)
          .containsExactly("2021-07-26 04:41:10.528107", "2023-11-14 22:13:20.123456");
    }
  }

  @Test
  void badInputIsRejectedWithItsReasonWhileGoodFilesLand() throws IOException {
    try (RawFileWriter w =
        RawFileWriter.open(
            rawFile("AABBCCDD", "CAN2_gnss_speed", "2024/03/01", "good"), true, List.of("Speed"))) {
      w.write(1_000_000L, 1.0);
    }
    Path good = rawFile("AABBCCDD", "CAN2_gnss_speed", "2024/03/01", "good");
    Files.write(rawFile("AABBCCDD", "CAN2_gnss_speed", "2024/03/01", "empty"), new byte[0]);
    byte[] goodBytes = Files.readAllBytes(good);
    Files.write(
        rawFile("AABBCCDD", "CAN2_gnss_speed", "2024/03/01", "truncated"),
        java.util.Arrays.copyOf(goodBytes, goodBytes.length - 20));
    Files.writeString(
        rawFile("AABBCCDD", "CAN2_gnss_speed", "2024/03/01", "text"),
        "t,Speed\n1,2\nthis is a CSV file, not Parquet\n");
    writeWithSchema(
        rawFile("AABBCCDD", "CAN2_gnss_speed", "2024/03/01", "no_t"),
        org.apache.parquet.schema.Types.buildMessage()
            .optional(PrimitiveTypeName.DOUBLE)
            .named("Speed")
            .named("s"));
    writeWithSchema(
        rawFile("AABBCCDD", "CAN2_gnss_speed", "2024/03/01", "t_double"),
        org.apache.parquet.schema.Types.buildMessage()
            .optional(PrimitiveTypeName.DOUBLE)
            .named("t")
            .optional(PrimitiveTypeName.DOUBLE)
            .named("Speed")
            .named("s"));
    writeWithSchema(
        rawFile("AABBCCDD", "CAN2_gnss_speed", "2024/03/01", "t_millis"),
        schemaWithTime(LogicalTypeAnnotation.TimeUnit.MILLIS, "Speed"));
    writeWithSchema(
        rawFile("AABBCCDD", "CAN2_gnss_speed", "2024/03/01", "speed_string"),
        org.apache.parquet.schema.Types.buildMessage()
            .optional(PrimitiveTypeName.INT64)
            .as(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MICROS))
            .named("t")
            .optional(PrimitiveTypeName.BINARY)
            .as(LogicalTypeAnnotation.stringType())
            .named("Speed")
            .named("s"));
    Path badDate = source.resolve("AABBCCDD/CAN2_gnss_speed/2021/02/30/x.parquet");
    Files.createDirectories(badDate.getParent());
    Files.copy(good, badDate);
    Path badDevice = source.resolve("not-a-device/CAN2_gnss_speed/2021/02/03/x.parquet");
    Files.createDirectories(badDevice.getParent());
    Files.copy(good, badDevice);
    Path tooShallow = source.resolve("AABBCCDD/CAN2_gnss_speed/2021/02/x.parquet");
    Files.copy(good, tooShallow);
    Path unreadable = rawFile("AABBCCDD", "CAN2_gnss_speed", "2024/03/02", "unreadable");
    Files.createDirectories(unreadable.getParent());
    Files.copy(good, unreadable);

    Map<String, String> before = Checksums.of(source);
    Result result;
    try (FileIO io = new UnreadableFileIO(testLake.sourceIO(), unreadable.toString())) {
      result = RawFileRegistrar.of(testLake, catalog, io).source(source.toString()).execute();
    }

    Map<String, String> reasons =
        result.rejectedFiles().stream()
            .collect(
                Collectors.toMap(
                    p ->
                        Path.of(p.path().replaceFirst("^file:", "")).getFileName().toString()
                            + (p.path().contains("/02/30/")
                                ? "@baddate"
                                : p.path().contains("not-a-device")
                                    ? "@baddevice"
                                    : p.path().contains("/2021/02/x") ? "@shallow" : ""),
                    FileProblem::reason));
    assertThat(reasons)
        .containsOnlyKeys(
            "empty.parquet",
            "truncated.parquet",
            "text.parquet",
            "no_t.parquet",
            "t_double.parquet",
            "t_millis.parquet",
            "speed_string.parquet",
            "x.parquet@baddate",
            "x.parquet@baddevice",
            "x.parquet@shallow",
            "unreadable.parquet");
    assertThat(reasons.get("empty.parquet")).isEqualTo("empty file (0 bytes)");
    assertThat(reasons.get("truncated.parquet")).startsWith("not a Parquet file");
    assertThat(reasons.get("text.parquet")).startsWith("not a Parquet file");
    assertThat(reasons.get("no_t.parquet")).isEqualTo("no timestamp column 't'");
    assertThat(reasons.get("t_double.parquet")).startsWith("column 't' is not a timestamp");
    assertThat(reasons.get("t_millis.parquet"))
        .isEqualTo("column 't' is a timestamp in MILLIS; raw tables need MICROS");
    assertThat(reasons.get("speed_string.parquet"))
        .contains("column 'Speed' is string in the file but double in")
        .contains("incompatible type change");
    assertThat(reasons.get("x.parquet@baddate")).startsWith("invalid date in path 2021/02/30");
    assertThat(reasons.get("x.parquet@baddevice")).startsWith("path does not match the layout");
    assertThat(reasons.get("x.parquet@shallow")).startsWith("path does not match the layout");
    assertThat(reasons.get("unreadable.parquet")).isEqualTo("unreadable: Permission denied");

    assertThat(result.registeredFiles()).isEqualTo(1);
    assertThat(result.clean()).isFalse();
    assertThat(count("can2_gnss_speed", "")).isEqualTo(1);
    assertThat(Checksums.of(source)).isEqualTo(before);
  }

  private static MessageType schemaWithTime(LogicalTypeAnnotation.TimeUnit unit, String signal) {
    return org.apache.parquet.schema.Types.buildMessage()
        .optional(PrimitiveTypeName.INT64)
        .as(LogicalTypeAnnotation.timestampType(true, unit))
        .named("t")
        .optional(PrimitiveTypeName.DOUBLE)
        .named(signal)
        .named("s");
  }

  /** One row of the given schema, every column set to 1 (or "1"). */
  private static void writeWithSchema(Path file, MessageType schema) throws IOException {
    Files.createDirectories(file.getParent());
    try (var writer =
        org.apache.parquet.hadoop.example.ExampleParquetWriter.builder(
                new org.apache.parquet.io.LocalOutputFile(file))
            .withType(schema)
            .withWriteMode(org.apache.parquet.hadoop.ParquetFileWriter.Mode.OVERWRITE)
            .build()) {
      var group = new org.apache.parquet.example.data.simple.SimpleGroupFactory(schema).newGroup();
      for (var field : schema.getFields()) {
        switch (field.asPrimitiveType().getPrimitiveTypeName()) {
          case INT64 -> group.append(field.getName(), 1L);
          case DOUBLE -> group.append(field.getName(), 1.0);
          default -> group.append(field.getName(), "1");
        }
      }
      writer.write(group);
    }
  }

  @Test
  void fileWhoseSizeChangedIsReportedNotReAdded() throws IOException {
    Path file = rawFile("AABBCCDD", "CAN2_gnss_speed", "2024/03/01", "grows");
    try (RawFileWriter w = RawFileWriter.open(file, true, List.of("Speed"))) {
      w.write(1_000_000L, 1.0);
    }
    register(source.toString());
    try (RawFileWriter w = RawFileWriter.open(file, true, List.of("Speed"))) {
      for (int i = 0; i < 100; i++) {
        w.write(1_000_000L + i, 1.0);
      }
    }
    Result second = register(source.toString());
    assertThat(second.registeredFiles()).isZero();
    assertThat(second.changedFiles())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.path()).endsWith("/grows.parquet");
              assertThat(p.reason()).startsWith("size changed since registration");
            });
    assertThat(second.clean()).isFalse();
  }

  @Test
  void lastDaysOnlyLooksAtRecentFoldersAndReconcileReportsVanishedFiles() throws IOException {
    for (String day : List.of("2024/03/01", "2024/03/05", "2024/03/06")) {
      try (RawFileWriter w =
          RawFileWriter.open(
              rawFile("AABBCCDD", "CAN2_gnss_speed", day, "f"), true, List.of("Speed"))) {
        w.write(1_000_000L, 1.0);
      }
    }
    Result recent;
    try (FileIO io = testLake.sourceIO()) {
      recent =
          RawFileRegistrar.of(testLake, catalog, io)
              .source(source.toString())
              .lastDays(2, LocalDate.of(2024, 3, 6))
              .execute();
    }
    assertThat(recent.registeredFiles()).isEqualTo(2);
    assertThat(register(source.toString()).registeredFiles()).isEqualTo(1);

    Files.delete(rawFile("AABBCCDD", "CAN2_gnss_speed", "2024/03/05", "f"));
    Result reconciled;
    try (FileIO io = testLake.sourceIO()) {
      reconciled =
          RawFileRegistrar.of(testLake, catalog, io)
              .source(source.toString())
              .reconcile()
              .execute();
    }
    assertThat(reconciled.missingFiles())
        .singleElement()
        .satisfies(p -> assertThat(p.path()).contains("/2024/03/05/f.parquet"));
    assertThat(reconciled.skippedFiles()).isEqualTo(2);
  }

  @Test
  void oneNamespaceForRawAndTripTablesReconcilesTheRawTablesOnly() throws IOException {
    String namespace = testLake.rawNamespace().toString();
    Lake one = testLake.withNamespaces(namespace, namespace);
    try (RawFileWriter w =
        RawFileWriter.open(
            rawFile("AABBCCDD", "CAN2_gnss_speed", "2024/03/01", "f"), true, List.of("Speed"))) {
      w.write(1_000_000L, 1.0);
    }
    try (FileIO io = one.sourceIO()) {
      RawFileRegistrar.of(one, catalog, io).source(source.toString()).execute();
    }
    // What the trip job creates beside the raw tables; a column is all it takes to be listed.
    List<TableIdentifier> tripTables =
        List.of(
            one.tripsTable(Lake.TRIPSUMMARY),
            one.tripsTable(Lake.TRIPS),
            one.tripsTable(Lake.DEVICEDAYS));
    Schema schema = new Schema(Types.NestedField.optional(1, "x", Types.LongType.get()));
    tripTables.forEach(id -> catalog.createTable(id, schema));

    LoadRecordingCatalog recording = new LoadRecordingCatalog(catalog);
    Result reconciled;
    try (FileIO io = one.sourceIO()) {
      reconciled =
          RawFileRegistrar.of(one, recording, io).source(source.toString()).reconcile().execute();
    }
    assertThat(reconciled.clean()).isTrue();
    assertThat(reconciled.skippedFiles()).isEqualTo(1);
    assertThat(reconciled.commits()).isEmpty();
    assertThat(recording.loaded)
        .contains(one.rawTable("can2_gnss_speed"))
        .doesNotContainAnyElementsOf(tripTables);
    assertThat(one.rawMessageTables(catalog)).containsExactly(one.rawTable("can2_gnss_speed"));
  }

  @Test
  void refusesASourceThatOverlapsTheWarehouse() {
    String warehouse = testLake.catalogProperties().get("warehouse");
    assertThatThrownBy(() -> register(warehouse + "/raw"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the warehouse location")
        .hasMessageContaining("overlaps the source");
    assertThatThrownBy(() -> register(tempDir.toString()))
        .hasMessageContaining("overlaps the source");
  }

  @Test
  void checksOptionsOnEntry() {
    try (FileIO io = testLake.sourceIO()) {
      RawFileRegistrar registrar = RawFileRegistrar.of(testLake, catalog, io);
      assertThatThrownBy(() -> registrar.lastDays(0, LocalDate.now()))
          .hasMessage("Cannot limit registration to the last days: days must be at least 1 (0)");
      assertThatThrownBy(() -> registrar.parallelism(0))
          .hasMessage("Cannot read footers: parallelism must be at least 1 (0)");
      assertThatThrownBy(() -> registrar.filesPerCommit(0))
          .hasMessage("Cannot register: files per commit must be at least 1 (0)");
      assertThatThrownBy(registrar::execute).hasMessage("Cannot register: no source set");
      assertThatThrownBy(() -> registrar.source(source.resolve("nope").toString()).execute())
          .hasMessageStartingWith("Cannot list the source");
    }
  }

  private static long micros(String instant) {
    return java.time.temporal.ChronoUnit.MICROS.between(Instant.EPOCH, Instant.parse(instant));
  }

  private Path rawFile(String device, String message, String day, String name) {
    return source.resolve(device).resolve(message).resolve(day).resolve(name + ".parquet");
  }

  private static List<Path> parquetFiles(Path root) {
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(p -> p.toString().endsWith(".parquet")).sorted().toList();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The lake's catalog, noting every table a run loads. */
  private static final class LoadRecordingCatalog implements Catalog {
    private final Catalog delegate;
    final List<TableIdentifier> loaded = new java.util.concurrent.CopyOnWriteArrayList<>();

    LoadRecordingCatalog(Catalog delegate) {
      this.delegate = delegate;
    }

    @Override
    public Table loadTable(TableIdentifier id) {
      loaded.add(id);
      return delegate.loadTable(id);
    }

    @Override
    public boolean tableExists(TableIdentifier id) {
      return delegate.tableExists(id);
    }

    @Override
    public TableBuilder buildTable(TableIdentifier id, Schema schema) {
      return delegate.buildTable(id, schema);
    }

    @Override
    public List<TableIdentifier> listTables(Namespace namespace) {
      return delegate.listTables(namespace);
    }

    @Override
    public boolean dropTable(TableIdentifier id, boolean purge) {
      throw new UnsupportedOperationException("registration never drops a table");
    }

    @Override
    public void renameTable(TableIdentifier from, TableIdentifier to) {
      throw new UnsupportedOperationException("registration never renames a table");
    }
  }

  /** The source as a logger bucket with one object the job may not read. */
  private static final class UnreadableFileIO
      implements FileIO, org.apache.iceberg.io.SupportsPrefixOperations {
    private final FileIO delegate;
    private final String unreadable;

    UnreadableFileIO(FileIO delegate, String unreadablePath) {
      this.delegate = delegate;
      this.unreadable = unreadablePath;
    }

    @Override
    public org.apache.iceberg.io.InputFile newInputFile(String path) {
      return newInputFile(path, -1);
    }

    @Override
    public org.apache.iceberg.io.InputFile newInputFile(String path, long length) {
      if (path.endsWith(unreadable)) {
        throw new org.apache.iceberg.exceptions.RuntimeIOException(
            new IOException("Permission denied"));
      }
      return length < 0 ? delegate.newInputFile(path) : delegate.newInputFile(path, length);
    }

    @Override
    public org.apache.iceberg.io.OutputFile newOutputFile(String path) {
      throw new UnsupportedOperationException("sources are read-only");
    }

    @Override
    public void deleteFile(String path) {
      throw new UnsupportedOperationException("sources are read-only");
    }

    @Override
    public Iterable<org.apache.iceberg.io.FileInfo> listPrefix(String prefix) {
      return ((org.apache.iceberg.io.SupportsPrefixOperations) delegate).listPrefix(prefix);
    }

    @Override
    public void deletePrefix(String prefix) {
      throw new UnsupportedOperationException("sources are read-only");
    }

    @Override
    public void close() {
      delegate.close();
    }
  }
}
