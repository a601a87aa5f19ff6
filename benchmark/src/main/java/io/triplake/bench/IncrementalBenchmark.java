package io.triplake.bench;

import io.triplake.ingest.RawFileRegistrar;
import io.triplake.lake.Lake;
import io.triplake.trips.TripAggregator;
import io.triplake.trips.TripConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.iceberg.io.FileIO;
import org.apache.spark.sql.SparkSession;

/**
 * The daily incremental trip job on top of histories of different lengths: the same new day (same
 * devices, same files) lands on a lake that already holds N days, registered and summarised, and
 * only the incremental run is timed. Its cost should not grow with the history.
 *
 * <p>The histories are built first (each in its own namespaces of one lake, so every incremental
 * run finds the JVM equally warm), then the new day is registered into each and aggregated.
 */
public final class IncrementalBenchmark {
  /** The new day every case adds. */
  static final LocalDate NEW_DAY = LocalDate.of(2024, 3, 1);

  private IncrementalBenchmark() {}

  /**
   * @param historyImuHz IMU rate of the history days; their rows are never read by the incremental
   *     run (only their metadata and summaries, and the trip that runs into the new day), so a
   *     lower rate only makes building the history cheaper
   */
  public record Options(
      int devices, int imuHz, int historyImuHz, List<Integer> historyDays, long seed) {
    public Options {
      historyDays = List.copyOf(historyDays);
      if (historyDays.isEmpty() || historyDays.stream().anyMatch(d -> d < 1)) {
        throw new IllegalArgumentException(
            "Cannot benchmark: history days must be at least 1 (" + historyDays + ")");
      }
    }
  }

  /**
   * One history length.
   *
   * @param historyFullSeconds the full trip job over the history (not part of the comparison)
   * @param incrementalSeconds the incremental trip job after the new day was registered
   */
  public record Case(
      int historyDays,
      int historyFiles,
      long historyRows,
      long historySummaryRows,
      double historyFullSeconds,
      int newDayFiles,
      double registerNewDaySeconds,
      double incrementalSeconds,
      int incrementalFilesRead,
      long incrementalRowsRead,
      int incrementalWindows,
      long incrementalTrips,
      double incrementalRowsPerSecond) {}

  /**
   * @param ratio incremental seconds of the longest history over those of the shortest
   */
  public record Result(
      int devices, int imuHz, int historyImuHz, List<Case> cases, double ratio, int cores) {
    public String summary() {
      String each =
          cases.stream()
              .map(
                  c ->
                      String.format(
                          "on %d days of history (%d files, %d summary rows): %.1f s, "
                              + "%d files (%d rows) read, %.0f rows/s",
                          c.historyDays(),
                          c.historyFiles(),
                          c.historySummaryRows(),
                          c.incrementalSeconds(),
                          c.incrementalFilesRead(),
                          c.incrementalRowsRead(),
                          c.incrementalRowsPerSecond()))
              .collect(Collectors.joining("; "));
      return String.format(
          "Incremental day of %d devices (IMU %d Hz, history IMU %d Hz, %d cores): %s; "
              + "longest / shortest history = %.2f",
          devices, imuHz, historyImuHz, cores, each, ratio);
    }
  }

  public static Result run(Path workDir, Options o, SparkSession spark, Lake lake) {
    TripConfig config = TripConfig.parse(FleetGenerator.CONFIG, "generator");
    Path newDay = workDir.resolve("new-day");
    if (!Files.exists(newDay)) {
      FleetGenerator.generate(newDay, null, options(o.devices(), 1, NEW_DAY, o.seed(), o.imuHz()));
    }
    List<Lake> lakes = new ArrayList<>();
    List<double[]> history = new ArrayList<>();
    List<long[]> historyCounts = new ArrayList<>();
    for (int days : o.historyDays()) {
      Path source = workDir.resolve("history-" + days);
      if (!Files.exists(source)) {
        FleetGenerator.generate(
            source,
            null,
            options(o.devices(), days, NEW_DAY.minusDays(days), o.seed(), o.historyImuHz()));
      }
      Lake each = lake.withNamespaces("raw_history_" + days, "trips_history_" + days);
      RawFileRegistrar.Result registered = register(each, spark, source);
      TripAggregator.Result full = TripAggregator.of(each, spark, config).execute();
      long summaryRows =
          spark.table(Lake.CATALOG_NAME + "." + each.tripsTable("tripsummary")).count();
      lakes.add(each);
      history.add(new double[] {full.seconds()});
      historyCounts.add(
          new long[] {registered.registeredFiles(), full.work().rowsRead(), summaryRows});
    }
    // The histories' runs read 1 Hz IMU rows; the new day's 50 Hz rows would warm the JIT during
    // the first measured case only, and make the later ones look cheaper. One unmeasured run on the
    // new day first.
    Lake warmUp = lake.withNamespaces("raw_warm_up", "trips_warm_up");
    register(warmUp, spark, newDay);
    TripAggregator.of(warmUp, spark, config).execute();
    List<Case> cases = new ArrayList<>();
    for (int i = 0; i < lakes.size(); i++) {
      RawFileRegistrar.Result registered = register(lakes.get(i), spark, newDay);
      TripAggregator.Result incremental = TripAggregator.of(lakes.get(i), spark, config).execute();
      if (incremental.mode() != io.triplake.trips.TripAggregator.Mode.INCREMENTAL) {
        throw new IllegalStateException(
            "Expected an incremental run on "
                + lakes.get(i).tripsTable("tripsummary")
                + ", got "
                + incremental.mode());
      }
      cases.add(
          new Case(
              o.historyDays().get(i),
              (int) historyCounts.get(i)[0],
              historyCounts.get(i)[1],
              historyCounts.get(i)[2],
              history.get(i)[0],
              registered.registeredFiles(),
              registered.seconds(),
              incremental.seconds(),
              incremental.work().filesRead(),
              incremental.work().rowsRead(),
              incremental.work().windows(),
              incremental.work().trips(),
              incremental.work().rowsRead() / incremental.seconds()));
    }
    double ratio =
        cases.get(cases.size() - 1).incrementalSeconds() / cases.get(0).incrementalSeconds();
    return new Result(
        o.devices(),
        o.imuHz(),
        o.historyImuHz(),
        cases,
        ratio,
        Runtime.getRuntime().availableProcessors());
  }

  private static FleetGenerator.Options options(
      int devices, int days, LocalDate first, long seed, int imuHz) {
    FleetGenerator.Options base = FleetGenerator.Options.of(devices, days, seed);
    return new FleetGenerator.Options(
        devices,
        days,
        first,
        seed,
        imuHz,
        base.speedHz(),
        base.drivingHours(),
        base.splitMinutes(),
        0);
  }

  private static RawFileRegistrar.Result register(Lake lake, SparkSession spark, Path source) {
    try (FileIO io = lake.sourceIO()) {
      RawFileRegistrar.Result result =
          RawFileRegistrar.of(lake, lake.catalog(spark), io).source(source.toString()).execute();
      if (!result.rejectedFiles().isEmpty()) {
        throw new IllegalStateException(
            "Cannot benchmark: "
                + result.rejectedFiles().size()
                + " generated files were rejected below "
                + source);
      }
      return result;
    }
  }
}
