package io.triplake.trips;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.triplake.ddl.TableDdl;
import io.triplake.lake.Checkpoint;
import io.triplake.lake.Lake;
import io.triplake.lake.LakeProperties;
import io.triplake.trips.TripWindows.Window;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.spark.CommitMetadata;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * The tripsummary table as one run sees it: its stored rows, and the only ways the run writes it (a
 * MERGE of the difference, a checkpoint-only commit, an as-of branch), each refusing to take back a
 * checkpoint that another run committed since this one started.
 */
final class SummaryTable {
  private static final String SUMMARY = TableDdl.TRIPSUMMARY;
  private static final List<String> KEY =
      List.of("cluster", "deviceid", "tripid", "message", "signal", "aggregation");
  static final List<String> COLUMNS =
      List.of(
          "deviceid",
          "message",
          "signal",
          "aggregation",
          "signalvalue",
          "signalcount",
          "duration",
          "tripstart",
          "tripend",
          "tripid",
          "cluster",
          "tripdate",
          "updatedat");

  /** Started on first use: reading the checkpoint or committing properties needs no Spark. */
  private final Supplier<SparkSession> spark;

  private final Lake lake;
  private final Table table;
  private final String runId;

  /** The checkpoint the run started from: a commit to main is refused if another one came since. */
  private final Optional<Checkpoint> checkpoint;

  private final Long startedFrom;

  private SummaryTable(Supplier<SparkSession> spark, Lake lake, Table table, String runId) {
    this.spark = spark;
    this.lake = lake;
    this.table = table;
    this.runId = runId;
    this.checkpoint = Checkpoint.latest(table);
    this.startedFrom = checkpoint.map(Checkpoint::snapshotId).orElse(null);
  }

  /** The lake's tripsummary table, created (with its namespace) on the first run. */
  static SummaryTable open(Supplier<SparkSession> spark, Lake lake, Catalog catalog, String runId) {
    TableIdentifier id = lake.tripsTable(SUMMARY);
    if (!catalog.tableExists(id)) {
      if (catalog instanceof SupportsNamespaces ns && !ns.namespaceExists(lake.tripsNamespace())) {
        try {
          ns.createNamespace(lake.tripsNamespace());
        } catch (AlreadyExistsException e) {
          // created concurrently
        }
      }
      String name = Lake.CATALOG_NAME + "." + id;
      spark.get().sql(TableDdl.spark(SUMMARY, name));
      // Athena's queries filter by device and time: keep rows of a device's trips together in
      // files.
      spark.get().sql("ALTER TABLE " + name + " WRITE ORDERED BY deviceid, tripstart");
    }
    return new SummaryTable(spark, lake, catalog.loadTable(id), runId);
  }

  Table table() {
    return table;
  }

  /** The newest checkpoint in main's ancestry when the run started. */
  Optional<Checkpoint> checkpoint() {
    return checkpoint;
  }

  String identifier() {
    return lake.tripsTable(SUMMARY).toString();
  }

  /** The Spark name of main, or of a branch. */
  String sparkName(String branch) {
    String main = Lake.CATALOG_NAME + "." + lake.tripsTable(SUMMARY);
    return branch == null ? main : main + ".branch_" + branch;
  }

  /** Every day main holds trips of, in order. */
  List<LocalDate> days() {
    // As strings: the session may or may not use java.time for dates
    // (spark.sql.datetime.java8API.enabled).
    return spark
        .get()
        .table(sparkName(null))
        .selectExpr("CAST(tripdate AS STRING) AS day")
        .distinct()
        .orderBy("day")
        .collectAsList()
        .stream()
        .map(r -> LocalDate.parse(r.getString(0)))
        .toList();
  }

  /** The stored rows of one day's trips of these clusters, on main or a branch. */
  Dataset<Row> day(String branch, LocalDate day, List<String> clusters) {
    return spark
        .get()
        .table(sparkName(branch))
        .where(col("tripdate").equalTo(lit(day)).and(col("cluster").isin(clusters.toArray())))
        .select(COLUMNS.stream().map(c -> col(c)).toArray(Column[]::new));
  }

  /**
   * The stored rows of trips that start inside the recompute windows (one scan for every cluster).
   */
  Dataset<Row> inWindows(Map<String, Map<String, List<Window>>> windowsByCluster) {
    List<Row> rows = new ArrayList<>();
    Set<String> devices = new TreeSet<>();
    long lo = Long.MAX_VALUE;
    long hi = Long.MIN_VALUE;
    for (Map.Entry<String, Map<String, List<Window>>> e : windowsByCluster.entrySet()) {
      for (Map.Entry<String, List<Window>> d : e.getValue().entrySet()) {
        devices.add(d.getKey());
        for (Window w : d.getValue()) {
          rows.add(RowFactory.create(e.getKey(), d.getKey(), w.lo(), w.hi()));
          lo = Math.min(lo, w.lo());
          hi = Math.max(hi, w.hi());
        }
      }
    }
    if (!mayHoldRows(devices, lo, hi)) {
      // Known empty from metadata (a first run, or windows of new days only): Spark drops the
      // comparison's join with an empty relation, and the run skips a scan and a shuffle.
      return spark
          .get()
          .createDataFrame(
              List.of(),
              spark
                  .get()
                  .table(sparkName(null))
                  .select(COLUMNS.stream().map(c -> col(c)).toArray(Column[]::new))
                  .schema());
    }
    Dataset<Row> windowRows =
        spark
            .get()
            .createDataFrame(
                rows,
                new StructType()
                    .add("cluster", DataTypes.StringType)
                    .add("deviceid", DataTypes.StringType)
                    .add("wlo", DataTypes.LongType)
                    .add("whi", DataTypes.LongType));
    return spark
        .get()
        .table(sparkName(null))
        .as("e")
        .where(
            col("cluster")
                .isin(windowsByCluster.keySet().toArray())
                .and(col("deviceid").isin(devices.toArray())))
        .join(
            broadcast(windowRows).as("w"),
            col("e.cluster")
                .equalTo(col("w.cluster"))
                .and(col("e.deviceid").equalTo(col("w.deviceid")))
                .and(
                    expr("unix_micros(CAST(e.tripstart AS TIMESTAMP))")
                        .between(col("w.wlo"), col("w.whi"))),
            "left_semi")
        .select(COLUMNS.stream().map(c -> col("e." + c)).toArray(Column[]::new));
  }

  /**
   * Whether Iceberg's metadata leaves room for stored rows of these devices with a trip start in
   * [lo, hi].
   */
  private boolean mayHoldRows(Set<String> devices, long lo, long hi) {
    table.refresh();
    if (table.currentSnapshot() == null) {
      return false;
    }
    try (var files =
        table
            .newScan()
            .filter(RawMetadata.devicesBetween("deviceid", "tripstart", devices, lo, hi))
            .planFiles()) {
      return files.iterator().hasNext();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Compares the recomputed rows with the stored rows of the same windows and MERGEs only the
   * difference (new and changed rows, and rows of trips that no longer exist) into main or a
   * branch, with the snapshot properties in the same commit. Nothing different, no commit.
   */
  TripAggregator.Changes merge(
      Dataset<Row> fresh, Dataset<Row> existing, Map<String, String> properties, String branch) {
    Column joinKey = null;
    for (String k : KEY) {
      Column eq = col("n." + k).equalTo(col("e." + k));
      joinKey = joinKey == null ? eq : joinKey.and(eq);
    }
    Column same = lit(true);
    for (String c : List.of("signalvalue", "signalcount", "duration", "tripend")) {
      same = same.and(col("n." + c).eqNullSafe(col("e." + c)));
    }
    Column op =
        when(col("e.tripid").isNull(), lit("I"))
            .when(col("n.tripid").isNull(), lit("D"))
            .when(same.unary_$bang(), lit("U"))
            .otherwise(lit("S"));
    List<Column> select = new ArrayList<>();
    for (String c : COLUMNS) {
      select.add(
          KEY.contains(c) || c.equals("tripdate")
              ? coalesce(col("n." + c), col("e." + c)).as(c)
              : when(col("n.tripid").isNull(), col("e." + c)).otherwise(col("n." + c)).as(c));
    }
    select.add(op.as("op"));
    // Rebalanced: the difference is small, and would otherwise keep one partition per device and
    // message (each later task then deserialises the whole plan's lineage for a handful of rows).
    Dataset<Row> diff =
        fresh
            .as("n")
            .join(existing.as("e"), joinKey, "full_outer")
            .select(select.toArray(Column[]::new))
            .hint("rebalance")
            .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Row totals =
          diff.groupBy("cluster", "deviceid", "tripid")
              .agg(
                  expr("max(CASE WHEN op <> 'D' THEN 1 ELSE 0 END)").as("has_new"),
                  expr("max(CASE WHEN op <> 'I' THEN 1 ELSE 0 END)").as("has_old"),
                  expr("max(CASE WHEN op <> 'S' THEN 1 ELSE 0 END)").as("changed"),
                  expr("sum(CASE WHEN op IN ('I', 'U') THEN 1 ELSE 0 END)").as("upserted"),
                  expr("sum(CASE WHEN op = 'D' THEN 1 ELSE 0 END)").as("deleted"))
              .agg(
                  expr("coalesce(sum(CASE WHEN has_new = 1 AND has_old = 0 THEN 1 ELSE 0 END), 0)"),
                  expr(
                      "coalesce(sum(CASE WHEN has_new = 1 AND has_old = 1 AND changed = 1 THEN 1"
                          + " ELSE 0 END), 0)"),
                  expr("coalesce(sum(CASE WHEN has_new = 0 THEN 1 ELSE 0 END), 0)"),
                  expr("coalesce(sum(upserted), 0)"),
                  expr("coalesce(sum(deleted), 0)"))
              .first();
      TripAggregator.Changes changes =
          new TripAggregator.Changes(
              totals.getLong(0),
              totals.getLong(1),
              totals.getLong(2),
              totals.getLong(3),
              totals.getLong(4));
      if (changes.rowsUpserted() + changes.rowsDeleted() == 0) {
        return TripAggregator.Changes.NONE;
      }
      String view = "trip_lake_changes_" + runId.replaceAll("[^A-Za-z0-9]", "_");
      diff.where(col("op").notEqual(lit("S"))).createOrReplaceTempView(view);
      String on =
          KEY.stream().map(k -> "t." + k + " = s." + k).collect(Collectors.joining(" AND "));
      String merge =
          "MERGE INTO "
              + sparkName(branch)
              + " t USING "
              + view
              + " s ON t.tripdate = s.tripdate AND "
              + on
              + " WHEN MATCHED AND s.op = 'D' THEN DELETE WHEN MATCHED THEN UPDATE SET"
              + " t.signalvalue = s.signalvalue, t.signalcount = s.signalcount, t.duration ="
              + " s.duration, t.tripend = s.tripend, t.updatedat = s.updatedat WHEN NOT MATCHED AND"
              + " s.op <> 'D' THEN INSERT ("
              + String.join(", ", COLUMNS)
              + ") VALUES ("
              + COLUMNS.stream().map(c -> "s." + c).collect(Collectors.joining(", "))
              + ")";
      if (properties.containsKey(LakeProperties.CHECKPOINT)) {
        requireCheckpointUnchanged();
      }
      try {
        CommitMetadata.withCommitProperties(
            properties, () -> spark.get().sql(merge), RuntimeException.class);
      } catch (CommitFailedException | ValidationException e) {
        throw new IllegalStateException(
            "Cannot commit trip summaries to "
                + identifier()
                + ": another writer changed the table during this run ("
                + e.getMessage()
                + "). Nothing was committed; run the aggregator again, it resumes from the last"
                + " checkpoint.",
            e);
      } finally {
        spark.get().catalog().dropTempView(view);
      }
      return changes;
    } finally {
      diff.unpersist();
    }
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
  private void requireCheckpointUnchanged() {
    table.refresh();
    Long now = Checkpoint.latest(table).map(Checkpoint::snapshotId).orElse(null);
    if (!Objects.equals(now, startedFrom)) {
      throw new IllegalStateException(
          "Cannot commit trip summaries to "
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
