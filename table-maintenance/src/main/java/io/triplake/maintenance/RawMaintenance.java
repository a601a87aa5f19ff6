package io.triplake.maintenance;

import io.triplake.lake.Checkpoint;
import io.triplake.maintenance.TableMaintainer.Compaction;
import io.triplake.maintenance.TableMaintainer.Expiry;
import io.triplake.maintenance.TableMaintainer.Kind;
import io.triplake.maintenance.TableMaintainer.ManifestRewrite;
import io.triplake.maintenance.TableMaintainer.TableResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.iceberg.ExpireSnapshots;
import org.apache.iceberg.ExpireSnapshots.CleanupLevel;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.relocated.com.google.common.collect.Iterables;

/**
 * The raw-table steps: a manifest rewrite and a metadata-only snapshot expiry that keeps every raw
 * snapshot a checkpoint still needs. No data file is rewritten and no file is deleted; a run that
 * finds a registered file missing afterwards, or {@code gc.enabled} on, fails.
 */
final class RawMaintenance {
  private final MaintenanceOptions options;
  private final ManifestRewriter manifests;

  RawMaintenance(MaintenanceOptions options, ManifestRewriter manifests) {
    this.options = options;
    this.manifests = manifests;
  }

  /**
   * Raw snapshot ids that kept tripsummary snapshots' checkpoints name, by raw table name, with the
   * reason. Read after tripsummary's own expiry: the checkpoints of the snapshots it kept.
   *
   * @param summaryTable tripsummary, or null when it does not exist yet (nothing is needed then)
   * @param deviceDays trips.devicedays, or null: its latest checkpoint's raw snapshots stay too
   */
  static Map<String, Map<Long, String>> needs(
      Table summaryTable, Table deviceDays, long windowStart) {
    Map<String, Map<Long, String>> needs = summaryNeeds(summaryTable, windowStart);
    if (deviceDays != null) {
      deviceDays.refresh();
      Checkpoint.latest(deviceDays)
          .ifPresent(
              cp -> {
                cp.rawTables()
                    .forEach(
                        (rawName, position) ->
                            needs
                                .computeIfAbsent(rawName, k -> new LinkedHashMap<>())
                                .merge(
                                    position.snapshotId(),
                                    "the latest devicedays checkpoint (snapshot "
                                        + cp.snapshotId()
                                        + ") reads on from it",
                                    (a, b) -> a));
                keepPinned(needs, cp, "devicedays' pinned day ");
              });
    }
    return needs;
  }

  private static Map<String, Map<Long, String>> summaryNeeds(Table summaryTable, long windowStart) {
    Map<String, Map<Long, String>> needs = new TreeMap<>();
    if (summaryTable == null) {
      return needs;
    }
    summaryTable.refresh();
    Optional<Checkpoint> latestCheckpoint = Checkpoint.latest(summaryTable);
    Long latest = latestCheckpoint.map(Checkpoint::snapshotId).orElse(null);
    // A pinned day keeps the raw snapshots it was published from as long as the pin lasts, so that
    // the day can be recomputed as of the same moment (after a config change, or to check it).
    latestCheckpoint.ifPresent(cp -> keepPinned(needs, cp, "pinned day "));
    Map<Long, String> neededSummary =
        latest == null ? Map.of() : Map.of(latest, "latest checkpoint");
    RetentionPlan plan = RetentionPlan.of(summaryTable, windowStart, neededSummary);
    for (Long id : plan.kept()) {
      Snapshot snapshot = summaryTable.snapshot(id);
      Checkpoint.of(snapshot)
          .ifPresent(
              cp ->
                  cp.rawTables()
                      .forEach(
                          (rawName, position) -> {
                            String reason =
                                id.equals(latest)
                                    ? "the latest checkpoint (tripsummary snapshot "
                                        + id
                                        + ") reads on from it"
                                    : "the checkpoint of kept tripsummary snapshot "
                                        + id
                                        + " names it (reprocess as of that snapshot)";
                            needs
                                .computeIfAbsent(rawName, k -> new LinkedHashMap<>())
                                .merge(position.snapshotId(), reason, (a, b) -> a);
                          }));
    }
    return needs;
  }

  /** Keeps the raw snapshots each pinned day of the checkpoint was published from. */
  private static void keepPinned(Map<String, Map<Long, String>> needs, Checkpoint cp, String what) {
    cp.pinnedDays()
        .forEach(
            (day, pin) ->
                pin.rawSnapshots()
                    .forEach(
                        (rawName, snapshotId) ->
                            needs
                                .computeIfAbsent(rawName, k -> new LinkedHashMap<>())
                                .merge(
                                    snapshotId,
                                    what
                                        + day
                                        + " was published as of "
                                        + pin.asOf()
                                        + " from it (release: --reprocess-day "
                                        + day
                                        + ")",
                                    (a, b) -> a)));
  }

  /**
   * @param needed raw snapshots that must stay, each with the reason ({@link #needs})
   */
  TableResult maintain(
      TableIdentifier id, Table table, Map<Long, String> needed, long windowStart) {
    Tally tally = new Tally(id.toString(), Kind.RAW, table);
    Set<String> filesBefore = dataFiles(table);
    ManifestRewrite rewrite =
        options.step(TableMaintainer.RAW_REWRITE_MANIFESTS)
            ? manifests.rewrite(table, tally)
            : ManifestRewrite.NONE;
    Expiry expiry =
        options.step(TableMaintainer.RAW_EXPIRE_SNAPSHOTS)
            ? expire(table, tally, needed, windowStart)
            : Expiry.NONE;

    table.refresh();
    if (LakeSafety.gcEnabled(table)) {
      throw new IllegalStateException(
          "Cannot finish maintenance of "
              + id
              + ": gc.enabled is no longer false after it; set "
              + "gc.enabled=false on the table now and find out who changed it ("
              + table.properties().get(TableProperties.GC_ENABLED)
              + ")");
    }
    Set<String> lost = new HashSet<>(filesBefore);
    lost.removeAll(dataFiles(table));
    if (!lost.isEmpty()) {
      throw new IllegalStateException(
          "Cannot finish maintenance of "
              + id
              + ": "
              + lost.size()
              + " registered files are no longer "
              + "in the table (no file was deleted; register them again): "
              + lost.stream().sorted().limit(20).toList());
    }
    return tally.result(table, Compaction.NONE, rewrite, expiry, 0);
  }

  private Expiry expire(Table table, Tally tally, Map<Long, String> needed, long windowStart) {
    table.refresh();
    RetentionPlan plan = RetentionPlan.of(table, windowStart, needed);
    tally.plan(
        String.format(
            "expire snapshots: %d of %d, metadata only (history kept back to snapshot %s: %s); "
                + "no file is deleted",
            plan.expire().size(),
            Iterables.size(table.snapshots()),
            plan.keptFromSnapshotId(),
            plan.keptBecause()));
    if (!plan.expire().isEmpty() && !options.dryRun()) {
      CommitRetry.attempt(
          "expire snapshots of",
          table,
          tally,
          () -> {
            Transaction txn = table.newTransaction();
            stageRawExpiry(txn, plan.expire());
            txn.commitTransaction();
            return null;
          });
    }
    return new Expiry(plan.expire().size(), plan.keptFromSnapshotId(), plan.keptBecause(), 0);
  }

  /**
   * Stages a metadata-only expiry of raw snapshots in {@code txn}. Iceberg refuses any expiry while
   * {@code gc.enabled=false}, even one that deletes nothing, so the flag is lifted and restored
   * inside the same transaction: no reader ever sees it on. If a concurrent commit (a registration)
   * lands first, the transaction re-applies the three updates to the new state.
   */
  static void stageRawExpiry(Transaction txn, Collection<Long> snapshotIds) {
    txn.updateProperties().set(TableProperties.GC_ENABLED, "true").commit();
    ExpireSnapshots expire =
        txn.expireSnapshots()
            // Only the named snapshots: nothing is old enough to go by age.
            .expireOlderThan(0L)
            .cleanupLevel(CleanupLevel.NONE)
            .deleteWith(
                path -> {
                  throw new IllegalStateException(
                      "Cannot delete " + path + ": maintenance never deletes files of raw tables");
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
        files.add(task.file().location());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot list the data files of " + table.name() + ": " + e.getMessage(), e);
    }
    return files;
  }
}
