package io.triplake.trips;

import io.triplake.ingest.RawFileRegistrar;
import io.triplake.lake.FetchedFiles;
import io.triplake.lake.Lake;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.function.Supplier;
import org.apache.iceberg.io.FileIO;
import org.apache.spark.sql.SparkSession;

/**
 * Registration and the trip job in one run that reads each new raw file once: S3 bills a GET the
 * same for a file's footer as for the whole small file, so separate {@code register} and {@code
 * aggregate} runs pay two GETs per file where one serves both.
 *
 * <p>The source is listed once and taken a few devices at a time (at most {@link #batchBytes} of
 * listed files per part, a device never split): each part is registered with every new file fetched
 * whole and kept on local disk ({@link FetchedFiles}), then the trip job runs incrementally on the
 * driver's threads, reading the kept files from disk, and the part's files are dropped. The tables
 * end exactly as {@code register} then {@code aggregate} leave them: each part is one ordinary
 * registration and one ordinary incremental trip run, so a run stopped anywhere is caught up by the
 * next (registration skips what it registered, the trip job starts from its checkpoint).
 */
public interface TripIngest {
  /**
   * Listed bytes per part: the local disk the kept files need at most (EMR Serverless workers have
   * 20 GB by default), and few enough parts that each one's fixed cost (its commits, the trip job's
   * metadata reads) stays small next to its reading.
   */
  long BATCH_BYTES_DEFAULT = 8L << 30;

  static TripIngest of(
      Lake lake, FileIO sourceIO, Supplier<SparkSession> spark, TripConfig config) {
    return new BatchedTripIngest(lake, sourceIO, spark, config);
  }

  /** The root of the raw lake, as for {@link RawFileRegistrar#source}. */
  TripIngest source(String rootLocation);

  /** As {@link RawFileRegistrar#lastDays}. */
  TripIngest lastDays(int days, LocalDate until);

  TripIngest runId(String runId);

  /** Footer (here: whole-file) reads in flight, as {@link RawFileRegistrar#parallelism}. */
  TripIngest parallelism(int reads);

  /** At most this many listed bytes per part ({@link #BATCH_BYTES_DEFAULT}). */
  TripIngest batchBytes(long bytes);

  /** Where the parts' files are kept while the trip job needs them (default: java.io.tmpdir). */
  TripIngest keepDir(Path dir);

  /**
   * As {@link TripAggregator#driverRowsMax}; default unlimited, since only this process's threads
   * see the kept files (Spark executors elsewhere would fetch them again).
   */
  TripIngest driverRowsMax(long rows);

  Result execute();

  /**
   * One part of the run.
   *
   * @param devices the devices whose files it listed
   * @param listedFiles files listed for them
   * @param listedBytes their bytes
   * @param aggregated the trip run after its registration; null when none ran yet: on a new lake,
   *     until the raw tables the config names all exist, the next part's trip run covers its files
   */
  record Part(
      List<String> devices,
      int listedFiles,
      long listedBytes,
      RawFileRegistrar.Result registered,
      TripAggregator.Result aggregated) {}

  /**
   * @param kept what the kept files saved: files kept and the trip job's reads served from them
   */
  record Result(
      String runId, String source, List<Part> parts, FetchedFiles.Tally kept, double seconds) {
    public int registeredFiles() {
      return parts.stream().mapToInt(p -> p.registered().registeredFiles()).sum();
    }

    /** Every part's registration was clean (nothing rejected, changed or missing). */
    public boolean clean() {
      return parts.stream().allMatch(p -> p.registered().clean());
    }

    public String summary() {
      List<TripAggregator.Result> runs =
          parts.stream().map(Part::aggregated).filter(java.util.Objects::nonNull).toList();
      long trips = runs.stream().mapToLong(r -> r.work().trips()).sum();
      long rowsRead = runs.stream().mapToLong(r -> r.work().rowsRead()).sum();
      return String.format(
          java.util.Locale.ROOT,
          "Ingest %s of %s: %d parts, %d files registered, %d trips summarised from %d rows;"
              + " %d files kept for the trip job, %d reads served from them; %.1f s",
          runId,
          source,
          parts.size(),
          registeredFiles(),
          trips,
          rowsRead,
          kept.filesKept(),
          kept.reads(),
          seconds);
    }
  }
}
