package io.triplake.trips;

import io.triplake.lake.Checkpoint;
import io.triplake.lake.Json;
import io.triplake.lake.Lake;
import io.triplake.lake.LakeProperties;
import io.triplake.lake.RawSchema;
import io.triplake.trips.RawMetadata.FileSpan;
import io.triplake.trips.TripConfig.Cluster;
import io.triplake.trips.TripWindows.Window;
import java.io.Closeable;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.relocated.com.google.common.base.Suppliers;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link TripAggregator} on Spark: metadata on the driver, every row on the executors. */
final class SparkTripAggregator implements TripAggregator {
  private static final Logger LOG = LoggerFactory.getLogger(TripAggregator.class);
  private static final long DAY = 86_400_000_000L;

  /** Beyond this many recompute windows a full run uses one window per device. */
  private static final int MAX_WINDOWS = 200_000;

  private final Lake lake;

  /** The session the caller started, if any: its catalog is the one the run uses. */
  private final SparkSession started;

  /** Spark, started on first use: a run that needs no Spark never starts it. */
  private final Supplier<SparkSession> spark;

  private final TripConfig config;
  private long driverRowsMax = driverRowsMaxDefault();
  private String runId = UUID.randomUUID().toString();
  private LocalDate reprocessDay;
  private String asOf;
  private final Set<String> emptyAtAsOf = new TreeSet<>();
  private boolean publish;

  SparkTripAggregator(
      Lake lake, SparkSession started, Supplier<SparkSession> spark, TripConfig config) {
    this.lake = lake;
    this.started = started;
    this.spark = Suppliers.memoize(Objects.requireNonNull(spark, "spark")::get);
    this.config = config;
  }

  private static long driverRowsMaxDefault() {
    String value = System.getProperty(DRIVER_ROWS_MAX);
    if (value == null || value.isBlank()) {
      return DRIVER_ROWS_MAX_DEFAULT;
    }
    try {
      return requireRowsMax(Long.parseLong(value.trim()));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "Cannot read system property " + DRIVER_ROWS_MAX + ": not a number (" + value + ")", e);
    }
  }

  private static long requireRowsMax(long maxRows) {
    if (maxRows < 0) {
      throw new IllegalArgumentException(
          "Cannot pass trips in the driver: the row limit is negative (" + maxRows + ")");
    }
    return maxRows;
  }

  @Override
  public TripAggregator driverRowsMax(long maxRows) {
    this.driverRowsMax = requireRowsMax(maxRows);
    return this;
  }

  @Override
  public TripAggregator runId(String id) {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("Cannot use run id: it is empty (" + id + ")");
    }
    this.runId = id;
    return this;
  }

  @Override
  public TripAggregator reprocessDay(LocalDate day) {
    this.reprocessDay = java.util.Objects.requireNonNull(day, "day");
    return this;
  }

  @Override
  public TripAggregator asOf(String timestampOrSnapshotId) {
    if (timestampOrSnapshotId == null || timestampOrSnapshotId.isBlank()) {
      throw new IllegalArgumentException(
          "Cannot reprocess as of: the time or snapshot id is empty ("
              + timestampOrSnapshotId
              + ")");
    }
    this.asOf = timestampOrSnapshotId.trim();
    return this;
  }

  @Override
  public TripAggregator emptyAtAsOf(String rawTableOrMessage) {
    if (rawTableOrMessage == null || rawTableOrMessage.isBlank()) {
      throw new IllegalArgumentException(
          "Cannot read a raw table as empty at the as-of moment: the name is empty ("
              + rawTableOrMessage
              + ")");
    }
    emptyAtAsOf.add(rawTableOrMessage.trim());
    return this;
  }

  @Override
  public TripAggregator publish() {
    this.publish = true;
    return this;
  }

  /** The state one run works on. */
  private final class Run {
    final long startNanos = System.nanoTime();
    final LocalDateTime now = LocalDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
    // Spark's own catalog instance when Spark runs already, else one of its own (Spark's catalog
    // cache is off, so both see every commit).
    final Catalog catalog = started != null ? lake.catalog(started) : lake.catalog();
    final Map<String, Table> rawByMessage = new LinkedHashMap<>();
    final Map<String, Long> readSnapshot = new TreeMap<>();
    final List<RawRead> rawRead = new ArrayList<>();
    final List<String> notes = new ArrayList<>();
    final Map<String, Map<String, List<Window>>> windowsByCluster = new LinkedHashMap<>();
    final List<Dataset<Row>> persisted = new ArrayList<>();
    SummaryTable summary;

    /** The trips table: written just before tripsummary, whose commit moves the checkpoint. */
    SummaryTable trips;

    long tripsTableNanos;

    RawAsOf asOf;
    Optional<Checkpoint> before;

    /** The pinned days as the run leaves them. */
    Map<LocalDate, Checkpoint.Pin> pins = Map.of();

    String branch;

    String rawName(String message) {
      return lake.rawTable(message.toLowerCase(Locale.ROOT)).toString();
    }
  }

  @Override
  public Result execute() {
    if (asOf != null && reprocessDay == null) {
      throw new IllegalArgumentException(
          "Cannot aggregate as of "
              + asOf
              + ": time travel needs a day to reprocess (--reprocess-day)");
    }
    if (publish && asOf == null) {
      throw new IllegalArgumentException(
          "Cannot publish: --publish goes with --reprocess-day and --as-of (without --as-of, "
              + "--reprocess-day already recomputes the day into main from today's raw files)");
    }
    if (!emptyAtAsOf.isEmpty() && asOf == null) {
      throw new IllegalArgumentException(
          "Cannot read " + emptyAtAsOf + " as empty: --empty-at-as-of goes with --as-of");
    }
    Run run = new Run();
    // Everything is checked before anything is read or committed.
    loadRawTables(run);
    Set<String> emptyTables = emptyTables(run);
    run.summary = SummaryTable.open(SummaryTable.TRIPSUMMARY, lake, run.catalog, runId);
    run.trips = SummaryTable.open(SummaryTable.TRIPS, lake, run.catalog, runId);
    run.before = run.summary.checkpoint();
    run.pins = run.before.map(Checkpoint::pinnedDays).orElse(Map.of());
    if (asOf != null) {
      // Resolved before anything is created or read: a moment outside the data's history fails
      // here.
      Map<String, Table> raw = new TreeMap<>();
      run.rawByMessage.forEach((message, table) -> raw.put(run.rawName(message), table));
      run.asOf =
          RawAsOf.resolve(
              asOf, raw, run.summary.table(), run.summary.identifier(), Instant.now(), emptyTables);
    }
    try {
      return reprocessDay == null ? incremental(run) : reprocess(run);
    } finally {
      run.persisted.forEach(Dataset::unpersist);
      if (started == null && run.catalog instanceof Closeable closeable) {
        try {
          closeable.close();
        } catch (IOException e) {
          LOG.warn("Cannot close the catalog of run {}", runId, e);
        }
      }
    }
  }

  private void loadRawTables(Run run) {
    Map<String, Optional<Schema>> columns = new HashMap<>();
    for (Cluster cluster : config.clusters()) {
      for (String message : cluster.messages()) {
        TableIdentifier id = lake.rawTable(message.toLowerCase(Locale.ROOT));
        if (!columns.containsKey(message)) {
          if (run.catalog.tableExists(id)) {
            Table table = run.catalog.loadTable(id);
            run.rawByMessage.put(message, table);
            columns.put(message, Optional.of(table.schema()));
          } else {
            columns.put(message, Optional.empty());
          }
        }
      }
    }
    config.validate(m -> columns.getOrDefault(m, Optional.empty()), lake.rawNamespace().toString());
  }

  /**
   * The raw table names {@link #emptyAtAsOf} named, each checked against the config's raw tables.
   */
  private Set<String> emptyTables(Run run) {
    Map<String, String> known = new TreeMap<>();
    for (Cluster cluster : config.clusters()) {
      for (String message : cluster.messages()) {
        known.put(run.rawName(message).toLowerCase(Locale.ROOT), run.rawName(message));
        known.put(message.toLowerCase(Locale.ROOT), run.rawName(message));
      }
    }
    Set<String> names = new TreeSet<>();
    for (String name : emptyAtAsOf) {
      String table = known.get(name.toLowerCase(Locale.ROOT));
      if (table == null) {
        throw new IllegalArgumentException(
            "Cannot read "
                + name
                + " as empty at the as-of moment: it is no raw table of the config ("
                + String.join(", ", new TreeSet<>(known.values()))
                + ")");
      }
      names.add(table);
    }
    return names;
  }

  // ---------------------------------------------------------------- incremental

  private Result incremental(Run run) {
    // A trips table that no run has written yet (new beside an older tripsummary) gets every trip
    // once: the run starts from scratch; tripsummary's rows come out the same and stay as they are.
    Optional<Checkpoint> resumed = run.before;
    if (run.before.isPresent() && run.trips.checkpoint().isEmpty()) {
      resumed = Optional.empty();
      run.notes.add(
          "the trips table "
              + run.trips.identifier()
              + " has no checkpoint: every trip is computed once for it (from scratch)");
    }
    Optional<Checkpoint> start = resumed;
    Map<String, Checkpoint.Position> after =
        new TreeMap<>(start.map(Checkpoint::rawTables).orElse(Map.of()));
    Map<String, RawMetadata.Changes> changes = new HashMap<>();
    boolean anyChange = false;
    for (Map.Entry<String, Table> e : run.rawByMessage.entrySet()) {
      String name = run.rawName(e.getKey());
      Table table = e.getValue();
      Snapshot current = table.currentSnapshot();
      Checkpoint.Position from = start.flatMap(c -> c.position(name)).orElse(null);
      if (current == null) {
        run.rawRead.add(
            new RawRead(name, from == null ? null : from.snapshotId(), null, 0, 0, false));
        continue;
      }
      RawMetadata.Changes c = RawMetadata.since(table, from, current);
      if (c.fallback()) {
        run.notes.add(
            "checkpoint snapshot "
                + from.snapshotId()
                + " of "
                + name
                + " has expired: new files found by sequence number > "
                + from.sequenceNumber()
                + " instead (files deleted since cannot be seen; reprocess the affected days if any"
                + " were)");
      }
      changes.put(e.getKey(), c);
      run.readSnapshot.put(name, current.snapshotId());
      after.put(name, new Checkpoint.Position(current.snapshotId(), current.sequenceNumber()));
      run.rawRead.add(
          new RawRead(
              name,
              from == null ? null : from.snapshotId(),
              current.snapshotId(),
              c.snapshots(),
              c.files().size(),
              c.fallback()));
      anyChange |= !c.files().isEmpty();
    }
    // A checkpoint with no positions (pins published before the first run) still means "from
    // scratch".
    Mode mode =
        start.filter(c -> !c.rawTables().isEmpty()).isPresent() ? Mode.INCREMENTAL : Mode.FULL;
    List<LocalDate> reprocessDays = configChange(run);
    if (!anyChange) {
      return result(
          run, mode, null, null, Summarised.NONE, Changes.NONE, Changes.NONE, reprocessDays);
    }

    for (Cluster cluster : config.clusters()) {
      Map<String, List<Window>> changed = new TreeMap<>();
      boolean everything = false;
      for (String message : cluster.messages()) {
        RawMetadata.Changes c = changes.get(message);
        if (c == null) {
          continue;
        }
        everything |= start.flatMap(cp -> cp.position(run.rawName(message))).isEmpty();
        for (FileSpan f : c.files()) {
          if (member(cluster, f.device())) {
            changed
                .computeIfAbsent(f.device(), k -> new ArrayList<>())
                .add(new Window(f.device(), f.lo(), f.hi()));
          }
        }
      }
      Map<String, List<Window>> windows = new TreeMap<>();
      if (!changed.isEmpty()) {
        Table identifier = run.rawByMessage.get(cluster.identifierMessage());
        Long snapshot = run.readSnapshot.get(run.rawName(cluster.identifierMessage()));
        List<Window> around =
            TripWindows.around(identifier, snapshot, changed, config.tripGapMicros());
        if (everything && around.size() > MAX_WINDOWS) {
          // A table never consumed, over a long history: one window (one task's unit) per device
          // keeps the driver's plan of units small; a task still streams its files one at a time.
          changed
              .keySet()
              .forEach(d -> windows.put(d, List.of(new Window(d, Long.MIN_VALUE, Long.MAX_VALUE))));
        } else {
          // One window per chain of drives: small units of work, spread over every core.
          around.forEach(w -> windows.computeIfAbsent(w.device(), k -> new ArrayList<>()).add(w));
        }
      }
      if (!windows.isEmpty()) {
        run.windowsByCluster.put(cluster.name(), windows);
      }
    }

    Summarised summarised =
        run.windowsByCluster.isEmpty() ? Summarised.NONE : summaryRows(run, null);
    Map<String, String> props =
        checkpointProperties(new Checkpoint(after, config.fingerprint(), 0, 0, run.pins));
    // Pinned days are neither written nor deleted by an incremental run.
    SummaryTable.Scope scope = SummaryTable.inWindows(run.windowsByCluster, run.pins.keySet());
    Changes tripsWritten = writeTrips(run, summarised, scope, props, null);
    Changes written =
        summarised.rows() == null
            ? Changes.NONE
            : run.summary.merge(fresh(run, summarised), scope, props, null);
    if (!written.any()) {
      // Raw tables moved but no row changed: record the checkpoint anyway, or the next run redoes
      // the work.
      run.summary.commitProperties(props);
    }
    return result(
        run,
        mode,
        run.summary.committedByThisRun(),
        positions(after),
        summarised,
        written,
        tripsWritten,
        reprocessDays);
  }

  /**
   * Writes the trips table's rows of the run before tripsummary's: tripsummary's commit moves the
   * checkpoint, so a run that stops between the two leaves the checkpoint where it was, and the
   * next run recomputes the same windows into both. Each table's commit refuses a checkpoint
   * another run committed since this one started; tripsummary's is checked first too, so a run that
   * lost the race to another writes neither.
   */
  private static Changes writeTrips(
      Run run,
      Summarised summarised,
      SummaryTable.Scope scope,
      Map<String, String> props,
      String branch) {
    long start = System.nanoTime();
    boolean checkpointed = props.containsKey(LakeProperties.CHECKPOINT);
    if (checkpointed) {
      run.summary.requireCheckpointUnchanged();
    }
    Changes changes =
        summarised.rows() == null
            ? Changes.NONE
            : run.trips.merge(
                TripSummaries.tripRecords(summarised.rows(), run.trips.table().schema(), run.now),
                scope,
                props,
                branch);
    if (!changes.any() && checkpointed && branch == null && run.trips.checkpoint().isEmpty()) {
      // The trips table's first checkpoint, even without rows: else every run starts from scratch.
      run.trips.commitProperties(props);
    }
    run.tripsTableNanos += System.nanoTime() - start;
    return changes;
  }

  private Map<String, String> checkpointProperties(Checkpoint checkpoint) {
    Map<String, String> props = new LinkedHashMap<>();
    props.put(LakeProperties.RUN_ID, runId);
    props.putAll(checkpoint.properties());
    return props;
  }

  /** The run's summary rows as records of tripsummary's schema, collected on the driver. */
  private static List<Record> fresh(Run run, Summarised summarised) {
    return summarised.rows() == null
        ? List.of()
        : TripSummaries.records(summarised.rows(), run.summary.table().schema(), run.now);
  }

  private List<LocalDate> configChange(Run run) {
    if (run.before.isEmpty() || config.fingerprint().equals(run.before.get().configFingerprint())) {
      return List.of();
    }
    List<LocalDate> days = run.summary.days();
    run.notes.add(
        "the aggregation config changed since the checkpoint ("
            + run.before.get().configFingerprint()
            + " -> "
            + config.fingerprint()
            + "): new and changed trips use it; "
            + days.size()
            + " days computed with the old one stay until reprocessed (--reprocess-day)");
    return days;
  }

  // ---------------------------------------------------------------- reprocess

  private Result reprocess(Run run) {
    resolveReadSnapshots(run);
    long dayStart = reprocessDay.toEpochDay() * DAY;
    long dayEnd = dayStart + DAY - 1;
    for (Cluster cluster : config.clusters()) {
      Table identifier = run.rawByMessage.get(cluster.identifierMessage());
      Long snapshot = run.readSnapshot.get(run.rawName(cluster.identifierMessage()));
      Map<String, List<Window>> changed = new TreeMap<>();
      if (snapshot != null) {
        Expression nearDay =
            Expressions.and(
                Expressions.greaterThanOrEqual(RawSchema.TIME, dayStart - config.tripGapMicros()),
                Expressions.lessThanOrEqual(RawSchema.TIME, dayEnd + config.tripGapMicros()));
        for (FileSpan f : RawMetadata.files(identifier, snapshot, nearDay)) {
          if (member(cluster, f.device())) {
            changed.put(f.device(), List.of(new Window(f.device(), dayStart, dayEnd)));
          }
        }
      }
      Map<String, List<Window>> windows = new TreeMap<>();
      TripWindows.around(identifier, snapshot, changed, config.tripGapMicros())
          .forEach(w -> windows.computeIfAbsent(w.device(), k -> new ArrayList<>()).add(w));
      if (!windows.isEmpty()) {
        run.windowsByCluster.put(cluster.name(), windows);
      }
    }
    Summarised summarised =
        run.windowsByCluster.isEmpty()
            ? Summarised.NONE
            : summaryRows(run, new long[] {dayStart, dayEnd});

    Map<String, String> props = new LinkedHashMap<>();
    props.put(LakeProperties.RUN_ID, runId);
    props.put(LakeProperties.REPROCESS_DAY, reprocessDay.toString());
    props.put(LakeProperties.AS_OF, run.asOf == null ? "now" : run.asOf.moment());
    boolean pinsChanged = false;
    if (run.asOf != null && !publish) {
      // The as-of result goes to a branch of its own: main keeps its promise (equal to a
      // from-scratch run).
      run.branch =
          LakeProperties.AS_OF_BRANCH_PREFIX
              + reprocessDay.toString().replace("-", "")
              + "_"
              + run.asOf.tag();
      run.summary.ensureBranch(run.branch);
      run.trips.ensureBranch(run.branch);
      props.put(LakeProperties.AS_OF_RAW, Json.compact(positions(run.asOf.positions())));
    } else {
      Map<LocalDate, Checkpoint.Pin> pins = new TreeMap<>(run.pins);
      if (run.asOf == null) {
        pinsChanged = pins.remove(reprocessDay) != null;
      } else {
        pins.put(
            reprocessDay,
            new Checkpoint.Pin(run.asOf.moment(), positions(run.asOf.positions()), runId));
        pinsChanged = true;
      }
      run.pins = pins;
      if (run.before.isPresent() || !pins.isEmpty()) {
        // The checkpoint does not move, but the pins it carries do: a main commit always carries
        // them forward.
        Checkpoint cp =
            run.before
                .orElse(new Checkpoint(Map.of(), config.fingerprint(), 0, 0, Map.of()))
                .withPinnedDays(pins);
        props.putAll(checkpointProperties(cp));
      }
    }
    SummaryTable.Scope day =
        SummaryTable.day(reprocessDay, config.clusters().stream().map(Cluster::name).toList());
    Changes tripsWritten = writeTrips(run, summarised, day, props, run.branch);
    Changes changes = run.summary.merge(fresh(run, summarised), day, props, run.branch);
    if (!changes.any() && pinsChanged) {
      run.summary.commitProperties(props);
    }
    Long snapshot =
        run.branch != null
            ? Long.valueOf(run.summary.head(run.branch))
            : run.summary.committedByThisRun();
    return result(
        run, Mode.REPROCESS, snapshot, null, summarised, changes, tripsWritten, List.of());
  }

  /** The snapshot each raw table is read at: as of the resolved moment, or the current one. */
  private void resolveReadSnapshots(Run run) {
    for (Map.Entry<String, Table> e : run.rawByMessage.entrySet()) {
      String name = run.rawName(e.getKey());
      Long snapshotId;
      if (run.asOf != null) {
        Checkpoint.Position p = run.asOf.positions().get(name);
        snapshotId = p == null ? null : p.snapshotId();
      } else {
        Snapshot current = e.getValue().currentSnapshot();
        snapshotId = current == null ? null : current.snapshotId();
      }
      if (snapshotId != null) {
        run.readSnapshot.put(name, snapshotId);
      }
      run.rawRead.add(new RawRead(name, null, snapshotId, snapshotId == null ? 0 : 1, 0, false));
    }
  }

  // ---------------------------------------------------------------- rows

  private boolean member(Cluster cluster, String device) {
    return cluster.wildcard()
        ? !config.explicitDevices().contains(device)
        : cluster.devices().contains(device);
  }

  /**
   * The summary rows of every trip in the windows of every cluster: the driver plans the raw files
   * of each window from Iceberg's metadata ({@link UnitPlan}); one task per device and window reads
   * them and summarises its trips ({@link TripPass}).
   *
   * @param startRange when set, only trips starting in [from, to] microseconds
   */
  private Summarised summaryRows(Run run, long[] startRange) {
    List<Cluster> clusters =
        config.clusters().stream().filter(c -> run.windowsByCluster.containsKey(c.name())).toList();
    SummaryPlan plan = SummaryPlan.of(clusters, run.rawByMessage::get);
    Map<String, FileIO> io = new HashMap<>();
    Map<String, String> tables = new HashMap<>();
    run.rawByMessage.forEach(
        (message, table) -> {
          io.put(message, table.io());
          tables.put(message, run.rawName(message));
        });
    UnitPlan units =
        UnitPlan.of(
            plan,
            clusters,
            run.windowsByCluster,
            run.rawByMessage::get,
            message -> run.readSnapshot.get(run.rawName(message)));
    TripPass pass =
        new TripPass(
            plan,
            new TripSessionizer(config.tripGapMicros(), config.tripMinLengthMicros()),
            startRange,
            io,
            tables,
            config.deviceDayGapLimitMicros());
    if (units.rows() <= driverRowsMax) {
      return summarised(
          pass.inThreads(units.units(), Runtime.getRuntime().availableProcessors()), units, DRIVER);
    }
    SparkSession session = spark.get();
    // A few units per core: even when devices differ in size, no core waits long for the last one.
    List<List<WorkUnit>> slices =
        WorkUnit.balance(units.units(), session.sparkContext().defaultParallelism() * 4);
    // Summary rows only (a few per trip): the commit writes them from the driver.
    List<Row> passed =
        JavaSparkContext.fromSparkContext(session.sparkContext())
            .parallelize(slices, slices.size())
            .flatMap(pass)
            .collect();
    return summarised(passed, units, SPARK);
  }

  /** The pass's rows apart: summary and marker rows, and the parts of the files read whole. */
  private static Summarised summarised(List<Row> out, UnitPlan units, String executor) {
    List<Row> passed = new ArrayList<>(out.size());
    DeviceDays.Taps taps = new DeviceDays.Taps();
    for (Row r : out) {
      if (r.length() == TripPass.FILE_DAY_FIELDS) {
        taps.add(
            r.getString(0), r.getString(1), LocalDate.ofEpochDay(r.getLong(2)), TripPass.part(r));
      } else {
        passed.add(r);
      }
    }
    long trips = passed.stream().filter(r -> r.isNullAt(4)).count();
    return new Summarised(passed, units.files(), units.rows(), trips, executor, taps);
  }

  /**
   * The summary rows of a run's windows, and what making them read and found.
   *
   * @param rows the pass's rows, of {@link TripSummaries#PASS_SCHEMA}, on the driver (null: no
   *     window)
   * @param files raw files planned for reading
   * @param rowsRead rows in those files
   * @param trips trips found
   * @param executor where the pass ran ({@link Work#executor})
   * @param taps what devicedays needs of the raw files the pass read whole
   */
  private record Summarised(
      List<Row> rows, int files, long rowsRead, long trips, String executor, DeviceDays.Taps taps) {
    static final Summarised NONE = new Summarised(null, 0, 0, 0, "none", new DeviceDays.Taps());
  }

  private static final String DRIVER = "driver";
  private static final String SPARK = "spark";

  // ---------------------------------------------------------------- merge

  /**
   * The run's moment for devicedays, which reads every raw table: the snapshots resolved for the
   * config's tables, and the moment's time for the others (a snapshot id's commit time).
   */
  private DeviceDays.AsOf deviceDaysAsOf(Run run) {
    if (run.asOf == null) {
      return null;
    }
    String moment = run.asOf.moment();
    Instant at;
    if (moment.startsWith("snapshot ")) {
      long id = Long.parseLong(moment.substring("snapshot ".length()));
      Snapshot snapshot = run.summary.table().snapshot(id);
      for (Table raw : run.rawByMessage.values()) {
        if (snapshot == null) {
          snapshot = raw.snapshot(id);
        }
      }
      at = Instant.ofEpochMilli(snapshot.timestampMillis());
    } else {
      at = Instant.parse(moment);
    }
    return new DeviceDays.AsOf(moment, at, positions(run.asOf.positions()));
  }

  private static Map<String, Long> positions(Map<String, Checkpoint.Position> positions) {
    Map<String, Long> ids = new TreeMap<>();
    positions.forEach((k, v) -> ids.put(k, v.snapshotId()));
    return ids;
  }

  /**
   * @param after the checkpoint's positions after the run (null: where the run found them)
   */
  private Result result(
      Run run,
      Mode mode,
      Long snapshotId,
      Map<String, Long> after,
      Summarised summarised,
      Changes changes,
      Changes tripsChanges,
      List<LocalDate> reprocessDays) {
    Set<String> devices = new LinkedHashSet<>();
    run.windowsByCluster.values().forEach(w -> devices.addAll(w.keySet()));
    int windowCount =
        run.windowsByCluster.values().stream()
            .mapToInt(m -> m.values().stream().mapToInt(List::size).sum())
            .sum();
    // On an as-of branch the snapshot is the branch's head, committed by this run or an earlier
    // one.
    boolean committed = run.branch != null ? changes.any() : snapshotId != null;
    // After the trips' commits: a run that stops before this one leaves devicedays' own checkpoint
    // where it was, and the next run recomputes what it missed.
    TripAggregator.DeviceDayWork deviceDays =
        new DeviceDays(lake, run.catalog, runId, run.now, config)
            .update(
                reprocessDay == null
                    ? null
                    : new DeviceDays.Reprocess(
                        reprocessDay, deviceDaysAsOf(run), run.branch, publish),
                summarised.taps());
    Map<String, Long> before = positions(run.before.map(Checkpoint::rawTables).orElse(Map.of()));
    Result result =
        new Result(
            runId,
            mode,
            committed,
            snapshotId,
            before,
            after == null ? before : after,
            List.copyOf(run.rawRead),
            new Work(
                devices.size(),
                windowCount,
                summarised.files(),
                summarised.rowsRead(),
                summarised.trips(),
                summarised.executor()),
            changes,
            tripsChanges,
            config.fingerprint(),
            List.copyOf(run.notes),
            reprocessDays,
            run.branch,
            run.pins,
            (System.nanoTime() - run.startNanos) / 1e9,
            run.tripsTableNanos / 1e9,
            deviceDays);
    LOG.info(result.summary());
    return result;
  }
}
