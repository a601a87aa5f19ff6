package io.triplake.ingest;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.triplake.lake.FetchedFiles;
import io.triplake.lake.Lake;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.FileInfo;

/**
 * Registers raw CANedge Parquet files ({@code <deviceid>/<message>/yyyy/mm/dd/<file>.parquet}) into
 * one Iceberg table per message, in place (no copy) and each file exactly once.
 *
 * <p>Files are never modified, moved or deleted. A file that cannot be registered is named with its
 * reason in {@link Result#rejectedFiles()} and gets a row in the rejected-files table ({@code
 * Lake.REJECTED_FILES} in the raw namespace) until a run registers it; the good files of the same
 * run are still registered, one atomic commit per table.
 */
public interface RawFileRegistrar {
  /**
   * Footer reads in flight at once. On S3 each is one GET of tens of milliseconds, spent waiting,
   * not computing: 2,000 files/s at 30 ms needs about 60 in flight, whatever the cores.
   */
  int PARALLELISM_DEFAULT = 128;

  /**
   * Files whose footers are held at once: a table's new files are read and committed in slices of
   * at most this many, so memory does not grow with the day's files (a parsed footer is a few KB).
   */
  int FILES_PER_COMMIT_DEFAULT = 20_000;

  static RawFileRegistrar of(Lake lake, Catalog catalog, FileIO sourceIO) {
    return new CatalogRawFileRegistrar(lake, catalog, sourceIO);
  }

  /**
   * The root of the raw lake: a local directory or an object-store URI such as {@code
   * s3://bucket/}.
   */
  RawFileRegistrar source(String rootLocation);

  /**
   * Only look at folders dated within the {@code days} days ending at {@code until} (inclusive),
   * for daily runs that pick up late uploads without re-checking years of folders.
   */
  RawFileRegistrar lastDays(int days, LocalDate until);

  /**
   * Also check every file registered from this source against the listing: files that vanished or
   * changed size are reported.
   */
  RawFileRegistrar reconcile();

  RawFileRegistrar runId(String runId);

  RawFileRegistrar parallelism(int footerReads);

  /**
   * At most this many files per commit (and footers in memory); a table with more gets several
   * commits.
   */
  RawFileRegistrar filesPerCommit(int files);

  /**
   * Keeps each new file in {@code store} as its footer is read: the file is fetched whole (the same
   * one GET its tail would cost, for files up to {@link
   * io.triplake.lake.PrefetchedInputFile#WHOLE_DEFAULT}), so that the trip job run next in this
   * process reads it from local disk instead of fetching it again.
   */
  RawFileRegistrar keepFetchedIn(FetchedFiles store);

  /**
   * Registers these files of the source instead of listing it: a caller that listed the source once
   * and registers it in parts (a few devices at a time). Not with {@link #reconcile()}, which needs
   * the whole listing.
   */
  RawFileRegistrar listing(List<FileInfo> files);

  Result execute();

  /** A file that was not registered, and why. */
  record FileProblem(String path, String reason) {}

  /**
   * What a run changed in the rejected-files table ({@code raw._rejected_files}: one row per file
   * that registration rejects, with the reason and run of the latest rejection).
   *
   * @param recorded rows written for the files this run rejected (each replaces its file's older
   *     row)
   * @param cleared rows removed: their files are registered now (or, reconciling, gone from the
   *     source)
   * @param snapshotId the table's commit, or null when the run changed nothing in it
   */
  record RejectedFilesUpdate(String table, int recorded, int cleared, Long snapshotId) {}

  /** One table's commit in this run. */
  record TableCommit(String table, long snapshotId, int files, long rows, long bytes) {}

  /**
   * The files a run added to the raw tables.
   *
   * @param registeredFiles files added
   * @param registeredRows their rows (from the footers)
   * @param registeredBytes their sizes
   */
  record Added(int registeredFiles, long registeredRows, long registeredBytes) {}

  /**
   * The listed files a run left alone, as it should.
   *
   * @param skippedFiles files already registered with the same size
   * @param ignoredFiles listed files that are not Parquet by name or are hidden ({@code .x}, {@code
   *     _x})
   */
  record Passed(int skippedFiles, int ignoredFiles) {}

  /**
   * What a run did. The JSON report keeps one flat object: {@link Added} and {@link Passed} are
   * unwrapped.
   *
   * @param changedFiles registered files whose size changed since: not re-added
   * @param missingFiles registered files no longer in the source (reconcile only)
   * @param rejectedFiles files that could not be registered, with the reason
   * @param rejectedFilesTable what the run changed in the table that keeps the rejected files
   */
  record Result(
      String runId,
      String source,
      List<String> tablesCreated,
      List<String> columnsAdded,
      @JsonUnwrapped Added added,
      @JsonUnwrapped Passed passed,
      List<TableCommit> commits,
      List<FileProblem> changedFiles,
      List<FileProblem> missingFiles,
      List<FileProblem> rejectedFiles,
      RejectedFilesUpdate rejectedFilesTable,
      double seconds) {

    public int registeredFiles() {
      return added.registeredFiles();
    }

    public long registeredRows() {
      return added.registeredRows();
    }

    public long registeredBytes() {
      return added.registeredBytes();
    }

    public int skippedFiles() {
      return passed.skippedFiles();
    }

    public int ignoredFiles() {
      return passed.ignoredFiles();
    }

    /** True when every listed file is now registered unchanged. */
    public boolean clean() {
      return rejectedFiles.isEmpty() && changedFiles.isEmpty() && missingFiles.isEmpty();
    }

    /**
     * Each table's snapshot after the run: its last commit (a table with many new files gets
     * several).
     */
    public Map<String, Long> snapshotIds() {
      return commits.stream()
          .collect(
              java.util.stream.Collectors.toMap(
                  TableCommit::table, TableCommit::snapshotId, (a, b) -> b));
    }

    public String summary() {
      return String.format(
          "Registered %d files (%d rows, %d bytes) into %d tables from %s in %.1f s: %d tables"
              + " created, %d columns added, %d skipped as already registered, %d ignored, %d"
              + " changed, %d missing, %d rejected (run %s); %s: %d rows recorded, %d cleared",
          added.registeredFiles(),
          added.registeredRows(),
          added.registeredBytes(),
          commits.size(),
          source,
          seconds,
          tablesCreated.size(),
          columnsAdded.size(),
          passed.skippedFiles(),
          passed.ignoredFiles(),
          changedFiles.size(),
          missingFiles.size(),
          rejectedFiles.size(),
          runId,
          rejectedFilesTable.table(),
          rejectedFilesTable.recorded(),
          rejectedFilesTable.cleared());
    }
  }
}
