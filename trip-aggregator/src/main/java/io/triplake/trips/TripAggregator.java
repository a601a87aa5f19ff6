package io.triplake.trips;

import io.triplake.lake.Lake;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * Keeps {@code trips.tripsummary} equal to a from-scratch computation of every trip in the raw tables.
 *
 * <p>An incremental run reads only what the raw tables committed since the checkpoint (from snapshot
 * metadata), recomputes exactly the trips that it touches (a late file can extend, merge or split a
 * trip of any day), and MERGEs the difference, with the new checkpoint in the same commit. A reprocess
 * run recomputes the trips that start on one day from the raw tables as they were at a chosen time,
 * and replaces that day's rows; it does not move the checkpoint.
 */
public interface TripAggregator {
  String RUN_ID_PROP = "trip-lake.run-id";
  String REPROCESS_DAY_PROP = "trip-lake.reprocess-day";
  String AS_OF_PROP = "trip-lake.as-of";

  static TripAggregator of(Lake lake, SparkSession spark, TripConfig config) {
    return new SparkTripAggregator(lake, spark, config);
  }

  TripAggregator runId(String runId);

  /** Recompute the trips that start on {@code day} (UTC) instead of running incrementally. */
  TripAggregator reprocessDay(LocalDate day);

  /**
   * With {@link #reprocessDay}: the raw tables as of this moment. A timestamp ({@code 2024-03-02T10:00:00Z},
   * {@code 2024-03-02 10:00:00} in UTC) or a snapshot id: of tripsummary (the raw snapshots its
   * checkpoint names) or of a raw table (its commit time). Default: now.
   */
  TripAggregator asOf(String timestampOrSnapshotId);

  Result execute();

  /** A raw table's snapshot read by a run. */
  record RawRead(String table, Long fromSnapshotId, Long toSnapshotId, int snapshots, int changedFiles, boolean fallback) {}

  /**
   * What a run did.
   *
   * @param mode {@code incremental}, {@code full} (no checkpoint yet) or {@code reprocess}
   * @param committed whether a tripsummary snapshot was committed
   * @param windows recompute windows (device x stretch of time)
   * @param trips trips found in those windows
   * @param filesRead raw files planned for reading (metadata), over all tables
   * @param rowsRead rows in those files
   * @param notes what an operator should know: fallbacks, config changes
   * @param reprocessDays with a changed config: the days a reprocess would refresh
   */
  record Result(
      String runId,
      String mode,
      boolean committed,
      Long snapshotId,
      Map<String, Long> checkpointBefore,
      Map<String, Long> checkpointAfter,
      List<RawRead> rawRead,
      int filesRead,
      long rowsRead,
      int devicesTouched,
      int windows,
      long trips,
      long tripsInserted,
      long tripsUpdated,
      long tripsDeleted,
      long rowsUpserted,
      long rowsDeleted,
      String configFingerprint,
      List<String> notes,
      List<LocalDate> reprocessDays,
      double seconds) {

    public String summary() {
      return String.format("Trips %s run %s: %s; %d devices, %d windows, %d files (%d rows) read, %d trips; trips +%d ~%d -%d "
              + "(%d rows upserted, %d deleted); checkpoint %s -> %s in %.1f s%s",
          mode, runId, committed ? "committed snapshot " + snapshotId : "nothing to commit", devicesTouched, windows,
          filesRead, rowsRead, trips, tripsInserted, tripsUpdated, tripsDeleted, rowsUpserted, rowsDeleted, checkpointBefore,
          checkpointAfter, seconds, notes.isEmpty() ? "" : "; " + String.join("; ", notes));
    }
  }
}
