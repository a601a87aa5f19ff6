package io.triplake.trips;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.triplake.lake.Lake;
import io.triplake.lake.LakeProperties;
import io.triplake.lake.testing.SparkLakeTest;
import io.triplake.trips.TripWindows.Window;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.iceberg.DataOperations;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** The copy-on-write commit of {@link SummaryTable}, on rows made by hand. */
class TestSummaryTable extends SparkLakeTest {
  private static final LocalDate DAY1 = LocalDate.parse("2024-03-01");
  private static final LocalDate DAY2 = LocalDate.parse("2024-03-02");
  private static final LocalDate DAY3 = LocalDate.parse("2024-03-03");
  private static final LocalDateTime FIRST_RUN = LocalDateTime.parse("2024-03-04T01:00:00");
  private static final LocalDateTime SECOND_RUN = LocalDateTime.parse("2024-03-05T01:00:00");

  private Lake target;

  @BeforeEach
  void names(TestInfo info) {
    String name =
        info.getTestMethod().orElseThrow().getName().toLowerCase().replaceAll("[^a-z0-9]", "");
    target = lake.withNamespaces("raw_" + name, "trips_" + name);
  }

  private SummaryTable open(String runId) {
    return SummaryTable.open(SummaryTable.TRIPSUMMARY, target, target.catalog(spark), runId);
  }

  /** One summary row: the trip of {@code device} starting at {@code start}, its avg speed. */
  private static Record row(
      SummaryTable summary,
      String cluster,
      String device,
      String start,
      double value,
      LocalDateTime updatedAt) {
    LocalDateTime tripStart = LocalDateTime.parse(start);
    Record r = GenericRecord.create(summary.table().schema());
    r.setField("deviceid", device);
    r.setField("message", "CAN2_speed");
    r.setField("signal", "Speed");
    r.setField("aggregation", "avg");
    r.setField("signalvalue", value);
    r.setField("signalcount", 10L);
    r.setField("duration", 600.0);
    r.setField("tripstart", tripStart);
    r.setField("tripend", tripStart.plusMinutes(10));
    r.setField(
        "tripid",
        device + "_" + tripStart.toString().replace("-", "").replace(":", "") + ".000000");
    r.setField("cluster", cluster);
    r.setField("tripdate", tripStart.toLocalDate());
    r.setField("updatedat", updatedAt);
    return r;
  }

  /** Windows of whole days, per cluster and device. */
  private static SummaryTable.Scope windows(
      String cluster, List<String> devices, LocalDate... days) {
    Map<String, List<Window>> byDevice = new java.util.TreeMap<>();
    for (String d : devices) {
      List<Window> list = new ArrayList<>();
      for (LocalDate day : days) {
        long lo = SummaryTable.micros(day.atStartOfDay());
        list.add(new Window(d, lo, lo + 86_400_000_000L - 1));
      }
      byDevice.put(d, list);
    }
    return SummaryTable.inWindows(Map.of(cluster, byDevice), Set.of());
  }

  private static Map<String, String> props(String runId) {
    return Map.of(LakeProperties.RUN_ID, runId);
  }

  /** Every stored row of main (or a snapshot), as text, sorted. */
  private static List<String> rows(Table table, Long snapshotId) {
    table.refresh();
    var read = IcebergGenerics.read(table);
    if (snapshotId != null) {
      read = read.useSnapshot(snapshotId);
    }
    List<String> out = new ArrayList<>();
    try (CloseableIterable<Record> records = read.build()) {
      records.forEach(r -> out.add(r.toString()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.stream().sorted().toList();
  }

  /** The data files of main's current snapshot, per path. */
  private static Set<String> files(Table table, LocalDate day) {
    table.refresh();
    Set<String> paths = new TreeSet<>();
    try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
      for (FileScanTask t : tasks) {
        if (day == null
            || day.equals(LocalDate.ofEpochDay(t.file().partition().get(0, Integer.class)))) {
          paths.add(t.file().location());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return paths;
  }

  /** Every Parquet file under the table's data folder, referenced or not. */
  private static Set<String> onDisk(Table table) throws IOException {
    Path data =
        Path.of(
                URI.create(
                    table.location().startsWith("/")
                        ? "file:" + table.location()
                        : table.location()))
            .resolve("data");
    if (!Files.exists(data)) {
      return Set.of();
    }
    try (Stream<Path> walk = Files.walk(data)) {
      return walk.filter(p -> p.toString().endsWith(".parquet"))
          .map(p -> p.getFileName().toString())
          .collect(java.util.stream.Collectors.toCollection(TreeSet::new));
    }
  }

  /** The rows a run made, handed over while another writer commits (the race, made certain). */
  private static List<Record> whileCommitting(Runnable otherWriter, List<Record> rows) {
    return new AbstractList<>() {
      private boolean raced;

      @Override
      public Record get(int index) {
        if (!raced) {
          raced = true;
          otherWriter.run();
        }
        return rows.get(index);
      }

      @Override
      public int size() {
        return rows.size();
      }
    };
  }

  @Test
  void rowsOfAChangedDayThatTheRunDidNotRecomputeAreCarriedOverAsStored() {
    SummaryTable first = open("first");
    List<Record> day =
        List.of(
            row(first, "c1", "D1000001", "2024-03-01T08:00:00", 1.0, FIRST_RUN),
            row(first, "c1", "D1000002", "2024-03-01T09:00:00", 2.0, FIRST_RUN),
            row(first, "rest", "D3000003", "2024-03-01T10:00:00", 3.0, FIRST_RUN));
    first.merge(
        day.subList(0, 2),
        windows("c1", List.of("D1000001", "D1000002"), DAY1),
        props("first"),
        null);
    first.merge(
        day.subList(2, 3), windows("rest", List.of("D3000003"), DAY1), props("first"), null);
    Table table = first.table();
    // The second commit rewrote the day with the first one's rows carried over: one file.
    Set<String> before = files(table, DAY1);
    assertThat(before).hasSize(1);

    // A late file of D1000001 changes its trip: only that device's window was recomputed.
    SummaryTable second = open("second");
    Record changed = row(second, "c1", "D1000001", "2024-03-01T08:00:00", 1.5, SECOND_RUN);
    TripAggregator.Changes changes =
        second.merge(
            List.of(changed), windows("c1", List.of("D1000001"), DAY1), props("second"), null);

    assertThat(changes).isEqualTo(new TripAggregator.Changes(0, 1, 0, 1, 0));
    assertThat(rows(table, null))
        .containsExactlyElementsOf(
            List.of(changed.toString(), day.get(1).toString(), day.get(2).toString()).stream()
                .sorted()
                .toList());
    // One new file holds the whole day; the day's old file is gone from main, no delete file.
    Set<String> after = files(table, DAY1);
    assertThat(after).hasSize(1).doesNotContainAnyElementsOf(before);
    Snapshot current = table.currentSnapshot();
    assertThat(current.operation()).isEqualTo(DataOperations.OVERWRITE);
    assertThat(current.summary())
        .containsEntry("deleted-data-files", "1")
        .containsEntry("added-data-files", "1")
        .doesNotContainKey("added-delete-files")
        .containsEntry(LakeProperties.RUN_ID, "second");
  }

  @Test
  void aLateFileTouchingAnOldDayRewritesThatDayOnly() {
    SummaryTable first = open("first");
    List<Record> rows = new ArrayList<>();
    for (LocalDate d : List.of(DAY1, DAY2, DAY3)) {
      rows.add(row(first, "c1", "D1000001", d + "T08:00:00", 1.0, FIRST_RUN));
    }
    first.merge(rows, windows("c1", List.of("D1000001"), DAY1, DAY2, DAY3), props("first"), null);
    Table table = first.table();
    Set<String> day2 = files(table, DAY2);
    Set<String> day3 = files(table, DAY3);

    SummaryTable late = open("late");
    List<Record> fresh =
        List.of(
            row(late, "c1", "D1000001", "2024-03-01T08:00:00", 1.0, SECOND_RUN),
            row(late, "c1", "D1000001", "2024-03-01T20:00:00", 7.0, SECOND_RUN));
    TripAggregator.Changes changes =
        late.merge(fresh, windows("c1", List.of("D1000001"), DAY1), props("late"), null);

    assertThat(changes).isEqualTo(new TripAggregator.Changes(1, 0, 0, 1, 0));
    assertThat(files(table, DAY2)).isEqualTo(day2);
    assertThat(files(table, DAY3)).isEqualTo(day3);
    assertThat(table.currentSnapshot().summary())
        .containsEntry("deleted-data-files", "1")
        .containsEntry("added-data-files", "1")
        .containsEntry("changed-partition-count", "1");
    // The unchanged row of the day keeps the updatedat of the run that wrote it.
    assertThat(rows(table, null))
        .contains(rows.get(0).toString(), fresh.get(1).toString())
        .hasSize(4);
  }

  @Test
  void nothingDifferentCommitsNothing() {
    SummaryTable first = open("first");
    Record r = row(first, "c1", "D1000001", "2024-03-01T08:00:00", Double.NaN, FIRST_RUN);
    first.merge(List.of(r), windows("c1", List.of("D1000001"), DAY1), props("first"), null);
    long snapshot = first.table().currentSnapshot().snapshotId();

    SummaryTable again = open("again");
    TripAggregator.Changes changes =
        again.merge(
            List.of(row(again, "c1", "D1000001", "2024-03-01T08:00:00", Double.NaN, SECOND_RUN)),
            windows("c1", List.of("D1000001"), DAY1),
            props("again"),
            null);

    assertThat(changes).isEqualTo(TripAggregator.Changes.NONE);
    again.table().refresh();
    assertThat(again.table().currentSnapshot().snapshotId()).isEqualTo(snapshot);
  }

  @Test
  void aConcurrentWriterOfTheSameDayIsRefusedAndNothingIsHalfWritten() throws IOException {
    SummaryTable first = open("first");
    first.merge(
        List.of(row(first, "c1", "D1000001", "2024-03-01T08:00:00", 1.0, FIRST_RUN)),
        windows("c1", List.of("D1000001"), DAY1),
        props("first"),
        null);
    Table table = first.table();

    SummaryTable run = open("run");
    SummaryTable other = open("other");
    Runnable otherWriter =
        () ->
            other.merge(
                List.of(row(other, "c1", "D1000002", "2024-03-01T09:00:00", 2.0, SECOND_RUN)),
                windows("c1", List.of("D1000002"), DAY1),
                props("other"),
                null);
    Set<String> filesBefore = onDisk(table);
    List<Record> fresh =
        whileCommitting(
            otherWriter,
            List.of(row(run, "c1", "D1000001", "2024-03-01T08:00:00", 5.0, SECOND_RUN)));

    assertThatThrownBy(
            () -> run.merge(fresh, windows("c1", List.of("D1000001"), DAY1), props("run"), null))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith(
            "Cannot commit trip rows to " + target.tripsTable("tripsummary") + ": another writer")
        .hasMessageContaining("run the aggregator again");

    table.refresh();
    assertThat(table.currentSnapshot().summary()).containsEntry(LakeProperties.RUN_ID, "other");
    assertThat(rows(table, null)).hasSize(2).noneMatch(s -> s.contains("5.0"));
    // The refused run's file was deleted: only the other writer's new file is on disk.
    Set<String> added = new TreeSet<>(onDisk(table));
    added.removeAll(filesBefore);
    assertThat(added)
        .containsExactlyElementsOf(
            files(table, DAY1).stream().map(p -> p.substring(p.lastIndexOf('/') + 1)).toList());
  }

  @Test
  void aConcurrentWriterOfAnotherDayIsNoConflict() {
    SummaryTable first = open("first");
    first.merge(
        List.of(row(first, "c1", "D1000001", "2024-03-01T08:00:00", 1.0, FIRST_RUN)),
        windows("c1", List.of("D1000001"), DAY1),
        props("first"),
        null);

    SummaryTable run = open("run");
    SummaryTable other = open("other");
    Runnable otherWriter =
        () ->
            other.merge(
                List.of(row(other, "c1", "D1000001", "2024-03-02T09:00:00", 2.0, SECOND_RUN)),
                windows("c1", List.of("D1000001"), DAY2),
                props("other"),
                null);
    run.merge(
        whileCommitting(
            otherWriter,
            List.of(row(run, "c1", "D1000001", "2024-03-01T08:00:00", 5.0, SECOND_RUN))),
        windows("c1", List.of("D1000001"), DAY1),
        props("run"),
        null);

    assertThat(rows(first.table(), null)).hasSize(2).anyMatch(s -> s.contains("5.0"));
  }

  @Test
  void aBranchGetsTheRewriteAndMainStaysAsItWas() {
    SummaryTable first = open("first");
    Record stored = row(first, "c1", "D1000001", "2024-03-01T08:00:00", 1.0, FIRST_RUN);
    first.merge(List.of(stored), windows("c1", List.of("D1000001"), DAY1), props("first"), null);
    Table table = first.table();
    long main = table.currentSnapshot().snapshotId();

    SummaryTable asOf = open("asof");
    String branch = LakeProperties.AS_OF_BRANCH_PREFIX + "20240301_test";
    asOf.ensureBranch(branch);
    Record earlier = row(asOf, "c1", "D1000001", "2024-03-01T08:00:00", 0.5, SECOND_RUN);
    TripAggregator.Changes changes =
        asOf.merge(List.of(earlier), SummaryTable.day(DAY1, List.of("c1")), props("asof"), branch);

    assertThat(changes.rowsUpserted()).isEqualTo(1);
    table.refresh();
    assertThat(table.currentSnapshot().snapshotId()).isEqualTo(main);
    assertThat(rows(table, null)).containsExactly(stored.toString());
    assertThat(rows(table, asOf.head(branch))).containsExactly(earlier.toString());
    // Rerun of the same branch with the same rows: nothing to commit.
    long head = asOf.head(branch);
    assertThat(
            open("again")
                .merge(
                    List.of(earlier),
                    SummaryTable.day(DAY1, List.of("c1")),
                    props("again"),
                    branch))
        .isEqualTo(TripAggregator.Changes.NONE);
    assertThat(asOf.head(branch)).isEqualTo(head);
  }

  @Test
  void theTablesTheJobCreatesAreTheOnesTheirSparkDdlCreates() {
    for (SummaryTable.Shape shape :
        List.of(SummaryTable.TRIPSUMMARY, SummaryTable.TRIPS, SummaryTable.DEVICEDAYS)) {
      Table made =
          SummaryTable.open(shape, target, target.catalog(spark), "creates-" + shape.name())
              .table();
      String ddlName =
          Lake.CATALOG_NAME + "." + target.tripsNamespace() + ".made_by_ddl_" + shape.name();
      spark.sql(io.triplake.ddl.TableDdl.spark(shape.name(), ddlName));
      spark.sql("ALTER TABLE " + ddlName + " WRITE ORDERED BY " + String.join(", ", shape.order()));
      Table ddl =
          target
              .catalog(spark)
              .loadTable(
                  org.apache.iceberg.catalog.TableIdentifier.of(
                      target.tripsNamespace(), "made_by_ddl_" + shape.name()));

      // Ids, names, types, optionality and comments.
      assertThat(made.schema().asStruct()).as(shape.name()).isEqualTo(ddl.schema().asStruct());
      assertThat(made.spec().fields()).isEqualTo(ddl.spec().fields());
      assertThat(made.sortOrder().fields()).isEqualTo(ddl.sortOrder().fields());
      assertThat(formatVersion(made)).isEqualTo(formatVersion(ddl)).isEqualTo(2);
      Map<String, String> expected = new java.util.HashMap<>(ddl.properties());
      expected.keySet().removeIf(k -> k.equals("owner") || k.equals("format-version"));
      assertThat(made.properties()).containsAllEntriesOf(expected);
      // Every key and compared column is a column of the table: a typo would fail every run.
      assertThat(made.schema().columns().stream().map(f -> f.name()))
          .containsAll(shape.keys())
          .containsAll(shape.compared());
    }
  }

  private static int formatVersion(Table table) {
    return ((org.apache.iceberg.HasTableOperations) table).operations().current().formatVersion();
  }
}
