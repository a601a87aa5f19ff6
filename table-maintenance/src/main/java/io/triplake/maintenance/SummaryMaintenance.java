package io.triplake.maintenance;

import static io.triplake.maintenance.MaintenanceOptions.MB;

import io.triplake.lake.Checkpoint;
import io.triplake.lake.LakeProperties;
import io.triplake.maintenance.TableMaintainer.Compaction;
import io.triplake.maintenance.TableMaintainer.Expiry;
import io.triplake.maintenance.TableMaintainer.Kind;
import io.triplake.maintenance.TableMaintainer.ManifestRewrite;
import io.triplake.maintenance.TableMaintainer.TableResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.SortOrder;
import org.apache.iceberg.Table;
import org.apache.iceberg.actions.BinPackRewriteFilePlanner;
import org.apache.iceberg.actions.DeleteOrphanFiles;
import org.apache.iceberg.actions.RewriteDataFiles;
import org.apache.iceberg.actions.RewriteFileGroup;
import org.apache.iceberg.actions.SizeBasedFileRewritePlanner;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.SupportsPrefixOperations;
import org.apache.iceberg.spark.actions.DeleteOrphanFilesSparkAction;
import org.apache.iceberg.spark.actions.SparkActions;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tripsummary steps: compaction, manifest rewrite, snapshot expiry and orphan cleanup. Files
 * are deleted only through a {@link DeleteGuard}, never inside a protected location.
 */
final class SummaryMaintenance {
  private static final Logger LOG = LoggerFactory.getLogger(TableMaintainer.class);

  /**
   * Compaction commits in file groups, so a conflict with a concurrent MERGE loses one group, not
   * the run.
   */
  private static final int COMPACTION_COMMITS = 10;

  private final SparkSession spark;
  private final MaintenanceOptions options;
  private final ManifestRewriter manifests;
  private final List<String> protectedLocations;

  /**
   * @param protectedLocations raw sources and raw table locations, which no step deletes from
   */
  SummaryMaintenance(
      SparkSession spark,
      MaintenanceOptions options,
      ManifestRewriter manifests,
      List<String> protectedLocations) {
    this.spark = spark;
    this.options = options;
    this.manifests = manifests;
    this.protectedLocations = List.copyOf(protectedLocations);
  }

  TableResult maintain(TableIdentifier id, Table table, long windowStart, long orphanCutoff) {
    Tally tally = new Tally(id.toString(), Kind.SUMMARY, table);
    Compaction compaction =
        options.step(TableMaintainer.SUMMARY_REWRITE_DATA_FILES)
            ? compact(table, tally)
            : Compaction.NONE;
    ManifestRewrite rewrite =
        options.step(TableMaintainer.SUMMARY_REWRITE_MANIFESTS)
            ? manifests.rewrite(table, tally)
            : ManifestRewrite.NONE;
    Expiry expiry =
        options.step(TableMaintainer.SUMMARY_EXPIRE_SNAPSHOTS)
                && gcEnabled(table, tally, "snapshot expiry")
            ? expire(table, tally, windowStart)
            : Expiry.NONE;
    long orphans =
        options.step(TableMaintainer.SUMMARY_DELETE_ORPHAN_FILES)
                && gcEnabled(table, tally, "orphan cleanup")
            ? deleteOrphans(table, tally, orphanCutoff)
            : 0;
    return tally.result(table, compaction, rewrite, expiry, orphans);
  }

  private static boolean gcEnabled(Table table, Tally tally, String step) {
    if (LakeSafety.gcEnabled(table)) {
      return true;
    }
    tally.note(step + " skipped: the table has gc.enabled=false");
    return false;
  }

  private DeleteGuard guard(Table table, Tally tally) {
    return DeleteGuard.of(tally, table, protectedLocations, options.dryRun());
  }

  // ---------------------------------------------------------------- compaction

  private Map<String, String> compactionOptions() {
    Map<String, String> compaction = new LinkedHashMap<>();
    compaction.put(
        SizeBasedFileRewritePlanner.TARGET_FILE_SIZE_BYTES,
        String.valueOf(options.targetFileSizeMb() * MB));
    // Two small files of a day are already worth one: the daily MERGEs add a file or two per day
    // they touch.
    compaction.put(SizeBasedFileRewritePlanner.MIN_INPUT_FILES, "2");
    // Every data file that a MERGE's position deletes point at is rewritten with the deletes
    // applied...
    compaction.put(BinPackRewriteFilePlanner.DELETE_FILE_THRESHOLD, "1");
    return compaction;
  }

  private Compaction compact(Table table, Tally tally) {
    Map<String, String> compaction = compactionOptions();
    SortOrder order =
        table.sortOrder().isSorted()
            ? table.sortOrder()
            : SortOrder.builderFor(table.schema()).asc("deviceid").asc("tripstart").build();
    BinPackRewriteFilePlanner planner = new BinPackRewriteFilePlanner(table);
    planner.init(compaction);
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
      throw new UncheckedIOException(
          "Cannot plan the compaction of " + tally.table() + ": " + e.getMessage(), e);
    }
    if (groups == 0) {
      tally.plan(
          "compact: nothing to do (no partition has two small files or a file with deletes)");
      return Compaction.NONE;
    }
    tally.plan(
        String.format(
            "compact: %d data files (%.1f MB, %d delete files apply to them) in %d groups into"
                + " about %d files of up to %d MB, sorted by %s; delete files left without data are"
                + " removed",
            files,
            bytes / (double) MB,
            deletes.size(),
            groups,
            outputs,
            options.targetFileSizeMb(),
            order));
    if (options.dryRun()) {
      return new Compaction(files, outputs, deletes.size());
    }
    RewriteDataFiles.Result result =
        CommitRetry.attempt(
            "compact",
            table,
            tally,
            () ->
                SparkActions.get(spark)
                    .rewriteDataFiles(table)
                    .sort(order)
                    .options(compaction)
                    // ...and the delete files then left pointing at nothing leave the table.
                    .option(RewriteDataFiles.REMOVE_DANGLING_DELETES, "true")
                    // New files get the sequence number of the compaction's own commit, so the
                    // MERGEs' delete files, older by sequence number, become dangling and leave.
                    // (Iceberg then also refuses the commit if any delete file was added for a
                    // compacted file meanwhile, equality deletes included: stricter, never looser.)
                    .option(RewriteDataFiles.USE_STARTING_SEQUENCE_NUMBER, "false")
                    .option(RewriteDataFiles.PARTIAL_PROGRESS_ENABLED, "true")
                    .option(
                        RewriteDataFiles.PARTIAL_PROGRESS_MAX_COMMITS,
                        String.valueOf(COMPACTION_COMMITS))
                    .snapshotProperty(LakeProperties.RUN_ID, options.runId())
                    .execute());
    if (result.failedDataFilesCount() > 0) {
      tally.note(
          result.failedDataFilesCount()
              + " data files were not compacted: their group conflicted with a concurrent "
              + "commit (nothing lost; the next run compacts them)");
    }
    return new Compaction(
        result.rewrittenDataFilesCount(),
        result.addedDataFilesCount(),
        result.removedDeleteFilesCount());
  }

  // ---------------------------------------------------------------- expiry and orphans

  private Expiry expire(Table table, Tally tally, long windowStart) {
    table.refresh();
    Map<Long, String> needed = new LinkedHashMap<>();
    Checkpoint.latest(table)
        .ifPresent(
            cp ->
                needed.put(
                    cp.snapshotId(),
                    "it carries the latest checkpoint, which the next incremental run starts"
                        + " from"));
    RetentionPlan plan = RetentionPlan.of(table, windowStart, needed);
    List<String> asOfBranches =
        table.refs().keySet().stream()
            .filter(r -> r.startsWith(LakeProperties.AS_OF_BRANCH_PREFIX))
            .sorted()
            .toList();
    if (!asOfBranches.isEmpty()) {
      tally.plan(
          "keep "
              + asOfBranches.size()
              + " as-of branches and their snapshots until they are dropped (ALTER TABLE "
              + tally.table()
              + " DROP BRANCH <name>): "
              + String.join(", ", asOfBranches));
    }
    tally.plan(plan.deletingPlan(table));
    long filesDeleted = 0;
    if (!plan.expire().isEmpty()) {
      DeleteGuard guard = guard(table, tally);
      if (!options.dryRun()) {
        CommitRetry.attempt(
            "expire snapshots of",
            table,
            tally,
            () -> {
              var action =
                  SparkActions.get(spark)
                      .expireSnapshots(table)
                      .expireOlderThan(0L)
                      .deleteWith(guard::delete);
              plan.expire().forEach(action::expireSnapshotId);
              return action.execute();
            });
        guard.check("expire snapshots");
      }
      filesDeleted = guard.deleted();
    }
    return new Expiry(
        plan.expire().size(), plan.keptFromSnapshotId(), plan.keptBecause(), filesDeleted);
  }

  private long deleteOrphans(Table table, Tally tally, long orphanCutoff) {
    tally.plan(
        String.format(
            "delete orphan files: files under %s that no snapshot references and that are older"
                + " than %s (margin %d h)",
            table.location(), Instant.ofEpochMilli(orphanCutoff), options.orphanMarginHours()));
    table.refresh();
    DeleteGuard guard = guard(table, tally);
    DeleteOrphanFilesSparkAction action =
        SparkActions.get(spark)
            .deleteOrphanFiles(table)
            .location(table.location())
            .olderThan(orphanCutoff)
            .deleteWith(guard::delete);
    if (table.io() instanceof SupportsPrefixOperations) {
      action.usePrefixListing(true);
    }
    DeleteOrphanFiles.Result result = action.execute();
    guard.check("delete orphan files");
    if (options.dryRun() && guard.deleted() > 0) {
      tally.plan("  orphans: " + guard.deleted() + ", e.g. " + String.join(", ", guard.listed()));
    }
    LOG.debug("Orphan files of {}: {}", tally.table(), result.orphanFilesCount());
    return guard.deleted();
  }
}
