package io.triplake.bench;

import io.triplake.lake.JobContract;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the daily register and aggregate job runs cost on ARM EMR Serverless plus the S3 requests
 * they make, for a fleet of N devices, from figures measured by {@code bench s3} and a price table.
 * Every step is a {@link Line} with its arithmetic, so a reader can redo it.
 *
 * <p>The model:
 *
 * <ul>
 *   <li>files and rows: {@link Fleet} (DESIGN-NOTES: 500 devices make about 650,000 raw files a
 *       day, about 1 GB a device; the real sample's 11.7 bytes a row);
 *   <li>register: one driver worker (registration is Java API work, no Spark executors), as long as
 *       its CPU per file (measured on a warm JVM) over the driver's vCPU, or the files' requests
 *       over the footer reads it keeps in flight, whichever is longer;
 *   <li>aggregate: executor work in vCPU-seconds = the CPU each row costs (measured on a warm JVM)
 *       plus, per file, the part of its request's wait that the files fetched ahead do not hide (a
 *       task holds its core while it waits); as many executors as keep each busy a minute, at most
 *       the job's maximum; the driver as long as the executors;
 *   <li>EMR Serverless bills each worker's vCPU and memory per second with a one-minute minimum per
 *       worker, so every job run pays at least a minute of each worker it starts;
 *   <li>S3: raw requests per raw file (measured) times the files; warehouse requests per job run
 *       (measured, taken as independent of the fleet's size: one commit per table); LISTs grow with
 *       what a listing walks.
 * </ul>
 *
 * Not included: MWAA, Glue, Athena, storage, data transfer, ephemeral storage above the free 20 GB
 * per worker.
 */
public final class CostModel {
  private CostModel() {}

  /**
   * Prices.
   *
   * @param vcpuHour EMR Serverless, per vCPU-hour
   * @param gbHour EMR Serverless, per GB-hour of memory
   * @param getPer1000 S3 Standard GET, HEAD and every other request not listed below, per 1,000
   * @param putPer1000 S3 Standard PUT, COPY, POST and LIST, per 1,000 (DELETE is free)
   * @param minimumWorkerSeconds the least EMR Serverless bills a worker it started
   */
  public record Prices(
      double vcpuHour,
      double gbHour,
      double getPer1000,
      double putPer1000,
      double minimumWorkerSeconds) {
    /**
     * us-east-1, on-demand. EMR Serverless on ARM (Graviton): $0.04208 per vCPU-hour and $0.00464
     * per GB-hour, the figures this project was given on 2026-11-23 (README, "What it costs per
     * day"; AWS's pricing page could not be read from here: check before relying on totals); billed
     * per second, one-minute minimum per worker. S3 Standard requests (DESIGN-NOTES, AWS's S3
     * pricing page): GET and all other $0.0004 per 1,000, PUT/COPY/POST/LIST $0.005 per 1,000,
     * DELETE free.
     */
    public static final Prices ARM_US_EAST_1 = new Prices(0.04208, 0.00464, 0.0004, 0.005, 60);
  }

  /**
   * The fleet per device and day.
   *
   * @param filesPerDevice raw files a device uploads a day
   * @param bytesPerDevice raw bytes a device uploads a day
   * @param bytesPerRow raw bytes per row (rows a day = bytes / this)
   * @param listedDays days of raw files the registrar's listing walks each run (it lists the whole
   *     source: 1 for a new bucket, growing by one each day)
   */
  public record Fleet(
      double filesPerDevice, double bytesPerDevice, double bytesPerRow, int listedDays) {
    /**
     * DESIGN-NOTES: 500 devices, one file per message per 10 minutes, about 650,000 raw files a day
     * (1,300 a device) and 1 GB a device; README: the real sample has 11.7 bytes per row; a new
     * bucket.
     */
    public static final Fleet DESIGN_NOTES = new Fleet(650_000.0 / 500, 1e9, 11.7, 1);
  }

  /**
   * One EMR Serverless worker: its vCPU and the memory it is billed for (Spark memory plus
   * overhead, rounded up).
   */
  public record Worker(int vcpu, double memoryGb) {
    double dollarsPerHour(Prices p) {
      return vcpu * p.vcpuHour() + memoryGb * p.gbHour();
    }
  }

  /**
   * Worker sizes of the job runs.
   *
   * @param registerDriver the register job run's only worker
   * @param driver the aggregate job run's driver
   * @param executor an aggregate executor
   * @param maxExecutors the aggregate job's {@code spark.dynamicAllocation.maxExecutors}
   * @param ingestDriver the ingest job run's only worker (its trip pass runs on the driver's
   *     threads)
   */
  public record Sizes(
      Worker registerDriver,
      Worker driver,
      Worker executor,
      int maxExecutors,
      Worker ingestDriver) {
    /** The job contract's sizes (airflow-dags/dags/job-contract.json), as EMR bills the workers. */
    public static Sizes contract() {
      JobContract contract = JobContract.load();
      JobContract.Job register = contract.job("register");
      JobContract.Job aggregate = contract.job("aggregate");
      return new Sizes(
          worker(register.driverWorker()),
          worker(aggregate.driverWorker()),
          worker(aggregate.executorWorker()),
          aggregate.maxExecutors(),
          worker(contract.job("ingest").driverWorker()));
    }

    private static Worker worker(JobContract.Worker w) {
      return new Worker(w.vcpu(), w.memoryGb());
    }
  }

  /** S3 requests by billing kind (per raw file or per job run). */
  public record Requests(
      double get, double head, double list, double put, double post, double delete) {
    public static final Requests NONE = new Requests(0, 0, 0, 0, 0, 0);

    /** GET and HEAD: S3's cheap class. */
    public double reads() {
      return get + head;
    }

    /** PUT, POST and LIST: S3's expensive class. */
    public double writesAndLists() {
      return put + post + list;
    }

    Requests plus(Requests o) {
      return new Requests(
          get + o.get, head + o.head, list + o.list, put + o.put, post + o.post, delete + o.delete);
    }

    Requests times(double factor) {
      return new Requests(
          get * factor, head * factor, list * factor, put * factor, post * factor, delete * factor);
    }
  }

  /**
   * What {@code bench s3} measured.
   *
   * @param registerRawPerFile register's requests to the raw bucket, per raw file
   * @param registerWarehousePerRun register's requests to the warehouse bucket in its run
   * @param aggregateRawPerFile aggregate's requests to the raw bucket, per raw file
   * @param aggregateWarehousePerRun aggregate's requests to the warehouse bucket in its run
   * @param registerCpuSecondsPerFile registration's CPU per file on a warm JVM (footer, metrics,
   *     manifest entry, the S3 client's request)
   * @param registerInFlight registration's footer reads in flight ({@code register --parallelism})
   * @param latencySeconds one S3 request's wait before its first byte
   * @param aggregateCpuSecondsPerRow the trip job's CPU per raw row on a warm JVM
   * @param aggregateInFlightPerTask raw files a trip task fetches ahead of the one it decodes
   */
  public record Measured(
      Requests registerRawPerFile,
      Requests registerWarehousePerRun,
      Requests aggregateRawPerFile,
      Requests aggregateWarehousePerRun,
      double registerCpuSecondsPerFile,
      int registerInFlight,
      double latencySeconds,
      double aggregateCpuSecondsPerRow,
      int aggregateInFlightPerTask) {
    public Measured {
      if (!(registerCpuSecondsPerFile >= 0) || !(latencySeconds >= 0)) {
        throw new IllegalArgumentException(
            "Cannot model the cost: registration's CPU per file and the latency must not be"
                + " negative ("
                + registerCpuSecondsPerFile
                + ", "
                + latencySeconds
                + ")");
      }
      if (!(aggregateCpuSecondsPerRow >= 0)) {
        throw new IllegalArgumentException(
            "Cannot model the cost: the CPU per row must not be negative ("
                + aggregateCpuSecondsPerRow
                + ")");
      }
      if (registerInFlight < 1 || aggregateInFlightPerTask < 1) {
        throw new IllegalArgumentException(
            "Cannot model the cost: requests in flight must be at least 1 ("
                + registerInFlight
                + ", "
                + aggregateInFlightPerTask
                + ")");
      }
    }
  }

  /** One step: what it is, how it is computed, its value (in {@code unit}). */
  public record Line(String what, String arithmetic, double value, String unit) {}

  /**
   * The cost of one day for {@code devices} devices.
   *
   * @param registerDollars the register job run
   * @param aggregateDollars the aggregate job run
   * @param s3Dollars every S3 request of both
   */
  public record Estimate(
      int devices,
      double files,
      double rows,
      double registerSeconds,
      double aggregateSeconds,
      int executors,
      double registerDollars,
      double aggregateDollars,
      double s3Dollars,
      double totalDollars,
      List<Line> lines) {
    public double dollarsPerDevice() {
      return totalDollars / devices;
    }
  }

  public static Estimate estimate(int devices, Measured m, Fleet fleet, Prices p, Sizes sizes) {
    List<Line> lines = new ArrayList<>();
    double files = files(devices, fleet, lines);
    double rows = rows(devices, fleet, lines);

    // Register: the driver alone, bound by its CPU or by the requests it keeps in flight.
    double registerCpu = files * m.registerCpuSecondsPerFile() / sizes.registerDriver().vcpu();
    double registerWait =
        files * m.registerRawPerFile().reads() * m.latencySeconds() / m.registerInFlight();
    double registerSeconds =
        Math.max(p.minimumWorkerSeconds(), Math.max(registerCpu, registerWait));
    lines.add(
        new Line(
            "register: driver time",
            fmt(
                "max(%s s, %s files x %s ms CPU / %d vCPU, %s files x %s raw GET+HEAD x %s s / %d"
                    + " in flight) = max(%s s, %s s, %s s)",
                num(p.minimumWorkerSeconds()),
                num(files),
                num(m.registerCpuSecondsPerFile() * 1e3),
                sizes.registerDriver().vcpu(),
                num(files),
                num(m.registerRawPerFile().reads()),
                num(m.latencySeconds()),
                m.registerInFlight(),
                num(p.minimumWorkerSeconds()),
                num(registerCpu),
                num(registerWait)),
            registerSeconds,
            "s"));
    double registerDollars = registerSeconds / 3600 * sizes.registerDriver().dollarsPerHour(p);
    lines.add(
        new Line(
            "register: EMR",
            fmt("%s s / 3600 x (%s)", num(registerSeconds), workerPrice(sizes.registerDriver(), p)),
            registerDollars,
            "$"));

    // Aggregate: a task decodes one file while the next ones are fetched; a core waits only for
    // what its CPU on a file does not cover.
    double cpuPerFile = rows / files * m.aggregateCpuSecondsPerRow();
    double waitPerFile =
        Math.max(
            0,
            m.aggregateRawPerFile().reads() * m.latencySeconds() / m.aggregateInFlightPerTask()
                - cpuPerFile);
    lines.add(
        new Line(
            "aggregate: wait per file",
            fmt(
                "max(0, %s raw GET+HEAD x %s s / %d fetched ahead - %s rows x %s µs CPU)",
                num(m.aggregateRawPerFile().reads()),
                num(m.latencySeconds()),
                m.aggregateInFlightPerTask(),
                num(rows / files),
                num(m.aggregateCpuSecondsPerRow() * 1e6)),
            waitPerFile,
            "s"));
    double work = files * waitPerFile + rows * m.aggregateCpuSecondsPerRow();
    lines.add(
        new Line(
            "aggregate: executor work",
            fmt(
                "%s files x %s s + %s rows x %s µs CPU = %s + %s",
                num(files),
                num(waitPerFile),
                num(rows),
                num(m.aggregateCpuSecondsPerRow() * 1e6),
                num(files * waitPerFile),
                num(rows * m.aggregateCpuSecondsPerRow())),
            work,
            "vCPU-s"));
    int vcpu = sizes.executor().vcpu();
    int executors =
        (int)
            Math.max(
                1,
                Math.min(
                    sizes.maxExecutors(), Math.ceil(work / (vcpu * p.minimumWorkerSeconds()))));
    lines.add(
        new Line(
            "aggregate: executors",
            fmt(
                "min(%d, ceil(%s vCPU-s / (%d vCPU x %s s)))",
                sizes.maxExecutors(), num(work), vcpu, num(p.minimumWorkerSeconds())),
            executors,
            "workers"));
    double aggregateSeconds = Math.max(p.minimumWorkerSeconds(), work / (executors * vcpu));
    lines.add(
        new Line(
            "aggregate: wall time",
            fmt(
                "max(%s s, %s vCPU-s / (%d x %d vCPU))",
                num(p.minimumWorkerSeconds()), num(work), executors, vcpu),
            aggregateSeconds,
            "s"));
    double aggregateDollars =
        aggregateSeconds
            / 3600
            * (executors * sizes.executor().dollarsPerHour(p) + sizes.driver().dollarsPerHour(p));
    lines.add(
        new Line(
            "aggregate: EMR",
            fmt(
                "%s s / 3600 x (%d x (%s) + %s)",
                num(aggregateSeconds),
                executors,
                workerPrice(sizes.executor(), p),
                workerPrice(sizes.driver(), p)),
            aggregateDollars,
            "$"));

    // S3 requests of both runs.
    double[] s3 =
        s3(
            files,
            m.registerRawPerFile().plus(m.aggregateRawPerFile()),
            m.registerWarehousePerRun().plus(m.aggregateWarehousePerRun()),
            m,
            fleet,
            p,
            lines);
    double total = registerDollars + aggregateDollars + s3[0] + s3[1];
    lines.add(
        new Line(
            "per day",
            fmt(
                "%s + %s + %s + %s",
                money(registerDollars), money(aggregateDollars), money(s3[0]), money(s3[1])),
            total,
            "$"));
    return new Estimate(
        devices,
        files,
        rows,
        registerSeconds,
        aggregateSeconds,
        executors,
        registerDollars,
        aggregateDollars,
        s3[0] + s3[1],
        total,
        List.copyOf(lines));
  }

  /**
   * The cost of one day for {@code devices} devices with {@code ingest}: one job run on one worker,
   * the ingest driver, that registers the day's files (its CPU or its requests in flight, whichever
   * takes longer) and then runs the trip pass on its own threads over the files it kept on local
   * disk (CPU only: no raw request is left). {@code m}'s registration requests are ingest's, all of
   * its raw ones; its aggregate requests are not used.
   */
  public static Estimate estimateIngest(
      int devices, Measured m, Fleet fleet, Prices p, Sizes sizes) {
    List<Line> lines = new ArrayList<>();
    double files = files(devices, fleet, lines);
    double rows = rows(devices, fleet, lines);
    Worker driver = sizes.ingestDriver();
    double registerCpu = files * m.registerCpuSecondsPerFile() / driver.vcpu();
    double registerWait =
        files * m.registerRawPerFile().reads() * m.latencySeconds() / m.registerInFlight();
    double register = Math.max(registerCpu, registerWait);
    lines.add(
        new Line(
            "ingest: registration",
            fmt(
                "max(%s files x %s ms CPU / %d vCPU, %s files x %s raw GET+HEAD x %s s / %d in"
                    + " flight) = max(%s s, %s s)",
                num(files),
                num(m.registerCpuSecondsPerFile() * 1e3),
                driver.vcpu(),
                num(files),
                num(m.registerRawPerFile().reads()),
                num(m.latencySeconds()),
                m.registerInFlight(),
                num(registerCpu),
                num(registerWait)),
            register,
            "s"));
    double pass = rows * m.aggregateCpuSecondsPerRow() / driver.vcpu();
    lines.add(
        new Line(
            "ingest: trip pass",
            fmt(
                "%s rows x %s µs CPU / %d vCPU (kept files: no request)",
                num(rows), num(m.aggregateCpuSecondsPerRow() * 1e6), driver.vcpu()),
            pass,
            "s"));
    double seconds = Math.max(p.minimumWorkerSeconds(), register + pass);
    lines.add(
        new Line(
            "ingest: driver time",
            fmt("max(%s s, %s s + %s s)", num(p.minimumWorkerSeconds()), num(register), num(pass)),
            seconds,
            "s"));
    double dollars = seconds / 3600 * driver.dollarsPerHour(p);
    lines.add(
        new Line(
            "ingest: EMR",
            fmt("%s s / 3600 x (%s)", num(seconds), workerPrice(driver, p)),
            dollars,
            "$"));
    double[] s3 =
        s3(files, m.registerRawPerFile(), m.registerWarehousePerRun(), m, fleet, p, lines);
    double total = dollars + s3[0] + s3[1];
    lines.add(
        new Line(
            "per day",
            fmt("%s + %s + %s", money(dollars), money(s3[0]), money(s3[1])),
            total,
            "$"));
    return new Estimate(
        devices, files, rows, seconds, 0, 0, dollars, 0, s3[0] + s3[1], total, List.copyOf(lines));
  }

  private static double files(int devices, Fleet fleet, List<Line> lines) {
    if (devices < 1) {
      throw new IllegalArgumentException(
          "Cannot model the cost: devices must be at least 1 (" + devices + ")");
    }
    double files = devices * fleet.filesPerDevice();
    lines.add(
        new Line(
            "raw files a day",
            fmt("%d devices x %s files", devices, num(fleet.filesPerDevice())),
            files,
            "files"));
    return files;
  }

  private static double rows(int devices, Fleet fleet, List<Line> lines) {
    double rows = devices * fleet.bytesPerDevice() / fleet.bytesPerRow();
    lines.add(
        new Line(
            "raw rows a day",
            fmt(
                "%d devices x %s bytes / %s bytes per row",
                devices, num(fleet.bytesPerDevice()), num(fleet.bytesPerRow())),
            rows,
            "rows"));
    return rows;
  }

  /** The day's S3 requests in dollars: {GET+HEAD, PUT+POST+LIST}. */
  private static double[] s3(
      double files,
      Requests perFile,
      Requests perRun,
      Measured m,
      Fleet fleet,
      Prices p,
      List<Line> lines) {
    Requests listed =
        new Requests(0, 0, m.registerRawPerFile().list() * (fleet.listedDays() - 1), 0, 0, 0);
    Requests day = perFile.times(files).plus(listed.times(files)).plus(perRun);
    double reads = day.reads() * p.getPer1000() / 1000;
    lines.add(
        new Line(
            "S3 GET+HEAD",
            fmt(
                "(%s files x %s per file + %s per run) x $%s / 1000",
                num(files), num(perFile.reads()), num(perRun.reads()), num(p.getPer1000())),
            reads,
            "$"));
    double writes = day.writesAndLists() * p.putPer1000() / 1000;
    lines.add(
        new Line(
            "S3 PUT+POST+LIST",
            fmt(
                "(%s files x %s per file%s + %s per run) x $%s / 1000",
                num(files),
                num(perFile.writesAndLists()),
                fleet.listedDays() == 1
                    ? ""
                    : fmt(
                        " + %s LIST per file x %d more listed days",
                        num(m.registerRawPerFile().list()), fleet.listedDays() - 1),
                num(perRun.writesAndLists()),
                num(p.putPer1000())),
            writes,
            "$"));
    return new double[] {reads, writes};
  }

  private static String workerPrice(Worker w, Prices p) {
    return fmt(
        "%d vCPU x $%s + %s GB x $%s",
        w.vcpu(), num(p.vcpuHour()), num(w.memoryGb()), num(p.gbHour()));
  }

  /**
   * A number for the arithmetic lines: up to 4 significant digits, thousands separated, no exponent
   * below 1e15.
   */
  static String num(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return String.format(Locale.ROOT, "%,d", (long) v);
    }
    double abs = Math.abs(v);
    if (abs >= 1000) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    java.math.BigDecimal rounded = new java.math.BigDecimal(v).round(new java.math.MathContext(4));
    return rounded.stripTrailingZeros().toPlainString();
  }

  static String money(double v) {
    return String.format(Locale.ROOT, "$%.4f", v);
  }

  private static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }
}
