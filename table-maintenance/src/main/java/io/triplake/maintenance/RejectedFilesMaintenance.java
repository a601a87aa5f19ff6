package io.triplake.maintenance;

import io.triplake.maintenance.TableMaintainer.Compaction;
import io.triplake.maintenance.TableMaintainer.Expiry;
import io.triplake.maintenance.TableMaintainer.Kind;
import io.triplake.maintenance.TableMaintainer.ManifestRewrite;
import io.triplake.maintenance.TableMaintainer.TableResult;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.ExpireSnapshots;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;

/**
 * The rejected-files table's one step: snapshot expiry with the time-travel window of every other
 * table, through Iceberg's Java API. Its data files are registration's own (each run that changes
 * the table rewrites it whole into one file), so the files only expired snapshots reference are
 * deleted, through a {@link DeleteGuard}: inside the table's own locations only. It is not a raw
 * table (no loggers' files, GC on) and has nothing to compact, rewrite or clean up otherwise.
 */
final class RejectedFilesMaintenance {
  private final MaintenanceOptions options;
  private final List<String> protectedLocations;

  /**
   * @param protectedLocations raw sources and raw table locations, which no step deletes from
   */
  RejectedFilesMaintenance(MaintenanceOptions options, List<String> protectedLocations) {
    this.options = options;
    this.protectedLocations = List.copyOf(protectedLocations);
  }

  TableResult maintain(TableIdentifier id, Table table, long windowStart) {
    Tally tally = new Tally(id.toString(), Kind.REJECTED_FILES, table);
    Expiry expiry = Expiry.NONE;
    if (!options.step(TableMaintainer.REJECTED_FILES_EXPIRE_SNAPSHOTS)) {
      tally.note(
          "snapshot expiry skipped (" + TableMaintainer.REJECTED_FILES_EXPIRE_SNAPSHOTS + ")");
    } else if (!LakeSafety.gcEnabled(table)) {
      tally.note("snapshot expiry skipped: the table has gc.enabled=false");
    } else {
      expiry = expire(table, tally, windowStart);
    }
    return tally.result(table, Compaction.NONE, ManifestRewrite.NONE, expiry, 0);
  }

  private Expiry expire(Table table, Tally tally, long windowStart) {
    table.refresh();
    RetentionPlan plan = RetentionPlan.of(table, windowStart, Map.of());
    tally.plan(plan.deletingPlan(table));
    if (plan.expire().isEmpty()) {
      return new Expiry(0, plan.keptFromSnapshotId(), plan.keptBecause(), 0);
    }
    DeleteGuard guard = DeleteGuard.of(tally, table, protectedLocations, options.dryRun());
    if (!options.dryRun()) {
      CommitRetry.attempt(
          "expire snapshots of",
          table,
          tally,
          () -> {
            // Only the named snapshots: nothing is old enough to go by age.
            ExpireSnapshots expire =
                table.expireSnapshots().expireOlderThan(0L).deleteWith(guard::delete);
            plan.expire().forEach(expire::expireSnapshotId);
            expire.commit();
            return null;
          });
      guard.check("expire snapshots");
    }
    return new Expiry(
        plan.expire().size(), plan.keptFromSnapshotId(), plan.keptBecause(), guard.deleted());
  }
}
