package io.triplake.cli;

import io.triplake.bench.RegistrationBenchmark;
import io.triplake.lake.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description =
        "Benchmarks that print figures (and write them as JSON): registration throughput, the trip"
            + " job against DuckDB, S3 requests and cost per day, the trip report's time and size.",
    subcommands = {
      BenchCommand.Register.class,
      BenchCommand.Trips.class,
      BenchCommand.Incremental.class,
      BenchCommand.S3.class,
      BenchCommand.Report.class
    })
final class BenchCommand implements Runnable {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(
      name = "trips",
      mixinStandardHelpOptions = true,
      description =
          "Generate a fleet, register it, time the full trip job and DuckDB's trip SQL and scan on"
              + " the same files.")
  static final class Trips implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin FleetOptions fleet = new FleetOptions(10, 50);

    @Option(
        names = "--work-dir",
        paramLabel = "DIR",
        description =
            "Scratch folder; a raw lake already generated there is reused (default: a new temporary"
                + " one, deleted after).")
    Path workDir;

    @Option(
        names = "--warm-runs",
        defaultValue = "3",
        description =
            "Times the same job, and DuckDB's trip SQL, run again after their first runs; the"
                + " medians are compared (default: ${DEFAULT-VALUE}).")
    int warmRuns;

    @Option(
        names = "--reader",
        paramLabel = "READER",
        defaultValue = io.triplake.trips.TripAggregator.RAW_READER_DEFAULT,
        description =
            "How the trip job reads raw files: raw-columns (the project's Parquet page decoder),"
                + " iceberg (Iceberg's generic records) or iceberg-vectorized (Iceberg's vectorized"
                + " Spark batches) (default: ${DEFAULT-VALUE}).")
    String reader;

    @Mixin FiguresFile figures = new FiguresFile("bench-trips.json");

    @Override
    public Integer call() throws IOException {
      io.triplake.bench.FleetGenerator.Options options = fleet.options();
      io.triplake.bench.TripBenchmark.Result result =
          runIn(
              workDir,
              dir -> {
                io.triplake.lake.Lake lake = freshLake(dir);
                return io.triplake.bench.TripBenchmark.run(
                    dir, options, warmRuns, reader, Sessions.open(lake, "trip-lake bench"), lake);
              },
              io.triplake.bench.TripBenchmark.Result::summary,
              spec.commandLine().getOut(),
              figures.json);
      return result.oracleEqual() ? 0 : 1;
    }
  }

  @Command(
      name = "incremental",
      mixinStandardHelpOptions = true,
      description =
          "Time the daily incremental trip job for the same new day on top of histories of"
              + " different lengths.")
  static final class Incremental implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(
        names = "--devices",
        defaultValue = "10",
        description = "Devices (default: ${DEFAULT-VALUE}).")
    int devices;

    @Option(
        names = "--history-days",
        split = ",",
        defaultValue = "1,30",
        description = "History lengths in days, shortest first (default: ${DEFAULT-VALUE}).")
    java.util.List<Integer> historyDays;

    @Option(
        names = "--imu-hz",
        defaultValue = "50",
        description = "IMU rate of the new day (default: ${DEFAULT-VALUE}).")
    int imuHz;

    @Option(
        names = "--history-imu-hz",
        defaultValue = "5",
        description =
            "IMU rate of the history days; the incremental run does not read their rows, so a lower"
                + " rate only makes building the history cheaper (default: ${DEFAULT-VALUE}).")
    int historyImuHz;

    @Option(
        names = "--seed",
        defaultValue = "1",
        description = "Generator seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
        names = "--work-dir",
        paramLabel = "DIR",
        description =
            "Scratch folder; raw files already generated there are reused (default: a new temporary"
                + " one, deleted after).")
    Path workDir;

    @Mixin FiguresFile figures = new FiguresFile("bench-incremental.json");

    @Override
    public Integer call() throws IOException {
      runIn(
          workDir,
          dir -> {
            io.triplake.lake.Lake lake = freshLake(dir);
            return io.triplake.bench.IncrementalBenchmark.run(
                dir,
                new io.triplake.bench.IncrementalBenchmark.Options(
                    devices, imuHz, historyImuHz, historyDays, seed),
                Sessions.open(lake, "trip-lake bench"),
                lake);
          },
          io.triplake.bench.IncrementalBenchmark.Result::summary,
          spec.commandLine().getOut(),
          figures.json);
      return 0;
    }
  }

  @Command(
      name = "register",
      mixinStandardHelpOptions = true,
      description =
          "Generate small CANedge files and time their registration into a fresh embedded lake.")
  static final class Register implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(
        names = "--files",
        defaultValue = "2000",
        description = "Files to register (default: ${DEFAULT-VALUE}).")
    int files;

    @Option(
        names = "--work-dir",
        paramLabel = "DIR",
        description = "Scratch folder (default: a new temporary one, deleted after).")
    Path workDir;

    @Mixin FiguresFile figures = new FiguresFile("bench-register.json");

    @Override
    public Integer call() throws IOException {
      if (files < 1) {
        throw new IllegalArgumentException(
            "Cannot benchmark: --files must be at least 1 (" + files + ")");
      }
      runIn(
          workDir,
          dir -> RegistrationBenchmark.run(dir, files),
          RegistrationBenchmark.Result::summary,
          spec.commandLine().getOut(),
          figures.json);
      return 0;
    }
  }

  @Command(
      name = "s3",
      mixinStandardHelpOptions = true,
      description =
          "Upload a generated fleet to moto's S3 and register and aggregate it through a Glue"
              + " catalog, as a job run does, behind a proxy that adds a latency to every S3"
              + " request and counts them; prints requests per raw file, files/s, rows/s per core,"
              + " peak heap and the cost per day of 1 to 1000 devices.")
  static final class S3 implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    // IMU at 100 Hz: its 10-minute files hold 60,000 rows, as the fleet the cost model prices (1 GB
    // a device a day in 1,300 files); at 5 Hz the per-file CPU would pass for per-row CPU.
    @Mixin FleetOptions fleet = new FleetOptions(2, 100);

    @Option(
        names = "--latency-ms",
        defaultValue = "30",
        description =
            "Added to every S3 request, before it is forwarded: S3's first-byte time for small"
                + " ranged GETs (default: ${DEFAULT-VALUE}).")
    int latencyMs;

    @Option(
        names = "--parallelism",
        paramLabel = "N",
        defaultValue = "" + io.triplake.ingest.RawFileRegistrar.PARALLELISM_DEFAULT,
        description =
            "Registration's footer reads in flight, as register --parallelism (default:"
                + " ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(
        names = "--cpu-us-per-row",
        paramLabel = "MICROSECONDS",
        description =
            "The cost model's aggregate CPU per row (default: the warm rerun's, measured here;"
                + " small files overstate it).")
    Double cpuMicrosPerRow;

    @Option(
        names = "--register-files",
        paramLabel = "N",
        defaultValue = "10000",
        description =
            "Small files registered once more at the end, on the warm JVM, for registration's"
                + " steady rate (the cost model's); 0: none (default: ${DEFAULT-VALUE}).")
    int registerFiles;

    @Option(
        names = "--endpoint",
        paramLabel = "URL",
        description =
            "moto's server to use (http://127.0.0.1:5000); default: start .cache/venv-moto's"
                + " (aws-it/setup.sh installs it) or MOTO_SERVER's on a free port, stopped after.")
    String endpoint;

    @Option(
        names = "--work-dir",
        paramLabel = "DIR",
        description =
            "Scratch folder; a fleet already generated there is reused (default: a new temporary"
                + " one, deleted after).")
    Path workDir;

    @Mixin FiguresFile figures = new FiguresFile("bench-s3.json");

    @Override
    public Integer call() throws IOException {
      io.triplake.bench.S3Benchmark.Options options =
          new io.triplake.bench.S3Benchmark.Options(
              fleet.options(),
              java.time.Duration.ofMillis(latencyMs),
              parallelism,
              cpuMicrosPerRow == null ? null : cpuMicrosPerRow / 1e6,
              registerFiles);
      io.triplake.bench.S3Benchmark.Result result =
          runIn(
              workDir,
              dir -> {
                if (endpoint != null) {
                  return io.triplake.bench.S3Benchmark.run(
                      dir,
                      options,
                      endpoint,
                      () -> -1,
                      lake -> Sessions.open(lake, "trip-lake bench s3"));
                }
                Path motoServer =
                    io.triplake.bench.s3.MotoServerProcess.locate(
                        io.triplake.bench.s3.MotoServerProcess.repoRoot());
                try (io.triplake.bench.s3.MotoServerProcess moto =
                    io.triplake.bench.s3.MotoServerProcess.start(
                        java.util.List.of(motoServer.toString()), java.util.Map.of())) {
                  return io.triplake.bench.S3Benchmark.run(
                      dir,
                      options,
                      moto.endpoint(),
                      moto::cpuNanos,
                      lake -> Sessions.open(lake, "trip-lake bench s3"));
                }
              },
              io.triplake.bench.S3Benchmark.Result::summary,
              spec.commandLine().getOut(),
              figures.json);
      return result.proxyFailures() == 0 ? 0 : 1;
    }
  }

  @Command(
      name = "report",
      mixinStandardHelpOptions = true,
      description =
          "Generate a fleet, register and aggregate it, then time the trip report of all of it"
              + " (twice: a fresh JVM's first report, then again) and print its size.")
  static final class Report implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    // The report reads no IMU: 1 Hz keeps the fleet cheap to make without changing the report.
    @Mixin FleetOptions fleet = FleetOptions.of(50, 7, 1);

    @Option(
        names = "--work-dir",
        paramLabel = "DIR",
        description =
            "Scratch folder; a fleet already generated there is reused, and the report stays there"
                + " (default: a new temporary one, deleted after).")
    Path workDir;

    @Mixin FiguresFile figures = new FiguresFile("bench-report.json");

    /** What the benchmark measured. */
    record Result(
        int devices,
        int days,
        int trips,
        long bytes,
        double firstSeconds,
        double againSeconds,
        double registerSeconds,
        double aggregateSeconds,
        String report) {
      String summary() {
        return String.format(
            java.util.Locale.ROOT,
            "Trip report of %d devices x %d days (%d trips): %,d bytes (%.2f MB), built in %.1f s"
                + " (again: %.1f s); the lake: register %.1f s, aggregate %.1f s",
            devices,
            days,
            trips,
            bytes,
            bytes / 1e6,
            firstSeconds,
            againSeconds,
            registerSeconds,
            aggregateSeconds);
      }
    }

    @Override
    public Integer call() throws IOException {
      io.triplake.bench.FleetGenerator.Options options = fleet.options();
      runIn(
          workDir,
          dir -> {
            Path raw = dir.resolve("raw");
            if (!Files.isDirectory(raw)) {
              io.triplake.bench.FleetGenerator.generate(raw, null, options);
            }
            io.triplake.lake.Lake lake = freshLake(dir);
            long start = System.nanoTime();
            try (org.apache.iceberg.io.FileIO files = lake.sourceIO()) {
              io.triplake.ingest.RawFileRegistrar.of(lake, lake.catalog(), files)
                  .source(raw.toString())
                  .execute();
            }
            double register = (System.nanoTime() - start) / 1e9;
            io.triplake.trips.TripConfig config =
                io.triplake.trips.TripConfig.parse(
                    io.triplake.bench.FleetGenerator.CONFIG, "the generator's config");
            start = System.nanoTime();
            io.triplake.trips.TripAggregator.of(
                    lake, () -> Sessions.open(lake, "trip-lake bench report"), config)
                .execute();
            double aggregate = (System.nanoTime() - start) / 1e9;
            String html = dir.resolve("trip-report.html").toString();
            io.triplake.report.TripReport.Result first =
                io.triplake.report.TripReport.of(lake).config(config).output(html).execute();
            io.triplake.report.TripReport.Result again =
                io.triplake.report.TripReport.of(lake).config(config).output(html).execute();
            return new Result(
                options.devices(),
                options.days(),
                first.trips(),
                first.bytes(),
                first.seconds(),
                again.seconds(),
                register,
                aggregate,
                workDir == null ? null : first.location());
          },
          Result::summary,
          spec.commandLine().getOut(),
          figures.json);
      return 0;
    }
  }

  /**
   * An empty embedded lake in the scratch folder: a reused folder keeps its generated raw files,
   * which are costly to make, but not the lake of the last run, which would make this run
   * incremental.
   */
  static io.triplake.lake.Lake freshLake(Path dir) {
    Path lakeDir = dir.resolve("lake");
    Sessions.deleteQuietly(lakeDir);
    return io.triplake.lake.Lake.embedded(lakeDir);
  }

  /** A benchmark that runs in a scratch folder. */
  @FunctionalInterface
  interface InFolder<R> {
    R run(Path dir) throws IOException;
  }

  /**
   * Runs a benchmark in {@code workDir}, or in a new temporary folder deleted after; prints its
   * summary and writes its figures as JSON.
   */
  static <R> R runIn(
      Path workDir,
      InFolder<R> bench,
      java.util.function.Function<R, String> summary,
      PrintWriter out,
      Path json)
      throws IOException {
    Path dir = workDir != null ? workDir : Files.createTempDirectory("trip-lake-bench");
    try {
      R result = bench.run(dir);
      out.println(summary.apply(result));
      Json.write(result, json);
      out.println("Figures: " + json);
      return result;
    } finally {
      if (workDir == null) {
        Sessions.deleteQuietly(dir);
      }
    }
  }
}
