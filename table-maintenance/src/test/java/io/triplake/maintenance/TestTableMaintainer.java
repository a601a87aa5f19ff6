package io.triplake.maintenance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.triplake.ingest.RawFileRegistrar;
import io.triplake.lake.Checkpoint;
import io.triplake.lake.Lake;
import io.triplake.lake.LakeProperties;
import io.triplake.lake.Locations;
import io.triplake.lake.testing.Checksums;
import io.triplake.lake.testing.SparkLakeTest;
import io.triplake.trips.TripAggregator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.ManifestContent;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.ManifestFiles;
import org.apache.iceberg.ReachableFileUtil;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Maintenance after many daily register/aggregate cycles, on real Spark and Iceberg. Instead of
 * waiting a week, the maintainer's clock is moved forward: a retention of 7 days then starts the
 * time-travel window in the middle of the cycles.
 */
class TestTableMaintainer extends SparkLakeTest {
  private static final int CYCLES = 4;

  /** The cycle after which the time-travel window starts. */
  private static final int WINDOW_FROM = 2;

  private static final DateTimeFormatter SQL_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

  private String name;

  @BeforeEach
  void names(TestInfo info) {
    name = info.getTestMethod().orElseThrow().getName().toLowerCase().replaceAll("[^a-z0-9]", "");
  }

  private Fleet fleet(String suffix) throws IOException {
    Lake target = lake.withNamespaces("raw_" + name + suffix, "trips_" + name + suffix);
    Path staging = Files.createDirectories(tempDir.resolve("staging-" + name));
    return new Fleet(spark, target, staging, tempDir.resolve("src-" + name + suffix));
  }

  private static SparkTableMaintainer maintainer(Fleet fleet, Instant now) {
    return new SparkTableMaintainer(fleet.lake, spark, Clock.fixed(now, ZoneOffset.UTC));
  }

  private static Instant pause() throws InterruptedException {
    Thread.sleep(15);
    Instant now = Instant.now();
    Thread.sleep(15);
    return now;
  }

  @Test
  void maintenanceAfterManyCyclesLosesNothingAndKeepsTheWindow() throws Exception {
    Fleet fleet = fleet("");
    List<Instant> after = new ArrayList<>();
    List<List<String>> summaries = new ArrayList<>();
    List<List<String>> dayOne = new ArrayList<>();
    for (int k = 0; k < CYCLES; k++) {
      fleet.upload(fleet.cycleFiles(k));
      assertThat(fleet.aggregate().committed()).isTrue();
      summaries.add(fleet.summary());
      dayOne.add(fleet.day("2024-03-01"));
      after.add(pause());
    }
    assertThat(dayOne.get(CYCLES - 1))
        .as("the late files change 1 March in every cycle")
        .isNotEqualTo(dayOne.get(CYCLES - 2));
    // The job's copy-on-write commits leave one file per day and no delete file; an analyst's
    // Spark SQL UPDATE (merge-on-read, as the table's properties say) leaves both, for compaction.
    spark.sql(
        "UPDATE "
            + fleet.summaryName()
            + " SET signalvalue = signalvalue WHERE tripdate <> DATE '2024-03-01'");
    // Registered but not aggregated yet: the checkpoint has not consumed it.
    List<Path> unconsumed = fleet.cycleFiles(CYCLES);
    fleet.upload(unconsumed);
    // Landed in the source, not registered yet, and old: orphan cleanup of the source would take
    // it.
    Path unregistered =
        fleet.speed(
            "D1000001",
            "unregistered",
            Fleet.at("2024-03-20T08:00:00Z"),
            Fleet.at("2024-03-20T08:30:00Z"));
    Path landed = fleet.source.resolve(fleet.staging.relativize(unregistered).toString());
    Files.createDirectories(landed.getParent());
    Files.copy(unregistered, landed);
    Files.setLastModifiedTime(landed, FileTime.from(Instant.now().minus(Duration.ofDays(60))));

    Table summary = fleet.table("tripsummary");
    Table speed = fleet.table("can2_speed");
    Instant now =
        after.get(WINDOW_FROM).plus(Duration.ofDays(TableMaintainer.RETENTION_DAYS_DEFAULT));
    // Orphans in the tripsummary location (one past the margin, one inside it), a stray file in a
    // raw table's.
    Path summaryData = Fleet.localPath(summary.location()).resolve("data");
    Path oldOrphan =
        Files.writeString(summaryData.resolve("old-orphan.parquet"), "left by a crashed writer");
    Files.setLastModifiedTime(oldOrphan, FileTime.from(now.minus(Duration.ofHours(100))));
    Path youngOrphan =
        Files.writeString(
            summaryData.resolve("young-orphan.parquet"), "a writer may still commit it");
    Files.setLastModifiedTime(youngOrphan, FileTime.from(now.minus(Duration.ofHours(1))));
    Path rawStray =
        Files.writeString(
            Fleet.localPath(speed.location()).resolve("metadata").resolve("stray.avro"), "stray");
    Files.setLastModifiedTime(rawStray, FileTime.from(now.minus(Duration.ofDays(60))));

    Map<String, String> sourceBefore = Checksums.of(fleet.source);
    List<String> rowsBefore = fleet.summary();
    String tripsName = Lake.CATALOG_NAME + "." + fleet.lake.tripsTable("trips");
    List<String> tripsBefore = fleet.rows("SELECT * FROM " + tripsName);
    Checkpoint checkpoint = Checkpoint.latest(summary).orElseThrow();
    Map<String, List<String>> rawFilesBefore = new HashMap<>();
    for (String raw : List.of("can2_speed", "can2_odo")) {
      rawFilesBefore.put(raw, rawFiles(fleet, raw));
    }

    TableMaintainer.Result result = maintainer(fleet, now).runId("maintain-1").execute();

    // Every raw source file still exists, byte for byte, registered or not; the raw tables
    // reference the same files.
    assertThat(Checksums.of(fleet.source)).isEqualTo(sourceBefore);
    assertThat(landed).exists();
    assertThat(rawStray).exists();
    for (String raw : List.of("can2_speed", "can2_odo")) {
      assertThat(rawFiles(fleet, raw)).as(raw).isEqualTo(rawFilesBefore.get(raw));
      Table table = fleet.table(raw);
      assertThat(table.properties()).containsEntry(TableProperties.GC_ENABLED, "false");
      TableMaintainer.TableResult r = result.table(fleet.lake.rawTable(raw).toString());
      assertThat(r.kind()).isEqualTo(TableMaintainer.Kind.RAW);
      assertThat(r.after().dataFiles()).isEqualTo(r.before().dataFiles());
      assertThat(r.compaction().rewrittenDataFiles()).isZero();
      assertThat(r.expiry().filesDeleted()).isZero();
      assertThat(r.orphanFilesDeleted()).isZero();
      assertThat(r.after().manifests())
          .as(r.summary())
          .isEqualTo(1)
          .isLessThan(r.before().manifests());
      assertThat(r.expiry().snapshotsExpired()).as(r.summary()).isEqualTo(WINDOW_FROM);
    }

    // tripsummary: the same rows in far fewer files: one per day, no deletes.
    assertThat(fleet.summary()).isEqualTo(rowsBefore);
    TableMaintainer.TableResult s = result.table(fleet.lake.tripsTable("tripsummary").toString());
    int days = CYCLES;
    assertThat(s.before().dataFiles()).as(s.summary()).isGreaterThan(days);
    assertThat(s.before().deleteFiles()).as(s.summary()).isPositive();
    assertThat(s.after().dataFiles()).as(s.summary()).isEqualTo(days);
    assertThat(s.after().deleteFiles()).as(s.summary()).isZero();
    assertThat(s.after().manifests()).as(s.summary()).isLessThan(s.before().manifests());
    assertThat(s.expiry().snapshotsExpired()).as(s.summary()).isPositive();
    // The old orphan is gone, the young one stays, and nothing else unreferenced is left. The count
    // may exceed 1: compaction commits its file groups from several threads, and an attempt that
    // loses the race leaves its metadata file behind, an orphan like any other.
    assertThat(s.orphanFilesDeleted()).isPositive();
    assertThat(oldOrphan).doesNotExist();
    assertThat(youngOrphan).exists();
    summary.refresh();
    assertThat(unreferenced(summary)).containsExactly(youngOrphan);
    assertThat(Checkpoint.latest(summary).orElseThrow()).isEqualTo(checkpoint);
    // The trips table, written by the same runs: the same steps, the same rows, a file per day.
    TableMaintainer.TableResult trips = result.table(fleet.lake.tripsTable("trips").toString());
    assertThat(trips.kind()).isEqualTo(TableMaintainer.Kind.SUMMARY);
    assertThat(fleet.rows("SELECT * FROM " + tripsName)).isEqualTo(tripsBefore).isNotEmpty();
    assertThat(trips.after().dataFiles()).as(trips.summary()).isEqualTo(days);
    assertThat(trips.expiry().snapshotsExpired()).as(trips.summary()).isPositive();
    System.out.println("maintain-1: " + result.summary());
    result.tables().forEach(t -> System.out.println("  " + t.summary()));

    // Time travel inside the window: tripsummary as it was, and a reprocess of 1 March as of then.
    for (int k = WINDOW_FROM; k < CYCLES; k++) {
      assertThat(
              fleet.rows(
                  "SELECT * FROM "
                      + fleet.summaryName()
                      + " TIMESTAMP AS OF '"
                      + SQL_TIME.format(after.get(k))
                      + "'"))
          .as("tripsummary as of cycle %d", k)
          .isEqualTo(summaries.get(k));
    }
    for (int k = WINDOW_FROM; k < CYCLES; k++) {
      TripAggregator.Result reprocess =
          fleet.reprocess("2024-03-01").asOf(after.get(k).toString()).execute();
      assertThat(
              fleet.rows(
                  "SELECT * FROM "
                      + fleet.summaryName()
                      + " VERSION AS OF '"
                      + reprocess.branch()
                      + "' WHERE tripdate = DATE '2024-03-01'"))
          .as("1 March reprocessed as of cycle %d (%s)", k, reprocess.summary())
          .isEqualTo(dayOne.get(k));
    }
    // ...and outside it, a clear refusal.
    Instant outside = after.get(WINDOW_FROM - 1);
    assertThatThrownBy(() -> fleet.reprocess("2024-03-01").asOf(outside.toString()).execute())
        .hasMessageContaining(
            "Cannot reprocess as of " + Instant.ofEpochMilli(outside.toEpochMilli()))
        .hasMessageContaining("before the oldest retained snapshot");
    assertThatThrownBy(
            () ->
                spark
                    .sql(
                        "SELECT * FROM "
                            + fleet.summaryName()
                            + " TIMESTAMP AS OF '"
                            + SQL_TIME.format(outside)
                            + "'")
                    .collectAsList())
        .hasMessageContaining("Cannot find a snapshot older than");
    // (The last reprocess was as of the last aggregation: the table is as it was.)
    assertThat(fleet.summary()).isEqualTo(rowsBefore);

    // A week later with nothing aggregated since: only what the checkpoint still needs is kept.
    TableMaintainer.Result later =
        maintainer(fleet, Instant.now().plus(Duration.ofDays(30))).execute();
    System.out.println("maintain-2: " + later.summary());
    later.tables().forEach(t -> System.out.println("  " + t.summary()));
    speed.refresh();
    Snapshot checkpointSnapshot =
        speed.snapshot(
            checkpoint
                .position(fleet.lake.rawTable("can2_speed").toString())
                .orElseThrow()
                .snapshotId());
    assertThat(checkpointSnapshot).as("the raw snapshot the checkpoint reads on from").isNotNull();
    assertThat(
            later.table(fleet.lake.rawTable("can2_speed").toString()).expiry().keptFromSnapshotId())
        .isEqualTo(checkpointSnapshot.snapshotId());
    assertThat(later.table(fleet.lake.rawTable("can2_speed").toString()).expiry().keptBecause())
        .contains("latest checkpoint");
    assertThat(Checksums.of(fleet.source)).isEqualTo(sourceBefore);
    assertThat(youngOrphan).as("past the margin now").doesNotExist();
    // What is in the tripsummary location is exactly what the kept snapshots reference: nothing
    // leaked, nothing missing.
    summary.refresh();
    List<String> referenced =
        spark
            .sql("SELECT DISTINCT file_path FROM " + fleet.summaryName() + ".all_files")
            .collectAsList()
            .stream()
            .map(r -> Locations.normalize(r.getString(0)))
            .sorted()
            .toList();
    assertThat(
            Fleet.filesUnder(summaryData).stream()
                .map(p -> Locations.normalize(p.toString()))
                .toList())
        .isEqualTo(referenced)
        .hasSizeGreaterThanOrEqualTo(days);
    assertThat(Checkpoint.latest(summary).orElseThrow()).isEqualTo(checkpoint);
    assertThat(fleet.summary()).isEqualTo(rowsBefore);

    // The next incremental run reads exactly what is new: the unconsumed cycle and the file that
    // landed since.
    RawFileRegistrar.Result registered = fleet.register();
    assertThat(registered.registeredFiles()).isEqualTo(1);
    TripAggregator.Result next = fleet.aggregate();
    assertThat(next.mode()).isEqualTo(TripAggregator.Mode.INCREMENTAL);
    assertThat(next.rawRead()).allSatisfy(read -> assertThat(read.fallback()).isFalse());
    long newSpeed =
        unconsumed.stream().filter(p -> p.toString().contains("CAN2_speed")).count() + 1;
    long newOdo = unconsumed.stream().filter(p -> p.toString().contains("CAN2_odo")).count();
    assertThat(next.rawRead())
        .extracting(TripAggregator.RawRead::table, TripAggregator.RawRead::changedFiles)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(
                fleet.lake.rawTable("can2_speed").toString(), (int) newSpeed),
            org.assertj.core.groups.Tuple.tuple(
                fleet.lake.rawTable("can2_odo").toString(), (int) newOdo));
    Fleet fromScratch =
        new Fleet(
            spark,
            lake.withNamespaces("raw_" + name + "s", "trips_" + name + "s"),
            fleet.staging,
            fleet.source);
    fromScratch.register();
    fromScratch.aggregate();
    assertThat(fleet.summary()).isEqualTo(fromScratch.summary()).isNotEqualTo(rowsBefore);

    // The window moved on: only the checkpoint's raw snapshots are left, so the last cycle's time
    // still resolves (it was current then) and the one before fails clearly.
    assertThatThrownBy(
            () -> fleet.reprocess("2024-03-01").asOf(after.get(CYCLES - 2).toString()).execute())
        .hasMessageContaining("before the oldest retained snapshot");
  }

  @Test
  void aPinnedDayKeepsItsRawSnapshotsAndAsOfBranchesStayUntilDropped() throws Exception {
    Fleet fleet = fleet("");
    List<Instant> after = new ArrayList<>();
    for (int k = 0; k < CYCLES; k++) {
      fleet.upload(fleet.cycleFiles(k));
      fleet.aggregate();
      after.add(pause());
    }
    String speedName = fleet.lake.rawTable("can2_speed").toString();
    TripAggregator.Result branch =
        fleet.reprocess("2024-03-01").asOf(after.get(1).toString()).execute();
    List<String> branchDay =
        fleet.rows(
            "SELECT * FROM "
                + fleet.summaryName()
                + " VERSION AS OF '"
                + branch.branch()
                + "' WHERE tripdate = DATE '2024-03-01'");
    TripAggregator.Result published =
        fleet.reprocess("2024-03-01").asOf(after.get(0).toString()).publish().execute();
    long pinned =
        published
            .pinnedDays()
            .get(java.time.LocalDate.of(2024, 3, 1))
            .rawSnapshots()
            .get(speedName);
    List<String> pinnedDay = fleet.day("2024-03-01");

    // A month on, the time-travel window holds nothing: what stays is what the checkpoint, the pin
    // and the branch need.
    TableMaintainer.Result result =
        maintainer(fleet, Instant.now().plus(Duration.ofDays(30))).execute();
    TableMaintainer.TableResult raw = result.table(speedName);
    assertThat(raw.expiry().keptFromSnapshotId()).as(raw.summary()).isEqualTo(pinned);
    assertThat(raw.expiry().keptBecause())
        .contains("pinned day 2024-03-01")
        .contains("--reprocess-day 2024-03-01");
    TableMaintainer.TableResult s = result.table(fleet.lake.tripsTable("tripsummary").toString());
    assertThat(s.plan())
        .anySatisfy(
            line -> assertThat(line).contains("keep 1 as-of branches").contains(branch.branch()));
    // devicedays is reprocessed and maintained like tripsummary: its as-of branch stays too (its
    // pin
    // names the same raw snapshots as tripsummary's, so the reason above covers both).
    TableMaintainer.TableResult days = result.table(fleet.lake.tripsTable("devicedays").toString());
    assertThat(days.plan())
        .anySatisfy(
            line -> assertThat(line).contains("keep 1 as-of branches").contains(branch.branch()));
    assertThat(
            fleet.rows(
                "SELECT * FROM "
                    + fleet.summaryName()
                    + " VERSION AS OF '"
                    + branch.branch()
                    + "' WHERE tripdate = DATE '2024-03-01'"))
        .isEqualTo(branchDay);
    assertThat(
            fleet.rows(
                "SELECT * FROM "
                    + fleet.summaryName()
                    + " VERSION AS OF "
                    + branch.snapshotId()
                    + " WHERE tripdate = DATE '2024-03-01'"))
        .isEqualTo(branchDay);
    assertThat(fleet.day("2024-03-01")).isEqualTo(pinnedDay);
    // The pinned moment still resolves: the day can be recomputed as of it.
    TripAggregator.Result again =
        fleet.reprocess("2024-03-01").asOf(after.get(0).toString()).execute();
    assertThat(
            fleet.rows(
                "SELECT * FROM "
                    + fleet.summaryName()
                    + " VERSION AS OF '"
                    + again.branch()
                    + "' WHERE tripdate = DATE '2024-03-01'"))
        .isEqualTo(pinnedDay);

    // Released, the pin no longer holds the raw history back.
    fleet.reprocess("2024-03-01").execute();
    TableMaintainer.Result released =
        maintainer(fleet, Instant.now().plus(Duration.ofDays(30))).execute();
    assertThat(released.table(speedName).expiry().keptBecause()).contains("latest checkpoint");
  }

  private List<String> rawFiles(Fleet fleet, String raw) {
    return spark
        .sql(
            "SELECT file_path FROM "
                + Lake.CATALOG_NAME
                + "."
                + fleet.lake.rawTable(raw)
                + ".files")
        .collectAsList()
        .stream()
        .map(r -> r.getString(0))
        .sorted()
        .toList();
  }

  @Test
  void theRejectedFilesTableIsExpiredInItsOwnLocationAndNeverTakenForARawTable() throws Exception {
    Fleet fleet = fleet("");
    fleet.upload(fleet.cycleFiles(0));
    // Three registrations that each change raw._rejected_files: a bad upload, a second one, then
    // the first one replaced by a good file.
    Path bad = fleet.source.resolve("D1000001/CAN2_speed/2024/03/02/bad.parquet");
    Files.createDirectories(bad.getParent());
    Files.write(bad, new byte[0]);
    assertThat(fleet.register().rejectedFilesTable().recorded()).isEqualTo(1);
    pause();
    Path bad2 = fleet.source.resolve("D1000002/CAN2_speed/2024/03/02/bad.parquet");
    Files.createDirectories(bad2.getParent());
    Files.write(bad2, new byte[0]);
    fleet.register();
    Instant windowStart = pause();
    Path fixed =
        fleet.speed(
            "D1000001",
            "fixed",
            Fleet.at("2024-03-02T08:00:00Z"),
            Fleet.at("2024-03-02T08:20:00Z"));
    Files.copy(fixed, bad, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThat(fleet.register().rejectedFilesTable().cleared()).isEqualTo(1);
    assertThat(fleet.aggregate().committed()).isTrue();
    // A table of someone else's in the raw namespace, named as no message can be.
    fleet
        .lake
        .catalog(spark)
        .createTable(
            fleet.lake.rawTable("_scratch"),
            new org.apache.iceberg.Schema(
                org.apache.iceberg.types.Types.NestedField.optional(
                    1, "x", org.apache.iceberg.types.Types.StringType.get())));

    Table rejected = fleet.lake.catalog(spark).loadTable(fleet.lake.rejectedFilesTable());
    Snapshot first = firstSnapshot(rejected);
    List<String> firstFiles = new ArrayList<>();
    try (CloseableIterable<org.apache.iceberg.FileScanTask> tasks =
        rejected.newScan().useSnapshot(first.snapshotId()).planFiles()) {
      tasks.forEach(t -> firstFiles.add(t.file().location()));
    }
    List<String> rowsBefore =
        fleet.rows("SELECT * FROM " + Lake.CATALOG_NAME + "." + fleet.lake.rejectedFilesTable());
    Map<String, String> source = Checksums.of(fleet.source);

    TableMaintainer.Result result =
        maintainer(fleet, windowStart.plus(Duration.ofDays(TableMaintainer.RETENTION_DAYS_DEFAULT)))
            .execute();

    TableMaintainer.TableResult r = result.table(fleet.lake.rejectedFilesTable().toString());
    assertThat(r.kind()).isEqualTo(TableMaintainer.Kind.REJECTED_FILES);
    assertThat(r.expiry().snapshotsExpired()).as(r.summary()).isEqualTo(1);
    assertThat(r.expiry().filesDeleted()).as(r.summary()).isPositive();
    assertThat(firstFiles)
        .singleElement()
        .satisfies(f -> assertThat(Fleet.localPath(f)).doesNotExist());
    assertThat(
            fleet.rows(
                "SELECT * FROM " + Lake.CATALOG_NAME + "." + fleet.lake.rejectedFilesTable()))
        .isEqualTo(rowsBefore)
        .singleElement()
        .asString()
        .contains("D1000002");
    assertThat(result.tables())
        .filteredOn(t -> t.kind() == TableMaintainer.Kind.RAW)
        .extracting(TableMaintainer.TableResult::table)
        .containsExactlyInAnyOrder(
            fleet.lake.rawTable("can2_speed").toString(),
            fleet.lake.rawTable("can2_odo").toString());
    assertThat(result.notes())
        .contains(
            fleet.lake.rawTable("_scratch")
                + " left alone: it is neither a raw table (named after a message) nor a table of"
                + " the lake's own");
    assertThat(Checksums.of(fleet.source)).isEqualTo(source);
  }

  private static Snapshot firstSnapshot(Table table) {
    Snapshot snapshot = table.currentSnapshot();
    while (snapshot.parentId() != null) {
      snapshot = table.snapshot(snapshot.parentId());
    }
    return snapshot;
  }

  @Test
  void aDryRunPrintsThePlanAndChangesNothing() throws Exception {
    Fleet fleet = fleet("");
    for (int k = 0; k < 2; k++) {
      fleet.upload(fleet.cycleFiles(k));
      fleet.aggregate();
    }
    // Something to compact: the job's own commits leave one file per day, an analyst's UPDATE
    // (merge-on-read) delete files.
    spark.sql("UPDATE " + fleet.summaryName() + " SET signalvalue = signalvalue");
    Table summary = fleet.table("tripsummary");
    Path orphan =
        Files.writeString(
            Fleet.localPath(summary.location()).resolve("data").resolve("orphan.parquet"), "x");
    Files.setLastModifiedTime(orphan, FileTime.from(Instant.now().minus(Duration.ofDays(10))));
    Path lakeDir = tempDir.resolve("lake").resolve("warehouse");
    Map<String, String> warehouse = Checksums.of(lakeDir);
    Map<String, String> source = Checksums.of(fleet.source);
    long snapshot = summary.currentSnapshot().snapshotId();

    TableMaintainer.Result result =
        maintainer(fleet, Instant.now().plus(Duration.ofDays(8))).dryRun().execute();

    assertThat(result.dryRun()).isTrue();
    assertThat(Checksums.of(lakeDir)).isEqualTo(warehouse);
    assertThat(Checksums.of(fleet.source)).isEqualTo(source);
    summary.refresh();
    assertThat(summary.currentSnapshot().snapshotId()).isEqualTo(snapshot);
    TableMaintainer.TableResult s = result.table(fleet.lake.tripsTable("tripsummary").toString());
    assertThat(s.plan()).hasSize(5);
    assertThat(s.plan().get(0)).startsWith("compact: ").contains("sorted by");
    assertThat(s.plan().get(1)).startsWith("rewrite manifests: ");
    // Kept: the UPDATE's snapshot and the one before, which carries the checkpoint.
    assertThat(s.plan().get(2))
        .startsWith(
            "expire snapshots: " + (s.before().snapshots() - 2) + " of " + s.before().snapshots());
    assertThat(s.plan().get(3)).startsWith("delete orphan files: ");
    assertThat(s.plan().get(4)).contains("orphans: 1, e.g. ").contains("orphan.parquet");
    assertThat(s.after().dataFiles()).isEqualTo(s.before().dataFiles());
    assertThat(s.after().snapshots()).isEqualTo(s.before().snapshots());
    TableMaintainer.TableResult raw = result.table(fleet.lake.rawTable("can2_speed").toString());
    assertThat(raw.plan()).hasSize(2);
    assertThat(raw.plan().get(0))
        .startsWith("rewrite manifests: 2 data and 0 delete manifests (")
        .endsWith(") into about 1, clustered by partition; data files unchanged");
    assertThat(raw.plan().get(1))
        .startsWith("expire snapshots: 1 of 2, metadata only")
        .endsWith("no file is deleted");
    assertThat(result.summary())
        .startsWith("Maintenance (dry run: nothing committed or deleted) run ");
  }

  @Test
  void optionsThatWouldRewriteOrDeleteRawFilesAreRefused() {
    TableMaintainer maintainer = TableMaintainer.of(lake, spark);
    assertThatThrownBy(() -> maintainer.option(TableMaintainer.RAW_REWRITE_DATA_FILES, "true"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot rewrite the data files of raw tables: they are the loggers' own files,"
                + " registered in place; a rewrite hands them to Iceberg, whose expiry would then"
                + " delete them (raw.rewrite-data-files=true)");
    assertThatThrownBy(() -> maintainer.option(TableMaintainer.RAW_DELETE_ORPHAN_FILES, "TRUE"))
        .hasMessage(
            "Cannot delete orphan files of raw tables: every file in the raw source that is not"
                + " registered yet would be deleted as an orphan (raw.delete-orphan-files=TRUE)");
    assertThatThrownBy(() -> maintainer.option(TableMaintainer.RAW_CLEAN_EXPIRED_FILES, "true"))
        .hasMessage(
            "Cannot delete the files of expired raw snapshots: a file an expired raw snapshot"
                + " references is still a logger's original (raw.clean-expired-files=true)");
    maintainer.option(TableMaintainer.RAW_REWRITE_DATA_FILES, "false");
    assertThatThrownBy(() -> maintainer.option("raw.expire-snapshot", "true"))
        .hasMessageStartingWith(
            "Cannot set maintenance option: unknown key; known keys: retention-days, ")
        .hasMessageEndingWith("(raw.expire-snapshot)");
    assertThatThrownBy(() -> maintainer.option(TableMaintainer.RAW_EXPIRE_SNAPSHOTS, "yes"))
        .hasMessage(
            "Cannot set maintenance option raw.expire-snapshots: the value must be true or false"
                + " (yes)");
    assertThatThrownBy(() -> maintainer.retentionDays(0))
        .hasMessage("Cannot expire snapshots: the retention must be at least 1 day (0)");
    assertThatThrownBy(() -> maintainer.option(TableMaintainer.ORPHAN_MARGIN_HOURS, "23"))
        .hasMessage(
            "Cannot delete orphan files: the safety margin must be at least 24 hours, longer than"
                + " any job that may still be writing files it has not committed (23)");
    assertThatThrownBy(() -> maintainer.targetFileSizeMb(0))
        .hasMessage("Cannot compact: the target file size must be between 1 and 2048 MB (0)");
    assertThat(LakeProperties.RAW_SOURCE).isEqualTo(LakeProperties.RAW_SOURCE);
  }

  @Test
  void theDeleteGuardDeletesOnlyInsideTheTableAndOutsideRawSources() throws Exception {
    Path table =
        Files.createDirectories(tempDir.resolve("guard").resolve("warehouse").resolve("t"));
    Path source = Files.createDirectories(table.resolve("misplaced-source"));
    Path outside = Files.writeString(tempDir.resolve("guard").resolve("logger.parquet"), "logger");
    Path underSource = Files.writeString(source.resolve("logger.parquet"), "logger");
    Path own = Files.writeString(table.resolve("data.parquet"), "own");
    Path own2 = Files.writeString(table.resolve("data2.parquet"), "own");
    try (var io = lake.sourceIO()) {
      DeleteGuard dry =
          new DeleteGuard(
              "t", List.of(table.toUri().toString()), List.of(source.toString()), io, true);
      dry.delete("file:" + own2);
      assertThat(own2).exists();
      assertThat(dry.deleted()).isEqualTo(1);

      DeleteGuard guard =
          new DeleteGuard(
              "t", List.of(table.toUri().toString()), List.of(source.toString()), io, false);
      guard.delete("file:" + own);
      guard.delete(outside.toUri().toString());
      guard.delete("file://" + underSource);
      assertThat(own).doesNotExist();
      assertThat(outside).exists();
      assertThat(underSource).exists();
      assertThat(guard.deleted()).isEqualTo(1);
      assertThatThrownBy(() -> guard.check("delete orphan files"))
          .hasMessageStartingWith(
              "Cannot delete orphan files of t: Iceberg asked to delete 2 files that are not the"
                  + " table's own, which were kept: ["
                  + outside.toUri()
                  + " (outside the locations of t, ["
                  + Locations.normalize(table.toString())
                  + "]), file://"
                  + underSource
                  + " (under "
                  + Locations.normalize(source.toString())
                  + ", which maintenance of t never "
                  + "deletes from)]");
    }
  }

  @Test
  void aTableLocationOverlappingARawSourceMakesTheJobRefuseBeforeAnyCommit() throws Exception {
    Fleet fleet = fleet("");
    fleet.upload(fleet.cycleFiles(0));
    fleet.upload(fleet.cycleFiles(1));
    fleet.aggregate();
    Table summary = fleet.table("tripsummary");
    Map<String, String> source = Checksums.of(fleet.source);
    Map<String, Long> snapshots = currentSnapshots(fleet);
    int summarySnapshots = sizeOf(summary.snapshots());

    // tripsummary writing its data into the raw source: orphan cleanup there would delete logger
    // files.
    String inSource = fleet.source.resolve("D1000001").toUri().toString();
    summary.updateProperties().set("write.data.path", inSource).commit();
    assertThatThrownBy(() -> maintainer(fleet, Instant.now().plus(Duration.ofDays(30))).execute())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "Cannot maintain "
                + fleet.lake.tripsTable("tripsummary")
                + ": its location "
                + Locations.normalize(inSource)
                + " overlaps the raw source "
                + Locations.normalize(fleet.source.toString())
                + " (expiry or orphan cleanup there could delete loggers' files); keep the"
                + " warehouse and every table location outside the raw data");
    summary.updateProperties().remove("write.data.path").commit();

    // A raw table moved into its own source.
    Table speed = fleet.table("can2_speed");
    String oldLocation = speed.location();
    speed.updateLocation().setLocation(fleet.source.resolve("tables").toString()).commit();
    assertThatThrownBy(
            () -> maintainer(fleet, Instant.now().plus(Duration.ofDays(30))).dryRun().execute())
        .hasMessageStartingWith(
            "Cannot maintain " + fleet.lake.rawTable("can2_speed") + ": its location ")
        .hasMessageContaining("overlaps the raw source");
    speed.updateLocation().setLocation(oldLocation).commit();
    // (Moving it wrote a metadata file there: the test's own doing.)
    deleteRecursively(fleet.source.resolve("tables"));

    // tripsummary inside a raw table's location: its orphan cleanup would take that table's
    // metadata.
    String summaryLocation = summary.location();
    summary.updateLocation().setLocation(oldLocation + "/nested").commit();
    assertThatThrownBy(() -> maintainer(fleet, Instant.now().plus(Duration.ofDays(30))).execute())
        .hasMessageContaining(
            "overlaps the location of raw table " + fleet.lake.rawTable("can2_speed"));
    summary.updateLocation().setLocation(summaryLocation).commit();

    // A raw table with GC on.
    speed.updateProperties().set(TableProperties.GC_ENABLED, "true").commit();
    assertThatThrownBy(() -> maintainer(fleet, Instant.now().plus(Duration.ofDays(30))).execute())
        .hasMessageStartingWith(
            "Cannot maintain raw table "
                + fleet.lake.rawTable("can2_speed")
                + ": gc.enabled is not false");
    speed.updateProperties().set(TableProperties.GC_ENABLED, "false").commit();

    // Nothing was committed by the refused runs, nothing deleted.
    assertThat(currentSnapshots(fleet)).isEqualTo(snapshots);
    assertThat(sizeOf(fleet.table("tripsummary").snapshots())).isEqualTo(summarySnapshots);
    assertThat(Checksums.of(fleet.source)).isEqualTo(source);

    // Put right, the same lake is maintained.
    TableMaintainer.Result ok =
        maintainer(fleet, Instant.now().plus(Duration.ofDays(30))).execute();
    assertThat(ok.total().expiry().snapshotsExpired()).as(ok.summary()).isEqualTo(2);
    assertThat(Checksums.of(fleet.source)).isEqualTo(source);
  }

  /** The files under the table's location that no metadata file, snapshot or manifest names. */
  private static List<Path> unreferenced(Table table) throws IOException {
    Set<Path> reachable = new HashSet<>();
    Consumer<String> add = location -> reachable.add(Fleet.localPath(location));
    ReachableFileUtil.metadataFileLocations(table, false).forEach(add);
    ReachableFileUtil.manifestListLocations(table).forEach(add);
    ReachableFileUtil.statisticsFilesLocations(table).forEach(add);
    for (Snapshot snapshot : table.snapshots()) {
      for (ManifestFile manifest : snapshot.allManifests(table.io())) {
        add.accept(manifest.path());
        if (manifest.content() == ManifestContent.DATA) {
          try (CloseableIterable<DataFile> files =
              ManifestFiles.read(manifest, table.io(), table.specs())) {
            files.forEach(f -> add.accept(f.location()));
          }
        } else {
          try (CloseableIterable<DeleteFile> files =
              ManifestFiles.readDeleteManifest(manifest, table.io(), table.specs())) {
            files.forEach(f -> add.accept(f.location()));
          }
        }
      }
    }
    try (Stream<Path> files = Files.walk(Fleet.localPath(table.location()))) {
      return files
          .filter(Files::isRegularFile)
          .filter(f -> !f.getFileName().toString().startsWith("."))
          .filter(f -> !reachable.contains(f))
          .sorted()
          .toList();
    }
  }

  private static int sizeOf(Iterable<?> items) {
    int n = 0;
    for (Object ignored : items) {
      n++;
    }
    return n;
  }

  private static Map<String, Long> currentSnapshots(Fleet fleet) {
    Map<String, Long> ids = new HashMap<>();
    for (String t : List.of("tripsummary", "can2_speed", "can2_odo")) {
      ids.put(t, fleet.table(t).currentSnapshot().snapshotId());
    }
    return ids;
  }

  @Test
  void rawExpiryCommitsAroundAConcurrentRegistrationAndDeletesNothing() throws Exception {
    Fleet fleet = fleet("");
    for (int k = 0; k < 3; k++) {
      fleet.upload(fleet.cycleFiles(k));
    }
    Table speed = fleet.table("can2_speed");
    List<Long> history = new ArrayList<>();
    speed.snapshots().forEach(s -> history.add(s.snapshotId()));
    Path metadata = Fleet.localPath(speed.location());
    List<Path> tableFiles = Fleet.filesUnder(metadata);

    // Expire the two older snapshots, and let a registration commit after the transaction read the
    // table.
    Transaction txn = speed.newTransaction();
    RawMaintenance.stageRawExpiry(txn, history.subList(0, 2));
    RawFileRegistrar.Result concurrent = fleet.upload(fleet.cycleFiles(3));
    Map<String, String> source = Checksums.of(fleet.source);
    long registered = concurrent.snapshotIds().get(fleet.lake.rawTable("can2_speed").toString());
    txn.commitTransaction();

    speed.refresh();
    List<Long> kept = new ArrayList<>();
    speed.snapshots().forEach(s -> kept.add(s.snapshotId()));
    assertThat(kept).containsExactly(history.get(2), registered);
    assertThat(speed.currentSnapshot().snapshotId()).isEqualTo(registered);
    assertThat(speed.properties()).containsEntry(TableProperties.GC_ENABLED, "false");
    // No file of the table was deleted (manifests of the expired snapshots included), no source
    // file touched.
    assertThat(Fleet.filesUnder(metadata))
        .containsAll(
            tableFiles.stream().filter(p -> !p.toString().endsWith(".metadata.json")).toList());
    assertThat(Checksums.of(fleet.source)).isEqualTo(source);
    assertThat(
            spark
                .sql(
                    "SELECT count(*) FROM "
                        + Lake.CATALOG_NAME
                        + "."
                        + fleet.lake.rawTable("can2_speed"))
                .first()
                .getLong(0))
        .isEqualTo(4 * 3 * 21 + 3 * 5);
  }
}
