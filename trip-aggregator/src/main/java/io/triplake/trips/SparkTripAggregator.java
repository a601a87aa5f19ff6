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
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
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

  /**
   * What one run works on, fixed before anything is read or committed. Helpers take it and return
   * what they compute, so what a run found is always in the value a helper returned, never in a
   * half-filled shared place.
   *
   * @param startNanos when the run started, for its seconds
   * @param now the run's time, written into the rows it changes
   * @param catalog Spark's own catalog instance when Spark runs already, else one of its own
   *     (Spark's catalog cache is off, so both see every commit)
   * @param rawByMessage the config's raw tables that exist, by message, in the config's order
   * @param summary tripsummary, whose commit moves the checkpoint
   * @param trips the trips table: written just before tripsummary
   * @param before tripsummary's checkpoint as the run found it
   * @param asOf the moment a reprocessed day is read as of (null: now)
   */
  private record Context(
      long startNanos,
      LocalDateTime now,
      Catalog catalog,
      Map<String, Table> rawByMessage,
      SummaryTable summary,
      SummaryTable trips,
      Optional<Checkpoint> before,
      RawAsOf asOf) {

    Map<LocalDate, Checkpoint.Pin> pinnedDays() {
      return before.map(Checkpoint::pinnedDays).orElse(Map.of());
    }

    Map<String, Long> positionsBefore() {
      return positions(before.map(Checkpoint::rawTables).orElse(Map.of()));
    }
  }

  /**
   * What a run reads of the raw tables.
   *
   * @param snapshots raw table name to the snapshot read (absent: the table is not read)
   * @param report a line per raw table, for the result
   */
  private record RawReads(Map<String, Long> snapshots, List<RawRead> report) {
    RawReads {
      snapshots = Collections.unmodifiableMap(snapshots);
      report = List.copyOf(report);
    }
  }

  /**
   * What the raw tables changed since the checkpoint.
   *
   * @param reads each raw table's current snapshot, which the run reads
   * @param changes the changes of each raw table read, by message
   * @param after the checkpoint's positions once the run commits
   * @param notes what the operator should know of the scan, in the tables' order
   */
  private record ChangeScan(
      RawReads reads,
      Map<String, RawMetadata.Changes> changes,
      Map<String, Checkpoint.Position> after,
      List<String> notes) {

    boolean anyFile() {
      return changes.values().stream().anyMatch(c -> !c.files().isEmpty());
    }
  }

  /**
   * Where a reprocessed day is committed, and the properties of that commit.
   *
   * @param branch the as-of branch of its own (null: main)
   * @param pins the pinned days as the run leaves them
   * @param pinsChanged whether main's pins move, which needs a commit even when no row changes
   */
  private record Target(
      String branch,
      Map<LocalDate, Checkpoint.Pin> pins,
      boolean pinsChanged,
      Map<String, String> props) {}

  /** What a commit to the trips table changed, and the time it took. */
  private record TripsWritten(Changes changes, long nanos) {
    static final TripsWritten NONE = new TripsWritten(Changes.NONE, 0);
  }

  /**
   * What a run left in the tables.
   *
   * @param snapshotId tripsummary's snapshot: the one this run committed to main (null: none), or
   *     the as-of branch's head
   * @param branch the as-of branch written (null: main)
   * @param checkpointAfter the checkpoint's positions as the run leaves them
   * @param pins the pinned days as the run leaves them
   * @param changes what changed in tripsummary
   * @param trips what changed in the trips table
   */
  private record Committed(
      Long snapshotId,
      String branch,
      Map<String, Long> checkpointAfter,
      Map<LocalDate, Checkpoint.Pin> pins,
      Changes changes,
      TripsWritten trips) {

    boolean any() {
      // On an as-of branch the snapshot is the branch's head, committed by this run or an earlier
      // one.
      return branch != null ? changes.any() : snapshotId != null;
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
    long startNanos = System.nanoTime();
    LocalDateTime now = LocalDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
    Catalog catalog = started != null ? lake.catalog(started) : lake.catalog();
    // Everything is checked before anything is read or committed.
    Context run = context(startNanos, now, catalog);
    try {
      return reprocessDay == null ? incremental(run) : reprocess(run);
    } finally {
      // The caller's session owns its catalog; one the run opened is the run's to close.
      if (started == null && catalog instanceof Closeable closeable) {
        try {
          closeable.close();
        } catch (IOException e) {
          LOG.warn("Cannot close the catalog of run {}", runId, e);
        }
      }
    }
  }

  private Context context(long startNanos, LocalDateTime now, Catalog catalog) {
    Map<String, Table> rawByMessage = loadRawTables(catalog);
    Set<String> emptyTables = emptyTables();
    SummaryTable summary = SummaryTable.open(SummaryTable.TRIPSUMMARY, lake, catalog, runId);
    SummaryTable trips = SummaryTable.open(SummaryTable.TRIPS, lake, catalog, runId);
    Optional<Checkpoint> before = summary.checkpoint();
    RawAsOf resolved = null;
    if (asOf != null) {
      // Resolved before anything is created or read: a moment outside the data's history fails
      // here.
      Map<String, Table> raw = new TreeMap<>();
      rawByMessage.forEach((message, table) -> raw.put(rawName(message), table));
      resolved =
          RawAsOf.resolve(
              asOf, raw, summary.table(), summary.identifier(), Instant.now(), emptyTables);
    }
    return new Context(startNanos, now, catalog, rawByMessage, summary, trips, before, resolved);
  }

  private String rawName(String message) {
    return lake.rawTable(message.toLowerCase(Locale.ROOT)).toString();
  }

  /** The config's raw tables that exist, by message, once the config is checked against them. */
  private Map<String, Table> loadRawTables(Catalog catalog) {
    Map<String, Table> rawByMessage = new LinkedHashMap<>();
    Map<String, Optional<Schema>> columns = new HashMap<>();
    for (Cluster cluster : config.clusters()) {
      for (String message : cluster.messages()) {
        TableIdentifier id = lake.rawTable(message.toLowerCase(Locale.ROOT));
        if (!columns.containsKey(message)) {
          if (catalog.tableExists(id)) {
            Table table = catalog.loadTable(id);
            rawByMessage.put(message, table);
            columns.put(message, Optional.of(table.schema()));
          } else {
            columns.put(message, Optional.empty());
          }
        }
      }
    }
    config.validate(m -> columns.getOrDefault(m, Optional.empty()), lake.rawNamespace().toString());
    return Collections.unmodifiableMap(rawByMessage);
  }

  /**
   * The raw table names {@link #emptyAtAsOf} named, each checked against the config's raw tables.
   */
  private Set<String> emptyTables() {
    Map<String, String> known = new TreeMap<>();
    for (Cluster cluster : config.clusters()) {
      for (String message : cluster.messages()) {
        known.put(rawName(message).toLowerCase(Locale.ROOT), rawName(message));
        known.put(message.toLowerCase(Locale.ROOT), rawName(message));
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

  private Result incremental(Context run) {
    List<String> notes = new ArrayList<>();
    // A trips table that no run has written yet (new beside an older tripsummary) gets every trip
    // once: the run starts from scratch; tripsummary's rows come out the same and stay as they are.
    Optional<Checkpoint> start = run.before();
    if (run.before().isPresent() && run.trips().checkpoint().isEmpty()) {
      start = Optional.empty();
      notes.add(
          "the trips table "
              + run.trips().identifier()
              + " has no checkpoint: every trip is computed once for it (from scratch)");
    }
    ChangeScan scan = changesSince(run, start);
    notes.addAll(scan.notes());
    // A checkpoint with no positions (pins published before the first run) still means "from
    // scratch".
    Mode mode =
        start.filter(c -> !c.rawTables().isEmpty()).isPresent() ? Mode.INCREMENTAL : Mode.FULL;
    List<LocalDate> reprocessDays = List.of();
    if (configChanged(run)) {
      reprocessDays = run.summary().days();
      notes.add(configChangeNote(run.before().get(), reprocessDays));
    }
    Map<LocalDate, Checkpoint.Pin> pins = run.pinnedDays();
    if (!scan.anyFile()) {
      Committed nothing =
          new Committed(null, null, run.positionsBefore(), pins, Changes.NONE, TripsWritten.NONE);
      return result(run, mode, scan.reads(), notes, reprocessDays, Summarised.NONE, nothing);
    }

    Summarised summarised = summaryRows(run, scan.reads(), changedWindows(run, start, scan), null);
    Map<String, String> props =
        checkpointProperties(new Checkpoint(scan.after(), config.fingerprint(), 0, 0, pins));
    // Pinned days are neither written nor deleted by an incremental run.
    SummaryTable.Scope scope = SummaryTable.inWindows(summarised.windows(), pins.keySet());
    TripsWritten tripsWritten = writeTrips(run, summarised, scope, props, null);
    Changes written =
        summarised.rows() == null
            ? Changes.NONE
            : run.summary().merge(fresh(run, summarised), scope, props, null);
    if (!written.any()) {
      // Raw tables moved but no row changed: record the checkpoint anyway, or the next run redoes
      // the work.
      run.summary().commitProperties(props);
    }
    Committed committed =
        new Committed(
            run.summary().committedByThisRun(),
            null,
            positions(scan.after()),
            pins,
            written,
            tripsWritten);
    return result(run, mode, scan.reads(), notes, reprocessDays, summarised, committed);
  }

  /** Each raw table's changes from the checkpoint's position to its current snapshot. */
  private ChangeScan changesSince(Context run, Optional<Checkpoint> start) {
    Map<String, Long> snapshots = new TreeMap<>();
    List<RawRead> report = new ArrayList<>();
    Map<String, RawMetadata.Changes> changes = new HashMap<>();
    Map<String, Checkpoint.Position> after =
        new TreeMap<>(start.map(Checkpoint::rawTables).orElse(Map.of()));
    List<String> notes = new ArrayList<>();
    for (Map.Entry<String, Table> e : run.rawByMessage().entrySet()) {
      String name = rawName(e.getKey());
      Table table = e.getValue();
      Snapshot current = table.currentSnapshot();
      Checkpoint.Position from = start.flatMap(c -> c.position(name)).orElse(null);
      if (current == null) {
        report.add(new RawRead(name, from == null ? null : from.snapshotId(), null, 0, 0, false));
        continue;
      }
      RawMetadata.Changes c = RawMetadata.since(table, from, current);
      if (c.fallback()) {
        notes.add(
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
      snapshots.put(name, current.snapshotId());
      after.put(name, new Checkpoint.Position(current.snapshotId(), current.sequenceNumber()));
      report.add(
          new RawRead(
              name,
              from == null ? null : from.snapshotId(),
              current.snapshotId(),
              c.snapshots(),
              c.files().size(),
              c.fallback()));
    }
    return new ChangeScan(new RawReads(snapshots, report), changes, after, notes);
  }

  /** Each cluster's recompute windows around the files that changed, by device. */
  private Map<String, Map<String, List<Window>>> changedWindows(
      Context run, Optional<Checkpoint> start, ChangeScan scan) {
    Map<String, Map<String, List<Window>>> windowsByCluster = new LinkedHashMap<>();
    for (Cluster cluster : config.clusters()) {
      Map<String, List<Window>> changed = new TreeMap<>();
      boolean everything = false;
      for (String message : cluster.messages()) {
        RawMetadata.Changes c = scan.changes().get(message);
        if (c == null) {
          continue;
        }
        everything |= start.flatMap(cp -> cp.position(rawName(message))).isEmpty();
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
        Table identifier = run.rawByMessage().get(cluster.identifierMessage());
        Long snapshot = scan.reads().snapshots().get(rawName(cluster.identifierMessage()));
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
        windowsByCluster.put(cluster.name(), windows);
      }
    }
    return windowsByCluster;
  }

  /**
   * Writes the trips table's rows of the run before tripsummary's: tripsummary's commit moves the
   * checkpoint, so a run that stops between the two leaves the checkpoint where it was, and the
   * next run recomputes the same windows into both. Each table's commit refuses a checkpoint
   * another run committed since this one started; tripsummary's is checked first too, so a run that
   * lost the race to another writes neither.
   */
  private static TripsWritten writeTrips(
      Context run,
      Summarised summarised,
      SummaryTable.Scope scope,
      Map<String, String> props,
      String branch) {
    long start = System.nanoTime();
    boolean checkpointed = props.containsKey(LakeProperties.CHECKPOINT);
    if (checkpointed) {
      run.summary().requireCheckpointUnchanged();
    }
    Changes changes =
        summarised.rows() == null
            ? Changes.NONE
            : run.trips()
                .merge(
                    TripSummaries.tripRecords(
                        summarised.rows(), run.trips().table().schema(), run.now()),
                    scope,
                    props,
                    branch);
    if (!changes.any() && checkpointed && branch == null && run.trips().checkpoint().isEmpty()) {
      // The trips table's first checkpoint, even without rows: else every run starts from scratch.
      run.trips().commitProperties(props);
    }
    return new TripsWritten(changes, System.nanoTime() - start);
  }

  private Map<String, String> checkpointProperties(Checkpoint checkpoint) {
    Map<String, String> props = new LinkedHashMap<>();
    props.put(LakeProperties.RUN_ID, runId);
    props.putAll(checkpoint.properties());
    return props;
  }

  /** The run's summary rows as records of tripsummary's schema, collected on the driver. */
  private static List<Record> fresh(Context run, Summarised summarised) {
    return summarised.rows() == null
        ? List.of()
        : TripSummaries.records(summarised.rows(), run.summary().table().schema(), run.now());
  }

  private boolean configChanged(Context run) {
    return run.before().isPresent()
        && !config.fingerprint().equals(run.before().get().configFingerprint());
  }

  private String configChangeNote(Checkpoint before, List<LocalDate> days) {
    return "the aggregation config changed since the checkpoint ("
        + before.configFingerprint()
        + " -> "
        + config.fingerprint()
        + "): new and changed trips use it; "
        + days.size()
        + " days computed with the old one stay until reprocessed (--reprocess-day)";
  }

  // ---------------------------------------------------------------- reprocess

  private Result reprocess(Context run) {
    RawReads reads = readSnapshots(run);
    long dayStart = reprocessDay.toEpochDay() * DAY;
    long dayEnd = dayStart + DAY - 1;
    Summarised summarised =
        summaryRows(
            run, reads, dayWindows(run, reads, dayStart, dayEnd), new long[] {dayStart, dayEnd});
    Target target = target(run);
    if (target.branch() != null) {
      run.summary().ensureBranch(target.branch());
      run.trips().ensureBranch(target.branch());
    }
    SummaryTable.Scope day =
        SummaryTable.day(reprocessDay, config.clusters().stream().map(Cluster::name).toList());
    TripsWritten tripsWritten = writeTrips(run, summarised, day, target.props(), target.branch());
    Changes changes =
        run.summary().merge(fresh(run, summarised), day, target.props(), target.branch());
    if (!changes.any() && target.pinsChanged()) {
      run.summary().commitProperties(target.props());
    }
    Long snapshot =
        target.branch() != null
            ? Long.valueOf(run.summary().head(target.branch()))
            : run.summary().committedByThisRun();
    Committed committed =
        new Committed(
            snapshot, target.branch(), run.positionsBefore(), target.pins(), changes, tripsWritten);
    return result(run, Mode.REPROCESS, reads, List.of(), List.of(), summarised, committed);
  }

  /** The snapshot each raw table is read at: as of the resolved moment, or the current one. */
  private RawReads readSnapshots(Context run) {
    Map<String, Long> snapshots = new TreeMap<>();
    List<RawRead> report = new ArrayList<>();
    for (Map.Entry<String, Table> e : run.rawByMessage().entrySet()) {
      String name = rawName(e.getKey());
      Long snapshotId;
      if (run.asOf() != null) {
        Checkpoint.Position p = run.asOf().positions().get(name);
        snapshotId = p == null ? null : p.snapshotId();
      } else {
        Snapshot current = e.getValue().currentSnapshot();
        snapshotId = current == null ? null : current.snapshotId();
      }
      if (snapshotId != null) {
        snapshots.put(name, snapshotId);
      }
      report.add(new RawRead(name, null, snapshotId, snapshotId == null ? 0 : 1, 0, false));
    }
    return new RawReads(snapshots, report);
  }

  /** Each cluster's windows around the devices with raw files near the day, by device. */
  private Map<String, Map<String, List<Window>>> dayWindows(
      Context run, RawReads reads, long dayStart, long dayEnd) {
    Map<String, Map<String, List<Window>>> windowsByCluster = new LinkedHashMap<>();
    for (Cluster cluster : config.clusters()) {
      Table identifier = run.rawByMessage().get(cluster.identifierMessage());
      Long snapshot = reads.snapshots().get(rawName(cluster.identifierMessage()));
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
        windowsByCluster.put(cluster.name(), windows);
      }
    }
    return windowsByCluster;
  }

  /**
   * Where the reprocessed day goes: an as-of run's to a branch of its own unless published; else
   * main, with the day's pin set (published) or released (a plain reprocess).
   */
  private Target target(Context run) {
    Map<String, String> props = new LinkedHashMap<>();
    props.put(LakeProperties.RUN_ID, runId);
    props.put(LakeProperties.REPROCESS_DAY, reprocessDay.toString());
    props.put(LakeProperties.AS_OF, run.asOf() == null ? "now" : run.asOf().moment());
    if (run.asOf() != null && !publish) {
      // The as-of result goes to a branch of its own: main keeps its promise (equal to a
      // from-scratch run).
      String branch =
          LakeProperties.AS_OF_BRANCH_PREFIX
              + reprocessDay.toString().replace("-", "")
              + "_"
              + run.asOf().tag();
      props.put(LakeProperties.AS_OF_RAW, Json.compact(positions(run.asOf().positions())));
      return new Target(branch, run.pinnedDays(), false, props);
    }
    Map<LocalDate, Checkpoint.Pin> pins = new TreeMap<>(run.pinnedDays());
    boolean pinsChanged;
    if (run.asOf() == null) {
      pinsChanged = pins.remove(reprocessDay) != null;
    } else {
      pins.put(
          reprocessDay,
          new Checkpoint.Pin(run.asOf().moment(), positions(run.asOf().positions()), runId));
      pinsChanged = true;
    }
    if (run.before().isPresent() || !pins.isEmpty()) {
      // The checkpoint does not move, but the pins it carries do: a main commit always carries
      // them forward.
      Checkpoint cp =
          run.before()
              .orElse(new Checkpoint(Map.of(), config.fingerprint(), 0, 0, Map.of()))
              .withPinnedDays(pins);
      props.putAll(checkpointProperties(cp));
    }
    return new Target(null, pins, pinsChanged, props);
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
   * @param windowsByCluster cluster name to device to its windows
   * @param startRange when set, only trips starting in [from, to] microseconds
   */
  private Summarised summaryRows(
      Context run,
      RawReads reads,
      Map<String, Map<String, List<Window>>> windowsByCluster,
      long[] startRange) {
    if (windowsByCluster.isEmpty()) {
      return Summarised.NONE;
    }
    List<Cluster> clusters =
        config.clusters().stream().filter(c -> windowsByCluster.containsKey(c.name())).toList();
    SummaryPlan plan = SummaryPlan.of(clusters, run.rawByMessage()::get);
    Map<String, FileIO> io = new HashMap<>();
    Map<String, String> tables = new HashMap<>();
    run.rawByMessage()
        .forEach(
            (message, table) -> {
              io.put(message, table.io());
              tables.put(message, rawName(message));
            });
    UnitPlan units =
        UnitPlan.of(
            plan,
            clusters,
            windowsByCluster,
            run.rawByMessage()::get,
            message -> reads.snapshots().get(rawName(message)));
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
          windowsByCluster,
          pass.inThreads(units.units(), Runtime.getRuntime().availableProcessors()),
          units,
          DRIVER);
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
    return summarised(windowsByCluster, passed, units, SPARK);
  }

  /** The pass's rows apart: summary and marker rows, and the parts of the files read whole. */
  private static Summarised summarised(
      Map<String, Map<String, List<Window>>> windowsByCluster,
      List<Row> out,
      UnitPlan units,
      String executor) {
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
    return new Summarised(
        windowsByCluster, passed, units.files(), units.rows(), trips, executor, taps);
  }

  /**
   * A run's recompute windows, their summary rows, and what making them read and found.
   *
   * @param windows cluster name to device to its windows (none: nothing to recompute)
   * @param rows the pass's rows, of {@link TripSummaries#PASS_SCHEMA}, on the driver (null: no
   *     window)
   * @param files raw files planned for reading
   * @param rowsRead rows in those files
   * @param trips trips found
   * @param executor where the pass ran ({@link Work#executor})
   * @param taps what devicedays needs of the raw files the pass read whole
   */
  private record Summarised(
      Map<String, Map<String, List<Window>>> windows,
      List<Row> rows,
      int files,
      long rowsRead,
      long trips,
      String executor,
      DeviceDays.Taps taps) {
    static final Summarised NONE =
        new Summarised(Map.of(), null, 0, 0, 0, "none", new DeviceDays.Taps());

    /** Devices with a window, counted once when in more than one cluster. */
    int devices() {
      Set<String> devices = new HashSet<>();
      windows.values().forEach(w -> devices.addAll(w.keySet()));
      return devices.size();
    }

    int windowCount() {
      return windows.values().stream()
          .mapToInt(m -> m.values().stream().mapToInt(List::size).sum())
          .sum();
    }
  }

  private static final String DRIVER = "driver";
  private static final String SPARK = "spark";

  // ---------------------------------------------------------------- merge

  /**
   * The run's moment for devicedays, which reads every raw table: the snapshots resolved for the
   * config's tables, and the moment's time for the others (a snapshot id's commit time).
   */
  private static DeviceDays.AsOf deviceDaysAsOf(Context run) {
    if (run.asOf() == null) {
      return null;
    }
    String moment = run.asOf().moment();
    Instant at;
    if (moment.startsWith("snapshot ")) {
      long id = Long.parseLong(moment.substring("snapshot ".length()));
      Snapshot snapshot = run.summary().table().snapshot(id);
      for (Table raw : run.rawByMessage().values()) {
        if (snapshot == null) {
          snapshot = raw.snapshot(id);
        }
      }
      at = Instant.ofEpochMilli(snapshot.timestampMillis());
    } else {
      at = Instant.parse(moment);
    }
    return new DeviceDays.AsOf(moment, at, positions(run.asOf().positions()));
  }

  private static Map<String, Long> positions(Map<String, Checkpoint.Position> positions) {
    Map<String, Long> ids = new TreeMap<>();
    positions.forEach((k, v) -> ids.put(k, v.snapshotId()));
    return ids;
  }

  private Result result(
      Context run,
      Mode mode,
      RawReads reads,
      List<String> notes,
      List<LocalDate> reprocessDays,
      Summarised summarised,
      Committed committed) {
    // After the trips' commits: a run that stops before this one leaves devicedays' own checkpoint
    // where it was, and the next run recomputes what it missed.
    TripAggregator.DeviceDayWork deviceDays =
        new DeviceDays(lake, run.catalog(), runId, run.now(), config)
            .update(
                reprocessDay == null
                    ? null
                    : new DeviceDays.Reprocess(
                        reprocessDay, deviceDaysAsOf(run), committed.branch(), publish),
                summarised.taps());
    Result result =
        new Result(
            runId,
            mode,
            committed.any(),
            committed.snapshotId(),
            run.positionsBefore(),
            committed.checkpointAfter(),
            reads.report(),
            new Work(
                summarised.devices(),
                summarised.windowCount(),
                summarised.files(),
                summarised.rowsRead(),
                summarised.trips(),
                summarised.executor()),
            committed.changes(),
            committed.trips().changes(),
            config.fingerprint(),
            List.copyOf(notes),
            reprocessDays,
            committed.branch(),
            committed.pins(),
            (System.nanoTime() - run.startNanos()) / 1e9,
            committed.trips().nanos() / 1e9,
            deviceDays);
    LOG.info(result.summary());
    return result;
  }
}
