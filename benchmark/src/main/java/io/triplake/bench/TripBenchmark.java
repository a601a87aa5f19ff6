package io.triplake.bench;

import io.triplake.ingest.RawFileRegistrar;
import io.triplake.lake.Lake;
import io.triplake.trips.TripAggregator;
import io.triplake.trips.TripConfig;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.iceberg.io.FileIO;
import org.apache.spark.sql.SparkSession;

/**
 * The trip job on a generated fleet, next to DuckDB on the same files and cores, in one run:
 * rows/s, peak memory and the ratio to DuckDB's trip SQL (the yardstick) and plain scan (the
 * floor).
 */
public final class TripBenchmark {
  private TripBenchmark() {}

  /**
   * @param rows raw rows the trip job read (all raw rows of the configured messages)
   * @param peakHeapBytes the JVM's peak heap during the trip job
   * @param peakRssBytes the process's peak resident memory (whole run)
   * @param oracleEqual whether DuckDB's rows equal the job's (same keys, values within 1e-9
   *     relative)
   * @param warmTripSeconds the median of {@code warmTripRuns}
   * @param warmTripRuns the same full trip job run again in the same JVM (tripsummary dropped
   *     before each): without the first run's class loading and code generation, and with more of
   *     the JIT's work done
   * @param duckdbWarmTripRuns DuckDB's trip SQL run again as many times (its first run loads the
   *     library and reads the files cold); {@code warmTripToDuckdbTrip} compares the two medians
   * @param reader how the trip job read raw files ({@link TripAggregator#RAW_READERS})
   * @param tripCpuSeconds the process's CPU time during the first trip job (every thread: tasks,
   *     JIT, GC); on a machine shared with other work it varies far less than the wall-clock time
   * @param warmTripCpuSeconds the median of the process's CPU time during each warm run
   * @param warmNoPlacesSeconds the median of warm runs, alternating with {@code warmTripRuns},
   *     whose config turns the trips table's positions and speed off ({@code trip_table} parts
   *     null): the same files read, no fixes or speed steps followed
   * @param tripsTableSeconds the median time of those runs spent comparing and committing the trips
   *     table's rows
   * @param tripsTableCost what the trips table adds to the job without it: (warm - (no-places -
   *     trips table commit)) / (no-places - trips table commit)
   * @param deviceDaysSeconds the median time of the warm runs spent on devicedays (reading what the
   *     pass did not, comparing, committing; its parts of the files the pass read are in the pass)
   * @param deviceDaysFilesRead of the first run's raw files, those devicedays read itself
   * @param newTablesCost what trips and devicedays together add to the job without them: (warm -
   *     base) / base, base = no-places - its trips table commit - its devicedays time
   */
  public record Result(
      int devices,
      int days,
      int files,
      long rows,
      double generateSeconds,
      double registerSeconds,
      double registerFilesPerSecond,
      double tripSeconds,
      double tripRowsPerSecond,
      long summaryRows,
      double duckdbTripSeconds,
      double duckdbScanSeconds,
      double tripToDuckdbTrip,
      double tripToDuckdbScan,
      long peakHeapBytes,
      long peakRssBytes,
      boolean oracleEqual,
      double warmTripSeconds,
      double warmTripToDuckdbTrip,
      List<Double> warmTripRuns,
      double duckdbWarmTripSeconds,
      List<Double> duckdbWarmTripRuns,
      int cores,
      String reader,
      double tripCpuSeconds,
      double warmTripCpuSeconds,
      double warmNoPlacesSeconds,
      double tripsTableSeconds,
      double tripsTableCost,
      double deviceDaysSeconds,
      long deviceDaysFilesRead,
      double newTablesCost) {
    public String summary() {
      return String.format(
          "Trip job (raw files read by %s) on %d devices x %d days (%d files, %d rows, %d cores):"
              + " register %.1f s (%.0f files/s); trip job %.1f s (CPU %.1f s) = %.0f rows/s, %d"
              + " summary rows, peak heap %.0f MB, peak RSS %.0f MB; DuckDB trip SQL %.2f s, scan"
              + " %.2f s; trip job / DuckDB trip SQL = %.1f, / DuckDB scan = %.1f; results equal to"
              + " DuckDB: %s; the same job again in the same JVM (median of %d runs) %.1f s (CPU"
              + " %.1f s), DuckDB trip SQL again %.2f s: warm / warm = %.1f; the trips table:"
              + " warm without places and speed %.2f s, of which its commit %.2f s: it adds"
              + " %+.0f %% to the job; devicedays %.2f s (%d files read beyond the pass's);"
              + " both tables add %+.0f %%",
          reader,
          devices,
          days,
          files,
          rows,
          cores,
          registerSeconds,
          registerFilesPerSecond,
          tripSeconds,
          tripCpuSeconds,
          tripRowsPerSecond,
          summaryRows,
          peakHeapBytes / 1e6,
          peakRssBytes / 1e6,
          duckdbTripSeconds,
          duckdbScanSeconds,
          tripToDuckdbTrip,
          tripToDuckdbScan,
          oracleEqual ? "yes" : "NO",
          warmTripRuns.size(),
          warmTripSeconds,
          warmTripCpuSeconds,
          duckdbWarmTripSeconds,
          warmTripToDuckdbTrip,
          warmNoPlacesSeconds,
          tripsTableSeconds,
          tripsTableCost * 100,
          deviceDaysSeconds,
          deviceDaysFilesRead,
          newTablesCost * 100);
    }
  }

  /**
   * @param warmRuns how many times the trip job runs again after the timed cold run (at least 1)
   * @param reader how the trip job reads raw files, one of {@link TripAggregator#RAW_READERS}: set
   *     as {@link TripAggregator#RAW_READER} for the run (Spark's local executors share this JVM)
   */
  public static Result run(
      Path workDir,
      FleetGenerator.Options options,
      int warmRuns,
      String reader,
      SparkSession spark,
      Lake lake)
      throws IOException {
    if (warmRuns < 1) {
      throw new IllegalArgumentException(
          "Cannot benchmark: --warm-runs must be at least 1 (" + warmRuns + ")");
    }
    if (!TripAggregator.RAW_READERS.contains(reader)) {
      throw new IllegalArgumentException(
          "Cannot benchmark: --reader must be one of "
              + String.join(", ", TripAggregator.RAW_READERS)
              + " ("
              + reader
              + ")");
    }
    String before = System.setProperty(TripAggregator.RAW_READER, reader);
    try {
      return run(workDir, options, warmRuns, spark, lake, reader);
    } finally {
      if (before == null) {
        System.clearProperty(TripAggregator.RAW_READER);
      } else {
        System.setProperty(TripAggregator.RAW_READER, before);
      }
    }
  }

  private static Result run(
      Path workDir,
      FleetGenerator.Options options,
      int warmRuns,
      SparkSession spark,
      Lake lake,
      String reader)
      throws IOException {
    Path source = workDir.resolve("raw");
    FleetGenerator.Result generated =
        Files.exists(source) ? null : FleetGenerator.generate(source, null, options);

    RawFileRegistrar.Result registered;
    try (FileIO io = lake.sourceIO()) {
      registered =
          RawFileRegistrar.of(lake, lake.catalog(spark), io).source(source.toString()).execute();
    }
    TripConfig config = TripConfig.parse(FleetGenerator.CONFIG, "generator");
    resetPeakHeap();
    long cpu0 = processCpuNanos();
    TripAggregator.Result trips = TripAggregator.of(lake, spark, config).execute();
    double tripCpu = (processCpuNanos() - cpu0) / 1e9;
    long peakHeap = peakHeap();
    long summaryRows =
        spark.table(Lake.CATALOG_NAME + "." + lake.tripsTable("tripsummary")).count();

    Set<String> devices = DuckDbTrips.devicesIn(source);
    int cores = Runtime.getRuntime().availableProcessors();
    long t0 = System.nanoTime();
    List<DuckDbTrips.Row> oracle =
        DuckDbTrips.compute(source, DuckDbTrips.specs(config, devices), cores);
    double duckdbTrip = (System.nanoTime() - t0) / 1e9;
    double duckdbScan = DuckDbTrips.scanSeconds(source, cores);
    boolean equal =
        oracle.size() == summaryRows
            && OracleComparison.equal(
                spark
                    .table(Lake.CATALOG_NAME + "." + lake.tripsTable("tripsummary"))
                    .collectAsList(),
                oracle);

    // The same job again, warm: the first run's fixed costs (class loading, codegen, JIT) set
    // apart. An EMR Serverless job pays them once per run; a long-lived JVM pays them once.
    // Alternating with runs whose trips table follows no fixes and no speed: what the table costs.
    TripConfig noPlaces =
        TripConfig.parse(
            FleetGenerator.CONFIG.replace(
                "\"details\": {",
                "\"details\": {\"trip_table\": {\"position\": null, \"speed\": null}, "),
            "generator without the trips table's places and speed");
    List<Double> warm = new ArrayList<>();
    List<Double> warmCpu = new ArrayList<>();
    List<Double> noPlacesRuns = new ArrayList<>();
    List<Double> tripsTableRuns = new ArrayList<>();
    List<Double> deviceDaysRuns = new ArrayList<>();
    List<Double> baseRuns = new ArrayList<>();
    for (int i = 0; i < warmRuns; i++) {
      // The default config last: the lake is left as the job leaves it.
      for (TripConfig c : List.of(noPlaces, config)) {
        for (String table : List.of("tripsummary", "trips", "devicedays")) {
          spark.sql("DROP TABLE " + Lake.CATALOG_NAME + "." + lake.tripsTable(table) + " PURGE");
        }
        long start = processCpuNanos();
        TripAggregator.Result run = TripAggregator.of(lake, spark, c).execute();
        if (c == config) {
          warm.add(run.seconds());
          warmCpu.add((processCpuNanos() - start) / 1e9);
          deviceDaysRuns.add(run.deviceDays().seconds());
        } else {
          noPlacesRuns.add(run.seconds());
          tripsTableRuns.add(run.tripsTableSeconds());
          baseRuns.add(run.seconds() - run.tripsTableSeconds() - run.deviceDays().seconds());
        }
      }
    }
    double warmMedian = median(warm);
    double noPlacesMedian = median(noPlacesRuns);
    double tripsTable = median(tripsTableRuns);
    double without = noPlacesMedian - tripsTable;
    List<Double> duckdbWarm = new ArrayList<>();
    for (int i = 0; i < warmRuns; i++) {
      long start = System.nanoTime();
      DuckDbTrips.compute(source, DuckDbTrips.specs(config, devices), cores);
      duckdbWarm.add((System.nanoTime() - start) / 1e9);
    }
    double duckdbWarmMedian = median(duckdbWarm);

    int files = registered.registeredFiles() + registered.skippedFiles();
    return new Result(
        options.devices(),
        options.days(),
        files,
        trips.work().rowsRead(),
        generated == null ? 0 : generated.seconds(),
        registered.seconds(),
        registered.registeredFiles() / Math.max(1e-9, registered.seconds()),
        trips.seconds(),
        trips.work().rowsRead() / trips.seconds(),
        summaryRows,
        duckdbTrip,
        duckdbScan,
        trips.seconds() / duckdbTrip,
        trips.seconds() / duckdbScan,
        peakHeap,
        peakRss(),
        equal,
        warmMedian,
        warmMedian / duckdbWarmMedian,
        List.copyOf(warm),
        duckdbWarmMedian,
        List.copyOf(duckdbWarm),
        cores,
        reader,
        tripCpu,
        median(warmCpu),
        noPlacesMedian,
        tripsTable,
        (warmMedian - without) / without,
        median(deviceDaysRuns),
        trips.deviceDays().filesRead(),
        (warmMedian - median(baseRuns)) / median(baseRuns));
  }

  static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    return sorted.size() % 2 == 1
        ? sorted.get(sorted.size() / 2)
        : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
  }

  /** CPU time of every thread of this process so far. */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  static void resetPeakHeap() {
    System.gc();
    ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
  }

  static long peakHeap() {
    return ManagementFactory.getMemoryPoolMXBeans().stream()
        .filter(p -> p.getType() == MemoryType.HEAP)
        .mapToLong(p -> p.getPeakUsage().getUsed())
        .sum();
  }

  /** VmHWM from /proc (Linux); 0 where there is none. */
  static long peakRss() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return 0;
    }
    return 0;
  }
}
