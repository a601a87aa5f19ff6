package io.triplake.maintenance;

import io.triplake.lake.Lake;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link TableMaintainer} with Iceberg's Spark actions for the heavy steps, each behind the checks
 * that make it safe for this lake; the raw-table expiry is a metadata-only transaction of the Java
 * API.
 *
 * <p>A run loads the tables ({@link LakeTables}), refuses an unsafe lake before any commit ({@link
 * LakeSafety}), then maintains tripsummary ({@link SummaryMaintenance}), the raw tables ({@link
 * RawMaintenance}) and the rejected-files table ({@link RejectedFilesMaintenance}) with the options
 * checked as they were set ({@link MaintenanceOptions}).
 */
final class SparkTableMaintainer implements TableMaintainer {
  private static final Logger LOG = LoggerFactory.getLogger(TableMaintainer.class);

  private final Lake lake;
  private final SparkSession spark;
  private final MaintenanceOptions options = new MaintenanceOptions();
  private Clock clock;

  SparkTableMaintainer(Lake lake, SparkSession spark, Clock clock) {
    this.lake = lake;
    this.spark = spark;
    this.clock = clock;
  }

  /**
   * The moment retention and the orphan margin count back from; tests move it forward instead of
   * waiting days.
   */
  SparkTableMaintainer clock(Clock newClock) {
    this.clock = newClock;
    return this;
  }

  @Override
  public TableMaintainer retentionDays(int days) {
    options.retentionDays(days);
    return this;
  }

  @Override
  public TableMaintainer orphanMarginHours(int hours) {
    options.orphanMarginHours(hours);
    return this;
  }

  @Override
  public TableMaintainer targetFileSizeMb(int megabytes) {
    options.targetFileSizeMb(megabytes);
    return this;
  }

  @Override
  public TableMaintainer skipRawTables() {
    options.rawTables(false);
    return this;
  }

  @Override
  public TableMaintainer skipTripSummary() {
    options.tripSummary(false);
    return this;
  }

  @Override
  public TableMaintainer dryRun() {
    options.dryRun(true);
    return this;
  }

  @Override
  public TableMaintainer runId(String id) {
    options.runId(id);
    return this;
  }

  @Override
  public TableMaintainer option(String key, String value) {
    options.option(key, value);
    return this;
  }

  @Override
  public Result execute() {
    long start = System.nanoTime();
    Instant now = clock.instant();
    long windowStart = now.minus(Duration.ofDays(options.retentionDays())).toEpochMilli();
    long orphanCutoff = now.minus(Duration.ofHours(options.orphanMarginHours())).toEpochMilli();

    // Everything is checked before anything is committed.
    LakeTables tables = LakeTables.load(lake, lake.catalog(spark));
    List<String> protectedLocations = LakeSafety.check(tables);

    ManifestRewriter manifests = new ManifestRewriter(spark, options);
    List<TableResult> results = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    if (tables.summary() == null) {
      notes.add(tables.summaryId() + " does not exist yet");
    } else if (options.tripSummary()) {
      SummaryMaintenance trips =
          new SummaryMaintenance(spark, options, manifests, protectedLocations);
      results.add(trips.maintain(tables.summaryId(), tables.summary(), windowStart, orphanCutoff));
      // The trips table is written by the same runs, carries the same checkpoints: the same steps.
      if (tables.trips() != null) {
        results.add(trips.maintain(tables.tripsId(), tables.trips(), windowStart, orphanCutoff));
      }
      // devicedays is written by the same runs and checkpoints its own reads: the same steps.
      if (tables.deviceDays() != null) {
        results.add(
            trips.maintain(tables.deviceDaysId(), tables.deviceDays(), windowStart, orphanCutoff));
      }
    }
    if (options.rawTables()) {
      // What the summaries still need is read after tripsummary's own expiry: the checkpoints of
      // the snapshots it kept.
      Map<String, Map<Long, String>> needs =
          RawMaintenance.needs(tables.summary(), tables.deviceDays(), windowStart);
      RawMaintenance raw = new RawMaintenance(options, manifests);
      tables
          .raw()
          .forEach(
              (id, table) ->
                  results.add(
                      raw.maintain(
                          id, table, needs.getOrDefault(id.toString(), Map.of()), windowStart)));
    }
    if (tables.rejectedFiles() != null) {
      results.add(
          new RejectedFilesMaintenance(options, protectedLocations)
              .maintain(tables.rejectedFilesId(), tables.rejectedFiles(), windowStart));
    }
    tables
        .others()
        .forEach(
            id ->
                notes.add(
                    id
                        + " left alone: it is neither a raw table (named after a message) nor a"
                        + " table of the lake's own"));
    if (!options.tripSummary()) {
      notes.add("tripsummary skipped");
    }
    if (!options.rawTables()) {
      notes.add("raw tables skipped");
    }
    Result result =
        new Result(options.runId(), options.dryRun(), results, notes, Tally.seconds(start));
    LOG.info(result.summary());
    return result;
  }
}
