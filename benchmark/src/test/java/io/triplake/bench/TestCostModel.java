package io.triplake.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.triplake.bench.CostModel.Estimate;
import io.triplake.bench.CostModel.Fleet;
import io.triplake.bench.CostModel.Line;
import io.triplake.bench.CostModel.Measured;
import io.triplake.bench.CostModel.Prices;
import io.triplake.bench.CostModel.Requests;
import io.triplake.bench.CostModel.Sizes;
import io.triplake.bench.CostModel.Worker;
import org.junit.jupiter.api.Test;

/** The cost model's arithmetic, worked by hand on round numbers. */
class TestCostModel {
  private static final Prices PRICES = new Prices(0.04, 0.004, 0.0004, 0.005, 60);
  private static final Fleet FLEET = new Fleet(1000, 1e9, 10, 1);
  private static final Sizes SIZES =
      new Sizes(new Worker(4, 16), new Worker(4, 16), new Worker(4, 18), 20, new Worker(16, 32));
  private static final Measured MEASURED = measured(1e-6);

  /** 4 ms of registration CPU per file, 16 footer reads in flight, 2 files fetched ahead. */
  private static Measured measured(double cpuPerRow) {
    return new Measured(
        new Requests(2, 0, 0.001, 0, 0, 0),
        new Requests(10, 0, 0, 20, 0, 0),
        new Requests(4, 0, 0, 0, 0, 0),
        new Requests(30, 5, 2, 10, 0, 3),
        0.004,
        16,
        0.03,
        cpuPerRow,
        2);
  }

  /** Driver: 4 x 0.04 + 16 x 0.004; executor: 4 x 0.04 + 18 x 0.004 ($ per hour). */
  private static final double DRIVER = 0.224;

  private static final double EXECUTOR = 0.232;

  @Test
  void aHundredDevicesAreBoundByTheWorkAndCappedAtTheMaximumOfExecutors() {
    Estimate e = CostModel.estimate(100, MEASURED, FLEET, PRICES, SIZES);

    assertThat(e.files()).isEqualTo(100_000);
    assertThat(e.rows()).isEqualTo(1e10);
    // Register: 100,000 files x 4 ms / 4 vCPU = 100 s of CPU, but 100,000 x 2 GETs x 0.03 s / 16 in
    // flight = 375 s of waiting.
    assertThat(e.registerSeconds()).isEqualTo(375);
    assertThat(e.registerDollars()).isCloseTo(375 / 3600.0 * DRIVER, within(1e-12));
    // A file's 100,000 rows take 0.1 s of CPU, more than 4 GETs x 0.03 s / 2 fetched ahead: no
    // wait. 1e10 rows x 1 µs = 10,000 vCPU-s; ceil(10,000 / 240) = 42 > 20 executors.
    assertThat(e.executors()).isEqualTo(20);
    assertThat(e.aggregateSeconds()).isCloseTo(10_000 / 80.0, within(1e-9));
    assertThat(e.aggregateDollars())
        .isCloseTo(125 / 3600.0 * (20 * EXECUTOR + DRIVER), within(1e-12));
    // GET+HEAD: 100,000 x (2 + 4) + (10 + 30 + 5); PUT+POST+LIST: 100,000 x 0.001 + (20 + 10 + 2);
    // DELETE free.
    double s3 = 600_045 * 0.0004 / 1000 + 132 * 0.005 / 1000;
    assertThat(e.s3Dollars()).isCloseTo(s3, within(1e-12));
    assertThat(e.totalDollars())
        .isCloseTo(
            375 / 3600.0 * DRIVER + 125 / 3600.0 * (20 * EXECUTOR + DRIVER) + s3, within(1e-12));
    assertThat(e.dollarsPerDevice()).isCloseTo(e.totalDollars() / 100, within(1e-15));
  }

  /** The ingest driver: 16 x 0.04 + 32 x 0.004 ($ per hour). */
  private static final double INGEST_DRIVER = 0.768;

  @Test
  void ingestRunsRegistrationThenTheTripPassOnItsOneWorker() {
    // MEASURED as ingest's: 2 raw GETs per file and 10 GET, 20 PUT per run (its aggregate requests
    // are not used).
    Estimate e = CostModel.estimateIngest(100, MEASURED, FLEET, PRICES, SIZES);

    // Registration: max(100,000 x 4 ms / 16 vCPU = 25 s, 100,000 x 2 x 0.03 s / 16 = 375 s); the
    // pass: 1e10 rows x 1 µs / 16 vCPU = 625 s; 1,000 s in all.
    assertThat(e.registerSeconds()).isCloseTo(1_000, within(1e-9));
    assertThat(e.executors()).isZero();
    assertThat(e.aggregateDollars()).isZero();
    assertThat(e.registerDollars()).isCloseTo(1_000 / 3600.0 * INGEST_DRIVER, within(1e-12));
    // GET+HEAD: 100,000 x 2 + 10; PUT+POST+LIST: 100,000 x 0.001 + 20.
    double s3 = 200_010 * 0.0004 / 1000 + 120 * 0.005 / 1000;
    assertThat(e.s3Dollars()).isCloseTo(s3, within(1e-12));
    assertThat(e.totalDollars()).isCloseTo(1_000 / 3600.0 * INGEST_DRIVER + s3, within(1e-12));
    assertThat(e.lines()).extracting(Line::what).contains("ingest: trip pass", "per day");
  }

  @Test
  void oneDevicesIngestPaysOneMinuteOfItsOneWorker() {
    Estimate e = CostModel.estimateIngest(1, MEASURED, FLEET, PRICES, SIZES);

    // 1,000 files: 3.75 s of registration and 6.25 s of pass, billed a minute.
    assertThat(e.registerSeconds()).isEqualTo(60);
    assertThat(e.registerDollars()).isCloseTo(60 / 3600.0 * INGEST_DRIVER, within(1e-12));
  }

  @Test
  void aFilesWaitCountsOnlyWhereItsCpuDoesNotCoverTheFilesFetchedAhead() {
    // 100,000 rows x 0.1 µs = 0.01 s of CPU per file against 4 x 0.03 s / 2 = 0.06 s: 0.05 s
    // waited.
    Estimate e = CostModel.estimate(100, measured(1e-7), FLEET, PRICES, SIZES);

    Line wait = e.lines().get(4);
    assertThat(wait.what()).isEqualTo("aggregate: wait per file");
    assertThat(wait.value()).isCloseTo(0.05, within(1e-12));
    assertThat(e.lines().get(5).value()).isCloseTo(100_000 * 0.05 + 1e10 * 1e-7, within(1e-6));
  }

  @Test
  void aDriverWithFewerRequestsInFlightThanItsCpuCoversIsBoundByItsCpu() {
    Measured slowCpu =
        new Measured(
            new Requests(1, 0, 0, 0, 0, 0),
            Requests.NONE,
            Requests.NONE,
            Requests.NONE,
            0.01,
            128,
            0.03,
            1e-6,
            2);
    // 100,000 x 0.01 s / 4 vCPU = 250 s against 100,000 x 0.03 s / 128 = 23.4 s.
    assertThat(CostModel.estimate(100, slowCpu, FLEET, PRICES, SIZES).registerSeconds())
        .isCloseTo(250, within(1e-9));
  }

  @Test
  void oneDevicePaysTheOneMinuteMinimumOfEveryWorker() {
    Estimate e = CostModel.estimate(1, MEASURED, FLEET, PRICES, SIZES);

    // 1,000 files take 3.75 s to register, 100 vCPU-s to aggregate on one executor: both billed a
    // minute.
    assertThat(e.registerSeconds()).isEqualTo(60);
    assertThat(e.executors()).isEqualTo(1);
    assertThat(e.aggregateSeconds()).isEqualTo(60);
    assertThat(e.registerDollars()).isCloseTo(60 / 3600.0 * DRIVER, within(1e-12));
    assertThat(e.aggregateDollars()).isCloseTo(60 / 3600.0 * (EXECUTOR + DRIVER), within(1e-12));
    assertThat(e.s3Dollars()).isCloseTo(6_045 * 0.0004 / 1000 + 33 * 0.005 / 1000, within(1e-12));
  }

  @Test
  void executorsAreAsManyAsKeepEachBusyAMinute() {
    // 10 devices: 1e9 rows x 1e-6 = 1,000 vCPU-s; ceil(1,000 / 240) = 5 executors for 50 s, billed
    // 60 s.
    Estimate e = CostModel.estimate(10, MEASURED, FLEET, PRICES, SIZES);

    assertThat(e.executors()).isEqualTo(5);
    assertThat(e.aggregateSeconds()).isEqualTo(60);
  }

  @Test
  void aListingOfMoreDaysMultipliesRegistersLists() {
    Fleet year = new Fleet(1000, 1e9, 10, 365);

    double more =
        CostModel.estimate(100, MEASURED, year, PRICES, SIZES).s3Dollars()
            - CostModel.estimate(100, MEASURED, FLEET, PRICES, SIZES).s3Dollars();

    assertThat(more).isCloseTo(100_000 * 0.001 * 364 * 0.005 / 1000, within(1e-12));
  }

  @Test
  void everyStepIsPrintedWithItsArithmetic() {
    Estimate e = CostModel.estimate(100, MEASURED, FLEET, PRICES, SIZES);

    assertThat(e.lines())
        .extracting(Line::what)
        .containsExactly(
            "raw files a day",
            "raw rows a day",
            "register: driver time",
            "register: EMR",
            "aggregate: wait per file",
            "aggregate: executor work",
            "aggregate: executors",
            "aggregate: wall time",
            "aggregate: EMR",
            "S3 GET+HEAD",
            "S3 PUT+POST+LIST",
            "per day");
    assertThat(e.lines().get(0).arithmetic()).isEqualTo("100 devices x 1,000 files");
    assertThat(e.lines().get(2).arithmetic())
        .isEqualTo(
            "max(60 s, 100,000 files x 4 ms CPU / 4 vCPU, 100,000 files x 2 raw GET+HEAD x 0.03 s"
                + " / 16 in flight) = max(60 s, 100 s, 375 s)");
    assertThat(e.lines().get(4).arithmetic())
        .isEqualTo("max(0, 4 raw GET+HEAD x 0.03 s / 2 fetched ahead - 100,000 rows x 1 µs CPU)");
    assertThat(e.lines().get(5).arithmetic())
        .isEqualTo("100,000 files x 0 s + 10,000,000,000 rows x 1 µs CPU = 0 + 10,000");
    assertThat(e.lines().get(5).value()).isCloseTo(10_000, within(1e-6));
    assertThat(e.lines().get(6).arithmetic())
        .isEqualTo("min(20, ceil(10,000 vCPU-s / (4 vCPU x 60 s)))");
    assertThat(e.lines().get(8).arithmetic())
        .isEqualTo(
            "125 s / 3600 x (20 x (4 vCPU x $0.04 + 18 GB x $0.004) + 4 vCPU x $0.04 + 16 GB x"
                + " $0.004)");
    assertThat(e.lines().get(11).value()).isEqualTo(e.totalDollars());
  }

  @Test
  void refusesWhatCannotBeModelled() {
    assertThatThrownBy(() -> CostModel.estimate(0, MEASURED, FLEET, PRICES, SIZES))
        .hasMessage("Cannot model the cost: devices must be at least 1 (0)");
    assertThatThrownBy(
            () ->
                new Measured(
                    Requests.NONE,
                    Requests.NONE,
                    Requests.NONE,
                    Requests.NONE,
                    0.001,
                    0,
                    0.03,
                    1e-6,
                    2))
        .hasMessage("Cannot model the cost: requests in flight must be at least 1 (0, 2)");
    assertThatThrownBy(
            () ->
                new Measured(
                    Requests.NONE,
                    Requests.NONE,
                    Requests.NONE,
                    Requests.NONE,
                    0.001,
                    16,
                    0.03,
                    -1e-6,
                    2))
        .hasMessage("Cannot model the cost: the CPU per row must not be negative (-1.0E-6)");
  }

  @Test
  void theSizesAreTheJobContractsAsBilled() {
    // job-contract.json: register's driver 4 vCPU / 7g, aggregate's driver 2 vCPU / 7g and
    // executors 4 vCPU / 7g: 7g + 10 % overhead fits the 8 GB worker.
    Sizes contract = Sizes.contract();
    assertThat(contract.registerDriver()).isEqualTo(new Worker(4, 8));
    assertThat(contract.driver()).isEqualTo(new Worker(2, 8));
    assertThat(contract.executor()).isEqualTo(new Worker(4, 8));
    assertThat(contract.maxExecutors()).isEqualTo(20);
  }

  @Test
  void numbersReadLikeArithmetic() {
    assertThat(CostModel.num(1300)).isEqualTo("1,300");
    assertThat(CostModel.num(0.03)).isEqualTo("0.03");
    assertThat(CostModel.num(2.0 / 3)).isEqualTo("0.6667");
    assertThat(CostModel.num(12345.6)).isEqualTo("12,346");
    assertThat(CostModel.money(0.0123456)).isEqualTo("$0.0123");
  }
}
