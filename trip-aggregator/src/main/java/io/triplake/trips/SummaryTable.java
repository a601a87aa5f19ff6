package io.triplake.trips;

import io.triplake.ddl.TableDdl;
import io.triplake.lake.Checkpoint;
import io.triplake.lake.Lake;
import io.triplake.lake.LakeProperties;
import io.triplake.lake.RecordFiles;
import io.triplake.lake.SparkDdl;
import io.triplake.trips.TripWindows.Window;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.OverwriteFiles;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SortOrderComparators;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.OutputFileFactory;

/**
 * A table of trip rows (tripsummary, trips) as one run sees it: its stored rows, and the only ways
 * the run writes it (a copy-on-write rewrite of the days that changed, a checkpoint-only commit, an
 * as-of branch), each refusing to take back a checkpoint that another run committed since this one
 * started. Created, read and committed through Iceberg's Java API: no step needs Spark.
 */
final class SummaryTable {
  /**
   * What tells one table's rows apart and what a rerun compares.
   *
   * @param keys a row's identity, starting with its group's: the trip's (cluster, deviceid,
   *     tripid), or all of it
   * @param group how many of the keys name the group a row belongs to (what {@link
   *     TripAggregator.Changes} counts as inserted, updated or deleted)
   * @param compared the columns whose change makes a row rewritten (not updatedat: a rerun that
   *     finds the same values writes nothing)
   * @param date the date column the table is partitioned by, the unit a commit rewrites
   * @param order the table's write order (Athena's queries want a device's rows together)
   */
  record Shape(
      String name,
      List<String> keys,
      int group,
      List<String> compared,
      String date,
      List<String> order) {}

  /** One row per trip, message, signal and aggregation. */
  static final Shape TRIPSUMMARY =
      new Shape(
          TableDdl.TRIPSUMMARY,
          List.of("cluster", "deviceid", "tripid", "message", "signal", "aggregation"),
          3,
          List.of("signalvalue", "signalcount", "duration", "tripend"),
          "tripdate",
          List.of("deviceid", "tripstart"));

  /** One row per trip. */
  static final Shape TRIPS =
      new Shape(
          TableDdl.TRIPS,
          List.of("cluster", "deviceid", "tripid"),
          3,
          List.of(
              "tripend",
              "duration_s",
              "start_lat",
              "start_lon",
              "end_lat",
              "end_lon",
              "distance_km",
              "fixes",
              "max_speed_kmh",
              "moving_s",
              "idle_s",
              "identifier_rows",
              "max_gap_s"),
          "tripdate",
          List.of("deviceid", "tripstart"));

  /** One row per device, UTC day and raw message. */
  static final Shape DEVICEDAYS =
      new Shape(
          TableDdl.DEVICEDAYS,
          List.of("deviceid", "message", "day"),
          3,
          List.of(
              "files",
              "rows",
              "first_t",
              "last_t",
              "max_gap_s",
              "gaps_over_limit",
              "first_registered",
              "last_registered",
              "max_lag_h",
              "out_of_order_files"),
          "day",
          List.of("deviceid", "message"));

  private final Shape shape;
  private final Lake lake;
  private final Table table;
  private final String runId;

  /** The checkpoint the run started from: a commit to main is refused if another one came since. */
  private final Optional<Checkpoint> checkpoint;

  private final Long startedFrom;

  private SummaryTable(Shape shape, Lake lake, Table table, String runId) {
    this.shape = shape;
    this.lake = lake;
    this.table = table;
    this.runId = runId;
    this.checkpoint = Checkpoint.latest(table);
    this.startedFrom = checkpoint.map(Checkpoint::snapshotId).orElse(null);
  }

  /** The lake's table of this shape, created (with its namespace) on the first run. */
  static SummaryTable open(Shape shape, Lake lake, Catalog catalog, String runId) {
    TableIdentifier id = lake.tripsTable(shape.name());
    if (!catalog.tableExists(id)) {
      if (catalog instanceof SupportsNamespaces ns && !ns.namespaceExists(lake.tripsNamespace())) {
        try {
          ns.createNamespace(lake.tripsNamespace());
        } catch (AlreadyExistsException e) {
          // created concurrently
        }
      }
      try {
        create(catalog, id, shape);
      } catch (AlreadyExistsException e) {
        // created concurrently
      }
    }
    return new SummaryTable(shape, lake, catalog.loadTable(id), runId);
  }

  /**
   * Creates a table through the catalog, from its Spark DDL's text (its one home): the columns with
   * their comments, the partition and the properties ({@link SparkDdl}), and the write order
   * Athena's queries want (a device's trips together in files). Without Spark: a driver-run
   * aggregate then never starts it. TestSummaryTable checks the table equals the one the DDL makes
   * in Spark.
   */
  static Table create(Catalog catalog, TableIdentifier id, Shape shape) {
    SparkDdl ddl = SparkDdl.parse(id.toString(), TableDdl.spark(shape.name(), id.toString()));
    org.apache.iceberg.SortOrder.Builder order =
        org.apache.iceberg.SortOrder.builderFor(ddl.schema());
    shape.order().forEach(order::asc);
    return ddl.builder(catalog, id)
        .withSortOrder(order.build())
        // What Spark's WRITE ORDERED BY sets beside the order, so that Spark writers still range-
        // distribute by it.
        .withProperty("write.distribution-mode", "range")
        .create();
  }

  Table table() {
    return table;
  }

  /** The newest checkpoint in main's ancestry when the run started. */
  Optional<Checkpoint> checkpoint() {
    return checkpoint;
  }

  String identifier() {
    return lake.tripsTable(shape.name()).toString();
  }

  /** Every day main holds rows of, in order (from the data files' partitions: no row is read). */
  List<LocalDate> days() {
    table.refresh();
    Set<LocalDate> days = new TreeSet<>();
    if (table.currentSnapshot() != null) {
      try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
        for (FileScanTask task : tasks) {
          if (task.file().recordCount() > 0) {
            days.add(LocalDate.ofEpochDay(task.file().partition().get(0, Integer.class)));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return List.copyOf(days);
  }

  /**
   * Which stored rows a run recomputed: those are compared with its fresh rows, and the other rows
   * of a day it rewrites are carried over unchanged.
   *
   * @param filter narrows the scan of stored rows (files Iceberg's metadata rules out are skipped)
   * @param recomputed whether the run recomputed a stored row
   * @param untouched days the run neither writes nor deletes (pinned days of an incremental run)
   */
  record Scope(Expression filter, Predicate<Record> recomputed, Set<LocalDate> untouched) {}

  /** The stored rows of one day's trips of these clusters, on main or a branch. */
  static Scope day(LocalDate day, List<String> clusters) {
    Set<String> names = Set.copyOf(clusters);
    return new Scope(
        Expressions.and(
            Expressions.equal("tripdate", (int) day.toEpochDay()),
            Expressions.in("cluster", names.toArray())),
        r -> names.contains((String) r.getField("cluster")),
        Set.of());
  }

  /** The stored rows of trips that start inside the recompute windows, except on untouched days. */
  static Scope inWindows(
      Map<String, Map<String, List<Window>>> windowsByCluster, Set<LocalDate> untouched) {
    Set<String> devices = new TreeSet<>();
    long lo = Long.MAX_VALUE;
    long hi = Long.MIN_VALUE;
    for (Map<String, List<Window>> byDevice : windowsByCluster.values()) {
      for (Map.Entry<String, List<Window>> d : byDevice.entrySet()) {
        devices.add(d.getKey());
        for (Window w : d.getValue()) {
          lo = Math.min(lo, w.lo());
          hi = Math.max(hi, w.hi());
        }
      }
    }
    Expression filter =
        devices.isEmpty()
            ? Expressions.alwaysFalse()
            : Expressions.and(
                Expressions.in("cluster", windowsByCluster.keySet().toArray()),
                RawMetadata.devicesBetween("deviceid", "tripstart", devices, lo, hi));
    return new Scope(
        filter,
        r -> {
          List<Window> windows =
              windowsByCluster
                  .getOrDefault((String) r.getField("cluster"), Map.of())
                  .get((String) r.getField("deviceid"));
          if (windows == null) {
            return false;
          }
          long start = micros((LocalDateTime) r.getField("tripstart"));
          return windows.stream().anyMatch(w -> w.lo() <= start && start <= w.hi());
        },
        Set.copyOf(untouched));
  }

  /**
   * Compares the run's fresh rows with the stored rows it recomputed and, if any differ, rewrites
   * the days that changed copy-on-write in one snapshot on main or a branch, with the snapshot
   * properties: a new data file per day holds its fresh rows and every other stored row of the day
   * carried over (other devices, other clusters, unchanged rows as stored). Nothing different, no
   * commit.
   *
   * <p>Copy-on-write rather than a row delta, measured in docs/measurements.md: a day's rows are
   * few, a daily run rewrites one or two days, and readers (Athena) and maintenance never merge
   * delete files.
   */
  TripAggregator.Changes merge(
      List<Record> fresh, Scope scope, Map<String, String> properties, String branch) {
    table.refresh();
    Snapshot base =
        branch == null
            ? table.currentSnapshot()
            : table.snapshot(table.refs().get(branch).snapshotId());
    Map<Key, Record> stored = new HashMap<>();
    if (base != null) {
      try (CloseableIterable<Record> rows = read(base, scope.filter())) {
        for (Record r : rows) {
          if (scope.recomputed().test(r) && !scope.untouched().contains(date(r))) {
            stored.put(key(r), r.copy());
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    Diff diff = new Diff(shape, this::date);
    Set<Key> seen = new HashSet<>();
    for (Record r : fresh) {
      if (scope.untouched().contains(date(r))) {
        continue;
      }
      Key key = key(r);
      seen.add(key);
      Record old = stored.get(key);
      diff.fresh(key, r, old);
    }
    stored.forEach(
        (key, old) -> {
          if (!seen.contains(key)) {
            diff.gone(key, old);
          }
        });
    TripAggregator.Changes changes = diff.changes();
    if (!changes.any()) {
      return TripAggregator.Changes.NONE;
    }
    if (properties.containsKey(LakeProperties.CHECKPOINT)) {
      requireCheckpointUnchanged();
    }
    rewrite(base, diff, properties, branch);
    return changes;
  }

  /** The rows of a snapshot that may match the filter (Iceberg applies the residual too). */
  private CloseableIterable<Record> read(Snapshot snapshot, Expression filter) {
    return IcebergGenerics.read(table).useSnapshot(snapshot.snapshotId()).where(filter).build();
  }

  /** Writes each changed day's new file and commits them in place of the day's old files. */
  private void rewrite(Snapshot base, Diff diff, Map<String, String> properties, String branch) {
    List<DataFile> removed = new ArrayList<>();
    List<DataFile> added = new ArrayList<>();
    OutputFileFactory files =
        OutputFileFactory.builderFor(table, 0, 0)
            .format(FileFormat.PARQUET)
            .operationId(runId)
            .build();
    Comparator<Record> order = sortOrder();
    Expression days =
        Expressions.in(shape.date(), diff.days.stream().map(d -> (int) d.toEpochDay()).toArray());
    try {
      for (LocalDate day : diff.days) {
        List<Record> rows = new ArrayList<>(diff.upserts.getOrDefault(day, List.of()));
        if (base != null) {
          Expression onDay = Expressions.equal(shape.date(), (int) day.toEpochDay());
          try (CloseableIterable<FileScanTask> tasks =
                  table.newScan().useSnapshot(base.snapshotId()).filter(onDay).planFiles();
              CloseableIterable<Record> stored = read(base, onDay)) {
            tasks.forEach(t -> removed.add(t.file()));
            for (Record r : stored) {
              if (!diff.replaced.contains(key(r))) {
                rows.add(r.copy());
              }
            }
          }
        }
        if (!rows.isEmpty()) {
          rows.sort(order);
          added.add(write(files, rows));
        }
      }
      OverwriteFiles overwrite = table.newOverwrite();
      if (branch != null) {
        overwrite.toBranch(branch);
      }
      removed.forEach(overwrite::deleteFile);
      added.forEach(overwrite::addFile);
      if (base != null) {
        overwrite.validateFromSnapshot(base.snapshotId());
      }
      // Serializable for the days rewritten: a file added to or removed from them since the run
      // read them would otherwise be lost or doubled.
      overwrite
          .conflictDetectionFilter(days)
          .validateNoConflictingData()
          .validateNoConflictingDeletes();
      properties.forEach(overwrite::set);
      overwrite.commit();
    } catch (CommitStateUnknownException e) {
      throw e; // the files may be committed: only the catalog can tell, deleting them could lose
      // rows
    } catch (IOException | RuntimeException e) {
      added.forEach(f -> table.io().deleteFile(f.location()));
      if (e instanceof CommitFailedException || e instanceof ValidationException) {
        throw new IllegalStateException(
            "Cannot commit trip rows to "
                + identifier()
                + ": another writer changed the table during this run ("
                + e.getMessage()
                + "). Nothing was committed; run the aggregator again, it resumes from the last"
                + " checkpoint.",
            e);
      }
      throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
    }
  }

  /**
   * The table's sort order (the shape's), then the row's identity, so that a rerun writes the same
   * file. Iceberg's comparators take internal values (micros, not LocalDateTime).
   */
  private Comparator<Record> sortOrder() {
    Comparator<StructLike> internal =
        SortOrderComparators.forSchema(table.schema(), table.sortOrder());
    InternalRecordWrapper left = new InternalRecordWrapper(table.schema().asStruct());
    InternalRecordWrapper right = new InternalRecordWrapper(table.schema().asStruct());
    Comparator<Record> order = (a, b) -> internal.compare(left.wrap(a), right.wrap(b));
    return order.thenComparing(this::key);
  }

  /** One day's rows (sorted) as one Parquet data file, written with Iceberg's generic writer. */
  private DataFile write(OutputFileFactory files, List<Record> rows) throws IOException {
    PartitionKey partition = new PartitionKey(table.spec(), table.schema());
    partition.partition(new InternalRecordWrapper(table.schema().asStruct()).wrap(rows.get(0)));
    return RecordFiles.write(table, files, partition, rows);
  }

  /** What a run changes: per trip and per row, and the rows each changed day gets or loses. */
  private static final class Diff {
    private final List<String> compared;
    private final int group;
    private final java.util.function.Function<Record, LocalDate> date;

    /** Per trip: has fresh rows, has stored rows, has a row that differs. */
    final Map<List<String>, boolean[]> trips = new HashMap<>();

    final Map<LocalDate, List<Record>> upserts = new TreeMap<>();
    final Set<Key> replaced = new HashSet<>();
    final Set<LocalDate> days = new TreeSet<>();
    long upserted;
    long deleted;

    Diff(Shape shape, java.util.function.Function<Record, LocalDate> date) {
      this.compared = shape.compared();
      this.group = shape.group();
      this.date = date;
    }

    void fresh(Key key, Record row, Record old) {
      boolean[] t = trips.computeIfAbsent(key.values().subList(0, group), k -> new boolean[3]);
      t[0] = true;
      t[1] |= old != null;
      if (old != null && same(row, old)) {
        return;
      }
      t[2] = true;
      upserted++;
      if (old != null) {
        replaced.add(key);
      }
      upserts.computeIfAbsent(date.apply(row), d -> new ArrayList<>()).add(row);
      days.add(date.apply(row));
    }

    void gone(Key key, Record old) {
      boolean[] t = trips.computeIfAbsent(key.values().subList(0, group), k -> new boolean[3]);
      t[1] = true;
      t[2] = true;
      deleted++;
      replaced.add(key);
      days.add(date.apply(old));
    }

    TripAggregator.Changes changes() {
      long inserted = 0;
      long changed = 0;
      long removed = 0;
      for (boolean[] t : trips.values()) {
        if (t[0] && !t[1]) {
          inserted++;
        } else if (t[0] && t[2]) {
          changed++;
        } else if (!t[0]) {
          removed++;
        }
      }
      return upserted + deleted == 0
          ? TripAggregator.Changes.NONE
          : new TripAggregator.Changes(inserted, changed, removed, upserted, deleted);
    }

    /** Equal as stored: doubles bit for bit (NaN equals NaN), timestamps to the microsecond. */
    private boolean same(Record a, Record b) {
      for (String c : compared) {
        if (!Objects.equals(a.getField(c), b.getField(c))) {
          return false;
        }
      }
      return true;
    }
  }

  /** A row's identity: the values of its shape's key columns, its group's first. */
  private record Key(List<String> values) implements Comparable<Key> {
    @Override
    public int compareTo(Key o) {
      for (int i = 0; i < values.size(); i++) {
        int c = values.get(i).compareTo(o.values.get(i));
        if (c != 0) {
          return c;
        }
      }
      return 0;
    }
  }

  private Key key(Record r) {
    List<String> values = new ArrayList<>(shape.keys().size());
    for (String column : shape.keys()) {
      values.add(String.valueOf(r.getField(column)));
    }
    return new Key(List.copyOf(values));
  }

  private LocalDate date(Record r) {
    return (LocalDate) r.getField(shape.date());
  }

  static long micros(LocalDateTime t) {
    return ChronoUnit.MICROS.between(LocalDateTime.of(1970, 1, 1, 0, 0), t);
  }

  /**
   * A commit to main that writes no row: the checkpoint moved (raw tables changed, no trip did) or
   * a pin did.
   */
  void commitProperties(Map<String, String> properties) {
    requireCheckpointUnchanged();
    var append = table.newAppend();
    properties.forEach(append::set);
    append.commit();
  }

  /**
   * A commit to main carries the checkpoint and the pins this run started from, moved on: if
   * another run committed a checkpoint meanwhile, this one would take it (and its pins) back.
   * Refused instead.
   */
  void requireCheckpointUnchanged() {
    table.refresh();
    Long now = Checkpoint.latest(table).map(Checkpoint::snapshotId).orElse(null);
    if (!Objects.equals(now, startedFrom)) {
      throw new IllegalStateException(
          "Cannot commit trip rows to "
              + identifier()
              + ": another run committed "
              + "checkpoint snapshot "
              + now
              + " since this one started from "
              + startedFrom
              + ". Nothing was committed; run again, it "
              + "resumes from the new checkpoint.");
    }
  }

  /**
   * Creates an as-of branch from main's current snapshot unless it exists (a rerun of the same day
   * and moment then commits nothing).
   */
  void ensureBranch(String branch) {
    table.refresh();
    if (!table.refs().containsKey(branch)) {
      try {
        table.manageSnapshots().createBranch(branch).commit();
      } catch (CommitFailedException | IllegalArgumentException e) {
        table.refresh();
        if (!table.refs().containsKey(branch)) {
          throw e;
        }
        // created concurrently by a rerun of the same day and moment: the diff is against its rows
      }
    }
  }

  /** The snapshot at the head of a branch. */
  long head(String branch) {
    table.refresh();
    return table.refs().get(branch).snapshotId();
  }

  /** Main's current snapshot if this run committed it, else null. */
  Long committedByThisRun() {
    table.refresh();
    Snapshot current = table.currentSnapshot();
    if (current == null || !runId.equals(current.summary().get(LakeProperties.RUN_ID))) {
      return null;
    }
    return current.snapshotId();
  }
}
