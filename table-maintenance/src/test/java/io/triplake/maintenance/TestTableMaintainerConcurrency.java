package io.triplake.maintenance;

import static org.assertj.core.api.Assertions.assertThat;

import io.triplake.lake.Checkpoint;
import io.triplake.lake.Lake;
import io.triplake.lake.testing.Checksums;
import io.triplake.lake.testing.SparkLakeTest;
import io.triplake.trips.TripAggregator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.iceberg.TableProperties;
import org.junit.jupiter.api.Test;

/**
 * Maintenance while the aggregator runs and loggers keep uploading, all on one Spark session and
 * catalog: whatever interleaving the threads take, no trip is lost and no raw file is touched. A
 * job that loses a commit race says so and commits nothing; running it again (as the DAG's retry
 * does) completes the work.
 */
class TestTableMaintainerConcurrency extends SparkLakeTest {
  private static final int ROUNDS = 2;

  @Test
  void maintenanceConcurrentWithAggregationAndRegistrationLosesNoTrips() throws Exception {
    Lake target = lake.withNamespaces("raw_concurrent", "trips_concurrent");
    Path staging = Files.createDirectories(tempDir.resolve("staging-concurrent"));
    Fleet fleet = new Fleet(spark, target, staging, tempDir.resolve("src-concurrent"));
    fleet.upload(fleet.cycleFiles(0));
    fleet.aggregate();
    fleet.upload(fleet.cycleFiles(1));
    fleet.aggregate();

    List<String> outcomes = new ArrayList<>();
    AtomicInteger uploads = new AtomicInteger();
    for (int round = 0; round < ROUNDS; round++) {
      fleet.upload(fleet.cycleFiles(2 + round));
      // A week ahead, so that compaction, expiry and orphan cleanup all have work; the orphan
      // margin still reaches back three days before the real now, as in production: files the
      // aggregator writes and has not committed yet are protected by it.
      SparkTableMaintainer maintainer =
          new SparkTableMaintainer(
              target, spark, Clock.fixed(Instant.now().plus(Duration.ofDays(8)), ZoneOffset.UTC));
      maintainer.orphanMarginHours(24 * (8 + 3));

      CountDownLatch go = new CountDownLatch(1);
      AtomicBoolean maintaining = new AtomicBoolean(true);
      ExecutorService pool = Executors.newFixedThreadPool(3);
      try {
        Future<TripAggregator.Result> aggregation = pool.submit(after(go, fleet::aggregate));
        Future<TableMaintainer.Result> maintenance =
            pool.submit(
                after(
                    go,
                    () -> {
                      try {
                        return maintainer.execute();
                      } finally {
                        maintaining.set(false);
                      }
                    }));
        // Loggers upload through it all: a registration every half second, each extending one long
        // trip.
        Future<Integer> registrations =
            pool.submit(
                after(
                    go,
                    () -> {
                      int n = 0;
                      while (maintaining.get()) {
                        int i = uploads.getAndIncrement();
                        long from = Fleet.at("2024-03-20T10:00:00Z") + i * 3 * Fleet.MINUTE;
                        fleet.upload(
                            List.of(
                                fleet.speed("D1000002", "u" + i, from, from + 2 * Fleet.MINUTE)));
                        n++;
                        Thread.sleep(500);
                      }
                      return n;
                    }));
        go.countDown();

        outcomes.add(
            "round "
                + round
                + ": aggregate "
                + outcome(aggregation, "run the aggregator again")
                + "; maintain "
                + outcome(maintenance, "run maintenance again")
                + "; "
                + registrations.get(10, TimeUnit.MINUTES)
                + " registrations during it");
      } finally {
        pool.shutdownNow();
      }
    }
    System.out.println(String.join("\n", outcomes));

    // What a retry does: the next runs finish the work.
    TripAggregator.Result catchUp = fleet.aggregate();
    assertThat(catchUp.rawRead())
        .as(catchUp.summary())
        .allSatisfy(read -> assertThat(read.fallback()).isFalse());
    // The checkpoint is at the raw tables' current snapshots.
    Map<String, Checkpoint.Position> checkpoint =
        Checkpoint.latest(fleet.table("tripsummary")).orElseThrow().rawTables();
    for (String raw : List.of("can2_speed", "can2_odo")) {
      assertThat(checkpoint.get(target.rawTable(raw).toString()).snapshotId())
          .isEqualTo(fleet.table(raw).currentSnapshot().snapshotId());
    }
    TableMaintainer.Result after = TableMaintainer.of(target, spark).execute();
    assertThat(notes(after)).as(after.summary()).isEmpty();

    // Every raw file as uploaded; every raw table still without GC.
    assertThat(Checksums.of(fleet.source)).isEqualTo(Checksums.of(staging));
    for (String raw : List.of("can2_speed", "can2_odo")) {
      assertThat(fleet.table(raw).properties()).containsEntry(TableProperties.GC_ENABLED, "false");
    }
    // tripsummary equals a computation from scratch: no trip lost, none doubled.
    Fleet scratch =
        new Fleet(
            spark,
            lake.withNamespaces("raw_concurrent_s", "trips_concurrent_s"),
            staging,
            fleet.source);
    scratch.register();
    scratch.aggregate();
    assertThat(fleet.summary()).isEqualTo(scratch.summary());
    assertThat(fleet.rows("SELECT DISTINCT tripid FROM " + fleet.summaryName()))
        .contains("[D1000002_20240320T100000.000000]")
        .hasSize(3 * (2 + ROUNDS) + 1);
  }

  private static List<String> notes(TableMaintainer.Result result) {
    return result.tables().stream()
        .flatMap(t -> t.notes().stream().map(n -> t.table() + ": " + n))
        .toList();
  }

  private static <T> Callable<T> after(CountDownLatch go, Callable<T> job) {
    return () -> {
      go.await();
      return job.call();
    };
  }

  /** "ok", or the conflict the job reported (any other failure fails the test). */
  private static String outcome(Future<?> job, String advice) throws InterruptedException {
    try {
      Object result = job.get(10, TimeUnit.MINUTES);
      return "ok"
          + (result instanceof TableMaintainer.Result r && !notes(r).isEmpty()
              ? " " + notes(r)
              : "");
    } catch (ExecutionException e) {
      assertThat(e.getCause())
          .as("a job that loses a commit race says what to do")
          .hasMessageContaining(advice);
      return "conflict reported: " + e.getCause().getMessage();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("the job did not finish", e);
    }
  }
}
