package io.triplake.maintenance;

import io.triplake.lake.Lake;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * Maintains the lake's Iceberg tables without ever losing data.
 *
 * <p><b>{@code trips.tripsummary}</b>: compaction of small data files and of the position deletes the
 * aggregator's MERGEs leave, sorted by {@code deviceid, tripstart} (what Athena's queries filter on),
 * to a target size; manifest rewrite; snapshot expiry that keeps the time-travel window and the
 * snapshot with the latest checkpoint; orphan cleanup limited to the table's own location and to
 * files older than a safety margin.
 *
 * <p><b>Raw tables</b>: their data files are the loggers' own files, registered in place. They get a
 * manifest rewrite and a snapshot expiry that removes snapshot metadata only. No data file is ever
 * rewritten, no file of any kind is ever deleted, and {@code gc.enabled} stays false for every reader.
 * Every raw snapshot that the latest checkpoint, a checkpoint of a kept tripsummary snapshot or the
 * time-travel window needs is kept.
 *
 * <p>Everything is checked before anything is committed: options that would rewrite or delete raw
 * data files are refused, and so is a lake where a table location overlaps a raw source prefix.
 */
public interface TableMaintainer {
  /** Days of time travel that stay possible: the snapshot current at any moment of the window is kept. */
  String RETENTION_DAYS = "retention-days";
  int RETENTION_DAYS_DEFAULT = 7;

  /** Files in the tripsummary location younger than this are never orphans (a writer may not have committed yet). */
  String ORPHAN_MARGIN_HOURS = "orphan-margin-hours";
  int ORPHAN_MARGIN_HOURS_DEFAULT = 72;
  /** The longest job run (aggregate: 4 h on EMR) with a wide margin. */
  int ORPHAN_MARGIN_HOURS_MIN = 24;

  /** Size of the tripsummary data files compaction writes. */
  String TARGET_FILE_SIZE_MB = "target-file-size-mb";
  int TARGET_FILE_SIZE_MB_DEFAULT = 128;
  int TARGET_FILE_SIZE_MB_MAX = 2048;

  /** Steps of tripsummary maintenance, each on by default ({@code true}/{@code false}). */
  String SUMMARY_REWRITE_DATA_FILES = "tripsummary.rewrite-data-files";
  String SUMMARY_REWRITE_MANIFESTS = "tripsummary.rewrite-manifests";
  String SUMMARY_EXPIRE_SNAPSHOTS = "tripsummary.expire-snapshots";
  String SUMMARY_DELETE_ORPHAN_FILES = "tripsummary.delete-orphan-files";

  /** Steps of raw-table maintenance, each on by default ({@code true}/{@code false}). */
  String RAW_REWRITE_MANIFESTS = "raw.rewrite-manifests";
  String RAW_EXPIRE_SNAPSHOTS = "raw.expire-snapshots";

  /**
   * What other maintenance tools offer for every table and this job refuses for raw tables: each would
   * rewrite or delete the loggers' data files. Setting one to {@code true} fails; {@code false} is accepted.
   */
  String RAW_REWRITE_DATA_FILES = "raw.rewrite-data-files";
  String RAW_DELETE_ORPHAN_FILES = "raw.delete-orphan-files";
  String RAW_CLEAN_EXPIRED_FILES = "raw.clean-expired-files";

  static TableMaintainer of(Lake lake, SparkSession spark) {
    return new SparkTableMaintainer(lake, spark, Clock.systemUTC());
  }

  TableMaintainer retentionDays(int days);

  TableMaintainer orphanMarginHours(int hours);

  TableMaintainer targetFileSizeMb(int megabytes);

  /** Leave the raw tables alone (they are still read: the overlap check and the checkpoints need them). */
  TableMaintainer skipRawTables();

  TableMaintainer skipTripSummary();

  /** Plan only: commit nothing, delete nothing; {@link TableResult#plan()} says what a run would do. */
  TableMaintainer dryRun();

  TableMaintainer runId(String runId);

  /** One of the option keys above, as the command line and job configurations pass them. */
  TableMaintainer option(String key, String value);

  default TableMaintainer options(Map<String, String> options) {
    options.forEach(this::option);
    return this;
  }

  Result execute();

  /**
   * What maintenance did to one table. File and manifest counts are those of the table's current
   * snapshot. In a dry run the "after" counts equal the "before" ones, and the step counts say what a
   * run would do (except {@code filesDeleted}: which files an expiry frees is only known once it commits).
   *
   * @param kind {@code tripsummary} or {@code raw}
   * @param rewrittenDataFiles data files replaced by compaction; {@code addedDataFiles} replace them
   * @param removedDeleteFiles delete files that compaction made unnecessary
   * @param snapshotsExpired snapshots removed from the table's metadata
   * @param keptFromSnapshotId the oldest snapshot kept in the current history; all newer ones are kept
   * @param keptBecause why that one: the time-travel window, or a checkpoint that still needs it
   * @param filesDeleted files of expired snapshots deleted (tripsummary only; always 0 for raw tables)
   * @param orphanFilesDeleted files no snapshot references, deleted from the tripsummary location
   * @param plan one line per step: what it does (dry run: what it would do)
   * @param notes what an operator should know: skipped steps, conflicts with concurrent writers
   */
  record TableResult(
      String table,
      String kind,
      int dataFilesBefore,
      int dataFilesAfter,
      int deleteFilesBefore,
      int deleteFilesAfter,
      int manifestsBefore,
      int manifestsAfter,
      int snapshotsBefore,
      int snapshotsAfter,
      int rewrittenDataFiles,
      int addedDataFiles,
      int removedDeleteFiles,
      int rewrittenManifests,
      int addedManifests,
      int snapshotsExpired,
      Long keptFromSnapshotId,
      String keptBecause,
      long filesDeleted,
      long orphanFilesDeleted,
      List<String> plan,
      List<String> notes,
      double seconds) {

    public TableResult {
      plan = List.copyOf(plan);
      notes = List.copyOf(notes);
    }

    public String summary() {
      return String.format("%s (%s): data files %d -> %d, delete files %d -> %d, manifests %d -> %d, snapshots %d -> %d "
              + "(%d expired, kept from %s: %s), %d files and %d orphans deleted in %.1f s",
          table, kind, dataFilesBefore, dataFilesAfter, deleteFilesBefore, deleteFilesAfter, manifestsBefore, manifestsAfter,
          snapshotsBefore, snapshotsAfter, snapshotsExpired, keptFromSnapshotId, keptBecause, filesDeleted, orphanFilesDeleted,
          seconds);
    }
  }

  /**
   * What a run did.
   *
   * @param total the tables' figures summed ({@code table} is {@code total})
   */
  record Result(String runId, boolean dryRun, List<TableResult> tables, TableResult total, List<String> notes, double seconds) {
    public Result {
      tables = List.copyOf(tables);
      notes = List.copyOf(notes);
    }

    public String summary() {
      return String.format("Maintenance%s run %s: %d tables; data files %d -> %d, delete files %d -> %d, manifests %d -> %d, "
              + "snapshots %d -> %d (%d expired); %d expired files and %d orphan files deleted; in %.1f s%s",
          dryRun ? " (dry run: nothing committed or deleted)" : "", runId, tables.size(), total.dataFilesBefore(),
          total.dataFilesAfter(), total.deleteFilesBefore(), total.deleteFilesAfter(), total.manifestsBefore(),
          total.manifestsAfter(), total.snapshotsBefore(), total.snapshotsAfter(), total.snapshotsExpired(), total.filesDeleted(),
          total.orphanFilesDeleted(), seconds, notes.isEmpty() ? "" : "; " + String.join("; ", notes));
    }

    public TableResult table(String name) {
      return tables.stream().filter(t -> t.table().equals(name)).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("Cannot find table in the maintenance result: " + name));
    }
  }
}
