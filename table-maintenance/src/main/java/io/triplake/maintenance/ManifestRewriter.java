package io.triplake.maintenance;

import static io.triplake.maintenance.MaintenanceOptions.MB;

import io.triplake.lake.LakeProperties;
import io.triplake.maintenance.TableMaintainer.ManifestRewrite;
import java.util.List;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.actions.RewriteManifests;
import org.apache.iceberg.relocated.com.google.common.collect.Iterables;
import org.apache.iceberg.spark.actions.SparkActions;
import org.apache.iceberg.util.PropertyUtil;
import org.apache.spark.sql.SparkSession;

/**
 * The step both kinds of table get: Iceberg's manifest rewrite, clustered by partition; data files
 * stay as they are.
 */
final class ManifestRewriter {
  private final SparkSession spark;
  private final MaintenanceOptions options;

  ManifestRewriter(SparkSession spark, MaintenanceOptions options) {
    this.spark = spark;
    this.options = options;
  }

  ManifestRewrite rewrite(Table table, Tally tally) {
    table.refresh();
    Snapshot current = table.currentSnapshot();
    if (current == null) {
      tally.plan("rewrite manifests: nothing to do (no snapshot)");
      return ManifestRewrite.NONE;
    }
    List<ManifestFile> data = current.dataManifests(table.io());
    List<ManifestFile> deletes = current.deleteManifests(table.io());
    long target =
        PropertyUtil.propertyAsLong(
            table.properties(),
            TableProperties.MANIFEST_TARGET_SIZE_BYTES,
            TableProperties.MANIFEST_TARGET_SIZE_BYTES_DEFAULT);
    if (data.size() <= 1 && deletes.size() <= 1) {
      tally.plan(
          "rewrite manifests: nothing to do ("
              + data.size()
              + " data and "
              + deletes.size()
              + " delete manifests)");
      return ManifestRewrite.NONE;
    }
    long bytes =
        data.stream().mapToLong(ManifestFile::length).sum()
            + deletes.stream().mapToLong(ManifestFile::length).sum();
    tally.plan(
        String.format(
            "rewrite manifests: %d data and %d delete manifests (%.1f MB) into about %d, clustered"
                + " by partition; data files unchanged",
            data.size(),
            deletes.size(),
            bytes / (double) MB,
            Math.max(
                1,
                (data.isEmpty() ? 0 : 1) + (deletes.isEmpty() ? 0 : 1) + (int) (bytes / target))));
    if (options.dryRun()) {
      return ManifestRewrite.NONE;
    }
    RewriteManifests.Result result =
        CommitRetry.attempt(
            "rewrite the manifests of",
            table,
            tally,
            () ->
                SparkActions.get(spark)
                    .rewriteManifests(table)
                    .snapshotProperty(LakeProperties.RUN_ID, options.runId())
                    .execute());
    return new ManifestRewrite(
        Iterables.size(result.rewrittenManifests()), Iterables.size(result.addedManifests()));
  }
}
