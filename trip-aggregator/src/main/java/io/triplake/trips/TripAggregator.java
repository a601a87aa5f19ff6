package io.triplake.trips;

import io.triplake.lake.Checkpoint;
import io.triplake.lake.Lake;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;

/**
 * Keeps {@code trips.tripsummary} equal to a from-scratch computation of every trip in the raw
 * tables.
 *
 * <p>An incremental run reads only what the raw tables committed since the checkpoint (from
 * snapshot metadata), recomputes exactly the trips that it touches (a late file can extend, merge
 * or split a trip of any day), and MERGEs the difference, with the new checkpoint in the same
 * commit.
 *
 * <p>Reprocessing one day never leaves the table silently different from a from-scratch run:
 *
 * <ul>
 *   <li>{@code reprocessDay(d)} recomputes the day from today's raw tables into main (and releases
 *       a pin of d);
 *   <li>{@code reprocessDay(d).asOf(t)} computes the day from the raw tables as of t into the
 *       tripsummary branch {@code asof_<d>_<t>}; main and the checkpoint stay as they are;
 *   <li>{@code reprocessDay(d).asOf(t).publish()} writes those rows into main and pins d in the
 *       checkpoint: incremental runs leave the day's trips alone, and every report lists it, until
 *       {@code reprocessDay(d)} releases it.
 * </ul>
 */
public interface TripAggregator {
  /**
   * System property naming how the trip job reads raw files: {@value #RAW_READER_DEFAULT} (the
   * project's own Parquet page decoder), {@code iceberg} (Iceberg's generic records) or {@code
   * iceberg-vectorized} (Iceberg's vectorized Spark batches). A switch for measuring one against
   * the other ({@code ./trip-lake bench trips --reader}); a task reads it in its executor's JVM.
   */
  String RAW_READER = "trip-lake.raw-reader";

  String RAW_READER_DEFAULT = "raw-columns";
  List<String> RAW_READERS = List.of(RAW_READER_DEFAULT, "iceberg", "iceberg-vectorized");

  /**
   * Raw files a task fetches ahead of the one it decodes, so that an object store's wait per
   * request overlaps the decoding (each is held whole in memory, up to 16 MB).
   */
  int FILES_FETCHED_AHEAD = TripPass.READ_AHEAD_FILES;

  /**
   * System property for the default of {@link #driverRowsMax}: a small run that planned at most
   * this many raw rows passes them on threads of the driver, a larger one in Spark tasks.
   */
  String DRIVER_ROWS_MAX = "trip-lake.driver-rows-max";

  /**
   * On one machine the driver's threads and Spark's local tasks share the same cores, and a day of
   * 10 devices (12.2 M rows) cost the same CPU either way (docs/measurements.md): below this, a run
   * gains nothing from Spark tasks and pays for starting them. Above it (a day of 50 devices, 61 M
   * rows, and more) the pass goes to Spark tasks as before, where a cluster's executors add cores
   * the driver does not have.
   */
  long DRIVER_ROWS_MAX_DEFAULT = 50_000_000L;

  /** A job on a session that is already running (tests, spark-submit). */
  static TripAggregator of(Lake lake, SparkSession spark, TripConfig config) {
    java.util.Objects.requireNonNull(spark, "spark");
    return new SparkTripAggregator(lake, spark, () -> spark, config);
  }

  /**
   * A job that starts Spark only when a step needs it: a run with nothing new, or one whose rows
   * the driver passes and commits without Spark, never calls {@code spark}.
   */
  static TripAggregator of(Lake lake, Supplier<SparkSession> spark, TripConfig config) {
    return new SparkTripAggregator(lake, null, spark, config);
  }

  /**
   * Runs the trip pass on a thread per core in the driver when the planned raw files hold at most
   * {@code maxRows} rows (from Iceberg's metadata), in Spark tasks above: the same units and the
   * same pass either way. Default: the system property {@value #DRIVER_ROWS_MAX}, else {@link
   * #DRIVER_ROWS_MAX_DEFAULT}; 0 sends every run to Spark, {@link Long#MAX_VALUE} none.
   */
  TripAggregator driverRowsMax(long maxRows);

  TripAggregator runId(String runId);

  /** Recompute the trips that start on {@code day} (UTC) instead of running incrementally. */
  TripAggregator reprocessDay(LocalDate day);

  /**
   * With {@link #reprocessDay}: the raw tables as of this moment. A timestamp with its zone ({@code
   * 2024-03-02T10:00:00Z}, {@code 2024-03-02T11:00:00+01:00}: the job contract's formats, the DAGs'
   * too) or a snapshot id: of tripsummary (the raw snapshots its checkpoint names) or of a raw
   * table (its commit time). Default: now.
   */
  TripAggregator asOf(String timestampOrSnapshotId);

  /**
   * With {@link #asOf}: a raw table (its name, {@code raw.can2_gnss_imu}, or its message) that held
   * no data at that moment, because it was created later. Without it, such a table fails the run:
   * reading a table as empty by mistake would delete the day's trips.
   */
  TripAggregator emptyAtAsOf(String rawTableOrMessage);

  /**
   * With {@link #asOf}: write the day's rows into main as well and pin the day (see the class
   * comment).
   */
  TripAggregator publish();

  Result execute();

  /** A raw table's snapshot read by a run. */
  record RawRead(
      String table,
      Long fromSnapshotId,
      Long toSnapshotId,
      int snapshots,
      int changedFiles,
      boolean fallback) {}

  /** What kind of run it was. */
  enum Mode {
    /** From the checkpoint on. */
    INCREMENTAL,
    /** No checkpoint yet: everything. */
    FULL,
    /** One day, from today's raw files or as of a moment. */
    REPROCESS;

    @com.fasterxml.jackson.annotation.JsonValue
    @Override
    public String toString() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * What a run read and found.
   *
   * @param devicesTouched devices with at least one recompute window
   * @param windows recompute windows (device x stretch of time)
   * @param filesRead raw files planned for reading (metadata), over all tables
   * @param rowsRead rows in those files
   * @param trips trips found in those windows
   * @param executor where the trip pass ran: {@code driver} (threads of the driver), {@code spark}
   *     (Spark tasks) or {@code none} (nothing to read)
   */
  record Work(
      int devicesTouched, int windows, int filesRead, long rowsRead, long trips, String executor) {}

  /** What a run changed in tripsummary: trips (by id) and rows. */
  record Changes(
      long tripsInserted,
      long tripsUpdated,
      long tripsDeleted,
      long rowsUpserted,
      long rowsDeleted) {
    static final Changes NONE = new Changes(0, 0, 0, 0, 0);

    /** Whether any row changed (and so a snapshot was committed). */
    public boolean any() {
      return rowsUpserted + rowsDeleted > 0;
    }
  }

  /**
   * What a run did to {@code trips.devicedays}.
   *
   * @param days the (device, message, day) rows recomputed
   * @param filesRead raw files whose {@code t} was read for them (files the trip pass did not read
   *     whole, or that overlap another file in time)
   * @param rowsRead the rows of those files
   * @param filesFromPass raw files whose figures came from the trip pass's read of them
   * @param changes the rows inserted, updated and deleted (a "trip" here is a row)
   * @param seconds of the run's time, what the table took
   */
  record DeviceDayWork(
      long days,
      long filesRead,
      long rowsRead,
      long filesFromPass,
      Changes changes,
      double seconds) {}

  /**
   * What a run did. The JSON report keeps one flat object: {@link Work} and {@link Changes} are
   * unwrapped.
   *
   * @param committed whether a tripsummary snapshot was committed (on main, or on the as-of branch)
   * @param tripsTable what the run changed in the trips table (one row per trip)
   * @param snapshotId main's snapshot this run committed; for an as-of run, the branch's head
   * @param notes what an operator should know: fallbacks, config changes
   * @param reprocessDays with a changed config: the days a reprocess would refresh
   * @param branch the tripsummary branch an as-of reprocess committed to (null: main)
   * @param pinnedDays after the run: days whose trips main keeps as published from an earlier
   *     moment
   * @param tripsTableSeconds of {@code seconds}, the time spent comparing and committing the trips
   *     table's rows (what the table adds to a run beyond its share of the pass)
   * @param deviceDays what the run did to trips.devicedays
   */
  record Result(
      String runId,
      Mode mode,
      boolean committed,
      Long snapshotId,
      Map<String, Long> checkpointBefore,
      Map<String, Long> checkpointAfter,
      List<RawRead> rawRead,
      @com.fasterxml.jackson.annotation.JsonUnwrapped Work work,
      @com.fasterxml.jackson.annotation.JsonUnwrapped Changes changes,
      Changes tripsTable,
      String configFingerprint,
      List<String> notes,
      List<LocalDate> reprocessDays,
      String branch,
      Map<LocalDate, Checkpoint.Pin> pinnedDays,
      double seconds,
      double tripsTableSeconds,
      DeviceDayWork deviceDays) {

    public String summary() {
      return String.format(
              "Trips %s run %s: %s; %d devices, %d windows, %d files (%d rows) read by %s, %d"
                  + " trips; trips +%d ~%d -%d (%d rows upserted, %d deleted; trips table %d"
                  + " upserted, %d deleted); devicedays %d rows recomputed from %d files read"
                  + " and %d of the pass (%d upserted, %d deleted); checkpoint %s -> %s in %.1f"
                  + " s%s",
              mode,
              runId,
              committed ? "committed snapshot " + snapshotId : "nothing to commit",
              work.devicesTouched(),
              work.windows(),
              work.filesRead(),
              work.rowsRead(),
              work.executor(),
              work.trips(),
              changes.tripsInserted(),
              changes.tripsUpdated(),
              changes.tripsDeleted(),
              changes.rowsUpserted(),
              changes.rowsDeleted(),
              tripsTable.rowsUpserted(),
              tripsTable.rowsDeleted(),
              deviceDays.days(),
              deviceDays.filesRead(),
              deviceDays.filesFromPass(),
              deviceDays.changes().rowsUpserted(),
              deviceDays.changes().rowsDeleted(),
              checkpointBefore,
              checkpointAfter,
              seconds,
              notes.isEmpty() ? "" : "; " + String.join("; ", notes))
          + (branch == null ? "" : "; on branch " + branch + " (main untouched)")
          + (pinnedDays.isEmpty() ? "" : "; " + pinned(pinnedDays));
    }

    /** The pinned days, and how to release them: said by every run, so a pin is never forgotten. */
    public static String pinned(Map<LocalDate, Checkpoint.Pin> pins) {
      StringBuilder text = new StringBuilder("pinned days (kept as published, not recomputed): ");
      String sep = "";
      for (Map.Entry<LocalDate, Checkpoint.Pin> e : new java.util.TreeMap<>(pins).entrySet()) {
        text.append(sep).append(e.getKey()).append(" as of ").append(e.getValue().asOf());
        sep = ", ";
      }
      return text.append("; release one with --reprocess-day DAY (no --as-of)").toString();
    }
  }
}
