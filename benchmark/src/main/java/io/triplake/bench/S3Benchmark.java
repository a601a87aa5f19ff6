package io.triplake.bench;

import io.triplake.bench.s3.CountingProxy;
import io.triplake.bench.s3.MotoServerProcess;
import io.triplake.bench.s3.RequestKinds;
import io.triplake.bench.s3.Traffic;
import io.triplake.ingest.RawFileRegistrar;
import io.triplake.lake.Lake;
import io.triplake.trips.TripAggregator;
import io.triplake.trips.TripConfig;
import io.triplake.trips.TripIngest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.io.FileIO;
import org.apache.spark.sql.SparkSession;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.glue.GlueClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The generated fleet in an S3 emulator (moto's server), registered and aggregated as a job run
 * does it: a Glue catalog, S3FileIO for the warehouse and the raw files. S3 requests go through a
 * {@link CountingProxy} that adds a latency to each (what a small ranged GET takes on S3 before its
 * first byte) and counts them by kind and bucket; Glue's requests go through another, without
 * latency. Counters start from zero for each phase (register, aggregate, and the same aggregate run
 * again on a warm JVM for the CPU a row costs); the upload of the fleet is not counted.
 *
 * <p>Reports per phase: requests by kind and bucket, raw requests per raw file, raw bytes read over
 * raw bytes, ranged GETs; register's files/s, aggregate's rows/s per core, CPU time and peak heap;
 * and the cost per day ({@link CostModel}) of fleets of several sizes from those figures.
 */
public final class S3Benchmark {
  public static final String RAW = "raw";
  public static final String WAREHOUSE = "warehouse";

  /** Fleet sizes the cost table shows. */
  public static final List<Integer> COST_DEVICES = List.of(1, 100, 500, 1000);

  private S3Benchmark() {}

  /**
   * @param fleet the generated fleet
   * @param latency added before every S3 request is forwarded
   * @param parallelism registration's footer reads in flight ({@code register --parallelism})
   * @param cpuSecondsPerRow the cost model's CPU per row; null: the warm rerun's, measured here (on
   *     a small fleet of small files the run's fixed and per-file CPU make it an upper bound)
   * @param registerFiles small files registered once more at the end on a warm JVM, in a bucket of
   *     their own, for registration's steady rate (a fleet's day is hundreds of thousands of files,
   *     so its run's fixed costs are what this small fleet's rate mostly shows); 0: none
   */
  public record Options(
      FleetGenerator.Options fleet,
      Duration latency,
      int parallelism,
      Double cpuSecondsPerRow,
      int registerFiles) {
    public Options(FleetGenerator.Options fleet, Duration latency, int parallelism) {
      this(fleet, latency, parallelism, null, 0);
    }

    public Options {
      if (cpuSecondsPerRow != null && !(cpuSecondsPerRow >= 0)) {
        throw new IllegalArgumentException(
            "Cannot benchmark: the CPU per row must not be negative (" + cpuSecondsPerRow + ")");
      }
      if (latency.isNegative() || latency.compareTo(Duration.ofSeconds(10)) > 0) {
        throw new IllegalArgumentException(
            "Cannot benchmark: the latency must be 0..10000 ms (" + latency.toMillis() + " ms)");
      }
      if (parallelism < 1) {
        throw new IllegalArgumentException(
            "Cannot benchmark: the parallelism must be at least 1 (" + parallelism + ")");
      }
      if (registerFiles < 0) {
        throw new IllegalArgumentException(
            "Cannot benchmark: the files registered at scale must not be negative ("
                + registerFiles
                + ")");
      }
    }
  }

  /**
   * One phase, counted from zero.
   *
   * @param s3 S3 requests by bucket role ({@link #RAW}, {@link #WAREHOUSE}) and kind
   * @param glue Glue requests by operation
   * @param cpuSeconds this JVM's CPU time during the phase (the job, and the proxies' forwarding)
   * @param executorCpuSeconds the part of it in executor threads ({@link #EXECUTOR_THREADS})
   * @param proxyCpuSeconds the part of it the proxies spent forwarding: the benchmark's own work,
   *     which a job run on AWS does not do
   * @param emulatorCpuSeconds the CPU time of the S3 and Glue emulator's process (moto's server)
   *     during the phase: S3's side of the requests, on this machine's cores; NaN when unknown (a
   *     server given by endpoint)
   */
  public record Phase(
      String name,
      double seconds,
      double cpuSeconds,
      double executorCpuSeconds,
      double proxyCpuSeconds,
      double emulatorCpuSeconds,
      long peakHeapBytes,
      Traffic s3,
      Traffic glue) {
    /** This JVM's CPU less the proxies' forwarding: what the job itself used. */
    public double jobCpuSeconds() {
      return cpuSeconds - proxyCpuSeconds;
    }

    /** Requests of one kind to one bucket per raw file. */
    public double perFile(String bucket, String kind, int rawFiles) {
      return s3.requests(bucket, kind) / (double) rawFiles;
    }

    /** Bytes the GETs of the raw bucket returned over the raw bytes. */
    public double rawBytesReadShare(long rawBytes) {
      return s3.tally(RAW, RequestKinds.GET).bodyBytes() / (double) rawBytes;
    }

    CostModel.Requests requests(String bucket, double per) {
      return new CostModel.Requests(
          s3.requests(bucket, RequestKinds.GET) / per,
          s3.requests(bucket, RequestKinds.HEAD) / per,
          s3.requests(bucket, RequestKinds.LIST) / per,
          s3.requests(bucket, RequestKinds.PUT) / per,
          s3.requests(bucket, RequestKinds.POST) / per,
          s3.requests(bucket, RequestKinds.DELETE) / per);
    }

    long glueRequests() {
      return glue.total(RequestKinds.GLUE).requests();
    }
  }

  /**
   * @param rawFiles raw files uploaded (and registered)
   * @param rows raw rows the aggregate run read
   * @param aggregateFilesRead raw files the aggregate run read
   * @param registerFilesPerSecond raw files over register's wall time
   * @param scaleFiles the small files of {@link Options#registerFiles} (0: none)
   * @param registerAtScale their registration, on the JVM the fleet's warmed (null: none)
   * @param registerAtScaleFilesPerSecond their files over its wall time (0: none)
   * @param rerun the same full aggregate run again in the same JVM (tripsummary dropped before):
   *     the CPU a row costs once the JVM is warm, as it is in an executor after its first minutes
   * @param rerunCpuSecondsPerRow the rerun's CPU seconds over its rows
   * @param cpuPerRowGiven whether the cost model's CPU per row was given ({@link
   *     Options#cpuSecondsPerRow}) instead
   * @param aggregateRowsPerSecondPerCore rows read over aggregate's wall time and this JVM's cores
   * @param rerunRowsPerSecondPerCore the same for the rerun
   * @param proxyFailures requests the proxies could not forward (0 in a valid run), and what went
   *     wrong with the first
   * @param measured the inputs of the cost model
   * @param costs the cost per day of {@link #COST_DEVICES} devices
   * @param ingest the same files registered and summarised by one {@code ingest} run into tables of
   *     their own ({@link io.triplake.trips.TripIngest}: each new file read once)
   * @param ingestMeasured the cost model's inputs with ingest's raw requests per file (all of them
   *     counted as registration's; the trip job's compute as measured above)
   * @param ingestCosts the cost per day with {@code ingest} instead of register + aggregate
   */
  public record Result(
      int devices,
      int days,
      int imuHz,
      int rawFiles,
      long rawBytes,
      long rows,
      int aggregateFilesRead,
      long summaryTrips,
      double latencyMs,
      int parallelism,
      int cores,
      double uploadSeconds,
      Phase register,
      int scaleFiles,
      Phase registerAtScale,
      double registerAtScaleFilesPerSecond,
      Phase aggregate,
      Phase rerun,
      double rerunCpuSecondsPerRow,
      boolean cpuPerRowGiven,
      double registerFilesPerSecond,
      double aggregateRowsPerSecondPerCore,
      double rerunRowsPerSecondPerCore,
      long proxyFailures,
      List<String> proxyFailureMessages,
      CostModel.Measured measured,
      CostModel.Fleet costFleet,
      CostModel.Prices prices,
      CostModel.Sizes sizes,
      List<CostModel.Estimate> costs,
      Phase ingest,
      CostModel.Measured ingestMeasured,
      List<CostModel.Estimate> ingestCosts) {
    public String summary() {
      return S3BenchmarkReport.text(this);
    }
  }

  /**
   * Runs the benchmark against moto's server at {@code motoEndpoint}: buckets, Glue databases and
   * tables get names of their own, so a server that already holds others can be used.
   *
   * @param emulatorCpuNanos the server's CPU time so far ({@link MotoServerProcess#cpuNanos}; -1:
   *     unknown, a server given by endpoint), so that each phase tells the emulator's share of this
   *     machine's cores
   * @param sessions the Spark session for a lake (the CLI's, or a test's)
   */
  public static Result run(
      Path workDir,
      Options options,
      String motoEndpoint,
      java.util.function.LongSupplier emulatorCpuNanos,
      Function<Lake, SparkSession> sessions)
      throws IOException {
    Map<String, String> previous = new HashMap<>();
    MotoServerProcess.SDK_PROPERTIES.forEach((k, v) -> previous.put(k, System.setProperty(k, v)));
    try {
      return runConfigured(workDir, options, motoEndpoint, emulatorCpuNanos, sessions);
    } finally {
      previous.forEach(
          (k, v) -> {
            if (v == null) {
              System.clearProperty(k);
            } else {
              System.setProperty(k, v);
            }
          });
    }
  }

  private static Result runConfigured(
      Path workDir,
      Options options,
      String motoEndpoint,
      java.util.function.LongSupplier emulatorCpuNanos,
      Function<Lake, SparkSession> sessions)
      throws IOException {
    Path source = workDir.resolve("raw");
    if (!Files.exists(source)) {
      FleetGenerator.generate(source, null, options.fleet());
    }
    String id = Long.toHexString(System.nanoTime() & 0xffffffL);
    String rawBucket = "trip-lake-bench-raw-" + id;
    String scaleBucket = "trip-lake-bench-scale-" + id;
    String scaleNamespace = "rawscale_" + id;
    Path scaleSource = workDir.resolve("register-at-scale-" + options.registerFiles());
    if (options.registerFiles() > 0 && !Files.exists(scaleSource)) {
      RegistrationBenchmark.generate(scaleSource, options.registerFiles(), 3);
    }
    String warehouseBucket = "trip-lake-bench-warehouse-" + id;
    String rawNamespace = "raw_" + id;
    String tripsNamespace = "trips_" + id;
    String ingestRawNamespace = "rawingest_" + id;
    String ingestTripsNamespace = "tripsingest_" + id;

    long uploadStart = System.nanoTime();
    long[] uploaded;
    try (S3Client s3 = MotoServerProcess.s3(motoEndpoint);
        GlueClient glue = MotoServerProcess.glue(motoEndpoint)) {
      // What Terraform creates: the buckets and the two Glue databases (the job role cannot create
      // databases).
      s3.createBucket(b -> b.bucket(rawBucket));
      s3.createBucket(b -> b.bucket(warehouseBucket));
      for (String db :
          List.of(
              rawNamespace,
              tripsNamespace,
              scaleNamespace,
              ingestRawNamespace,
              ingestTripsNamespace)) {
        glue.createDatabase(
            b ->
                b.databaseInput(
                    d -> d.name(db).locationUri("s3://" + warehouseBucket + "/" + db + ".db")));
      }
      uploaded = upload(s3, source, rawBucket);
      if (options.registerFiles() > 0) {
        s3.createBucket(b -> b.bucket(scaleBucket));
        upload(s3, scaleSource, scaleBucket);
      }
    }
    double uploadSeconds = (System.nanoTime() - uploadStart) / 1e9;

    Map<String, String> roles =
        Map.of(rawBucket, RAW, scaleBucket, RAW, warehouseBucket, WAREHOUSE);
    URI moto = URI.create(motoEndpoint);
    try (CountingProxy s3Proxy =
            CountingProxy.start(moto, options.latency(), RequestKinds.s3(roles));
        CountingProxy glueProxy = CountingProxy.start(moto, Duration.ZERO, RequestKinds.glue())) {
      java.util.function.LongSupplier proxyCpuNanos =
          () -> s3Proxy.cpuNanos() + glueProxy.cpuNanos();
      Lake lake =
          Lake.fromCatalogConf(
                  catalogConf(
                      workDir.resolve("catalog-" + id + ".properties"),
                      warehouseBucket,
                      s3Proxy.endpoint(),
                      glueProxy.endpoint()))
              .withNamespaces(rawNamespace, tripsNamespace);
      SparkSession spark = sessions.apply(lake);

      // Register: what `trip-lake register --source s3://<raw>/` runs.
      s3Proxy.reset();
      glueProxy.reset();
      Meter meter = Meter.start(proxyCpuNanos, emulatorCpuNanos);
      RawFileRegistrar.Result registered;
      Catalog catalog = lake.catalog();
      try (FileIO io = lake.sourceIO(options.parallelism())) {
        registered =
            RawFileRegistrar.of(lake, catalog, io)
                .source("s3://" + rawBucket + "/")
                .parallelism(options.parallelism())
                .execute();
      } finally {
        closeQuietly(catalog);
      }
      Phase register = meter.stop("register", s3Proxy.reset(), glueProxy.reset());
      requireAllRegistered(registered, uploaded[0]);

      // Register at scale: many small files once the JVM is warm, as in a fleet's daily run.
      Phase atScale = null;
      int scaleFiles = options.registerFiles();
      if (scaleFiles > 0) {
        Lake scaleLake = lake.withNamespaces(scaleNamespace, tripsNamespace);
        meter = Meter.start(proxyCpuNanos, emulatorCpuNanos);
        catalog = scaleLake.catalog();
        try (FileIO io = scaleLake.sourceIO(options.parallelism())) {
          registered =
              RawFileRegistrar.of(scaleLake, catalog, io)
                  .source("s3://" + scaleBucket + "/")
                  .parallelism(options.parallelism())
                  .execute();
        } finally {
          closeQuietly(catalog);
        }
        atScale = meter.stop("register-at-scale", s3Proxy.reset(), glueProxy.reset());
        requireAllRegistered(registered, scaleFiles);
      }

      // Aggregate: what `trip-lake aggregate --config ...` runs (the config parsed here, not read
      // from S3).
      TripConfig config = TripConfig.parse(FleetGenerator.CONFIG, "generator");
      meter = Meter.start(proxyCpuNanos, emulatorCpuNanos);
      TripAggregator.Result trips = TripAggregator.of(lake, spark, config).execute();
      Phase aggregate = meter.stop("aggregate", s3Proxy.reset(), glueProxy.reset());

      // The same full run again in this JVM, for the CPU a row costs without the first run's class
      // loading and JIT.
      for (String table : List.of("tripsummary", "trips", "devicedays")) {
        spark.sql("DROP TABLE " + Lake.CATALOG_NAME + "." + lake.tripsTable(table) + " PURGE");
      }
      s3Proxy.reset();
      glueProxy.reset();
      meter = Meter.start(proxyCpuNanos, emulatorCpuNanos);
      // In Spark tasks whatever its size, as a fleet's day runs: the CPU per row is read from the
      // executors' pooled threads, and a driver-run pass's pool ends with the run, uncounted.
      TripAggregator.Result again =
          TripAggregator.of(lake, spark, config).driverRowsMax(0).execute();
      Phase rerun = meter.stop("rerun", s3Proxy.reset(), glueProxy.reset());

      // Ingest: what `trip-lake ingest --source s3://<raw>/ --config ...` runs, into tables of its
      // own: each new file fetched whole once, kept on local disk for the trip job.
      Lake ingestLake = lake.withNamespaces(ingestRawNamespace, ingestTripsNamespace);
      s3Proxy.reset();
      glueProxy.reset();
      meter = Meter.start(proxyCpuNanos, emulatorCpuNanos);
      TripIngest.Result ingested;
      try (FileIO io = ingestLake.sourceIO(options.parallelism())) {
        ingested =
            TripIngest.of(ingestLake, io, () -> spark, config)
                .source("s3://" + rawBucket + "/")
                .parallelism(options.parallelism())
                .keepDir(workDir.resolve("kept"))
                .execute();
      }
      Phase ingest = meter.stop("ingest", s3Proxy.reset(), glueProxy.reset());
      if (ingested.registeredFiles() != uploaded[0] || !ingested.clean()) {
        throw new IllegalStateException(
            "Cannot benchmark: ingest did not register every uploaded file ("
                + uploaded[0]
                + "): "
                + ingested.summary());
      }

      int files = (int) uploaded[0];
      int cores = Runtime.getRuntime().availableProcessors();
      double filesPerSecond = files / register.seconds();
      double atScaleFilesPerSecond = atScale == null ? 0 : scaleFiles / atScale.seconds();
      Phase registerRate = atScale == null ? register : atScale;
      CostModel.Measured measured =
          new CostModel.Measured(
              register.requests(RAW, files),
              register.requests(WAREHOUSE, 1),
              aggregate.requests(RAW, files),
              aggregate.requests(WAREHOUSE, 1),
              registerRate.jobCpuSeconds() / (atScale == null ? files : scaleFiles),
              options.parallelism(),
              options.latency().toNanos() / 1e9,
              options.cpuSecondsPerRow() != null
                  ? options.cpuSecondsPerRow()
                  : rerunCpuSecondsPerRow(rerun, again),
              TripAggregator.FILES_FETCHED_AHEAD);
      CostModel.Fleet fleet = CostModel.Fleet.DESIGN_NOTES;
      CostModel.Prices prices = CostModel.Prices.ARM_US_EAST_1;
      CostModel.Sizes sizes = CostModel.Sizes.contract();
      List<CostModel.Estimate> costs = new ArrayList<>();
      for (int devices : COST_DEVICES) {
        costs.add(CostModel.estimate(devices, measured, fleet, prices, sizes));
      }
      // Ingest's requests in the model: all of its raw ones per file on the registration's side,
      // none left for a separate trip run; the compute is the same work, measured above, on the
      // one worker ingest runs on.
      CostModel.Measured ingestMeasured =
          new CostModel.Measured(
              ingest.requests(RAW, files),
              ingest.requests(WAREHOUSE, 1),
              CostModel.Requests.NONE,
              CostModel.Requests.NONE,
              measured.registerCpuSecondsPerFile(),
              measured.registerInFlight(),
              measured.latencySeconds(),
              measured.aggregateCpuSecondsPerRow(),
              measured.aggregateInFlightPerTask());
      List<CostModel.Estimate> ingestCosts = new ArrayList<>();
      for (int devices : COST_DEVICES) {
        ingestCosts.add(CostModel.estimateIngest(devices, ingestMeasured, fleet, prices, sizes));
      }
      FleetGenerator.Options o = options.fleet();
      return new Result(
          o.devices(),
          o.days(),
          o.imuHz(),
          files,
          uploaded[1],
          trips.work().rowsRead(),
          trips.work().filesRead(),
          trips.work().trips(),
          options.latency().toNanos() / 1e6,
          options.parallelism(),
          cores,
          uploadSeconds,
          register,
          scaleFiles,
          atScale,
          atScaleFilesPerSecond,
          aggregate,
          rerun,
          rerunCpuSecondsPerRow(rerun, again),
          options.cpuSecondsPerRow() != null,
          filesPerSecond,
          trips.work().rowsRead() / aggregate.seconds() / cores,
          again.work().rowsRead() / rerun.seconds() / cores,
          s3Proxy.failures() + glueProxy.failures(),
          Stream.concat(s3Proxy.failureMessages().stream(), glueProxy.failureMessages().stream())
              .toList(),
          measured,
          fleet,
          prices,
          sizes,
          List.copyOf(costs),
          ingest,
          ingestMeasured,
          List.copyOf(ingestCosts));
    }
  }

  private static void requireAllRegistered(RawFileRegistrar.Result registered, long uploaded) {
    if (registered.registeredFiles() != uploaded || !registered.clean()) {
      throw new IllegalStateException(
          "Cannot benchmark: registration did not register every uploaded file ("
              + uploaded
              + "): "
              + registered.summary());
    }
  }

  /**
   * The rerun's executor CPU over its rows: what a row costs an executor once its JVM is warm (the
   * driver's planning and commit, and the proxies, are not in it).
   */
  private static double rerunCpuSecondsPerRow(Phase rerun, TripAggregator.Result again) {
    return again.work().rowsRead() == 0 ? 0 : rerun.executorCpuSeconds() / again.work().rowsRead();
  }

  /**
   * The catalog profile "Glue against an emulator" (README), with S3 and Glue behind the counting
   * proxies.
   */
  private static Path catalogConf(
      Path file, String warehouseBucket, String s3Endpoint, String glueEndpoint)
      throws IOException {
    Map<String, String> props = new LinkedHashMap<>();
    props.put("type", "glue");
    props.put("warehouse", "s3://" + warehouseBucket + "/");
    props.put("io-impl", "org.apache.iceberg.aws.s3.S3FileIO");
    props.put("client.region", MotoServerProcess.REGION.id());
    props.put("glue.id", MotoServerProcess.ACCOUNT_ID);
    props.put("glue.endpoint", glueEndpoint);
    props.put("s3.endpoint", s3Endpoint);
    props.put("s3.path-style-access", "true");
    StringBuilder text = new StringBuilder();
    props.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, text);
    return file;
  }

  /**
   * Uploads every file under {@code source} to the bucket under its relative path; returns {files,
   * bytes}.
   */
  private static long[] upload(S3Client s3, Path source, String bucket) throws IOException {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(source)) {
      files = walk.filter(Files::isRegularFile).sorted().toList();
    }
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<Long>> sizes = new ArrayList<>();
      for (Path file : files) {
        String key = source.relativize(file).toString().replace('\\', '/');
        sizes.add(
            pool.submit(
                () -> {
                  s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromFile(file));
                  return Files.size(file);
                }));
      }
      long bytes = 0;
      for (Future<Long> size : sizes) {
        bytes += size.get();
      }
      return new long[] {files.size(), bytes};
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted while uploading the fleet", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IOException("Cannot upload the fleet: " + e.getCause().getMessage(), e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  private static void closeQuietly(Catalog catalog) {
    if (catalog instanceof AutoCloseable closeable) {
      try {
        closeable.close();
      } catch (Exception e) {
        throw new IllegalStateException("Cannot close the catalog: " + e.getMessage(), e);
      }
    }
  }

  /**
   * Threads that do an executor's work in this local JVM: Spark's tasks and the raw files' fetches
   * ahead. Their CPU is what executors are billed for; the rest (driver planning and commits, the
   * proxies' forwarding) is not per row.
   */
  static final java.util.regex.Pattern EXECUTOR_THREADS =
      java.util.regex.Pattern.compile("Executor task launch worker.*|raw-fetch.*|trip-pass.*");

  /** Wall time, this JVM's CPU time (all, and its executor threads') and peak heap of a phase. */
  private record Meter(
      long startNanos,
      long startCpuNanos,
      Map<Long, Long> startThreadCpu,
      java.util.function.LongSupplier proxyCpu,
      long startProxyCpuNanos,
      java.util.function.LongSupplier emulatorCpu,
      long startEmulatorCpuNanos) {
    static Meter start(
        java.util.function.LongSupplier proxyCpu, java.util.function.LongSupplier emulatorCpu) {
      TripBenchmark.resetPeakHeap();
      return new Meter(
          System.nanoTime(),
          cpuNanos(),
          executorThreadCpu(),
          proxyCpu,
          proxyCpu.getAsLong(),
          emulatorCpu,
          emulatorCpu.getAsLong());
    }

    Phase stop(String name, Traffic s3, Traffic glue) {
      Map<Long, Long> end = executorThreadCpu();
      long executorNanos = 0;
      for (Map.Entry<Long, Long> thread : end.entrySet()) {
        executorNanos += thread.getValue() - startThreadCpu.getOrDefault(thread.getKey(), 0L);
      }
      long emulatorNanos = emulatorCpu.getAsLong();
      return new Phase(
          name,
          (System.nanoTime() - startNanos) / 1e9,
          (cpuNanos() - startCpuNanos) / 1e9,
          executorNanos / 1e9,
          (proxyCpu.getAsLong() - startProxyCpuNanos) / 1e9,
          emulatorNanos < 0 || startEmulatorCpuNanos < 0
              ? Double.NaN
              : (emulatorNanos - startEmulatorCpuNanos) / 1e9,
          TripBenchmark.peakHeap(),
          s3,
          glue);
    }

    /**
     * CPU time of each live executor thread; a thread that ended during the phase is not counted
     * (Spark's task threads and the fetch threads are pooled and outlive a run).
     */
    private static Map<Long, Long> executorThreadCpu() {
      java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      Map<Long, Long> cpu = new HashMap<>();
      for (java.lang.management.ThreadInfo info :
          threads.getThreadInfo(threads.getAllThreadIds())) {
        if (info != null && EXECUTOR_THREADS.matcher(info.getThreadName()).matches()) {
          long nanos = threads.getThreadCpuTime(info.getThreadId());
          if (nanos >= 0) {
            cpu.put(info.getThreadId(), nanos);
          }
        }
      }
      return cpu;
    }

    private static long cpuNanos() {
      if (ManagementFactory.getOperatingSystemMXBean()
          instanceof com.sun.management.OperatingSystemMXBean os) {
        return os.getProcessCpuTime();
      }
      throw new UncheckedIOException(
          new IOException(
              "Cannot measure CPU time: this JVM has no com.sun.management.OperatingSystemMXBean"));
    }
  }

  static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }
}
