package io.triplake.trips;

import static org.assertj.core.api.Assertions.assertThat;

import io.triplake.lake.Lake;
import io.triplake.lake.LakeProperties;
import io.triplake.lake.testing.SparkLakeTest;
import io.triplake.trips.TripWindows.Window;
import java.io.IOException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.RowDelta;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetWriter;
import org.apache.iceberg.deletes.EqualityDeleteWriter;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFileFactory;
import org.apache.iceberg.parquet.Parquet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Measures the two ways to commit a run's rows over a month of daily runs and one late file: the
 * copy-on-write day rewrite {@link SummaryTable} does, and a row delta with equality deletes (only
 * here, to compare). Run with {@code -Dtrip-lake.measure=true [-Dtrip-lake.measure.devices=10]};
 * the figures are in docs/measurements.md.
 */
@EnabledIfSystemProperty(named = "trip-lake.measure", matches = "true")
class TestSummaryCommitCost extends SparkLakeTest {
  private static final int DAYS = 30;
  private static final int TRIPS_PER_DAY = 4;
  private static final List<String> MESSAGES = List.of("CAN2_speed", "CAN2_odo", "CAN1_eec1");
  private static final List<String> SIGNALS = List.of("a", "b", "c", "d");
  private static final List<String> AGGREGATIONS = List.of("avg", "max", "min", "last");
  private static final LocalDate FIRST = LocalDate.parse("2024-03-01");

  private final int devices = Integer.getInteger("trip-lake.measure.devices", 10);

  /** What one strategy cost: per daily run, for the late file, and at the month's end. */
  private static final class Cost {
    final List<Long> dailyMillis = new ArrayList<>();
    long dailyFiles;
    long dailyBytes;
    long lateMillis;
    long lateFiles;
    long lateBytes;
    long liveDataFiles;
    long liveDeleteFiles;
    long liveBytes;
    long readMillis;
    long maintenanceMillis;
    long maintenanceBytes;
  }

  @Test
  void copyOnWriteAgainstEqualityDeletesOverAMonth() throws IOException {
    // A month of each first, not counted: the JIT would otherwise bill the first strategy for it.
    month("warmcow", true);
    month("warmdelta", false);
    Cost delta = month("delta", false);
    Cost cow = month("cow", true);
    String table =
        String.format(
            "| | copy-on-write day rewrite | row delta, equality deletes |%n|---|---|---|%n| daily"
                + " commit, median of %d runs | %d ms | %d ms |%n| files / bytes written per daily"
                + " run (mean) | %.1f / %d | %.1f / %d |%n| late file touching an old day: commit |"
                + " %d ms, %d files, %d bytes | %d ms, %d files, %d bytes |%n| after the month:"
                + " live data / delete files, bytes | %d / %d, %d | %d / %d, %d |%n| full read of"
                + " the month (Iceberg generics) | %d ms | %d ms |%n| maintenance to leave no"
                + " delete file (rewrite days with deletes) | %d ms, %d bytes | %d ms, %d bytes"
                + " |%n",
            DAYS,
            median(cow.dailyMillis),
            median(delta.dailyMillis),
            cow.dailyFiles / (double) DAYS,
            cow.dailyBytes / DAYS,
            delta.dailyFiles / (double) DAYS,
            delta.dailyBytes / DAYS,
            cow.lateMillis,
            cow.lateFiles,
            cow.lateBytes,
            delta.lateMillis,
            delta.lateFiles,
            delta.lateBytes,
            cow.liveDataFiles,
            cow.liveDeleteFiles,
            cow.liveBytes,
            delta.liveDataFiles,
            delta.liveDeleteFiles,
            delta.liveBytes,
            cow.readMillis,
            delta.readMillis,
            cow.maintenanceMillis,
            cow.maintenanceBytes,
            delta.maintenanceMillis,
            delta.maintenanceBytes);
    System.out.println(
        devices
            + " devices x "
            + TRIPS_PER_DAY
            + " trips a day x "
            + MESSAGES.size() * SIGNALS.size() * AGGREGATIONS.size()
            + " rows a trip, "
            + DAYS
            + " daily runs:\n"
            + table);
    assertThat(cow.liveDeleteFiles).isZero();
  }

  private Cost month(String name, boolean copyOnWrite) throws IOException {
    Lake target = lake.withNamespaces("raw_cost_" + name, "trips_cost_" + name);
    Cost cost = new Cost();
    Map<String, List<Window>> previous = Map.of();
    for (int d = 0; d < DAYS; d++) {
      LocalDate day = FIRST.plusDays(d);
      SummaryTable summary =
          SummaryTable.open(SummaryTable.TRIPSUMMARY, target, target.catalog(spark), name + d);
      // The day's trips, and yesterday's last trip of each device recomputed (it ran into the
      // night, as a daily run's window reaches back to the trip running into the new day).
      Map<String, List<Window>> windows = new TreeMap<>();
      List<Record> fresh = new ArrayList<>();
      for (int v = 0; v < devices; v++) {
        String device = String.format("D%07d", v);
        List<Window> w = new ArrayList<>();
        if (d > 0) {
          LocalDateTime last = trip(day.minusDays(1), TRIPS_PER_DAY - 1);
          fresh.addAll(rows(summary, device, last, 1.0 + d));
          w.add(window(device, last, day.atStartOfDay().minusNanos(1000)));
        }
        for (int t = 0; t < TRIPS_PER_DAY; t++) {
          fresh.addAll(rows(summary, device, trip(day, t), 1.0));
        }
        w.add(window(device, day.atStartOfDay(), day.plusDays(1).atStartOfDay().minusNanos(1000)));
        windows.put(device, w);
      }
      previous = windows;
      long start = System.nanoTime();
      commit(summary, fresh, windows, copyOnWrite);
      cost.dailyMillis.add((System.nanoTime() - start) / 1_000_000);
      Snapshot s = summary.table().currentSnapshot();
      cost.dailyFiles += count(s, "added-data-files") + count(s, "added-delete-files");
      cost.dailyBytes += count(s, "added-files-size");
    }
    assertThat(previous).isNotEmpty();

    // A late file of one device changes its second trip of the month's fifth day.
    SummaryTable late =
        SummaryTable.open(SummaryTable.TRIPSUMMARY, target, target.catalog(spark), name + "-late");
    LocalDateTime trip = trip(FIRST.plusDays(4), 1);
    String device = String.format("D%07d", 0);
    long start = System.nanoTime();
    commit(
        late,
        rows(late, device, trip, 99.0),
        Map.of(device, List.of(window(device, trip, trip))),
        copyOnWrite);
    cost.lateMillis = (System.nanoTime() - start) / 1_000_000;
    Snapshot s = late.table().currentSnapshot();
    cost.lateFiles = count(s, "added-data-files") + count(s, "added-delete-files");
    cost.lateBytes = count(s, "added-files-size");

    Table table = late.table();
    table.refresh();
    Map<String, String> summary = table.currentSnapshot().summary();
    cost.liveDataFiles = Long.parseLong(summary.get("total-data-files"));
    cost.liveDeleteFiles = Long.parseLong(summary.get("total-delete-files"));
    cost.liveBytes = Long.parseLong(summary.get("total-files-size"));
    start = System.nanoTime();
    long rows = 0;
    try (CloseableIterable<Record> all = IcebergGenerics.read(table).build()) {
      for (Record ignored : all) {
        rows++;
      }
    }
    cost.readMillis = (System.nanoTime() - start) / 1_000_000;
    assertThat(rows)
        .isEqualTo(
            (long) devices
                * DAYS
                * TRIPS_PER_DAY
                * MESSAGES.size()
                * SIGNALS.size()
                * AGGREGATIONS.size());
    start = System.nanoTime();
    cost.maintenanceBytes = compactDaysWithDeletes(table);
    cost.maintenanceMillis = (System.nanoTime() - start) / 1_000_000;
    return cost;
  }

  private static long count(Snapshot s, String key) {
    return Long.parseLong(s.summary().getOrDefault(key, "0"));
  }

  private static long median(List<Long> values) {
    List<Long> sorted = values.stream().sorted().toList();
    return sorted.get(sorted.size() / 2);
  }

  private static LocalDateTime trip(LocalDate day, int t) {
    return day.atTime(6 + 4 * t, 0);
  }

  private static Window window(String device, LocalDateTime lo, LocalDateTime hi) {
    return new Window(device, SummaryTable.micros(lo), SummaryTable.micros(hi));
  }

  private static List<Record> rows(
      SummaryTable summary, String device, LocalDateTime start, double value) {
    List<Record> rows = new ArrayList<>();
    for (String m : MESSAGES) {
      for (String sig : SIGNALS) {
        for (String agg : AGGREGATIONS) {
          Record r = GenericRecord.create(summary.table().schema());
          r.setField("deviceid", device);
          r.setField("message", m);
          r.setField("signal", sig);
          r.setField("aggregation", agg);
          r.setField("signalvalue", value);
          r.setField("signalcount", 1000L);
          r.setField("duration", 3000.0);
          r.setField("tripstart", start);
          r.setField("tripend", start.plusMinutes(50));
          r.setField("tripid", device + "_" + start);
          r.setField("cluster", "c1");
          r.setField("tripdate", start.toLocalDate());
          r.setField("updatedat", LocalDateTime.now());
          rows.add(r);
        }
      }
    }
    return rows;
  }

  private static void commit(
      SummaryTable summary,
      List<Record> fresh,
      Map<String, List<Window>> windows,
      boolean copyOnWrite)
      throws IOException {
    Map<String, String> props = Map.of(LakeProperties.RUN_ID, "cost");
    if (copyOnWrite) {
      summary.merge(fresh, SummaryTable.inWindows(Map.of("c1", windows), Set.of()), props, null);
    } else {
      rowDelta(summary, fresh, windows, props);
    }
  }

  private static List<String> key(Record r) {
    return List.of(
        (String) r.getField("cluster"),
        (String) r.getField("deviceid"),
        (String) r.getField("tripid"),
        (String) r.getField("message"),
        (String) r.getField("signal"),
        (String) r.getField("aggregation"));
  }

  /**
   * The alternative: the same comparison with the stored rows of the windows, then per changed day
   * a data file of new and changed rows and an equality delete file of the replaced rows' keys.
   */
  private static void rowDelta(
      SummaryTable summary,
      List<Record> fresh,
      Map<String, List<Window>> windows,
      Map<String, String> props)
      throws IOException {
    Table table = summary.table();
    table.refresh();
    Snapshot base = table.currentSnapshot();
    SummaryTable.Scope scope = SummaryTable.inWindows(Map.of("c1", windows), Set.of());
    Map<List<String>, Record> stored = new HashMap<>();
    if (base != null) {
      try (CloseableIterable<Record> rows =
          IcebergGenerics.read(table)
              .useSnapshot(base.snapshotId())
              .where(scope.filter())
              .build()) {
        for (Record r : rows) {
          if (scope.recomputed().test(r)) {
            stored.put(key(r), r.copy());
          }
        }
      }
    }
    Map<LocalDate, List<Record>> upserts = new TreeMap<>();
    Map<LocalDate, List<Record>> deletes = new TreeMap<>();
    Schema keySchema =
        table.schema().select("cluster", "deviceid", "tripid", "message", "signal", "aggregation");
    for (Record r : fresh) {
      Record old = stored.get(key(r));
      if (old != null && old.getField("signalvalue").equals(r.getField("signalvalue"))) {
        continue;
      }
      LocalDate day = (LocalDate) r.getField("tripdate");
      upserts.computeIfAbsent(day, k -> new ArrayList<>()).add(r);
      if (old != null) {
        Record k = GenericRecord.create(keySchema);
        for (String c :
            List.of("cluster", "deviceid", "tripid", "message", "signal", "aggregation")) {
          k.setField(c, r.getField(c));
        }
        deletes.computeIfAbsent(day, x -> new ArrayList<>()).add(k);
      }
    }
    OutputFileFactory files =
        OutputFileFactory.builderFor(table, 0, 0)
            .format(FileFormat.PARQUET)
            .operationId("delta" + System.nanoTime())
            .build();
    RowDelta delta = table.newRowDelta();
    for (Map.Entry<LocalDate, List<Record>> e : upserts.entrySet()) {
      PartitionKey partition = new PartitionKey(table.spec(), table.schema());
      partition.partition(
          new InternalRecordWrapper(table.schema().asStruct()).wrap(e.getValue().get(0)));
      DataWriter<Record> w =
          Parquet.writeData(files.newOutputFile(table.spec(), partition))
              .forTable(table)
              .withSpec(table.spec())
              .withPartition(partition)
              .createWriterFunc(GenericParquetWriter::create)
              .overwrite()
              .build();
      try (w) {
        e.getValue().forEach(w::write);
      }
      delta.addRows(w.toDataFile());
      List<Record> keys = deletes.get(e.getKey());
      if (keys != null) {
        EqualityDeleteWriter<Record> dw =
            Parquet.writeDeletes(files.newOutputFile(table.spec(), partition))
                .forTable(table)
                .withSpec(table.spec())
                .withPartition(partition)
                .rowSchema(keySchema)
                .equalityFieldIds(keySchema.columns().stream().map(f -> f.fieldId()).toList())
                .createWriterFunc(GenericParquetWriter::create)
                .overwrite()
                .buildEqualityWriter();
        try (dw) {
          keys.forEach(dw::write);
        }
        delta.addDeletes(dw.toDeleteFile());
      }
    }
    if (base != null) {
      delta.validateFromSnapshot(base.snapshotId());
    }
    delta
        .conflictDetectionFilter(
            Expressions.in(
                "tripdate", upserts.keySet().stream().map(d -> (int) d.toEpochDay()).toArray()))
        .validateNoConflictingDataFiles()
        .validateNoConflictingDeleteFiles();
    props.forEach(delta::set);
    delta.commit();
  }

  /**
   * What maintenance must do before Athena reads no delete file: each day with deletes rewritten to
   * one file (as rewrite_data_files with delete-file-threshold=1 would). Returns bytes written.
   */
  private static long compactDaysWithDeletes(Table table) throws IOException {
    Map<Integer, List<DataFile>> dataByDay = new TreeMap<>();
    Map<Integer, List<DeleteFile>> deletesByDay = new TreeMap<>();
    try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
      for (FileScanTask t : tasks) {
        int day = t.file().partition().get(0, Integer.class);
        dataByDay.computeIfAbsent(day, k -> new ArrayList<>()).add(t.file());
        for (DeleteFile df : t.deletes()) {
          List<DeleteFile> list = deletesByDay.computeIfAbsent(day, k -> new ArrayList<>());
          if (list.stream().noneMatch(x -> x.location().equals(df.location()))) {
            list.add(df);
          }
        }
      }
    }
    if (deletesByDay.isEmpty()) {
      return 0;
    }
    OutputFileFactory files =
        OutputFileFactory.builderFor(table, 0, 0)
            .format(FileFormat.PARQUET)
            .operationId("compact")
            .build();
    var rewrite = table.newRewrite().validateFromSnapshot(table.currentSnapshot().snapshotId());
    long bytes = 0;
    for (Map.Entry<Integer, List<DeleteFile>> e : deletesByDay.entrySet()) {
      List<Record> rows = new ArrayList<>();
      try (CloseableIterable<Record> read =
          IcebergGenerics.read(table).where(Expressions.equal("tripdate", e.getKey())).build()) {
        read.forEach(r -> rows.add(r.copy()));
      }
      PartitionKey partition = new PartitionKey(table.spec(), table.schema());
      partition.partition(new InternalRecordWrapper(table.schema().asStruct()).wrap(rows.get(0)));
      DataWriter<Record> w =
          Parquet.writeData(files.newOutputFile(table.spec(), partition))
              .forTable(table)
              .withSpec(table.spec())
              .withPartition(partition)
              .createWriterFunc(GenericParquetWriter::create)
              .overwrite()
              .build();
      try (w) {
        rows.forEach(w::write);
      }
      bytes += w.toDataFile().fileSizeInBytes();
      dataByDay.get(e.getKey()).forEach(rewrite::deleteFile);
      e.getValue().forEach(rewrite::deleteFile);
      rewrite.addFile(w.toDataFile());
    }
    rewrite.commit();
    return bytes;
  }
}
