package io.triplake.trips;

import static io.triplake.trips.testing.RawStaging.MINUTE;
import static io.triplake.trips.testing.RawStaging.SECOND;
import static io.triplake.trips.testing.RawStaging.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.triplake.ingest.RawFileRegistrar;
import io.triplake.lake.Checkpoint;
import io.triplake.lake.Lake;
import io.triplake.lake.RawFileWriter;
import io.triplake.lake.testing.Checksums;
import io.triplake.lake.testing.SparkLakeTest;
import io.triplake.trips.testing.RawStaging;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

class TestTripAggregator extends SparkLakeTest {
  static final String CONFIG =
      """
      {"config": {"trip": {"trip_gap_min": 10, "trip_min_length_min": 1}},
       "device_clusters": [{"devices": ["D1000001", "D1000002"], "cluster": "c1"}, {"devices": ["*"], "cluster": "rest"}],
       "cluster_details": [{"clusters": ["c1", "rest"],
         "details": {"trip_identifier": {"message": "CAN2_speed"},
           "aggregations": [
             {"message": "CAN2_speed", "signal": ["Speed"],
              "aggregation": ["avg", "median", "max", "min", "sum", "first", "last", "delta_sum", "delta_sum_pos", "delta_sum_neg", "count", "stddev"]},
             {"message": "CAN2_odo", "signal": ["DistanceTrip", "Quality"], "aggregation": ["delta_sum", "last", "count", "avg"]}]}}]}
      """;

  private String name;
  private RawStaging staging;

  @BeforeEach
  void names(TestInfo info) throws IOException {
    name = info.getTestMethod().orElseThrow().getName().toLowerCase().replaceAll("[^a-z0-9]", "");
    staging = new RawStaging(Files.createDirectories(tempDir.resolve("staging-" + name)));
  }

  private Lake lakeNamed(String suffix) {
    return lake.withNamespaces("raw_" + name + suffix, "trips_" + name + suffix);
  }

  private Path speed(String device, String fileName, long from, long to, long step) {
    return staging.speed(device, fileName, from, to, step);
  }

  private Path odo(String device, String fileName, long from, long to, long step) {
    return staging.file(
        device,
        "CAN2_odo",
        fileName,
        from,
        to,
        step,
        List.of("DistanceTrip", "Quality"),
        t -> new Double[] {(t / SECOND) * 0.01, quality(t / SECOND)});
  }

  /** NaN at seconds divisible by 5, null at seconds divisible by 3, else 1.0. */
  private static Double quality(long second) {
    if (second % 5 == 0) {
      return Double.NaN;
    }
    return second % 3 == 0 ? null : Double.valueOf(1.0);
  }

  /**
   * Moves staged files into the lake's source folder (as a logger upload would) and registers the
   * folder.
   */
  private RawFileRegistrar.Result upload(Lake target, Path source, List<Path> files) {
    return staging.upload(spark, target, source, files);
  }

  private TripAggregator.Result aggregate(Lake target) {
    return TripAggregator.of(target, spark, TripConfig.parse(CONFIG, "test")).execute();
  }

  /** A run whose pass goes to the driver's threads or to Spark tasks, whatever its size. */
  private TripAggregator.Result aggregate(Lake target, String executor) {
    return aggregate(target, executor, CONFIG);
  }

  private TripAggregator.Result aggregate(Lake target, String executor, String config) {
    TripAggregator.Result result =
        TripAggregator.of(target, spark, TripConfig.parse(config, "test"))
            .driverRowsMax(executor.equals("driver") ? Long.MAX_VALUE : 0)
            .execute();
    assertThat(result.work().executor()).isIn(executor, "none");
    return result;
  }

  /** Every column but updatedat, sorted: what two computations must agree on exactly. */
  private List<String> summary(Lake target) {
    return RawStaging.rows(
        spark, "SELECT * FROM " + Lake.CATALOG_NAME + "." + target.tripsTable("tripsummary"));
  }

  private List<Path> scenario() {
    List<Path> files = new ArrayList<>();
    String d1 = "D1000001";
    // A: 08:00-08:30 in two files.
    files.add(speed(d1, "a1", at("2024-03-01T08:00:00Z"), at("2024-03-01T08:15:00Z"), 30 * SECOND));
    files.add(speed(d1, "a2", at("2024-03-01T08:15:30Z"), at("2024-03-01T08:30:00Z"), 30 * SECOND));
    // B: 23:40 -> 00:30 across midnight, one file per day folder.
    files.add(speed(d1, "b1", at("2024-03-01T23:40:00Z"), at("2024-03-01T23:59:30Z"), 30 * SECOND));
    files.add(speed(d1, "b2", at("2024-03-02T00:00:00Z"), at("2024-03-02T00:30:00Z"), 30 * SECOND));
    // C: two trips 20 minutes apart and a late file that merges them.
    files.add(speed(d1, "c1", at("2024-03-01T10:00:00Z"), at("2024-03-01T10:20:00Z"), MINUTE));
    files.add(speed(d1, "c2", at("2024-03-01T10:40:00Z"), at("2024-03-01T11:00:00Z"), MINUTE));
    files.add(speed(d1, "c3", at("2024-03-01T10:21:00Z"), at("2024-03-01T10:39:00Z"), 3 * MINUTE));
    // E: a trip, and a late file that extends it.
    files.add(speed(d1, "e1", at("2024-03-01T14:00:00Z"), at("2024-03-01T14:30:00Z"), MINUTE));
    files.add(speed(d1, "e2", at("2024-03-01T14:35:00Z"), at("2024-03-01T14:50:00Z"), MINUTE));
    // S: a 30 s trip (dropped: under a minute), then a file 5 minutes later that makes it one long
    // trip.
    files.add(speed(d1, "s1", at("2024-03-01T16:00:00Z"), at("2024-03-01T16:00:30Z"), 10 * SECOND));
    files.add(speed(d1, "s2", at("2024-03-01T16:05:00Z"), at("2024-03-01T16:20:00Z"), MINUTE));
    // Odometer for the whole day, in several files, some late.
    files.add(odo(d1, "o1", at("2024-03-01T07:55:00Z"), at("2024-03-01T12:00:00Z"), 20 * SECOND));
    files.add(odo(d1, "o2", at("2024-03-01T12:00:10Z"), at("2024-03-02T01:00:00Z"), 20 * SECOND));
    // D2: a second device in the same cluster; D3: a device only the wildcard cluster takes.
    files.add(
        speed(
            "D1000002", "x1", at("2024-03-01T09:00:00Z"), at("2024-03-01T09:45:00Z"), 15 * SECOND));
    files.add(
        odo("D1000002", "x2", at("2024-03-01T09:10:00Z"), at("2024-03-01T09:20:00Z"), 20 * SECOND));
    files.add(
        speed("D3000003", "y1", at("2024-03-01T18:00:00Z"), at("2024-03-01T18:30:00Z"), MINUTE));
    // D4: odometer only, no trip identifier: no trips.
    files.add(
        odo("D4000004", "z1", at("2024-03-01T09:00:00Z"), at("2024-03-01T10:00:00Z"), 20 * SECOND));
    return files;
  }

  @Test
  void incrementalRunsInShuffledBatchesEqualOneRunFromScratch() {
    List<Path> files = scenario();
    Map<String, String> staged = Checksums.of(staging.root());

    Lake scratch = lakeNamed("s");
    upload(scratch, tempDir.resolve("src-" + name + "-s"), files);
    TripAggregator.Result full = aggregate(scratch, "spark");
    assertThat(full.mode()).isEqualTo(TripAggregator.Mode.FULL);
    assertThat(full.work().executor()).isEqualTo("spark");
    List<String> expected = summary(scratch);

    Lake incremental = lakeNamed("i");
    Path source = tempDir.resolve("src-" + name + "-i");
    List<Path> shuffled = new ArrayList<>(files);
    Collections.shuffle(shuffled, new Random(42));
    int batches = 5;
    for (int b = 0; b < batches; b++) {
      upload(
          incremental,
          source,
          shuffled.subList(b * shuffled.size() / batches, (b + 1) * shuffled.size() / batches));
      // Both executors of the pass, one batch after the other, on the same table.
      TripAggregator.Result result = aggregate(incremental, b % 2 == 0 ? "driver" : "spark");
      assertThat(result.committed()).as("batch %d: %s", b, result.summary()).isTrue();
    }
    assertThat(summary(incremental)).isEqualTo(expected);

    // The trips themselves, from the identifier rows: A, B across midnight, C merged, E extended, S
    // joined; D2's trip; D3 only in the wildcard cluster; nothing for D4.
    List<String> trips =
        spark
            .sql(
                "SELECT cluster, deviceid, tripid, tripend FROM "
                    + Lake.CATALOG_NAME
                    + "."
                    + incremental.tripsTable("tripsummary")
                    + " GROUP BY ALL ORDER BY cluster, tripid")
            .collectAsList()
            .stream()
            .map(r -> r.getString(0) + " " + r.getString(2) + " " + r.get(3))
            .toList();
    assertThat(trips)
        .containsExactly(
            "c1 D1000001_20240301T080000.000000 2024-03-01T08:30",
            "c1 D1000001_20240301T100000.000000 2024-03-01T11:00",
            "c1 D1000001_20240301T140000.000000 2024-03-01T14:50",
            "c1 D1000001_20240301T160000.000000 2024-03-01T16:20",
            "c1 D1000001_20240301T234000.000000 2024-03-02T00:30",
            "c1 D1000002_20240301T090000.000000 2024-03-01T09:45",
            "rest D3000003_20240301T180000.000000 2024-03-01T18:30");

    // Nothing new: no commit, no new snapshot, same rows, and no Spark needed to find that out.
    Table table = incremental.catalog(spark).loadTable(incremental.tripsTable("tripsummary"));
    long snapshot = table.currentSnapshot().snapshotId();
    TripAggregator.Result again =
        TripAggregator.of(
                incremental,
                () -> {
                  throw new AssertionError("a run with nothing new started Spark");
                },
                TripConfig.parse(CONFIG, "test"))
            .execute();
    assertThat(again.committed()).isFalse();
    assertThat(again.work().executor()).isEqualTo("none");
    table.refresh();
    assertThat(table.currentSnapshot().snapshotId()).isEqualTo(snapshot);
    assertThat(summary(incremental)).isEqualTo(expected);
    assertThat(Checksums.of(staging.root())).isEqualTo(staged);

    // A raw file taken out of the table splits trip C again; the incremental run sees the removal.
    String c3 =
        files.stream()
            .filter(p -> p.getFileName().toString().equals("c3.parquet"))
            .findFirst()
            .orElseThrow()
            .toString()
            .replace(staging.root().toString(), "");
    for (Lake target : List.of(incremental, scratch)) {
      Table speed = target.catalog(spark).loadTable(target.rawTable("can2_speed"));
      speed
          .newDelete()
          .deleteFromRowFilter(org.apache.iceberg.expressions.Expressions.alwaysFalse())
          .commit();
      speed.newDelete().deleteFile(speedFile(target, c3)).commit();
    }
    TripAggregator.Result split = aggregate(incremental);
    assertThat(split.changes().tripsInserted()).isEqualTo(1);
    assertThat(split.changes().tripsUpdated()).isEqualTo(1);
    Lake rescratch = lakeNamed("r");
    upload(rescratch, tempDir.resolve("src-" + name + "-s"), List.of());
    Table speed = rescratch.catalog(spark).loadTable(rescratch.rawTable("can2_speed"));
    String path = speedFile(rescratch, c3);
    speed.newDelete().deleteFile(path).commit();
    aggregate(rescratch);
    assertThat(summary(incremental)).isEqualTo(summary(rescratch)).isNotEqualTo(expected);
    assertThat(java.nio.file.Files.exists(java.nio.file.Path.of(path.replaceFirst("^file:", ""))))
        .isTrue();
  }

  /**
   * The test config with the trips table's parts named: positions from a message not aggregated.
   */
  static final String TRIPS_CONFIG =
      CONFIG.replace(
          "\"trip_identifier\": {\"message\": \"CAN2_speed\"},",
          "\"trip_identifier\": {\"message\": \"CAN2_speed\"}, \"trip_table\": {\"position\":"
              + " {\"message\": \"CAN2_pos\", \"latitude\": \"Latitude\", \"longitude\":"
              + " \"Longitude\"}, \"speed\": {\"message\": \"CAN2_speed\", \"signal\": \"Speed\","
              + " \"unit\": \"km/h\", \"idle_speed\": 2}},");

  /**
   * A CAN2_pos file: a path north-east, with drop-outs: 0/0 every 7th second, no latitude every
   * 11th, a NaN longitude every 13th.
   */
  private Path pos(String device, String fileName, long from, long to, long step) {
    return staging.file(
        device,
        "CAN2_pos",
        fileName,
        from,
        to,
        step,
        List.of("Latitude", "Longitude"),
        t -> {
          long s = t / SECOND;
          if (s % 7 == 0) {
            return new Double[] {0.0, 0.0};
          }
          return new Double[] {
            s % 11 == 0 ? null : 48 + (s % 86_400) * 1e-4,
            s % 13 == 0 ? Double.NaN : 11 + (s % 86_400) * 2e-4
          };
        });
  }

  private List<String> trips(Lake target) {
    return RawStaging.rows(
        spark, "SELECT * FROM " + Lake.CATALOG_NAME + "." + target.tripsTable("trips"));
  }

  @Test
  void theTripsTableIsIncrementalExactAndFilledForAnOlderLake() throws Exception {
    List<Path> files = new ArrayList<>(scenario());
    String d1 = "D1000001";
    // Positions for trips A (in two files, one late) and B across midnight; none for the others.
    files.add(pos(d1, "p1", at("2024-03-01T07:59:00Z"), at("2024-03-01T08:20:00Z"), 5 * SECOND));
    files.add(pos(d1, "p2", at("2024-03-01T08:20:05Z"), at("2024-03-01T08:40:00Z"), 5 * SECOND));
    files.add(pos(d1, "p3", at("2024-03-01T23:30:00Z"), at("2024-03-02T00:45:00Z"), 10 * SECOND));

    Lake scratch = lakeNamed("s");
    upload(scratch, tempDir.resolve("src-" + name + "-s"), files);
    TripAggregator.Result full = aggregate(scratch, "spark", TRIPS_CONFIG);
    assertThat(full.tripsTable().rowsUpserted()).isEqualTo(7);
    List<String> expected = trips(scratch);
    assertThat(expected).hasSize(7);

    Lake incremental = lakeNamed("i");
    Path source = tempDir.resolve("src-" + name + "-i");
    List<Path> shuffled = new ArrayList<>(files);
    Collections.shuffle(shuffled, new Random(7));
    // The config names every message: the first batch brings a file of each (a table per message).
    for (String message : List.of("CAN2_speed", "CAN2_odo", "CAN2_pos")) {
      Path one =
          shuffled.stream().filter(f -> f.toString().contains(message)).findFirst().orElseThrow();
      shuffled.remove(one);
      shuffled.add(0, one);
    }
    int batches = 5;
    for (int b = 0; b < batches; b++) {
      upload(
          incremental,
          source,
          shuffled.subList(b * shuffled.size() / batches, (b + 1) * shuffled.size() / batches));
      aggregate(incremental, b % 2 == 0 ? "driver" : "spark", TRIPS_CONFIG);
    }
    assertThat(trips(incremental)).isEqualTo(expected);
    assertThat(summary(incremental)).isEqualTo(summary(scratch));

    // Trip A, by hand: 08:00:00 to 08:30:00 every 30 s (61 identifier rows, steps of 30 s), speed
    // the second modulo 97 in km/h.
    org.apache.spark.sql.Row a =
        spark
            .sql(
                "SELECT * FROM "
                    + Lake.CATALOG_NAME
                    + "."
                    + incremental.tripsTable("trips")
                    + " WHERE tripid = 'D1000001_20240301T080000.000000'")
            .first();
    assertThat(a.<Double>getAs("duration_s")).isEqualTo(1800.0);
    assertThat(a.<Long>getAs("identifier_rows")).isEqualTo(61L);
    assertThat(a.<Double>getAs("max_gap_s")).isEqualTo(30.0);
    long start = at("2024-03-01T08:00:00Z") / SECOND;
    long idle = 0;
    long moving = 0;
    double max = 0;
    for (long s = start; s <= start + 1800; s += 30) {
      double v = s % 97;
      max = Math.max(max, v);
      if (s < start + 1800) {
        if (v <= 2) {
          idle += 30;
        } else {
          moving += 30;
        }
      }
    }
    assertThat(a.<Double>getAs("max_speed_kmh")).isEqualTo(max);
    assertThat(a.<Double>getAs("idle_s")).isEqualTo((double) idle);
    assertThat(a.<Double>getAs("moving_s")).isEqualTo((double) moving);
    // Fixes every 5 s from 08:00:00 to 08:30:00 inclusive, minus the drop-outs.
    long fixes = 0;
    long first = -1;
    long last = -1;
    double km = 0;
    for (long s = start; s <= start + 1800; s += 5) {
      if (s % 7 != 0 && s % 11 != 0 && s % 13 != 0) {
        fixes++;
        if (last >= 0) {
          km +=
              TripTrack.haversineKm(
                  48 + (last % 86_400) * 1e-4,
                  11 + (last % 86_400) * 2e-4,
                  48 + (s % 86_400) * 1e-4,
                  11 + (s % 86_400) * 2e-4);
        }
        first = first < 0 ? s : first;
        last = s;
      }
    }
    assertThat(a.<Long>getAs("fixes")).isEqualTo(fixes);
    assertThat(a.<Double>getAs("start_lat")).isEqualTo(48 + (first % 86_400) * 1e-4);
    assertThat(a.<Double>getAs("end_lon")).isEqualTo(11 + (last % 86_400) * 2e-4);
    assertThat(a.<Double>getAs("distance_km")).isEqualTo(km);
    // A trip with no position file: no fixes, no places, no distance.
    org.apache.spark.sql.Row d3 =
        spark
            .sql(
                "SELECT fixes, start_lat, distance_km FROM "
                    + Lake.CATALOG_NAME
                    + "."
                    + incremental.tripsTable("trips")
                    + " WHERE deviceid = 'D3000003'")
            .first();
    assertThat(d3.getLong(0)).isZero();
    assertThat(d3.isNullAt(1)).isTrue();
    assertThat(d3.isNullAt(2)).isTrue();

    // A lake whose tripsummary predates the trips table: the next run fills the table from
    // scratch, with no new raw file, and leaves tripsummary's rows as they are.
    Catalog catalog = incremental.catalog(spark);
    catalog.dropTable(incremental.tripsTable("trips"), false);
    List<String> summaryBefore = summary(incremental);
    TripAggregator.Result filled = aggregate(incremental, "driver", TRIPS_CONFIG);
    assertThat(filled.mode()).isEqualTo(TripAggregator.Mode.FULL);
    assertThat(filled.notes()).anyMatch(n -> n.contains("has no checkpoint"));
    assertThat(filled.changes().any()).isFalse();
    assertThat(trips(incremental)).isEqualTo(expected);
    assertThat(summary(incremental)).isEqualTo(summaryBefore);
    // And then it is incremental again: nothing new, nothing read.
    TripAggregator.Result again = aggregate(incremental, "driver", TRIPS_CONFIG);
    assertThat(again.mode()).isEqualTo(TripAggregator.Mode.INCREMENTAL);
    assertThat(again.work().filesRead()).isZero();
  }

  /** The location of the registered can2_speed file whose path ends with {@code suffix}. */
  private String speedFile(Lake target, String suffix) {
    return spark
        .sql(
            "SELECT file_path FROM "
                + Lake.CATALOG_NAME
                + "."
                + target.rawTable("can2_speed")
                + ".files")
        .collectAsList()
        .stream()
        .map(r -> r.getString(0))
        .filter(p -> p.endsWith(suffix))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void aNewDayReadsOnlyItsOwnFilesAndTheTripRunningIntoIt() {
    List<Path> history = new ArrayList<>();
    for (int day = 1; day <= 5; day++) {
      String date = "2024-03-0" + day;
      history.add(
          speed(
              "D1000001",
              "h" + day + "a",
              at(date + "T08:00:00Z"),
              at(date + "T08:30:00Z"),
              MINUTE));
      history.add(
          odo(
              "D1000001",
              "h" + day + "b",
              at(date + "T08:00:00Z"),
              at(date + "T08:30:00Z"),
              MINUTE));
    }
    // The last history trip runs past midnight into the new day.
    history.add(
        speed("D1000001", "late1", at("2024-03-05T23:40:00Z"), at("2024-03-06T00:20:00Z"), MINUTE));
    Lake target = lakeNamed("");
    Path source = tempDir.resolve("src-" + name);
    upload(target, source, history);
    aggregate(target);

    List<Path> newDay =
        List.of(
            speed(
                "D1000001",
                "n1",
                at("2024-03-06T00:25:00Z"),
                at("2024-03-06T00:40:00Z"),
                MINUTE), // extends the late trip
            speed("D1000001", "n2", at("2024-03-06T09:00:00Z"), at("2024-03-06T09:30:00Z"), MINUTE),
            odo("D1000001", "n3", at("2024-03-06T09:00:00Z"), at("2024-03-06T09:30:00Z"), MINUTE));
    upload(target, source, newDay);
    TripAggregator.Result result = aggregate(target);

    // Two windows (the extended late trip, the morning trip) in one of the clusters, and only the
    // files touching them: the three new ones and the late trip's file; not the five history days.
    assertThat(result.work().windows()).as(result.summary()).isEqualTo(2);
    assertThat(result.work().filesRead()).as(result.summary()).isEqualTo(4);
    assertThat(result.work().trips()).isEqualTo(2);
    Lake scratch = lakeNamed("s");
    List<Path> all = new ArrayList<>(history);
    all.addAll(newDay);
    upload(scratch, tempDir.resolve("src-" + name + "-s"), all);
    aggregate(scratch);
    assertThat(summary(target)).isEqualTo(summary(scratch));
  }

  /** A CAN2_speed file with the given rows, in the given order (t, Speed). */
  private Path speedRows(String device, String fileName, List<long[]> rows) {
    Path path = staging.path(device, "CAN2_speed", fileName, rows.get(0)[0]);
    try (RawFileWriter w = RawFileWriter.open(path, true, List.of("Speed"))) {
      rows.forEach(r -> w.write(r[0], (double) r[1]));
    }
    return path;
  }

  @Test
  void rowsOutOfOrderAndOverlappingFilesSummariseAsOneOrderedFile() {
    // The job reads raw files as they are, trusting neither their row order nor that they do not
    // overlap.
    String d = "D1000002";
    long from = at("2024-07-01T08:00:00Z");
    long middle = at("2024-07-01T08:20:00Z");
    long tie = at("2024-07-01T08:30:00Z");
    List<long[]> all = new ArrayList<>();
    List<long[]> backwards = new ArrayList<>();
    List<long[]> even = new ArrayList<>();
    List<long[]> odd = new ArrayList<>();
    int i = 0;
    for (long t = from; t <= at("2024-07-01T08:40:00Z"); t += 10 * SECOND, i++) {
      long[] row = {t, (t / SECOND) % 97 + (i % 7) * 3};
      all.add(row);
      if (t <= middle) {
        backwards.add(0, row);
      } else {
        (i % 2 == 0 ? even : odd).add(row);
      }
    }
    // A second value at one instant, in the other file: values of one instant are taken in value
    // order.
    long[] second = {tie, 500};
    (even.stream().anyMatch(r -> r[0] == tie) ? odd : even).add(second);
    all.add(all.indexOf(all.stream().filter(r -> r[0] == tie).findFirst().orElseThrow()), second);

    Path odo = odo(d, "odo", from, at("2024-07-01T08:40:00Z"), 20 * SECOND);
    Lake messy = lakeNamed("m");
    upload(
        messy,
        tempDir.resolve("src-" + name + "-m"),
        List.of(
            speedRows(d, "backwards", backwards),
            speedRows(d, "even", even),
            speedRows(d, "odd", odd),
            odo));
    TripAggregator.Result result = aggregate(messy);
    assertThat(result.work().trips()).isEqualTo(1);
    Lake ordered = lakeNamed("o");
    upload(ordered, tempDir.resolve("src-" + name + "-o"), List.of(speedRows(d, "all", all), odo));
    aggregate(ordered);

    // 12 aggregations of Speed, 4 of each of the odometer's 2 signals.
    assertThat(summary(messy)).hasSize(20).isEqualTo(summary(ordered));
    // The order-dependent aggregations: the first and last rows, and the rises (the tie adds 500 -
    // v first).
    List<Double> firstLast =
        spark
            .sql(
                "SELECT signalvalue FROM "
                    + Lake.CATALOG_NAME
                    + "."
                    + messy.tripsTable("tripsummary")
                    + " WHERE signal = 'Speed' AND aggregation IN ('first', 'last') ORDER BY"
                    + " aggregation")
            .collectAsList()
            .stream()
            .map(r -> r.getDouble(0))
            .toList();
    assertThat(firstLast)
        .containsExactly((double) all.get(0)[1], (double) all.get(all.size() - 1)[1]);
  }

  @Test
  void aRawTableWithRowLevelDeletesIsRefusedBeforeAnyCommit() {
    Lake target = lakeNamed("");
    upload(
        target,
        tempDir.resolve("src-" + name),
        List.of(
            speed("D1000001", "s1", at("2024-08-01T08:00:00Z"), at("2024-08-01T09:00:00Z"), MINUTE),
            odo("D1000001", "o1", at("2024-08-01T08:00:00Z"), at("2024-08-01T09:00:00Z"), MINUTE)));
    String raw = Lake.CATALOG_NAME + "." + target.rawTable("can2_speed");
    spark.sql("ALTER TABLE " + raw + " SET TBLPROPERTIES ('write.delete.mode' = 'merge-on-read')");
    spark.sql("DELETE FROM " + raw + " WHERE t < TIMESTAMP '2024-08-01 08:30:00'");

    assertThatThrownBy(() -> aggregate(target))
        .hasMessageContaining("raw table")
        .hasMessageContaining(target.rawTable("can2_speed").toString())
        .hasMessageContaining("s1.parquet")
        .hasMessageContaining("row-level delete");
    assertThat(target.catalog(spark).loadTable(target.tripsTable("tripsummary")).currentSnapshot())
        .isNull();
  }

  @Test
  void devicesWhoseHashesCollideKeepTheirOwnRows() {
    // Two device ids of the wildcard cluster with the same 32-bit (cluster, device) hash: a plan
    // that keys rows by such a hash would give each device's rows to both devices' trips.
    List<String> pair =
        spark
            .range(0, 400_000)
            .selectExpr("format_string('E%07X', id) AS d")
            .groupBy(
                org.apache.spark.sql.functions.hash(
                    org.apache.spark.sql.functions.lit("rest"),
                    org.apache.spark.sql.functions.col("d")))
            .agg(org.apache.spark.sql.functions.expr("sort_array(collect_list(d)) AS ds"))
            .where("size(ds) > 1")
            .orderBy("ds")
            .first()
            .<String>getList(1)
            .subList(0, 2);
    String x = pair.get(0);
    String y = pair.get(1);
    assertThat(
            spark
                .sql("SELECT hash('rest', '" + x + "') = hash('rest', '" + y + "')")
                .first()
                .getBoolean(0))
        .as("%s and %s collide", x, y)
        .isTrue();

    // The same hour on both devices, at different rates.
    List<Path> files =
        List.of(
            speed(x, "x1", at("2024-06-01T08:00:00Z"), at("2024-06-01T09:00:00Z"), 30 * SECOND),
            speed(y, "y1", at("2024-06-01T08:00:00Z"), at("2024-06-01T09:00:00Z"), MINUTE),
            odo(y, "y2", at("2024-06-01T08:00:00Z"), at("2024-06-01T09:00:00Z"), MINUTE));
    Lake target = lakeNamed("");
    upload(target, tempDir.resolve("src-" + name), files);
    aggregate(target);
    List<String> counts =
        spark
            .sql(
                "SELECT deviceid, signalcount FROM "
                    + Lake.CATALOG_NAME
                    + "."
                    + target.tripsTable("tripsummary")
                    + " WHERE signal = 'Speed' AND aggregation = 'count' ORDER BY deviceid")
            .collectAsList()
            .stream()
            .map(r -> r.getString(0) + " " + r.getLong(1))
            .toList();
    assertThat(counts).containsExactly(x + " 121", y + " 61");
  }

  @Test
  void edgeCasesBehaveAsSpecified() {
    List<Path> files = new ArrayList<>();
    String d = "D1000001";
    // Gap of exactly 10 minutes: one trip. A gap of 10 min + 1 us: two trips.
    files.add(speed(d, "g1", at("2024-05-01T08:00:00Z"), at("2024-05-01T08:05:00Z"), MINUTE));
    files.add(speed(d, "g2", at("2024-05-01T08:15:00Z"), at("2024-05-01T08:20:00Z"), MINUTE));
    files.add(
        speed(d, "g3", at("2024-05-01T08:30:00Z") + 1, at("2024-05-01T08:40:00Z") + 1, MINUTE));
    // Exactly 1 minute long: kept. A one-row trip: dropped (shorter than the minimum).
    files.add(speed(d, "m1", at("2024-05-01T12:00:00Z"), at("2024-05-01T12:01:00Z"), 30 * SECOND));
    files.add(speed(d, "m2", at("2024-05-01T13:00:00Z"), at("2024-05-01T13:00:00Z"), MINUTE));
    // Odometer only for the first trip: the other trips have no CAN2_odo rows at all.
    files.add(odo(d, "o1", at("2024-05-01T08:00:00Z"), at("2024-05-01T08:20:00Z"), 7 * SECOND));
    Lake target = lakeNamed("");
    upload(target, tempDir.resolve("src-" + name), files);
    aggregate(target);
    String table = Lake.CATALOG_NAME + "." + target.tripsTable("tripsummary");
    List<String> trips =
        spark
            .sql("SELECT DISTINCT tripid, tripend FROM " + table + " ORDER BY tripid")
            .collectAsList()
            .stream()
            .map(r -> r.getString(0) + " " + r.get(1))
            .toList();
    assertThat(trips)
        .containsExactly(
            "D1000001_20240501T080000.000000 2024-05-01T08:20",
            "D1000001_20240501T083000.000001 2024-05-01T08:40:00.000001",
            "D1000001_20240501T120000.000000 2024-05-01T12:01");
    assertThat(
            spark
                .sql("SELECT DISTINCT tripid FROM " + table + " WHERE message = 'CAN2_odo'")
                .collectAsList())
        .extracting(r -> r.getString(0))
        .containsExactly("D1000001_20240501T080000.000000");

    // NaN and null are missing: Quality is 1.0 at seconds neither divisible by 5 (NaN) nor by 3
    // (null).
    List<Long> expectedCount = new ArrayList<>();
    long count = 0;
    long lastOdo = 0;
    for (long t = at("2024-05-01T08:00:00Z"); t <= at("2024-05-01T08:20:00Z"); t += 7 * SECOND) {
      lastOdo = t;
      long s = t / SECOND;
      if (s % 5 != 0 && s % 3 != 0) {
        count++;
      }
    }
    expectedCount.add(count);
    double odoSeconds = (lastOdo - at("2024-05-01T08:00:00Z")) / 1e6;
    var quality =
        spark
            .sql(
                "SELECT aggregation, signalvalue, signalcount, duration FROM "
                    + table
                    + " WHERE signal = 'Quality' ORDER BY aggregation")
            .collectAsList();
    assertThat(quality)
        .extracting(r -> r.getString(0))
        .containsExactly("avg", "count", "delta_sum", "last");
    assertThat(quality)
        .allSatisfy(
            r -> {
              assertThat(r.getLong(2)).isEqualTo(expectedCount.get(0));
              assertThat(r.getDouble(3)).isEqualTo(odoSeconds);
            });
    assertThat(quality.get(0).getDouble(1)).isEqualTo(1.0);
    assertThat(quality.get(1).getDouble(1)).isEqualTo((double) count);
    assertThat(quality.get(2).getDouble(1)).isEqualTo(0.0);

    // Every aggregation on the exactly-one-minute trip: Speed = (t in s) % 97 at 12:00:00, :30,
    // 12:01:00.
    long s0 = at("2024-05-01T12:00:00Z") / SECOND;
    double[] v = {s0 % 97, (s0 + 30) % 97, (s0 + 60) % 97};
    var aggs =
        spark
            .sql(
                "SELECT aggregation, signalvalue, duration FROM "
                    + table
                    + " WHERE tripid = 'D1000001_20240501T120000.000000' AND signal = 'Speed'")
            .collectAsList();
    Map<String, Double> byName = new java.util.HashMap<>();
    aggs.forEach(r -> byName.put(r.getString(0), r.isNullAt(1) ? null : r.getDouble(1)));
    double mean = (v[0] + v[1] + v[2]) / 3;
    double[] sorted = v.clone();
    java.util.Arrays.sort(sorted);
    assertThat(byName)
        .containsEntry("avg", mean)
        .containsEntry("median", sorted[1])
        .containsEntry("max", sorted[2])
        .containsEntry("min", sorted[0])
        .containsEntry("sum", v[0] + v[1] + v[2])
        .containsEntry("first", v[0])
        .containsEntry("last", v[2])
        .containsEntry("count", 3.0)
        .containsEntry("delta_sum_pos", Math.max(0, v[1] - v[0]) + Math.max(0, v[2] - v[1]))
        .containsEntry("delta_sum_neg", Math.min(0, v[1] - v[0]) + Math.min(0, v[2] - v[1]));
    assertThat(byName.get("delta_sum"))
        .isCloseTo(v[2] - v[0], org.assertj.core.data.Offset.offset(1e-9));
    double var =
        ((v[0] - mean) * (v[0] - mean)
                + (v[1] - mean) * (v[1] - mean)
                + (v[2] - mean) * (v[2] - mean))
            / 2;
    assertThat(byName.get("stddev"))
        .isCloseTo(Math.sqrt(var), org.assertj.core.data.Offset.offset(1e-9));
    assertThat(aggs).allSatisfy(r -> assertThat(r.getDouble(2)).isEqualTo(60.0));
  }

  @Test
  void reprocessingADayAsOfAnEarlierTimeGoesToABranchAndLeavesMainEqualToAFromScratchRun()
      throws Exception {
    Lake target = lakeNamed("");
    Path source = tempDir.resolve("src-" + name);
    String d = "D1000001";
    uploadTwoDays(target, source, "2024-06-02T10:00:00Z");
    TripAggregator.Result first = aggregate(target);
    String table = Lake.CATALOG_NAME + "." + target.tripsTable("tripsummary");
    List<String> day1Before = rows(table, "2024-06-01");
    List<String> day2Before = rows(table, "2024-06-02");
    String tripsTable = Lake.CATALOG_NAME + "." + target.tripsTable("trips");
    List<String> tripsDay1Before = rows(tripsTable, "2024-06-01");
    Thread.sleep(20);
    Instant between = Instant.now();
    Thread.sleep(20);

    // Late data changes both days.
    upload(
        target,
        source,
        List.of(
            speed(d, "a2", at("2024-06-01T08:35:00Z"), at("2024-06-01T09:00:00Z"), MINUTE),
            speed(d, "b2", at("2024-06-02T08:35:00Z"), at("2024-06-02T09:00:00Z"), MINUTE)));
    aggregate(target);
    List<String> day1Now = rows(table, "2024-06-01");
    assertThat(day1Now).isNotEqualTo(day1Before);
    List<String> day2Now = rows(table, "2024-06-02");
    assertThat(day2Now).isNotEqualTo(day2Before);
    Table summary = target.catalog(spark).loadTable(target.tripsTable("tripsummary"));
    Checkpoint checkpoint = Checkpoint.latest(summary).orElseThrow();
    long mainBefore = summary.currentSnapshot().snapshotId();

    TripAggregator.Result byTime =
        reprocess(target, "2024-06-01").asOf(between.toString()).execute();
    assertThat(byTime.mode()).isEqualTo(TripAggregator.Mode.REPROCESS);
    // The JSON report stays one flat object with the field names operators' scripts read.
    com.fasterxml.jackson.databind.JsonNode report =
        io.triplake.lake.Json.MAPPER.readTree(io.triplake.lake.Json.write(byTime));
    assertThat(report.get("mode").asText()).isEqualTo("reprocess");
    assertThat(report.get("tripsUpdated").asLong()).isEqualTo(byTime.changes().tripsUpdated());
    assertThat(report.get("filesRead").asInt()).isEqualTo(byTime.work().filesRead());
    assertThat(report.has("work")).isFalse();
    assertThat(report.get("branch").asText()).isEqualTo(byTime.branch());
    assertThat(byTime.committed()).isTrue();
    assertThat(byTime.branch())
        .isEqualTo(
            "asof_20240601_"
                + RawAsOf.resolve(
                        between.toString(),
                        Map.of(),
                        summary,
                        "s",
                        Instant.now(),
                        java.util.Set.of())
                    .tag());
    assertThat(rows(table + " VERSION AS OF '" + byTime.branch() + "'", "2024-06-01"))
        .isEqualTo(day1Before);
    assertThat(rows(table + " VERSION AS OF " + byTime.snapshotId(), "2024-06-01"))
        .isEqualTo(day1Before);
    // The trips table's day as of then, on a branch of the same name.
    assertThat(rows(tripsTable + " VERSION AS OF '" + byTime.branch() + "'", "2024-06-01"))
        .isEqualTo(tripsDay1Before)
        .isNotEqualTo(rows(tripsTable, "2024-06-01"));
    // Main, its checkpoint and the other day are untouched; a plain run has nothing to do and
    // equals a scratch run.
    summary.refresh();
    assertThat(summary.currentSnapshot().snapshotId()).isEqualTo(mainBefore);
    assertThat(Checkpoint.latest(summary).orElseThrow()).isEqualTo(checkpoint);
    assertThat(rows(table, "2024-06-01")).isEqualTo(day1Now);
    assertThat(rows(table, "2024-06-02")).isEqualTo(day2Now);
    TripAggregator.Result plain = aggregate(target);
    assertThat(plain.committed()).isFalse();
    assertThat(plain.pinnedDays()).isEmpty();
    Lake scratch = lakeNamed("s");
    upload(scratch, source, List.of());
    aggregate(scratch);
    assertThat(summary(target)).isEqualTo(summary(scratch));
    assertThat(trips(target)).isEqualTo(trips(scratch));

    // The same day and moment again: the branch already holds that result, nothing is committed.
    TripAggregator.Result again =
        reprocess(target, "2024-06-01").asOf(between.toString()).execute();
    assertThat(again.committed()).isFalse();
    assertThat(again.snapshotId()).isEqualTo(byTime.snapshotId());

    // As of the first run's tripsummary snapshot: the raw snapshots its checkpoint names.
    TripAggregator.Result bySnapshot =
        reprocess(target, "2024-06-01").asOf(String.valueOf(first.snapshotId())).execute();
    assertThat(bySnapshot.branch()).isEqualTo("asof_20240601_s" + first.snapshotId());
    assertThat(rows(table + " VERSION AS OF '" + bySnapshot.branch() + "'", "2024-06-01"))
        .isEqualTo(day1Before);
    // Recomputing from today's raw files writes main, which already equals that: nothing to commit.
    assertThat(reprocess(target, "2024-06-01").execute().committed()).isFalse();

    assertThatThrownBy(() -> reprocess(target, "2024-06-01").asOf("yesterday").execute())
        .hasMessageContaining("Cannot reprocess as of 'yesterday'");

    // A changed config is fingerprinted: the run says which days were computed with the old one.
    upload(
        target,
        source,
        List.of(speed(d, "c1", at("2024-06-03T08:00:00Z"), at("2024-06-03T08:30:00Z"), MINUTE)));
    TripAggregator.Result changed =
        TripAggregator.of(
                target,
                spark,
                TripConfig.parse(
                    CONFIG.replace("\"trip_gap_min\": 10", "\"trip_gap_min\": 12"), "test"))
            .execute();
    assertThat(changed.notes())
        .anySatisfy(n -> assertThat(n).contains("aggregation config changed"));
    assertThat(changed.reprocessDays())
        .containsExactly(LocalDate.of(2024, 6, 1), LocalDate.of(2024, 6, 2));
    assertThat(changed.checkpointAfter()).isNotEqualTo(changed.checkpointBefore());
  }

  @Test
  void anAsOfOutsideTheDataHistoryFailsBeforeAnyCommitAndNamesTheTable()
      throws InterruptedException {
    Lake target = lakeNamed("");
    Path source = tempDir.resolve("src-" + name);
    String d = "D1000001";
    upload(
        target,
        source,
        List.of(speed(d, "a1", at("2024-06-03T08:00:00Z"), at("2024-06-03T08:30:00Z"), MINUTE)));
    Thread.sleep(20);
    Instant speedOnly = Instant.now();
    Thread.sleep(20);
    upload(
        target,
        source,
        List.of(odo(d, "o1", at("2024-06-03T07:00:00Z"), at("2024-06-03T10:00:00Z"), MINUTE)));
    aggregate(target);
    String table = Lake.CATALOG_NAME + "." + target.tripsTable("tripsummary");
    List<String> day = rows(table, "2024-06-03");
    assertThat(day).isNotEmpty();
    Map<String, List<String>> history = history(target);
    String speedTable = target.rawTable("can2_speed").toString();
    String odoTable = target.rawTable("can2_odo").toString();

    // Before the raw tables' first snapshot: it once read as "empty" and deleted the whole day.
    assertThatThrownBy(() -> reprocess(target, "2024-06-03").asOf("2000-01-01T00:00:00Z").execute())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "Cannot reprocess as of 2000-01-01T00:00:00Z: it is before the first snapshot of")
        .hasMessageContaining("(valid: ")
        .hasMessageContaining("--empty-at-as-of");
    assertThatThrownBy(
            () -> reprocess(target, "2024-06-03").asOf("2000-01-01T00:00:00Z").publish().execute())
        .hasMessageContaining("before the first snapshot of");
    // The future.
    assertThatThrownBy(() -> reprocess(target, "2024-06-03").asOf("2099-01-01T00:00:00Z").execute())
        .hasMessageContaining(
            "Cannot reprocess as of 2099-01-01T00:00:00Z: it is in the future (now is ");
    // A snapshot id of no table of this lake.
    assertThatThrownBy(() -> reprocess(target, "2024-06-03").asOf("123456789").execute())
        .hasMessageContaining(
            "Cannot reprocess as of snapshot 123456789: it is a snapshot of neither "
                + target.tripsTable("tripsummary"))
        .hasMessageContaining(speedTable)
        .hasMessageContaining(odoTable);
    // A table created after the moment is empty then only when the user says so.
    assertThatThrownBy(() -> reprocess(target, "2024-06-03").asOf(speedOnly.toString()).execute())
        .hasMessageContaining("it is before the first snapshot of " + odoTable)
        .hasMessageContaining("--empty-at-as-of " + odoTable);
    assertThatThrownBy(
            () ->
                reprocess(target, "2024-06-03")
                    .asOf(speedOnly.toString())
                    .emptyAtAsOf("raw.nonexistent")
                    .execute())
        .hasMessageContaining(
            "Cannot read raw.nonexistent as empty at the as-of moment: it is no raw table of the"
                + " config");
    assertThatThrownBy(() -> reprocess(target, "2024-06-03").publish().execute())
        .hasMessageContaining("Cannot publish: --publish goes with --reprocess-day and --as-of");
    assertThat(history(target))
        .as("every failure leaves every table's snapshots and refs as they were")
        .isEqualTo(history);
    assertThat(rows(table, "2024-06-03")).isEqualTo(day);

    TripAggregator.Result speedAlone =
        reprocess(target, "2024-06-03")
            .asOf(speedOnly.toString())
            .emptyAtAsOf("CAN2_odo")
            .execute();
    assertThat(speedAlone.committed()).isTrue();
    List<String> branchDay =
        rows(table + " VERSION AS OF '" + speedAlone.branch() + "'", "2024-06-03");
    assertThat(branchDay).isNotEmpty().allSatisfy(r -> assertThat(r).doesNotContain("CAN2_odo"));
    assertThat(rows(table, "2024-06-03")).isEqualTo(day);
    assertThat(aggregate(target).committed()).isFalse();
  }

  @Test
  void aPublishedDayStaysPinnedUntilAReprocessReleasesItAndThenEqualsAFromScratchRun()
      throws InterruptedException {
    Lake target = lakeNamed("");
    Path source = tempDir.resolve("src-" + name);
    String d = "D1000001";
    uploadTwoDays(target, source, "2024-06-02T13:00:00Z");
    aggregate(target);
    String table = Lake.CATALOG_NAME + "." + target.tripsTable("tripsummary");
    List<String> day1Then = rows(table, "2024-06-01");
    String tripsTable = Lake.CATALOG_NAME + "." + target.tripsTable("trips");
    List<String> tripsDay1Then = rows(tripsTable, "2024-06-01");
    Thread.sleep(20);
    Instant then = Instant.now();
    Thread.sleep(20);
    upload(
        target,
        source,
        List.of(speed(d, "a2", at("2024-06-01T08:35:00Z"), at("2024-06-01T09:00:00Z"), MINUTE)));
    aggregate(target);
    assertThat(rows(table, "2024-06-01")).isNotEqualTo(day1Then);

    TripAggregator.Result published =
        reprocess(target, "2024-06-01").asOf(then.toString()).publish().execute();
    assertThat(published.branch()).isNull();
    assertThat(published.committed()).isTrue();
    assertThat(published.pinnedDays()).containsOnlyKeys(LocalDate.of(2024, 6, 1));
    assertThat(published.pinnedDays().get(LocalDate.of(2024, 6, 1)).asOf())
        .isEqualTo(RawAsOf.format(then));
    assertThat(published.summary())
        .contains("pinned days")
        .contains("2024-06-01 as of " + RawAsOf.format(then))
        .contains("--reprocess-day");
    assertThat(rows(table, "2024-06-01")).isEqualTo(day1Then);
    assertThat(rows(tripsTable, "2024-06-01")).isEqualTo(tripsDay1Then);

    // Late files for the pinned day and the next: the pinned day keeps its published rows, the next
    // day moves on, and every report says which days are pinned.
    upload(
        target,
        source,
        List.of(
            speed(d, "a3", at("2024-06-01T12:00:00Z"), at("2024-06-01T12:30:00Z"), MINUTE),
            speed(d, "b2", at("2024-06-02T12:00:00Z"), at("2024-06-02T12:30:00Z"), MINUTE)));
    TripAggregator.Result later = aggregate(target);
    assertThat(later.committed()).isTrue();
    assertThat(later.pinnedDays()).containsOnlyKeys(LocalDate.of(2024, 6, 1));
    assertThat(later.summary()).contains("pinned days");
    assertThat(rows(table, "2024-06-01")).isEqualTo(day1Then);
    assertThat(rows(tripsTable, "2024-06-01")).isEqualTo(tripsDay1Then);
    Lake scratch = lakeNamed("s");
    upload(scratch, source, List.of());
    aggregate(scratch);
    String scratchTable = Lake.CATALOG_NAME + "." + scratch.tripsTable("tripsummary");
    assertThat(rows(table, "2024-06-02")).isEqualTo(rows(scratchTable, "2024-06-02"));
    assertThat(aggregate(target).pinnedDays())
        .as("a run with nothing new still lists them")
        .isNotEmpty();

    // Releasing the day recomputes it from today's raw files: main equals a from-scratch run again,
    // bit for bit.
    TripAggregator.Result released = reprocess(target, "2024-06-01").execute();
    assertThat(released.pinnedDays()).isEmpty();
    assertThat(summary(target)).isEqualTo(summary(scratch));
    assertThat(trips(target)).isEqualTo(trips(scratch));
    Table summaryTable = target.catalog(spark).loadTable(target.tripsTable("tripsummary"));
    assertThat(Checkpoint.latest(summaryTable).orElseThrow().pinnedDays()).isEmpty();
    assertThat(aggregate(target).committed()).isFalse();
  }

  /**
   * A half-hour trip of D1000001 on 1 and on 2 June 2024, and its odometer from 07:00 on 1 June
   * until {@code odoUntil}.
   */
  @Test
  void deviceDaysAreIncrementalReprocessedPinnedCaughtUpAndRecomputedForANewGapLimit()
      throws Exception {
    Lake target = lakeNamed("");
    Path source = tempDir.resolve("src-" + name);
    String d = "D1000001";
    uploadTwoDays(target, source, "2024-06-02T10:00:00Z");
    TripAggregator.Result first = aggregate(target);
    String table = Lake.CATALOG_NAME + "." + target.tripsTable("devicedays");
    List<String> all = RawStaging.rows(spark, "SELECT * FROM " + table);
    // speed on two days, odo on two days (07:00 on the 1st to 10:00 on the 2nd).
    assertThat(all).hasSize(4);
    assertThat(first.deviceDays().days()).isEqualTo(4);
    assertThat(first.deviceDays().filesFromPass())
        .as("every file read by the trip pass")
        .isEqualTo(3);
    assertThat(first.deviceDays().filesRead()).isZero();
    assertThat(first.summary()).contains("devicedays 4 rows recomputed from 0 files read and 3");

    // Nothing new: nothing read, nothing committed.
    Table deviceDays = target.catalog(spark).loadTable(target.tripsTable("devicedays"));
    long head = deviceDays.currentSnapshot().snapshotId();
    assertThat(aggregate(target).deviceDays().days()).isZero();
    deviceDays.refresh();
    assertThat(deviceDays.currentSnapshot().snapshotId()).isEqualTo(head);

    // A row lost by hand comes back with a reprocess of its day, exactly.
    spark.sql("DELETE FROM " + table + " WHERE day = DATE '2024-06-01'");
    TripAggregator.Result restored = reprocess(target, "2024-06-01").execute();
    assertThat(restored.deviceDays().changes().rowsUpserted()).isEqualTo(2);
    assertThat(RawStaging.rows(spark, "SELECT * FROM " + table)).isEqualTo(all);

    Thread.sleep(20);
    Instant between = Instant.now();
    Thread.sleep(20);
    upload(
        target,
        source,
        List.of(
            speed(d, "a2", at("2024-06-01T08:35:00Z"), at("2024-06-01T09:00:00Z"), MINUTE),
            speed(d, "c1", at("2024-06-03T08:00:00Z"), at("2024-06-03T08:30:00Z"), MINUTE)));
    // A reprocess of the 1st takes its late file, and moves no checkpoint position: the next run
    // still finds the 3rd's.
    reprocess(target, "2024-06-01").execute();
    assertThat(speedFiles(table, "2024-06-01")).isEqualTo(2);
    assertThat(aggregate(target).deviceDays().days()).isEqualTo(2);
    assertThat(speedFiles(table, "2024-06-03")).isEqualTo(1);
    List<String> now = RawStaging.rows(spark, "SELECT * FROM " + table);

    // As of a moment: the day as it had arrived then, on the branch of the trip tables' name.
    deviceDays.refresh();
    head = deviceDays.currentSnapshot().snapshotId();
    TripAggregator.Result asOf = reprocess(target, "2024-06-01").asOf(between.toString()).execute();
    deviceDays.refresh();
    assertThat(deviceDays.currentSnapshot().snapshotId()).as("main untouched").isEqualTo(head);
    assertThat(deviceDays.refs()).containsKey(asOf.branch());
    assertThat(
            spark
                .sql(
                    "SELECT files FROM "
                        + table
                        + " VERSION AS OF '"
                        + asOf.branch()
                        + "' WHERE day = DATE '2024-06-01' AND message = 'can2_speed'")
                .first()
                .getInt(0))
        .isEqualTo(1);

    // Published: main keeps the day as of then, whatever arrives, until a plain reprocess.
    reprocess(target, "2024-06-01").asOf(between.toString()).publish().execute();
    assertThat(speedFiles(table, "2024-06-01")).isEqualTo(1);
    upload(
        target,
        source,
        List.of(speed(d, "a3", at("2024-06-01T09:05:00Z"), at("2024-06-01T09:20:00Z"), MINUTE)));
    aggregate(target);
    assertThat(speedFiles(table, "2024-06-01")).isEqualTo(1);
    deviceDays.refresh();
    assertThat(Checkpoint.latest(deviceDays).orElseThrow().pinnedDays())
        .containsOnlyKeys(LocalDate.parse("2024-06-01"));
    reprocess(target, "2024-06-01").execute();
    assertThat(speedFiles(table, "2024-06-01")).isEqualTo(3);
    deviceDays.refresh();
    assertThat(Checkpoint.latest(deviceDays).orElseThrow().pinnedDays()).isEmpty();
    assertThat(RawStaging.rows(spark, "SELECT * FROM " + table)).isNotEqualTo(now);

    // A run that stopped before devicedays' commit: the next one catches up from its checkpoint.
    deviceDays.refresh();
    head = deviceDays.currentSnapshot().snapshotId();
    upload(
        target,
        source,
        List.of(
            speed(d, "e1", at("2024-06-04T08:00:00Z"), at("2024-06-04T08:30:00Z"), 90 * SECOND)));
    aggregate(target);
    deviceDays.refresh();
    Snapshot caughtUp = deviceDays.currentSnapshot();
    deviceDays.manageSnapshots().rollbackTo(head).commit();
    TripAggregator.Result catchUp = aggregate(target);
    assertThat(catchUp.deviceDays().days()).isEqualTo(1);
    assertThat(catchUp.deviceDays().filesRead())
        .as("the trip pass had nothing new: devicedays reads the file itself")
        .isEqualTo(1);
    assertThat(RawStaging.rows(spark, "SELECT * FROM " + table))
        .isEqualTo(
            RawStaging.rows(
                spark, "SELECT * FROM " + table + " VERSION AS OF " + caughtUp.snapshotId()));

    // A new gap limit recomputes every row: 90 s steps are over 60 s, not over 120 s.
    assertThat(gapsOverLimit(table, "2024-06-04")).isEqualTo(20);
    String wider =
        CONFIG.replace(
            "\"trip_min_length_min\": 1}}",
            "\"trip_min_length_min\": 1}, \"device_days\": {\"gap_limit_s\": 120}}");
    TripAggregator.Result widened = aggregate(target, "driver", wider);
    assertThat(widened.deviceDays().days())
        .isEqualTo(RawStaging.rows(spark, "SELECT * FROM " + table).size());
    assertThat(gapsOverLimit(table, "2024-06-04")).isZero();
  }

  private int speedFiles(String table, String day) {
    return spark
        .sql(
            "SELECT files FROM "
                + table
                + " WHERE day = DATE '"
                + day
                + "' AND message = 'can2_speed'")
        .first()
        .getInt(0);
  }

  private long gapsOverLimit(String table, String day) {
    return spark
        .sql(
            "SELECT gaps_over_limit FROM "
                + table
                + " WHERE day = DATE '"
                + day
                + "' AND message = 'can2_speed'")
        .first()
        .getLong(0);
  }

  @Test
  void oneNamespaceForRawAndTripTablesKeepsDeviceDaysOfTheRawTablesOnly() {
    Lake target = lake.withNamespaces("one_" + name, "one_" + name);
    uploadTwoDays(target, tempDir.resolve("src-" + name), "2024-06-01T09:00:00Z");
    aggregate(target);
    // The second run finds tripsummary, trips and devicedays beside the raw tables.
    TripAggregator.Result again = aggregate(target);
    assertThat(again.deviceDays().days()).isZero();
    assertThat(
            RawStaging.rows(
                spark,
                "SELECT DISTINCT message FROM "
                    + Lake.CATALOG_NAME
                    + "."
                    + target.tripsTable("devicedays")))
        .containsExactly("[can2_odo]", "[can2_speed]");
  }

  private void uploadTwoDays(Lake target, Path source, String odoUntil) {
    String d = "D1000001";
    upload(
        target,
        source,
        List.of(
            speed(d, "a1", at("2024-06-01T08:00:00Z"), at("2024-06-01T08:30:00Z"), MINUTE),
            speed(d, "b1", at("2024-06-02T08:00:00Z"), at("2024-06-02T08:30:00Z"), MINUTE),
            odo(d, "o1", at("2024-06-01T07:00:00Z"), at(odoUntil), MINUTE)));
  }

  private TripAggregator reprocess(Lake target, String day) {
    return TripAggregator.of(target, spark, TripConfig.parse(CONFIG, "test"))
        .reprocessDay(LocalDate.parse(day));
  }

  /** Every table of the lake's two namespaces: its snapshot ids and refs, as text. */
  private Map<String, List<String>> history(Lake target) {
    Catalog catalog = target.catalog(spark);
    Map<String, List<String>> history = new java.util.TreeMap<>();
    for (org.apache.iceberg.catalog.Namespace ns :
        List.of(target.rawNamespace(), target.tripsNamespace())) {
      for (org.apache.iceberg.catalog.TableIdentifier id : catalog.listTables(ns)) {
        Table t = catalog.loadTable(id);
        List<String> entries = new ArrayList<>();
        t.snapshots().forEach(snap -> entries.add("snapshot " + snap.snapshotId()));
        t.refs().forEach((ref, r) -> entries.add("ref " + ref + " -> " + r.snapshotId()));
        history.put(id.toString(), entries);
      }
    }
    return history;
  }

  private List<String> rows(String table, String day) {
    return RawStaging.rows(
        spark, "SELECT * FROM " + table + " WHERE tripdate = DATE '" + day + "'");
  }

  @Test
  void aBadConfigFailsBeforeAnyCommit() {
    Lake target = lakeNamed("");
    upload(
        target,
        tempDir.resolve("src-" + name),
        List.of(
            speed(
                "D1000001", "a1", at("2024-06-01T08:00:00Z"), at("2024-06-01T08:30:00Z"), MINUTE)));
    Catalog catalog = target.catalog(spark);
    assertThatThrownBy(
            () ->
                TripAggregator.of(target, spark, TripConfig.parse(CONFIG, "test"))
                    .driverRowsMax(-1))
        .hasMessage("Cannot pass trips in the driver: the row limit is negative (-1)");
    assertThatThrownBy(
            () -> TripAggregator.of(target, spark, TripConfig.parse(CONFIG, "test")).execute())
        .hasMessageContaining(
            "names message 'CAN2_odo', which has no raw table raw_" + name + ".can2_odo");
    assertThat(catalog.tableExists(target.tripsTable("tripsummary"))).isFalse();
    assertThatThrownBy(
            () ->
                TripAggregator.of(
                        target,
                        spark,
                        TripConfig.parse(
                            CONFIG
                                .replace("CAN2_odo", "CAN2_speed")
                                .replace("\"DistanceTrip\", \"Quality\"", "\"Speeed\""),
                            "test"))
                    .execute())
        .hasMessageContaining(
            "names signal 'Speeed', which message 'CAN2_speed' does not have (signals: speed)");
    assertThat(catalog.tableExists(target.tripsTable("tripsummary"))).isFalse();
    // A string column, as registering a file that has one adds it: refused before a task reads a
    // file.
    catalog
        .loadTable(target.rawTable("can2_speed"))
        .updateSchema()
        .addColumn("label", org.apache.iceberg.types.Types.StringType.get())
        .commit();
    assertThatThrownBy(
            () ->
                TripAggregator.of(
                        target,
                        spark,
                        TripConfig.parse(
                            CONFIG
                                .replace("CAN2_odo", "CAN2_speed")
                                .replace("\"DistanceTrip\", \"Quality\"", "\"Label\""),
                            "test"))
                    .execute())
        .hasMessage(
            "Cannot use the aggregation config: cluster_details[0].c1.aggregations[1] names signal"
                + " 'Label' of message 'CAN2_speed', whose type string the trip job cannot"
                + " aggregate");
    assertThat(catalog.tableExists(target.tripsTable("tripsummary"))).isFalse();
  }

  @Test
  void expiredCheckpointSnapshotFallsBackWithoutSkippingData() {
    Lake target = lakeNamed("");
    Path source = tempDir.resolve("src-" + name);
    String d = "D1000001";
    upload(
        target,
        source,
        List.of(
            speed(d, "a1", at("2024-07-01T08:00:00Z"), at("2024-07-01T08:30:00Z"), MINUTE),
            odo(d, "o1", at("2024-07-01T08:00:00Z"), at("2024-07-01T09:00:00Z"), MINUTE)));
    aggregate(target);
    upload(
        target,
        source,
        List.of(speed(d, "a2", at("2024-07-01T08:31:00Z"), at("2024-07-01T08:50:00Z"), MINUTE)));
    upload(
        target,
        source,
        List.of(speed(d, "b1", at("2024-07-01T12:00:00Z"), at("2024-07-01T12:30:00Z"), MINUTE)));
    // Expire every raw snapshot but the current one (file deletion off: raw files are the
    // loggers').
    Table speed = target.catalog(spark).loadTable(target.rawTable("can2_speed"));
    // Iceberg refuses to expire snapshots of a gc.enabled=false table, even without file cleanup:
    // lift the flag inside one transaction, so no reader ever sees it on.
    org.apache.iceberg.Transaction txn = speed.newTransaction();
    txn.updateProperties().set(org.apache.iceberg.TableProperties.GC_ENABLED, "true").commit();
    txn.expireSnapshots()
        .expireOlderThan(System.currentTimeMillis() + 1)
        .retainLast(1)
        .cleanExpiredFiles(false)
        .commit();
    txn.updateProperties().set(org.apache.iceberg.TableProperties.GC_ENABLED, "false").commit();
    txn.commitTransaction();

    TripAggregator.Result result = aggregate(target);
    assertThat(result.notes())
        .anySatisfy(n -> assertThat(n).contains("has expired").contains("sequence number"));
    assertThat(result.rawRead()).anySatisfy(r -> assertThat(r.fallback()).isTrue());

    Lake scratch = lakeNamed("s");
    upload(scratch, source, List.of());
    aggregate(scratch);
    assertThat(summary(target)).isEqualTo(summary(scratch));
  }
}
