package io.triplake.maintenance;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.annotation.JsonValue;
import io.triplake.lake.Lake;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.function.BinaryOperator;
import java.util.function.Function;
import org.apache.spark.sql.SparkSession;

/**
 * Maintains the lake's Iceberg tables without ever losing data.
 *
 * <p><b>{@code trips.tripsummary}</b>: compaction of small data files and of the position deletes
 * the aggregator's MERGEs leave, sorted by {@code deviceid, tripstart} (what Athena's queries
 * filter on), to a target size; manifest rewrite; snapshot expiry that keeps the time-travel window
 * and the snapshot with the latest checkpoint; orphan cleanup limited to the table's own location
 * and to files older than a safety margin.
 *
 * <p><b>Raw tables</b>: their data files are the loggers' own files, registered in place. They get
 * a manifest rewrite and a snapshot expiry that removes snapshot metadata only. No data file is
 * ever rewritten, no file of any kind is ever deleted, and {@code gc.enabled} stays false for every
 * reader. Every raw snapshot that the latest checkpoint, a checkpoint of a kept tripsummary
 * snapshot or the time-travel window needs is kept.
 *
 * <p><b>{@code raw._rejected_files}</b> (the files registration rejects): snapshot expiry with the
 * same time-travel window, deleting the files only expired snapshots reference, inside its own
 * location. It sits next to the raw tables but is none of them (its files are the lake's own).
 *
 * <p>Everything is checked before anything is committed: options that would rewrite or delete raw
 * data files are refused, and so is a lake where a table location overlaps a raw source prefix.
 */
public interface TableMaintainer {
  /**
   * Days of time travel that stay possible: the snapshot current at any moment of the window is
   * kept.
   */
  String RETENTION_DAYS = "retention-days";

  int RETENTION_DAYS_DEFAULT = 7;

  /**
   * Files in the tripsummary location younger than this are never orphans (a writer may not have
   * committed yet).
   */
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
   * What other maintenance tools offer for every table and this job refuses for raw tables: each
   * would rewrite or delete the loggers' data files. Setting one to {@code true} fails; {@code
   * false} is accepted.
   */
  String RAW_REWRITE_DATA_FILES = "raw.rewrite-data-files";

  String RAW_DELETE_ORPHAN_FILES = "raw.delete-orphan-files";
  String RAW_CLEAN_EXPIRED_FILES = "raw.clean-expired-files";

  /** The rejected-files table's one step, on by default ({@code true}/{@code false}). */
  String REJECTED_FILES_EXPIRE_SNAPSHOTS = "rejected-files.expire-snapshots";

  static TableMaintainer of(Lake lake, SparkSession spark) {
    return new SparkTableMaintainer(lake, spark, Clock.systemUTC());
  }

  TableMaintainer retentionDays(int days);

  TableMaintainer orphanMarginHours(int hours);

  TableMaintainer targetFileSizeMb(int megabytes);

  /**
   * Leave the raw tables alone (they are still read: the overlap check and the checkpoints need
   * them).
   */
  TableMaintainer skipRawTables();

  TableMaintainer skipTripSummary();

  /**
   * Plan only: commit nothing, delete nothing; {@link TableResult#plan()} says what a run would do.
   */
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
   * Whose figures a {@link TableResult} holds; the report and the summary line show the lower-case
   * label.
   */
  enum Kind {
    SUMMARY("tripsummary"),
    RAW("raw"),
    REJECTED_FILES("rejected-files"),
    /** The tables of a run summed ({@link Result#total()}). */
    TOTAL("total");

    private final String label;

    Kind(String label) {
      this.label = label;
    }

    @JsonValue
    @Override
    public String toString() {
      return label;
    }
  }

  /** File, manifest and snapshot counts of a table's current snapshot. */
  record Counts(int dataFiles, int deleteFiles, int manifests, int snapshots) {
    public static final Counts NONE = new Counts(0, 0, 0, 0);

    public Counts plus(Counts other) {
      return new Counts(
          dataFiles + other.dataFiles,
          deleteFiles + other.deleteFiles,
          manifests + other.manifests,
          snapshots + other.snapshots);
    }
  }

  /**
   * What compaction did (tripsummary only).
   *
   * @param rewrittenDataFiles data files replaced by compaction; {@code addedDataFiles} replace
   *     them
   * @param removedDeleteFiles delete files that compaction made unnecessary
   */
  record Compaction(int rewrittenDataFiles, int addedDataFiles, int removedDeleteFiles) {
    public static final Compaction NONE = new Compaction(0, 0, 0);

    public Compaction plus(Compaction other) {
      return new Compaction(
          rewrittenDataFiles + other.rewrittenDataFiles,
          addedDataFiles + other.addedDataFiles,
          removedDeleteFiles + other.removedDeleteFiles);
    }
  }

  /** What the manifest rewrite did (a dry run rewrites none). */
  record ManifestRewrite(int rewrittenManifests, int addedManifests) {
    public static final ManifestRewrite NONE = new ManifestRewrite(0, 0);

    public ManifestRewrite plus(ManifestRewrite other) {
      return new ManifestRewrite(
          rewrittenManifests + other.rewrittenManifests, addedManifests + other.addedManifests);
    }
  }

  /**
   * What snapshot expiry did.
   *
   * @param snapshotsExpired snapshots removed from the table's metadata
   * @param keptFromSnapshotId the oldest snapshot kept in the current history; all newer ones are
   *     kept
   * @param keptBecause why that one: the time-travel window, or a checkpoint that still needs it
   * @param filesDeleted files of expired snapshots deleted (tripsummary only; always 0 for raw
   *     tables)
   */
  record Expiry(
      int snapshotsExpired, Long keptFromSnapshotId, String keptBecause, long filesDeleted) {
    public static final Expiry NONE = new Expiry(0, null, null, 0);

    /** The counts summed; which snapshot is kept is a table's own, so a sum has none. */
    public Expiry plus(Expiry other) {
      return new Expiry(
          snapshotsExpired + other.snapshotsExpired, null, null, filesDeleted + other.filesDeleted);
    }
  }

  /**
   * What maintenance did to one table. In a dry run the "after" counts equal the "before" ones, and
   * the step figures say what a run would do (except {@link Expiry#filesDeleted()}: which files an
   * expiry frees is only known once it commits).
   *
   * <p>The report ({@code maintain-<run id>.json}) keeps one flat object per table: the step
   * figures are unwrapped under their own names, the counts as {@code dataFilesBefore}, {@code
   * dataFilesAfter} and so on.
   *
   * @param orphanFilesDeleted files no snapshot references, deleted from the tripsummary location
   * @param plan one line per step: what it does (dry run: what it would do)
   * @param notes what an operator should know: skipped steps, conflicts with concurrent writers
   */
  record TableResult(
      String table,
      Kind kind,
      @JsonUnwrapped(suffix = "Before") Counts before,
      @JsonUnwrapped(suffix = "After") Counts after,
      @JsonUnwrapped Compaction compaction,
      @JsonUnwrapped ManifestRewrite manifests,
      @JsonUnwrapped Expiry expiry,
      long orphanFilesDeleted,
      List<String> plan,
      List<String> notes,
      double seconds) {

    public TableResult {
      plan = List.copyOf(plan);
      notes = List.copyOf(notes);
    }

    public String summary() {
      return String.format(
          "%s (%s): data files %d -> %d, delete files %d -> %d, manifests %d -> %d, snapshots %d ->"
              + " %d (%d expired, kept from %s: %s), %d files and %d orphans deleted in %.1f s",
          table,
          kind,
          before.dataFiles(),
          after.dataFiles(),
          before.deleteFiles(),
          after.deleteFiles(),
          before.manifests(),
          after.manifests(),
          before.snapshots(),
          after.snapshots(),
          expiry.snapshotsExpired(),
          expiry.keptFromSnapshotId(),
          expiry.keptBecause(),
          expiry.filesDeleted(),
          orphanFilesDeleted,
          seconds);
    }
  }

  /** What a run did. */
  @JsonPropertyOrder({"runId", "dryRun", "tables", "total", "notes", "seconds"})
  record Result(
      String runId, boolean dryRun, List<TableResult> tables, List<String> notes, double seconds) {
    public Result {
      tables = List.copyOf(tables);
      notes = List.copyOf(notes);
    }

    /** The tables' figures summed ({@code table} is {@code total}). */
    @JsonProperty("total")
    public TableResult total() {
      return new TableResult(
          "total",
          Kind.TOTAL,
          sum(TableResult::before, Counts.NONE, Counts::plus),
          sum(TableResult::after, Counts.NONE, Counts::plus),
          sum(TableResult::compaction, Compaction.NONE, Compaction::plus),
          sum(TableResult::manifests, ManifestRewrite.NONE, ManifestRewrite::plus),
          sum(TableResult::expiry, Expiry.NONE, Expiry::plus),
          sum(TableResult::orphanFilesDeleted, 0L, Long::sum),
          List.of(),
          List.of(),
          sum(TableResult::seconds, 0.0, Double::sum));
    }

    private <T> T sum(Function<TableResult, T> figure, T zero, BinaryOperator<T> plus) {
      return tables.stream().map(figure).reduce(zero, plus);
    }

    public String summary() {
      TableResult total = total();
      return String.format(
          "Maintenance%s run %s: %d tables; data files %d -> %d, delete files %d -> %d, manifests"
              + " %d -> %d, snapshots %d -> %d (%d expired); %d expired files and %d orphan files"
              + " deleted; in %.1f s%s",
          dryRun ? " (dry run: nothing committed or deleted)" : "",
          runId,
          tables.size(),
          total.before().dataFiles(),
          total.after().dataFiles(),
          total.before().deleteFiles(),
          total.after().deleteFiles(),
          total.before().manifests(),
          total.after().manifests(),
          total.before().snapshots(),
          total.after().snapshots(),
          total.expiry().snapshotsExpired(),
          total.expiry().filesDeleted(),
          total.orphanFilesDeleted(),
          seconds,
          notes.isEmpty() ? "" : "; " + String.join("; ", notes));
    }

    public TableResult table(String name) {
      return tables.stream()
          .filter(t -> t.table().equals(name))
          .findFirst()
          .orElseThrow(
              () ->
                  new IllegalArgumentException(
                      "Cannot find table in the maintenance result: " + name));
    }
  }
}
