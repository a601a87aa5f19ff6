package io.triplake.cli;

import io.triplake.bench.RegistrationBenchmark;
import io.triplake.lake.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks that print figures (and write them as JSON): registration throughput, the trip job against DuckDB.",
    subcommands = {BenchCommand.Register.class, BenchCommand.Trips.class, BenchCommand.Incremental.class})
final class BenchCommand implements Runnable {
  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "trips", mixinStandardHelpOptions = true,
      description = "Generate a fleet, register it, time the full trip job and DuckDB's trip SQL and scan on the same files.")
  static final class Trips implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--devices", defaultValue = "10", description = "Devices (default: ${DEFAULT-VALUE}).")
    int devices;

    @Option(names = "--days", defaultValue = "1", description = "Days (default: ${DEFAULT-VALUE}).")
    int days;

    @Option(names = "--imu-hz", defaultValue = "50", description = "IMU rate (default: ${DEFAULT-VALUE}).")
    int imuHz;

    @Option(names = "--seed", defaultValue = "1", description = "Generator seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--work-dir", paramLabel = "DIR",
        description = "Scratch folder; a raw lake already generated there is reused (default: a new temporary one, deleted after).")
    Path workDir;

    @Option(names = "--warm-runs", defaultValue = "3",
        description = "Times the same job, and DuckDB's trip SQL, run again after their first runs; the medians are compared (default: ${DEFAULT-VALUE}).")
    int warmRuns;

    @Option(names = "--reader", paramLabel = "READER", defaultValue = io.triplake.trips.TripAggregator.RAW_READER_DEFAULT,
        description = "How the trip job reads raw files: raw-columns (the project's Parquet page decoder), iceberg (Iceberg's "
            + "generic records) or iceberg-vectorized (Iceberg's vectorized Spark batches) (default: ${DEFAULT-VALUE}).")
    String reader;

    @Option(names = "--json", paramLabel = "FILE", defaultValue = "bench-trips.json",
        description = "Where the figures go as JSON (default: ${DEFAULT-VALUE}).")
    Path json;

    @Override
    public Integer call() throws IOException {
      Path dir = workDir != null ? workDir : Files.createTempDirectory("trip-lake-bench");
      try {
        io.triplake.bench.FleetGenerator.Options base = io.triplake.bench.FleetGenerator.Options.of(devices, days, seed);
        io.triplake.bench.FleetGenerator.Options options = new io.triplake.bench.FleetGenerator.Options(base.devices(), base.days(),
            base.firstDay(), base.seed(), imuHz, base.speedHz(), base.drivingHours(), base.splitMinutes(), 0);
        java.nio.file.Path lakeDir = dir.resolve("lake");
        Sessions.deleteQuietly(lakeDir);
        io.triplake.lake.Lake lake = io.triplake.lake.Lake.embedded(lakeDir);
        io.triplake.bench.TripBenchmark.Result result = io.triplake.bench.TripBenchmark.run(dir, options, warmRuns, reader,
            Sessions.open(lake, "trip-lake bench"), lake);
        PrintWriter out = spec.commandLine().getOut();
        out.println(result.summary());
        Json.write(result, json);
        out.println("Figures: " + json);
        return result.oracleEqual() ? 0 : 1;
      } finally {
        if (workDir == null) {
          Sessions.deleteQuietly(dir);
        }
      }
    }
  }

  @Command(name = "incremental", mixinStandardHelpOptions = true,
      description = "Time the daily incremental trip job for the same new day on top of histories of different lengths.")
  static final class Incremental implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--devices", defaultValue = "10", description = "Devices (default: ${DEFAULT-VALUE}).")
    int devices;

    @Option(names = "--history-days", split = ",", defaultValue = "1,30",
        description = "History lengths in days, shortest first (default: ${DEFAULT-VALUE}).")
    java.util.List<Integer> historyDays;

    @Option(names = "--imu-hz", defaultValue = "50", description = "IMU rate of the new day (default: ${DEFAULT-VALUE}).")
    int imuHz;

    @Option(names = "--history-imu-hz", defaultValue = "5",
        description = "IMU rate of the history days; the incremental run does not read their rows, so a lower rate only "
            + "makes building the history cheaper (default: ${DEFAULT-VALUE}).")
    int historyImuHz;

    @Option(names = "--seed", defaultValue = "1", description = "Generator seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--work-dir", paramLabel = "DIR",
        description = "Scratch folder; raw files already generated there are reused (default: a new temporary one, deleted after).")
    Path workDir;

    @Option(names = "--json", paramLabel = "FILE", defaultValue = "bench-incremental.json",
        description = "Where the figures go as JSON (default: ${DEFAULT-VALUE}).")
    Path json;

    @Override
    public Integer call() throws IOException {
      Path dir = workDir != null ? workDir : Files.createTempDirectory("trip-lake-bench");
      try {
        java.nio.file.Path lakeDir = dir.resolve("lake");
        Sessions.deleteQuietly(lakeDir);
        io.triplake.lake.Lake lake = io.triplake.lake.Lake.embedded(lakeDir);
        io.triplake.bench.IncrementalBenchmark.Result result = io.triplake.bench.IncrementalBenchmark.run(dir,
            new io.triplake.bench.IncrementalBenchmark.Options(devices, imuHz, historyImuHz, historyDays, seed),
            Sessions.open(lake, "trip-lake bench"), lake);
        PrintWriter out = spec.commandLine().getOut();
        out.println(result.summary());
        Json.write(result, json);
        out.println("Figures: " + json);
        return 0;
      } finally {
        if (workDir == null) {
          Sessions.deleteQuietly(dir);
        }
      }
    }
  }

  @Command(name = "register", mixinStandardHelpOptions = true,
      description = "Generate small CANedge files and time their registration into a fresh embedded lake.")
  static final class Register implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--files", defaultValue = "2000", description = "Files to register (default: ${DEFAULT-VALUE}).")
    int files;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "Scratch folder (default: a new temporary one, deleted after).")
    Path workDir;

    @Option(names = "--json", paramLabel = "FILE", defaultValue = "bench-register.json",
        description = "Where the figures go as JSON (default: ${DEFAULT-VALUE}).")
    Path json;

    @Override
    public Integer call() throws IOException {
      if (files < 1) {
        throw new IllegalArgumentException("Cannot benchmark: --files must be at least 1 (" + files + ")");
      }
      Path dir = workDir != null ? workDir : Files.createTempDirectory("trip-lake-bench");
      try {
        RegistrationBenchmark.Result result = RegistrationBenchmark.run(dir, files);
        PrintWriter out = spec.commandLine().getOut();
        out.println(result.summary());
        Json.write(result, json);
        out.println("Figures: " + json);
        return 0;
      } finally {
        if (workDir == null) {
          Files.walk(dir).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }
  }
}
