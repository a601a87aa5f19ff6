package io.triplake.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.triplake.ingest.RawFileRegistrar.Result;
import io.triplake.lake.Lake;
import io.triplake.lake.LakeProperties;
import io.triplake.lake.RawFileWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableUtil;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rejected-files table with real Iceberg commits on the embedded JDBC (SQLite) catalog, written
 * by real registration runs: what lands in it, how a rerun replaces a row and a registration clears
 * it, and how a run stopped between the raw append and the rejected-files commit converges.
 * Registration starts no Spark, and neither does this test.
 */
class TestRejectedFilesTable {
  private static final String DEVICE = "AABBCCDD";
  private static final String MESSAGE = "CAN2_gnss_speed";

  @TempDir Path dir;
  private Lake lake;
  private Catalog catalog;
  private Path source;

  @BeforeEach
  void newLakeAndSource() throws IOException {
    lake = Lake.embedded(dir.resolve("lake"));
    catalog = lake.catalog();
    source = Files.createDirectories(dir.resolve("src"));
  }

  private Result register(String runId) {
    try (FileIO io = lake.sourceIO()) {
      return RawFileRegistrar.of(lake, catalog, io)
          .source(source.toString())
          .runId(runId)
          .execute();
    }
  }

  private Path rawFile(String day, String name) {
    return source.resolve(DEVICE).resolve(MESSAGE).resolve(day).resolve(name + ".parquet");
  }

  private static Path good(Path file) {
    try (RawFileWriter w = RawFileWriter.open(file, true, List.of("Speed"))) {
      w.write(1_000_000L, 1.0);
    }
    return file;
  }

  private static Path empty(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    Files.write(file, new byte[0]);
    return file;
  }

  private static String location(Path file) {
    return "file:" + file.toAbsolutePath();
  }

  /** The rejected-files table's rows by file. */
  private Map<String, Record> rows() {
    Map<String, Record> rows = new TreeMap<>();
    Table table = catalog.loadTable(lake.rejectedFilesTable());
    try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
      records.forEach(r -> rows.put((String) r.getField("file_path"), r.copy()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return rows;
  }

  private long registeredFiles() {
    Table raw = catalog.loadTable(lake.rawTable("can2_gnss_speed"));
    return raw.currentSnapshot() == null
        ? 0
        : Long.parseLong(raw.currentSnapshot().summary().get("total-data-files"));
  }

  @Test
  void aRejectedFileLandsWithItsReasonRunTimeOriginAndSize() throws IOException {
    good(rawFile("2024/03/01", "good"));
    Path empty = empty(rawFile("2024/03/01", "empty"));
    Path badDate = good(source.resolve(DEVICE + "/" + MESSAGE + "/2021/02/30/x.parquet"));
    Path shallow = good(source.resolve(DEVICE + "/" + MESSAGE + "/2021/02/x.parquet"));

    LocalDateTime before = LocalDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
    Result result = register("run-1");
    LocalDateTime after = LocalDateTime.now(ZoneOffset.UTC);

    assertThat(result.registeredFiles()).isEqualTo(1);
    Map<String, Record> rows = rows();
    assertThat(rows).containsOnlyKeys(location(empty), location(badDate), location(shallow));
    Record row = rows.get(location(empty));
    assertThat(row.getField("device_id")).isEqualTo(DEVICE);
    assertThat(row.getField("message")).isEqualTo(MESSAGE);
    assertThat(row.getField("file_size")).isEqualTo(0L);
    assertThat(row.getField("reason")).isEqualTo("empty file (0 bytes)");
    assertThat(row.getField("run_id")).isEqualTo("run-1");
    assertThat((LocalDateTime) row.getField("rejected_at")).isBetween(before, after);
    // The path has the layout's shape, though the day does not exist.
    assertThat(rows.get(location(badDate)).getField("device_id")).isEqualTo(DEVICE);
    assertThat((String) rows.get(location(badDate)).getField("reason"))
        .startsWith("invalid date in path 2021/02/30");
    Record other = rows.get(location(shallow));
    assertThat(other.getField("device_id")).isNull();
    assertThat(other.getField("message")).isNull();
    assertThat(other.getField("file_size")).isEqualTo(Files.size(shallow));
    assertThat((String) other.getField("reason")).startsWith("path does not match the layout");

    Table table = catalog.loadTable(lake.rejectedFilesTable());
    assertThat(result.rejectedFilesTable())
        .isEqualTo(
            new RawFileRegistrar.RejectedFilesUpdate(
                lake.rejectedFilesTable().toString(), 3, 0, table.currentSnapshot().snapshotId()));
    assertThat(table.currentSnapshot().summary()).containsEntry(LakeProperties.RUN_ID, "run-1");
    assertThat(TableUtil.formatVersion(table)).as("Athena reads format v2 only").isEqualTo(2);
    assertThat(table.spec().isUnpartitioned()).isTrue();
    assertThat(table.schema().findType("rejected_at")).isEqualTo(Types.TimestampType.withoutZone());
    assertThat(result.summary()).contains("raw._rejected_files: 3 rows recorded, 0 cleared");
  }

  @Test
  void aCleanRunCreatesTheTableAndCommitsNothingToIt() {
    good(rawFile("2024/03/01", "good"));
    Result result = register("run-1");
    assertThat(result.rejectedFilesTable().snapshotId()).isNull();
    Table table = catalog.loadTable(lake.rejectedFilesTable());
    assertThat(table.currentSnapshot()).isNull();
    assertThat(rows()).isEmpty();
  }

  @Test
  void aFileStillBadKeepsOneRowWithTheLatestRunAndReason() throws IOException {
    Path bad = empty(rawFile("2024/03/01", "bad"));
    register("run-1");
    Files.writeString(bad, "t,Speed\n1,2\n");

    Result second = register("run-2");

    assertThat(second.rejectedFilesTable().recorded()).isEqualTo(1);
    assertThat(rows()).containsOnlyKeys(location(bad));
    Record row = rows().get(location(bad));
    assertThat(row.getField("run_id")).isEqualTo("run-2");
    assertThat((String) row.getField("reason")).startsWith("not a Parquet file");
    assertThat(row.getField("file_size")).isEqualTo(Files.size(bad));
    // One data file, no delete files: the table is rewritten whole.
    Table table = catalog.loadTable(lake.rejectedFilesTable());
    assertThat(table.currentSnapshot().summary())
        .containsEntry("total-data-files", "1")
        .containsEntry("total-delete-files", "0")
        .containsEntry("total-records", "1");
  }

  @Test
  void aFixedFileIsRegisteredAndItsRowClearedInTheSameRun() throws IOException {
    Path fixed = empty(rawFile("2024/03/01", "fixed"));
    Path stillBad = empty(rawFile("2024/03/01", "still_bad"));
    register("run-1");
    assertThat(rows()).containsOnlyKeys(location(fixed), location(stillBad));
    Files.delete(fixed);
    good(fixed);

    Result second = register("run-2");

    assertThat(second.registeredFiles()).isEqualTo(1);
    assertThat(registeredFiles()).isEqualTo(1);
    assertThat(second.rejectedFilesTable().cleared()).isEqualTo(1);
    assertThat(second.rejectedFilesTable().recorded()).isEqualTo(1);
    assertThat(rows()).containsOnlyKeys(location(stillBad));
    assertThat(rows().get(location(stillBad)).getField("run_id")).isEqualTo("run-2");
  }

  @Test
  void aRunStoppedBetweenTheRawAppendAndTheClearingConvergesOnTheNextRun() throws IOException {
    Path fixed = empty(rawFile("2024/03/01", "fixed"));
    register("run-1");
    Files.delete(fixed);
    good(fixed);
    Path newlyBad = empty(rawFile("2024/03/02", "newly_bad"));

    assertThatThrownBy(
            () -> {
              try (FileIO io = lake.sourceIO()) {
                ((CatalogRawFileRegistrar) RawFileRegistrar.of(lake, catalog, io))
                    .beforeRejectedFilesCommit(
                        () -> {
                          throw new IllegalStateException("the job was stopped");
                        })
                    .source(source.toString())
                    .runId("run-2")
                    .execute();
              }
            })
        .hasMessage("the job was stopped");
    // The raw append is committed, the rejected-files commit is not: a stale row, and the new
    // rejection is not recorded yet.
    assertThat(registeredFiles()).isEqualTo(1);
    assertThat(rows()).containsOnlyKeys(location(fixed));
    assertThat(rows().get(location(fixed)).getField("run_id")).isEqualTo("run-1");

    Result third = register("run-3");

    assertThat(third.registeredFiles()).isZero();
    assertThat(third.skippedFiles()).isEqualTo(1);
    assertThat(registeredFiles()).as("nothing registered twice").isEqualTo(1);
    assertThat(third.rejectedFilesTable().cleared()).isEqualTo(1);
    assertThat(rows()).containsOnlyKeys(location(newlyBad));
    assertThat(rows().get(location(newlyBad)).getField("run_id")).isEqualTo("run-3");
  }

  @Test
  void reconcileClearsTheRowOfAFileGoneFromTheSourceAndListsNoRawTableForTheTable()
      throws IOException {
    good(rawFile("2024/03/01", "good"));
    Path gone = empty(rawFile("2024/03/01", "gone"));
    Path stays = empty(rawFile("2024/03/02", "stays"));
    register("run-1");
    Files.delete(gone);

    assertThat(register("run-2").rejectedFilesTable().cleared())
        .as("a run that does not list everything leaves the row")
        .isZero();
    assertThat(rows()).containsKey(location(gone));

    Result reconciled;
    try (FileIO io = lake.sourceIO()) {
      reconciled =
          RawFileRegistrar.of(lake, catalog, io)
              .source(source.toString())
              .reconcile()
              .runId("run-3")
              .execute();
    }
    assertThat(reconciled.rejectedFilesTable().cleared()).isEqualTo(1);
    assertThat(rows()).containsOnlyKeys(location(stays));
    assertThat(reconciled.missingFiles()).isEmpty();
    assertThat(reconciled.commits()).isEmpty();
  }

  @Test
  void aTableOfThatNameThatIsNotTheRejectedFilesTableFailsTheRunBeforeAnyCommit() {
    ((SupportsNamespaces) catalog).createNamespace(Namespace.of(Lake.RAW_NAMESPACE_DEFAULT));
    catalog.createTable(
        lake.rejectedFilesTable(),
        new org.apache.iceberg.Schema(
            Types.NestedField.optional(1, "path", Types.StringType.get())));
    good(rawFile("2024/03/01", "good"));

    assertThatThrownBy(() -> register("run-1"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith(
            "Cannot record rejected files in raw._rejected_files: it has no column file_path of"
                + " type string, so it is not the table registration creates")
        .hasMessageEndingWith("rename or drop that table, registration then creates its own");
    assertThat(catalog.tableExists(lake.rawTable("can2_gnss_speed"))).isFalse();
  }
}
