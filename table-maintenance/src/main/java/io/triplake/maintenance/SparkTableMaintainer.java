package io.triplake.maintenance;

import io.triplake.lake.LakeProperties;
import io.triplake.ddl.TableDdl;
import io.triplake.lake.Lake;
import io.triplake.lake.Locations;
import io.triplake.lake.Checkpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.ExpireSnapshots.CleanupLevel;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SortOrder;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.actions.BinPackRewriteFilePlanner;
import org.apache.iceberg.actions.DeleteOrphanFiles;
import org.apache.iceberg.actions.RewriteDataFiles;
import org.apache.iceberg.actions.RewriteFileGroup;
import org.apache.iceberg.actions.RewriteManifests;
import org.apache.iceberg.actions.SizeBasedFileRewritePlanner;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.apache.iceberg.exceptions.NoSuchNamespaceException;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.SupportsPrefixOperations;
import org.apache.iceberg.spark.actions.DeleteOrphanFilesSparkAction;
import org.apache.iceberg.spark.actions.SparkActions;
import org.apache.iceberg.util.PropertyUtil;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link TableMaintainer} with Iceberg's Spark actions for the heavy steps, each behind the checks that
 * make it safe for this lake; the raw-table expiry is a metadata-only transaction of the Java API.
 */
final class SparkTableMaintainer implements TableMaintainer {
  private static final Logger LOG = LoggerFactory.getLogger(TableMaintainer.class);
  private static final long MB = 1024L * 1024L;
  /** Attempts of a step whose commit conflicts with a concurrent writer (each attempt re-plans). */
  private static final int ATTEMPTS = 3;
  /** Compaction commits in file groups, so a conflict with a concurrent MERGE loses one group, not the run. */
  private static final int COMPACTION_COMMITS = 10;
  /** Table properties that place files somewhere else than the table location. */
  private static final List<String> LOCATION_PROPERTIES =
      List.of("write.data.path", "write.metadata.path", "write.object-storage.path", "write.folder-storage.path");
  private static final List<String> STEPS = List.of(SUMMARY_REWRITE_DATA_FILES, SUMMARY_REWRITE_MANIFESTS,
      SUMMARY_EXPIRE_SNAPSHOTS, SUMMARY_DELETE_ORPHAN_FILES, RAW_REWRITE_MANIFESTS, RAW_EXPIRE_SNAPSHOTS);

  private final Lake lake;
  private final SparkSession spark;
  private Clock clock;
  private int retentionDays = RETENTION_DAYS_DEFAULT;
  private int orphanMarginHours = ORPHAN_MARGIN_HOURS_DEFAULT;
  private int targetFileSizeMb = TARGET_FILE_SIZE_MB_DEFAULT;
  private boolean raw = true;
  private boolean summary = true;
  private boolean dryRun;
  private String runId = UUID.randomUUID().toString();
  private final Map<String, Boolean> steps = new LinkedHashMap<>();

  SparkTableMaintainer(Lake lake, SparkSession spark, Clock clock) {
    this.lake = lake;
    this.spark = spark;
    this.clock = clock;
    STEPS.forEach(step -> steps.put(step, true));
  }

  /** The moment retention and the orphan margin count back from; tests move it forward instead of waiting days. */
  SparkTableMaintainer clock(Clock newClock) {
    this.clock = newClock;
    return this;
  }

  @Override
  public TableMaintainer retentionDays(int days) {
    if (days < 1) {
      throw new IllegalArgumentException("Cannot expire snapshots: the retention must be at least 1 day (" + days + ")");
    }
    this.retentionDays = days;
    return this;
  }

  @Override
  public TableMaintainer orphanMarginHours(int hours) {
    if (hours < ORPHAN_MARGIN_HOURS_MIN) {
      throw new IllegalArgumentException("Cannot delete orphan files: the safety margin must be at least " + ORPHAN_MARGIN_HOURS_MIN
          + " hours, longer than any job that may still be writing files it has not committed (" + hours + ")");
    }
    this.orphanMarginHours = hours;
    return this;
  }

  @Override
  public TableMaintainer targetFileSizeMb(int megabytes) {
    if (megabytes < 1 || megabytes > TARGET_FILE_SIZE_MB_MAX) {
      throw new IllegalArgumentException("Cannot compact: the target file size must be between 1 and " + TARGET_FILE_SIZE_MB_MAX
          + " MB (" + megabytes + ")");
    }
    this.targetFileSizeMb = megabytes;
    return this;
  }

  @Override
  public TableMaintainer skipRawTables() {
    this.raw = false;
    return this;
  }

  @Override
  public TableMaintainer skipTripSummary() {
    this.summary = false;
    return this;
  }

  @Override
  public TableMaintainer dryRun() {
    this.dryRun = true;
    return this;
  }

  @Override
  public TableMaintainer runId(String id) {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("Cannot use run id: it is empty (" + id + ")");
    }
    this.runId = id;
    return this;
  }

  @Override
  public TableMaintainer option(String key, String value) {
    if (key == null) {
      throw new IllegalArgumentException("Cannot set maintenance option: the key is missing (" + key + "=" + value + ")");
    }
    switch (key) {
      case RETENTION_DAYS -> retentionDays(number(key, value));
      case ORPHAN_MARGIN_HOURS -> orphanMarginHours(number(key, value));
      case TARGET_FILE_SIZE_MB -> targetFileSizeMb(number(key, value));
      case RAW_REWRITE_DATA_FILES -> refuseIfTrue(key, value, "Cannot rewrite the data files of raw tables: they are the "
          + "loggers' own files, registered in place; a rewrite hands them to Iceberg, whose expiry would then delete them");
      case RAW_DELETE_ORPHAN_FILES -> refuseIfTrue(key, value, "Cannot delete orphan files of raw tables: every file in the "
          + "raw source that is not registered yet would be deleted as an orphan");
      case RAW_CLEAN_EXPIRED_FILES -> refuseIfTrue(key, value, "Cannot delete the files of expired raw snapshots: a file an "
          + "expired raw snapshot references is still a logger's original");
      default -> {
        if (!STEPS.contains(key)) {
          throw new IllegalArgumentException("Cannot set maintenance option: unknown key; known keys: "
              + String.join(", ", knownKeys()) + " (" + key + ")");
        }
        steps.put(key, bool(key, value));
      }
    }
    return this;
  }

  private static List<String> knownKeys() {
    List<String> keys = new ArrayList<>(List.of(RETENTION_DAYS, ORPHAN_MARGIN_HOURS, TARGET_FILE_SIZE_MB));
    keys.addAll(STEPS);
    keys.addAll(List.of(RAW_REWRITE_DATA_FILES, RAW_DELETE_ORPHAN_FILES, RAW_CLEAN_EXPIRED_FILES));
    return keys;
  }

  private static void refuseIfTrue(String key, String value, String message) {
    if (bool(key, value)) {
      throw new IllegalArgumentException(message + " (" + key + "=" + value + ")");
    }
  }

  private static boolean bool(String key, String value) {
    String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
    if (!v.equals("true") && !v.equals("false")) {
      throw new IllegalArgumentException("Cannot set maintenance option " + key + ": the value must be true or false (" + value + ")");
    }
    return v.equals("true");
  }

  private static int number(String key, String value) {
    try {
      return Integer.parseInt(value == null ? "" : value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("Cannot set maintenance option " + key + ": the value must be a whole number (" + value + ")", e);
    }
  }

  // ---------------------------------------------------------------- run

  /** The tables of one run and the locations nothing may be deleted from. */
  private static final class Lakeview {
    Table summary;
    final Map<TableIdentifier, Table> raw = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
    final List<String> rawSources = new ArrayList<>();
    final List<String> rawLocations = new ArrayList<>();
  }

  @Override
  public Result execute() {
    long start = System.nanoTime();
    Instant now = clock.instant();
    long windowStart = now.minus(Duration.ofDays(retentionDays)).toEpochMilli();
    long orphanCutoff = now.minus(Duration.ofHours(orphanMarginHours)).toEpochMilli();
    Catalog catalog = lake.catalog(spark);

    // Everything is checked before anything is committed.
    Lakeview view = load(catalog);
    checkSafety(view);

    List<TableResult> results = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    if (view.summary == null) {
      notes.add(lake.tripsTable(TableDdl.TRIPSUMMARY) + " does not exist yet");
    } else if (summary) {
      results.add(maintainSummary(view, windowStart, orphanCutoff));
    }
    if (raw) {
      // What the summaries still need is read after tripsummary's own expiry: the checkpoints of the snapshots it kept.
      Map<String, Map<Long, String>> needs = rawNeeds(view.summary, windowStart);
      for (Map.Entry<TableIdentifier, Table> e : view.raw.entrySet()) {
        results.add(maintainRaw(e.getKey(), e.getValue(), needs.getOrDefault(e.getKey().toString(), Map.of()), windowStart));
      }
    }
    if (!summary) {
      notes.add("tripsummary skipped");
    }
    if (!raw) {
      notes.add("raw tables skipped");
    }
    Result result = new Result(runId, dryRun, results, notes, seconds(start));
    LOG.info(result.summary());
    return result;
  }

  private Lakeview load(Catalog catalog) {
    Lakeview view = new Lakeview();
    TableIdentifier summaryId = lake.tripsTable(TableDdl.TRIPSUMMARY);
    if (catalog.tableExists(summaryId)) {
      view.summary = catalog.loadTable(summaryId);
    }
    List<TableIdentifier> ids;
    try {
      ids = catalog.listTables(lake.rawNamespace());
    } catch (NoSuchNamespaceException e) {
      ids = List.of();
    }
    for (TableIdentifier id : ids) {
      if (!id.equals(summaryId)) {
        view.raw.put(id, catalog.loadTable(id));
      }
    }
    return view;
  }

  /**
   * Raw tables must have GC off and say where their files come from; no table may reach into a raw source;
   * tripsummary's orphan cleanup must not reach into another table.
   */
  private void checkSafety(Lakeview view) {
    for (Map.Entry<TableIdentifier, Table> e : view.raw.entrySet()) {
      Map<String, String> props = e.getValue().properties();
      if (PropertyUtil.propertyAsBoolean(props, TableProperties.GC_ENABLED, TableProperties.GC_ENABLED_DEFAULT)) {
        throw new IllegalStateException("Cannot maintain raw table " + e.getKey() + ": gc.enabled is not false; its data files are "
            + "the loggers' own files and Iceberg's cleanup could delete them. Set the table property gc.enabled=false first ("
            + props.getOrDefault(TableProperties.GC_ENABLED, "unset") + ")");
      }
      String sources = props.get(LakeProperties.RAW_SOURCE);
      if (sources == null || sources.isBlank()) {
        throw new IllegalStateException("Cannot maintain raw table " + e.getKey() + ": it has no " + LakeProperties.RAW_SOURCE
            + " property, so the job cannot tell where the loggers' files are; run registration into it to set it ("
            + e.getValue().location() + ")");
      }
      for (String source : sources.split(",")) {
        if (!source.isBlank()) {
          view.rawSources.add(Locations.normalize(source));
        }
      }
      view.rawLocations.addAll(locations(e.getValue()));
    }
    List<Map.Entry<String, Table>> all = new ArrayList<>();
    view.raw.forEach((id, t) -> all.add(Map.entry(id.toString(), t)));
    if (view.summary != null) {
      all.add(Map.entry(lake.tripsTable(TableDdl.TRIPSUMMARY).toString(), view.summary));
      if (view.summary.properties().containsKey(LakeProperties.RAW_SOURCE)) {
        throw new IllegalStateException("Cannot maintain " + lake.tripsTable(TableDdl.TRIPSUMMARY) + ": it has the raw-table property "
            + LakeProperties.RAW_SOURCE + ", so it may reference loggers' files; compaction and orphan cleanup would delete them ("
            + view.summary.properties().get(LakeProperties.RAW_SOURCE) + ")");
      }
    }
    for (Map.Entry<String, Table> table : all) {
      for (String location : locations(table.getValue())) {
        for (String source : view.rawSources) {
          if (Locations.overlap(location, source)) {
            throw new IllegalStateException("Cannot maintain " + table.getKey() + ": its location " + location
                + " overlaps the raw source " + source + " (expiry or orphan cleanup there could delete loggers' files); "
                + "keep the warehouse and every table location outside the raw data");
          }
        }
      }
    }
    if (view.summary != null) {
      for (String location : locations(view.summary)) {
        for (Map.Entry<TableIdentifier, Table> e : view.raw.entrySet()) {
          for (String rawLocation : locations(e.getValue())) {
            if (Locations.overlap(location, rawLocation)) {
              throw new IllegalStateException("Cannot maintain " + lake.tripsTable(TableDdl.TRIPSUMMARY) + ": its location " + location
                  + " overlaps the location of raw table " + e.getKey() + " (orphan cleanup would delete that table's files) ("
                  + rawLocation + ")");
            }
          }
        }
      }
    }
  }

  private static List<String> locations(Table table) {
    List<String> locations = new ArrayList<>();
    locations.add(Locations.normalize(table.location()));
    for (String prop : LOCATION_PROPERTIES) {
      String value = table.properties().get(prop);
      if (value != null && !value.isBlank()) {
        locations.add(Locations.normalize(value));
      }
    }
    return locations;
  }

  // ---------------------------------------------------------------- tripsummary

  private TableResult maintainSummary(Lakeview view, long windowStart, long orphanCutoff) {
    long start = System.nanoTime();
    Table table = view.summary;
    String name = lake.tripsTable(TableDdl.TRIPSUMMARY).toString();
    Tally tally = new Tally(name, Kind.SUMMARY, table);

    if (steps.get(SUMMARY_REWRITE_DATA_FILES)) {
      compact(table, tally);
    }
    if (steps.get(SUMMARY_REWRITE_MANIFESTS)) {
      rewriteManifests(table, tally);
    }
    if (steps.get(SUMMARY_EXPIRE_SNAPSHOTS) && gcEnabled(table, tally, "snapshot expiry")) {
      table.refresh();
      Map<Long, String> needed = new LinkedHashMap<>();
      Checkpoint.latest(table).ifPresent(cp -> needed.put(cp.snapshotId(),
          "it carries the latest checkpoint, which the next incremental run starts from"));
      RetentionPlan plan = RetentionPlan.of(table, windowStart, needed);
      tally.retention(plan);
      List<String> asOfBranches = table.refs().keySet().stream().filter(r -> r.startsWith(LakeProperties.AS_OF_BRANCH_PREFIX)).sorted().toList();
      if (!asOfBranches.isEmpty()) {
        tally.plan.add("keep " + asOfBranches.size() + " as-of branches and their snapshots until they are dropped (ALTER TABLE "
            + name + " DROP BRANCH <name>): " + String.join(", ", asOfBranches));
      }
      tally.plan.add(String.format("expire snapshots: %d of %d (history kept back to snapshot %s: %s); the files only they "
          + "reference are deleted, inside %s only", plan.expire().size(), size(table.snapshots()), plan.keptFromSnapshotId(),
          plan.keptBecause(), table.location()));
      if (!plan.expire().isEmpty()) {
        DeleteGuard guard = guard(name, table, view);
        if (!dryRun) {
          attempt("expire snapshots of", name, table, tally, () -> {
            var action = SparkActions.get(spark).expireSnapshots(table).expireOlderThan(0L).deleteWith(guard::delete);
            plan.expire().forEach(action::expireSnapshotId);
            return action.execute();
          });
          guard.check("expire snapshots");
        }
        tally.snapshotsExpired = plan.expire().size();
        tally.filesDeleted = guard.deleted();
      }
    }
    if (steps.get(SUMMARY_DELETE_ORPHAN_FILES) && gcEnabled(table, tally, "orphan cleanup")) {
      deleteOrphans(view, table, name, orphanCutoff, tally);
    }
    return tally.result(table, seconds(start));
  }

  private boolean gcEnabled(Table table, Tally tally, String step) {
    if (PropertyUtil.propertyAsBoolean(table.properties(), TableProperties.GC_ENABLED, TableProperties.GC_ENABLED_DEFAULT)) {
      return true;
    }
    tally.notes.add(step + " skipped: the table has gc.enabled=false");
    return false;
  }

  private DeleteGuard guard(String name, Table table, Lakeview view) {
    List<String> protectedLocations = new ArrayList<>(view.rawSources);
    protectedLocations.addAll(view.rawLocations);
    return new DeleteGuard(name, locations(table), protectedLocations, table.io(), dryRun);
  }

  private Map<String, String> compactionOptions() {
    Map<String, String> options = new LinkedHashMap<>();
    options.put(SizeBasedFileRewritePlanner.TARGET_FILE_SIZE_BYTES, String.valueOf(targetFileSizeMb * MB));
    // Two small files of a day are already worth one: the daily MERGEs add a file or two per day they touch.
    options.put(SizeBasedFileRewritePlanner.MIN_INPUT_FILES, "2");
    // Every data file that a MERGE's position deletes point at is rewritten with the deletes applied...
    options.put(BinPackRewriteFilePlanner.DELETE_FILE_THRESHOLD, "1");
    return options;
  }

  private void compact(Table table, Tally tally) {
    Map<String, String> options = compactionOptions();
    SortOrder order = table.sortOrder().isSorted() ? table.sortOrder()
        : SortOrder.builderFor(table.schema()).asc("deviceid").asc("tripstart").build();
    BinPackRewriteFilePlanner planner = new BinPackRewriteFilePlanner(table);
    planner.init(options);
    int groups = 0;
    int files = 0;
    long bytes = 0;
    int outputs = 0;
    Set<String> deletes = new HashSet<>();
    try (CloseableIterable<RewriteFileGroup> planned = planner.plan().groups()) {
      for (RewriteFileGroup group : planned) {
        groups++;
        files += group.inputFileNum();
        bytes += group.inputFilesSizeInBytes();
        outputs += group.expectedOutputFiles();
        for (FileScanTask task : group.fileScanTasks()) {
          task.deletes().forEach(d -> deletes.add(d.location()));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot plan the compaction of " + tally.table + ": " + e.getMessage(), e);
    }
    if (groups == 0) {
      tally.plan.add("compact: nothing to do (no partition has two small files or a file with deletes)");
      return;
    }
    tally.plan.add(String.format("compact: %d data files (%.1f MB, %d delete files apply to them) in %d groups into about %d "
        + "files of up to %d MB, sorted by %s; delete files left without data are removed", files, bytes / (double) MB,
        deletes.size(), groups, outputs, targetFileSizeMb, order));
    if (dryRun) {
      tally.rewrittenDataFiles = files;
      tally.addedDataFiles = outputs;
      tally.removedDeleteFiles = deletes.size();
      return;
    }
    RewriteDataFiles.Result result = attempt("compact", tally.table, table, tally, () -> SparkActions.get(spark)
        .rewriteDataFiles(table)
        .sort(order)
        .options(options)
        // ...and the delete files then left pointing at nothing leave the table.
        .option(RewriteDataFiles.REMOVE_DANGLING_DELETES, "true")
        // New files get the sequence number of the compaction's own commit, so the MERGEs' delete files, older
        // by sequence number, become dangling and leave. (Iceberg then also refuses the commit if any delete
        // file was added for a compacted file meanwhile, equality deletes included: stricter, never looser.)
        .option(RewriteDataFiles.USE_STARTING_SEQUENCE_NUMBER, "false")
        .option(RewriteDataFiles.PARTIAL_PROGRESS_ENABLED, "true")
        .option(RewriteDataFiles.PARTIAL_PROGRESS_MAX_COMMITS, String.valueOf(COMPACTION_COMMITS))
        .snapshotProperty(LakeProperties.RUN_ID, runId)
        .execute());
    tally.rewrittenDataFiles += result.rewrittenDataFilesCount();
    tally.addedDataFiles += result.addedDataFilesCount();
    tally.removedDeleteFiles += result.removedDeleteFilesCount();
    if (result.failedDataFilesCount() > 0) {
      tally.notes.add(result.failedDataFilesCount() + " data files were not compacted: their group conflicted with a concurrent "
          + "commit (nothing lost; the next run compacts them)");
    }
  }

  private void deleteOrphans(Lakeview view, Table table, String name, long orphanCutoff, Tally tally) {
    tally.plan.add(String.format("delete orphan files: files under %s that no snapshot references and that are older than %s "
        + "(margin %d h)", table.location(), Instant.ofEpochMilli(orphanCutoff), orphanMarginHours));
    table.refresh();
    DeleteGuard guard = guard(name, table, view);
    DeleteOrphanFilesSparkAction action = SparkActions.get(spark).deleteOrphanFiles(table)
        .location(table.location())
        .olderThan(orphanCutoff)
        .deleteWith(guard::delete);
    if (table.io() instanceof SupportsPrefixOperations) {
      action.usePrefixListing(true);
    }
    DeleteOrphanFiles.Result result = action.execute();
    guard.check("delete orphan files");
    tally.orphanFilesDeleted = guard.deleted();
    if (dryRun && guard.deleted() > 0) {
      tally.plan.add("  orphans: " + guard.deleted() + ", e.g. " + String.join(", ", guard.listed()));
    }
    LOG.debug("Orphan files of {}: {}", name, result.orphanFilesCount());
  }

  // ---------------------------------------------------------------- raw tables

  /** Raw snapshot ids that kept tripsummary snapshots' checkpoints name, by raw table name, with the reason. */
  private Map<String, Map<Long, String>> rawNeeds(Table summaryTable, long windowStart) {
    Map<String, Map<Long, String>> needs = new TreeMap<>();
    if (summaryTable == null) {
      return needs;
    }
    summaryTable.refresh();
    Optional<Checkpoint> latestCheckpoint = Checkpoint.latest(summaryTable);
    Long latest = latestCheckpoint.map(Checkpoint::snapshotId).orElse(null);
    // A pinned day keeps the raw snapshots it was published from as long as the pin lasts, so that the day can be
    // recomputed as of the same moment (after a config change, or to check it).
    latestCheckpoint.ifPresent(cp -> cp.pinnedDays().forEach((day, pin) -> pin.rawSnapshots().forEach((rawName, snapshotId) ->
        needs.computeIfAbsent(rawName, k -> new LinkedHashMap<>()).merge(snapshotId,
            "pinned day " + day + " was published as of " + pin.asOf() + " from it (release: --reprocess-day " + day + ")",
            (a, b) -> a))));
    Map<Long, String> neededSummary = latest == null ? Map.of() : Map.of(latest, "latest checkpoint");
    RetentionPlan plan = RetentionPlan.of(summaryTable, windowStart, neededSummary);
    for (Long id : plan.kept()) {
      Snapshot snapshot = summaryTable.snapshot(id);
      Checkpoint.of(snapshot).ifPresent(cp -> cp.rawTables().forEach((rawName, position) -> {
        String reason = id.equals(latest)
            ? "the latest checkpoint (tripsummary snapshot " + id + ") reads on from it"
            : "the checkpoint of kept tripsummary snapshot " + id + " names it (reprocess as of that snapshot)";
        needs.computeIfAbsent(rawName, k -> new LinkedHashMap<>()).merge(position.snapshotId(), reason, (a, b) -> a);
      }));
    }
    return needs;
  }

  private TableResult maintainRaw(TableIdentifier id, Table table, Map<Long, String> needed, long windowStart) {
    long start = System.nanoTime();
    String name = id.toString();
    Tally tally = new Tally(name, Kind.RAW, table);
    Set<String> filesBefore = dataFiles(table);

    if (steps.get(RAW_REWRITE_MANIFESTS)) {
      rewriteManifests(table, tally);
    }
    if (steps.get(RAW_EXPIRE_SNAPSHOTS)) {
      table.refresh();
      RetentionPlan plan = RetentionPlan.of(table, windowStart, needed);
      tally.retention(plan);
      tally.plan.add(String.format("expire snapshots: %d of %d, metadata only (history kept back to snapshot %s: %s); "
          + "no file is deleted", plan.expire().size(), size(table.snapshots()), plan.keptFromSnapshotId(), plan.keptBecause()));
      if (!plan.expire().isEmpty()) {
        if (!dryRun) {
          attempt("expire snapshots of", name, table, tally, () -> {
            Transaction txn = table.newTransaction();
            stageRawExpiry(txn, plan.expire());
            txn.commitTransaction();
            return null;
          });
        }
        tally.snapshotsExpired = plan.expire().size();
      }
    }

    table.refresh();
    if (PropertyUtil.propertyAsBoolean(table.properties(), TableProperties.GC_ENABLED, TableProperties.GC_ENABLED_DEFAULT)) {
      throw new IllegalStateException("Cannot finish maintenance of " + name + ": gc.enabled is no longer false after it; set "
          + "gc.enabled=false on the table now and find out who changed it (" + table.properties().get(TableProperties.GC_ENABLED) + ")");
    }
    Set<String> lost = new HashSet<>(filesBefore);
    lost.removeAll(dataFiles(table));
    if (!lost.isEmpty()) {
      throw new IllegalStateException("Cannot finish maintenance of " + name + ": " + lost.size() + " registered files are no longer "
          + "in the table (no file was deleted; register them again): " + lost.stream().sorted().limit(20).toList());
    }
    return tally.result(table, seconds(start));
  }

  /**
   * Stages a metadata-only expiry of raw snapshots in {@code txn}. Iceberg refuses any expiry while
   * {@code gc.enabled=false}, even one that deletes nothing, so the flag is lifted and restored inside the
   * same transaction: no reader ever sees it on. If a concurrent commit (a registration) lands first, the
   * transaction re-applies the three updates to the new state.
   */
  static void stageRawExpiry(Transaction txn, Collection<Long> snapshotIds) {
    txn.updateProperties().set(TableProperties.GC_ENABLED, "true").commit();
    org.apache.iceberg.ExpireSnapshots expire = txn.expireSnapshots()
        // Only the named snapshots: nothing is old enough to go by age.
        .expireOlderThan(0L)
        .cleanupLevel(CleanupLevel.NONE)
        .deleteWith(path -> {
          throw new IllegalStateException("Cannot delete " + path + ": maintenance never deletes files of raw tables");
        });
    snapshotIds.forEach(expire::expireSnapshotId);
    expire.commit();
    txn.updateProperties().set(TableProperties.GC_ENABLED, "false").commit();
  }

  private static Set<String> dataFiles(Table table) {
    Set<String> files = new HashSet<>();
    if (table.currentSnapshot() == null) {
      return files;
    }
    try (CloseableIterable<FileScanTask> tasks = table.newScan().ignoreResiduals().planFiles()) {
      for (FileScanTask task : tasks) {
        DataFile file = task.file();
        files.add(file.location());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list the data files of " + table.name() + ": " + e.getMessage(), e);
    }
    return files;
  }

  // ---------------------------------------------------------------- shared

  private void rewriteManifests(Table table, Tally tally) {
    table.refresh();
    Snapshot current = table.currentSnapshot();
    if (current == null) {
      tally.plan.add("rewrite manifests: nothing to do (no snapshot)");
      return;
    }
    List<ManifestFile> data = current.dataManifests(table.io());
    List<ManifestFile> deletes = current.deleteManifests(table.io());
    long target = PropertyUtil.propertyAsLong(table.properties(), TableProperties.MANIFEST_TARGET_SIZE_BYTES,
        TableProperties.MANIFEST_TARGET_SIZE_BYTES_DEFAULT);
    if (data.size() <= 1 && deletes.size() <= 1) {
      tally.plan.add("rewrite manifests: nothing to do (" + data.size() + " data and " + deletes.size() + " delete manifests)");
      return;
    }
    long bytes = data.stream().mapToLong(ManifestFile::length).sum() + deletes.stream().mapToLong(ManifestFile::length).sum();
    tally.plan.add(String.format("rewrite manifests: %d data and %d delete manifests (%.1f MB) into about %d, clustered by "
        + "partition; data files unchanged", data.size(), deletes.size(), bytes / (double) MB,
        Math.max(1, (data.isEmpty() ? 0 : 1) + (deletes.isEmpty() ? 0 : 1) + (int) (bytes / target))));
    if (dryRun) {
      return;
    }
    RewriteManifests.Result result = attempt("rewrite the manifests of", tally.table, table, tally,
        () -> SparkActions.get(spark).rewriteManifests(table).snapshotProperty(LakeProperties.RUN_ID, runId).execute());
    result.rewrittenManifests().forEach(m -> tally.rewrittenManifests++);
    result.addedManifests().forEach(m -> tally.addedManifests++);
  }

  /**
   * Runs a step, again on the refreshed table when its commit conflicted with a concurrent writer. A step
   * either commits whole or not at all: a conflict never leaves a half-done change.
   */
  private <T> T attempt(String what, String name, Table table, Tally tally, Supplier<T> step) {
    for (int attempt = 1; ; attempt++) {
      table.refresh();
      try {
        return step.get();
      } catch (CommitStateUnknownException e) {
        throw new IllegalStateException("Cannot " + what + " " + name + ": the catalog did not say whether the commit succeeded ("
            + e.getMessage() + "); look at the table's history before running maintenance again", e);
      } catch (RuntimeException e) {
        RuntimeException conflict = conflict(e);
        if (conflict == null) {
          throw e;
        }
        if (attempt >= ATTEMPTS) {
          throw new IllegalStateException("Cannot " + what + " " + name + ": a concurrent writer committed conflicting changes "
              + ATTEMPTS + " times (" + conflict.getMessage() + "). This step committed nothing and no file was lost; run "
              + "maintenance again when the other job has finished", e);
        }
        tally.notes.add("'" + what + "' conflicted with a concurrent commit and was re-planned (" + conflict.getMessage() + ")");
        LOG.warn("Cannot {} {} (attempt {} of {}): {}; retrying on the refreshed table", what, name, attempt, ATTEMPTS,
            conflict.getMessage());
      }
    }
  }

  private static RuntimeException conflict(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof CommitFailedException || t instanceof ValidationException) {
        return (RuntimeException) t;
      }
    }
    return null;
  }

  private static int size(Iterable<?> items) {
    int n = 0;
    for (Object ignored : items) {
      n++;
    }
    return n;
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  /** File, manifest and snapshot counts of a table's current state. */
  private static Counts counts(Table table) {
    table.refresh();
    Snapshot current = table.currentSnapshot();
    if (current == null) {
      return new Counts(0, 0, 0, size(table.snapshots()));
    }
    return new Counts(live(current.dataManifests(table.io())), live(current.deleteManifests(table.io())),
        current.allManifests(table.io()).size(), size(table.snapshots()));
  }

  private static int live(List<ManifestFile> manifests) {
    int n = 0;
    for (ManifestFile m : manifests) {
      n += (m.addedFilesCount() == null ? 0 : m.addedFilesCount()) + (m.existingFilesCount() == null ? 0 : m.existingFilesCount());
    }
    return n;
  }

  /** Figures of one table while its steps run. */
  private static final class Tally {
    final String table;
    final Kind kind;
    final Counts before;
    final List<String> plan = new ArrayList<>();
    final List<String> notes = new ArrayList<>();
    int rewrittenDataFiles;
    int addedDataFiles;
    int removedDeleteFiles;
    int rewrittenManifests;
    int addedManifests;
    int snapshotsExpired;
    Long keptFrom;
    String keptBecause;
    long filesDeleted;
    long orphanFilesDeleted;

    Tally(String table, Kind kind, Table t) {
      this.table = table;
      this.kind = kind;
      this.before = counts(t);
    }

    void retention(RetentionPlan plan) {
      keptFrom = plan.keptFromSnapshotId();
      keptBecause = plan.keptBecause();
    }

    TableResult result(Table t, double seconds) {
      return new TableResult(table, kind, before, counts(t),
          new Compaction(rewrittenDataFiles, addedDataFiles, removedDeleteFiles),
          new ManifestRewrite(rewrittenManifests, addedManifests),
          new Expiry(snapshotsExpired, keptFrom, keptBecause, filesDeleted), orphanFilesDeleted, plan, notes, seconds);
    }
  }
}
