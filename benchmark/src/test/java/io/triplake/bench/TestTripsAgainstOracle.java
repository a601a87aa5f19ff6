package io.triplake.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.triplake.ingest.RawFileRegistrar;
import io.triplake.lake.Lake;
import io.triplake.lake.RawFileWriter;
import io.triplake.lake.testing.SampleLake;
import io.triplake.lake.testing.SparkLakeTest;
import io.triplake.trips.TripAggregator;
import io.triplake.trips.TripConfig;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.iceberg.io.FileIO;
import org.apache.spark.sql.Row;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The trip job against an independent implementation in DuckDB SQL over the raw Parquet files, with
 * the pass on the driver's threads and in Spark tasks.
 */
class TestTripsAgainstOracle extends SparkLakeTest {
  private static final String ALL =
      "[\"avg\", \"median\", \"max\", \"min\", \"sum\", \"first\", \"last\", \"delta_sum\", "
          + "\"delta_sum_pos\", \"delta_sum_neg\", \"count\", \"stddev\"]";

  static final String SAMPLE_CONFIG =
      """
      {"config": {"trip": {"trip_gap_min": 10, "trip_min_length_min": 1}},
       "device_clusters": [
         {"cluster": "gnss_can2", "devices": ["3BA199E2", "2F6913DB", "11111111", "94C49784"]},
         {"cluster": "gnss_can9", "devices": ["7512BE4D", "90B52C1C"]},
         {"cluster": "rest", "devices": ["*"]}],
       "cluster_details": [
         {"clusters": ["gnss_can2"], "details": {"trip_identifier": {"message": "CAN2_gnss_speed"}, "aggregations": [
           {"message": "CAN2_gnss_speed", "signal": ["Speed"], "aggregation": ALL},
           {"message": "CAN2_gnss_imu", "signal": ["AccelerationX", "AngularRateZ"], "aggregation": ALL},
           {"message": "CAN2_gnss_odo", "signal": ["DistanceTrip"], "aggregation": ALL},
           {"message": "CAN2_gnss_altitude", "signal": ["Altitude"], "aggregation": ALL},
           {"message": "CAN2_gnss_pos", "signal": ["Latitude", "Longitude"], "aggregation": ["first", "last"]}]}},
         {"clusters": ["gnss_can9"], "details": {"trip_identifier": {"message": "CAN9_GnssSpeed"}, "aggregations": [
           {"message": "CAN9_GnssSpeed", "signal": ["Speed"], "aggregation": ALL},
           {"message": "CAN9_ImuData", "signal": ["AccelerationX"], "aggregation": ALL}]}},
         {"clusters": ["rest"], "details": {"trip_identifier": {"message": "CAN1_EEC1"}, "aggregations": [
           {"message": "CAN1_EEC1", "signal": ["EngineSpeed"], "aggregation": ALL},
           {"message": "CAN1_CCVS1", "signal": ["WheelBasedVehicleSpeed"], "aggregation": ALL}]}}]}
      """
          .replace("ALL", ALL);

  private List<Row> aggregate(Lake target, Path source, String config, String executor) {
    try (FileIO io = target.sourceIO()) {
      RawFileRegistrar.Result registered =
          RawFileRegistrar.of(target, target.catalog(spark), io)
              .source(source.toString())
              .execute();
      assertThat(registered.rejectedFiles()).isEmpty();
    }
    TripAggregator.Result result =
        TripAggregator.of(target, spark, TripConfig.parse(config, "test"))
            .driverRowsMax(executor.equals("driver") ? Long.MAX_VALUE : 0)
            .execute();
    assertThat(result.work().executor()).isEqualTo(executor);
    return spark
        .sql("SELECT * FROM " + Lake.CATALOG_NAME + "." + target.tripsTable("tripsummary"))
        .collectAsList();
  }

  /**
   * Compares row by row: identity exactly, values to 1e-9 relative (sums in another order round
   * differently).
   */
  private static void assertSame(List<Row> spark, List<DuckDbTrips.Row> oracle) {
    Map<String, Row> byKey = new TreeMap<>();
    for (Row r : spark) {
      byKey.put(OracleComparison.key(r), r);
    }
    Map<String, DuckDbTrips.Row> expected = new TreeMap<>();
    for (DuckDbTrips.Row o : oracle) {
      expected.put(OracleComparison.key(o), o);
    }
    assertThat(byKey.keySet()).isEqualTo(expected.keySet());
    for (Map.Entry<String, DuckDbTrips.Row> e : expected.entrySet()) {
      Row r = byKey.get(e.getKey());
      DuckDbTrips.Row o = e.getValue();
      assertThat((String) r.getAs("deviceid")).isEqualTo(o.deviceid());
      assertThat(((java.time.LocalDateTime) r.getAs("tripstart")).toInstant(ZoneOffset.UTC))
          .as(e.getKey())
          .isEqualTo(o.tripstart());
      assertThat(((java.time.LocalDateTime) r.getAs("tripend")).toInstant(ZoneOffset.UTC))
          .as(e.getKey())
          .isEqualTo(o.tripend());
      assertThat((Long) r.getAs("signalcount")).as(e.getKey()).isEqualTo(o.signalcount());
      assertThat((Double) r.getAs("duration"))
          .as(e.getKey())
          .isCloseTo(o.duration(), org.assertj.core.data.Offset.offset(1e-6));
      Double value = r.getAs("signalvalue");
      if (o.signalvalue() == null) {
        assertThat(value).as(e.getKey()).isNull();
      } else {
        double tolerance = 1e-9 * Math.max(1, Math.abs(o.signalvalue()));
        assertThat(value)
            .as(e.getKey())
            .isNotNull()
            .isCloseTo(o.signalvalue(), org.assertj.core.data.Offset.offset(tolerance));
      }
    }
  }

  /**
   * The trips table against DuckDB's: the same trips, identity and counts exactly, values to 1e-9
   * relative (DuckDB sums the distance in another order).
   */
  private void assertSameTrips(Lake target, Path source, String config) {
    List<Row> rows =
        spark
            .sql("SELECT * FROM " + Lake.CATALOG_NAME + "." + target.tripsTable("trips"))
            .collectAsList();
    List<DuckDbTripTable.Row> oracle =
        DuckDbTripTable.compute(
            source,
            DuckDbTripTable.specs(TripConfig.parse(config, "test"), DuckDbTrips.devicesIn(source)));
    Map<String, Row> byKey = new TreeMap<>();
    rows.forEach(r -> byKey.put(r.getAs("cluster") + "|" + r.getAs("tripid"), r));
    Map<String, DuckDbTripTable.Row> expected = new TreeMap<>();
    oracle.forEach(o -> expected.put(o.cluster() + "|" + o.tripid(), o));
    assertThat(byKey.keySet()).isEqualTo(expected.keySet()).isNotEmpty();
    for (Map.Entry<String, DuckDbTripTable.Row> e : expected.entrySet()) {
      Row r = byKey.get(e.getKey());
      DuckDbTripTable.Row o = e.getValue();
      String at = e.getKey();
      assertThat((String) r.getAs("deviceid")).as(at).isEqualTo(o.deviceid());
      assertThat(((java.time.LocalDateTime) r.getAs("tripstart")).toInstant(ZoneOffset.UTC))
          .as(at)
          .isEqualTo(o.tripstart());
      assertThat(((java.time.LocalDateTime) r.getAs("tripend")).toInstant(ZoneOffset.UTC))
          .as(at)
          .isEqualTo(o.tripend());
      assertThat(r.getAs("tripdate").toString()).as(at).isEqualTo(o.tripdate().toString());
      assertThat((Long) r.getAs("fixes")).as(at).isEqualTo(o.fixes());
      assertThat((Long) r.getAs("identifier_rows")).as(at).isEqualTo(o.identifier_rows());
      Map<String, Double> want = new java.util.LinkedHashMap<>();
      want.put("duration_s", o.duration_s());
      want.put("start_lat", o.start_lat());
      want.put("start_lon", o.start_lon());
      want.put("end_lat", o.end_lat());
      want.put("end_lon", o.end_lon());
      want.put("distance_km", o.distance_km());
      want.put("max_speed_kmh", o.max_speed_kmh());
      want.put("moving_s", o.moving_s());
      want.put("idle_s", o.idle_s());
      want.put("max_gap_s", o.max_gap_s());
      want.forEach(
          (column, value) -> {
            Double got = r.getAs(column);
            if (value == null) {
              assertThat(got).as(at + " " + column).isNull();
            } else {
              assertThat(got)
                  .as(at + " " + column)
                  .isNotNull()
                  .isCloseTo(
                      value,
                      org.assertj.core.data.Offset.offset(1e-9 * Math.max(1, Math.abs(value))));
            }
          });
    }
  }

  /**
   * trips.devicedays against DuckDB's, and against a from-scratch run over the same raw tables (a
   * fresh trips namespace): every row, counts and times exactly, doubles to 1e-9 relative. Each
   * file's registration (its append's sequence number and commit time) comes from Spark's metadata
   * tables, not from the job's path through Iceberg's Java API.
   *
   * @return the rows, for a test's own checks
   */
  private List<DuckDbDeviceDays.Row> assertSameDeviceDays(Lake target, Path source, String config) {
    Map<Path, DuckDbDeviceDays.Registration> registrations = new java.util.HashMap<>();
    for (org.apache.iceberg.catalog.TableIdentifier id :
        target.catalog(spark).listTables(target.rawNamespace())) {
      if (!io.triplake.lake.RawPath.isMessageTable(id.name())) {
        continue;
      }
      String table = Lake.CATALOG_NAME + "." + id;
      for (Row r :
          spark
              .sql(
                  "SELECT e.data_file.file_path AS path, e.sequence_number AS seq,"
                      + " unix_millis(s.committed_at) * 1000 AS registered FROM "
                      + table
                      + ".entries e LEFT JOIN "
                      + table
                      + ".snapshots s ON e.snapshot_id = s.snapshot_id WHERE e.status <> 2")
              .collectAsList()) {
        String path = r.getString(0);
        Path local = path.startsWith("file:") ? Path.of(java.net.URI.create(path)) : Path.of(path);
        registrations.put(
            local.toAbsolutePath().normalize(),
            new DuckDbDeviceDays.Registration(r.getLong(1), r.isNullAt(2) ? null : r.getLong(2)));
      }
    }
    double limit = TripConfig.parse(config, "test").deviceDayGapLimitSeconds();
    List<DuckDbDeviceDays.Row> oracle = DuckDbDeviceDays.compute(source, registrations, limit);
    assertThat(oracle).isNotEmpty();
    List<DuckDbDeviceDays.Row> incremental = deviceDays(target);
    Lake scratch =
        target.withNamespaces(
            target.rawNamespace().toString(), target.tripsNamespace() + "_scratch");
    TripAggregator.of(scratch, spark, TripConfig.parse(config, "test")).execute();
    List<DuckDbDeviceDays.Row> fromScratch = deviceDays(scratch);
    assertThat(fromScratch).as("incremental == from scratch").isEqualTo(incremental);
    assertThat(incremental).hasSameSizeAs(oracle);
    for (int i = 0; i < oracle.size(); i++) {
      DuckDbDeviceDays.Row o = oracle.get(i);
      DuckDbDeviceDays.Row r = incremental.get(i);
      String at = o.deviceid() + " " + o.message() + " " + o.day();
      assertThat(r)
          .as(at)
          .usingRecursiveComparison()
          .ignoringFields("maxGapS", "maxLagH")
          .isEqualTo(o);
      assertClose(r.maxGapS(), o.maxGapS(), at + " max_gap_s");
      assertClose(r.maxLagH(), o.maxLagH(), at + " max_lag_h");
    }
    return incremental;
  }

  private static void assertClose(Double got, Double want, String at) {
    if (want == null) {
      assertThat(got).as(at).isNull();
    } else {
      assertThat(got)
          .as(at)
          .isNotNull()
          .isCloseTo(want, org.assertj.core.data.Offset.offset(1e-9 * Math.max(1, Math.abs(want))));
    }
  }

  /** The lake's trips.devicedays through Iceberg's reader, in the oracle's order and types. */
  private List<DuckDbDeviceDays.Row> deviceDays(Lake target) {
    List<DuckDbDeviceDays.Row> rows = new ArrayList<>();
    org.apache.iceberg.Table table =
        target.catalog(spark).loadTable(target.tripsTable("devicedays"));
    try (var records = org.apache.iceberg.data.IcebergGenerics.read(table).build()) {
      for (org.apache.iceberg.data.Record r : records) {
        rows.add(
            new DuckDbDeviceDays.Row(
                (String) r.getField("deviceid"),
                (String) r.getField("message"),
                (java.time.LocalDate) r.getField("day"),
                (Integer) r.getField("files"),
                (Long) r.getField("rows"),
                micros(r.getField("first_t")),
                micros(r.getField("last_t")),
                (Double) r.getField("max_gap_s"),
                (Long) r.getField("gaps_over_limit"),
                micros(r.getField("first_registered")),
                micros(r.getField("last_registered")),
                (Double) r.getField("max_lag_h"),
                (Integer) r.getField("out_of_order_files")));
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    rows.sort(
        java.util.Comparator.comparing(DuckDbDeviceDays.Row::deviceid)
            .thenComparing(DuckDbDeviceDays.Row::message)
            .thenComparing(DuckDbDeviceDays.Row::day));
    return rows;
  }

  private static Long micros(Object localDateTime) {
    return localDateTime == null
        ? null
        : ChronoUnit.MICROS.between(
            Instant.EPOCH, ((java.time.LocalDateTime) localDateTime).toInstant(ZoneOffset.UTC));
  }

  @ParameterizedTest(name = "pass in {0}")
  @ValueSource(strings = {"driver", "spark"})
  void sampleTripsMatchTheOracleForEveryAggregation(String executor) {
    spark.conf().set("spark.sql.session.timeZone", "UTC");
    Lake target = lake.withNamespaces("raw_sample_" + executor, "trips_sample_" + executor);
    Path sample = SampleLake.location();
    List<Row> rows = aggregate(target, sample, SAMPLE_CONFIG, executor);
    List<DuckDbTrips.Row> oracle =
        DuckDbTrips.compute(
            sample,
            DuckDbTrips.specs(
                TripConfig.parse(SAMPLE_CONFIG, "test"), DuckDbTrips.devicesIn(sample)));
    assertThat(oracle).hasSizeGreaterThan(400);
    assertSame(rows, oracle);
    assertSameTrips(target, sample, SAMPLE_CONFIG);
    assertSameDeviceDays(target, sample, SAMPLE_CONFIG);
    Set<String> aggregations = new TreeSet<>();
    rows.forEach(r -> aggregations.add(r.getAs("aggregation")));
    assertThat(aggregations).hasSize(12);
  }

  @ParameterizedTest(name = "pass in {0}")
  @ValueSource(strings = {"driver", "spark"})
  void generatedEdgeCasesMatchTheOracle(String executor) {
    Path source = tempDir.resolve("generated-" + executor);
    long t0 = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.parse("2024-02-29T23:00:00Z"));
    long s = 1_000_000L;
    List<String> signals = List.of("Speed", "Load");
    // D1: gaps exactly at and just above the threshold, a trip across midnight, repeated
    // timestamps.
    write(
        source, "D1000001", "CAN2_id", "2024/02/29", "a", t0, t0 + 20 * 60 * s, 60 * s, signals, 0);
    write(
        source,
        "D1000001",
        "CAN2_id",
        "2024/02/29",
        "b",
        t0 + 30 * 60 * s,
        t0 + 50 * 60 * s,
        30 * s,
        signals,
        1);
    write(
        source,
        "D1000001",
        "CAN2_id",
        "2024/03/01",
        "c",
        t0 + 60 * 60 * s + 1,
        t0 + 90 * 60 * s,
        7 * s,
        signals,
        2);
    write(
        source,
        "D1000001",
        "CAN2_id",
        "2024/03/01",
        "d",
        t0 + 90 * 60 * s,
        t0 + 95 * 60 * s,
        10 * s,
        signals,
        3);
    // Aggregated message with NaN, nulls, and a signal that only later files have.
    write(
        source,
        "D1000001",
        "CAN2_val",
        "2024/02/29",
        "v1",
        t0 - 60 * s,
        t0 + 100 * 60 * s,
        11 * s,
        List.of("Speed"),
        4);
    write(
        source,
        "D1000001",
        "CAN2_val",
        "2024/03/01",
        "v2",
        t0 + 61 * 60 * s,
        t0 + 70 * 60 * s,
        3 * s,
        signals,
        5);
    // D2: a one-row trip (dropped) and a 1-minute trip (kept).
    write(source, "D2000002", "CAN2_id", "2024/02/29", "e", t0, t0, s, signals, 6);
    write(
        source,
        "D2000002",
        "CAN2_id",
        "2024/02/29",
        "f",
        t0 + 30 * 60 * s,
        t0 + 31 * 60 * s,
        20 * s,
        signals,
        7);
    write(
        source,
        "D2000002",
        "CAN2_val",
        "2024/02/29",
        "g",
        t0,
        t0 + 40 * 60 * s,
        13 * s,
        signals,
        8);
    // Positions for D1 across midnight, with drop-outs of every kind and ties; D2 has none.
    writePositions(
        source, "D1000001", "2024/02/29", "p1", t0 - 5 * 60 * s, t0 + 61 * 60 * s, 2 * s);
    writePositions(
        source, "D1000001", "2024/03/01", "p2", t0 + 60 * 60 * s, t0 + 99 * 60 * s, 3 * s);
    String config =
        """
        {"config": {"trip": {"trip_gap_min": 10, "trip_min_length_min": 1}},
         "device_clusters": [{"cluster": "all", "devices": ["*"]}],
         "cluster_details": [{"clusters": ["all"], "details": {"trip_identifier": {"message": "CAN2_id"},
           "trip_table": {"position": {"message": "CAN2_pos", "latitude": "Latitude", "longitude": "Longitude"},
                          "speed": {"message": "CAN2_val", "signal": "Speed", "unit": "km/h", "idle_speed": 20}},
           "aggregations": [
           {"message": "CAN2_id", "signal": ["Speed", "Load"], "aggregation": ALL},
           {"message": "CAN2_val", "signal": ["Speed", "Load"], "aggregation": ALL}]}}]}
        """
            .replace("ALL", ALL);
    Lake target = lake.withNamespaces("raw_gen_" + executor, "trips_gen_" + executor);
    List<Row> rows = aggregate(target, source, config, executor);
    assertSameTrips(target, source, config);
    assertSameDeviceDays(target, source, config);
    List<DuckDbTrips.Row> oracle =
        DuckDbTrips.compute(
            source,
            DuckDbTrips.specs(TripConfig.parse(config, "test"), DuckDbTrips.devicesIn(source)));
    assertSame(rows, oracle);
    // a+b (a gap of exactly 10 minutes does not split), c+d (10 minutes + 1 us does), and D2 f.
    assertThat(rows.stream().map(r -> (String) r.getAs("tripid")).distinct().count()).isEqualTo(3);
    assertThat(rows).anySatisfy(r -> assertThat((Long) r.getAs("signalcount")).isZero());
  }

  @org.junit.jupiter.api.Test
  void aGeneratedFleetWithLateFilesInShuffledBatchesMatchesTheOracle() throws Exception {
    // Drives over midnight, logger and GPS drop-outs (0/0 and missing fixes); a third of the
    // splits arrive late, in shuffled batches, each batch registered and aggregated.
    Path source = tempDir.resolve("fleet-src");
    Path late = tempDir.resolve("fleet-late");
    FleetGenerator.generate(
        source,
        late,
        new FleetGenerator.Options(3, 2, java.time.LocalDate.of(2024, 1, 1), 11, 2, 1, 3, 20, 0.3));
    Lake target = lake.withNamespaces("raw_fleet", "trips_fleet");
    aggregate(target, source, FleetGenerator.CONFIG, "driver");
    List<Path> lateFiles;
    try (var walk = java.nio.file.Files.walk(late)) {
      lateFiles =
          new ArrayList<>(walk.filter(p -> p.toString().endsWith(".parquet")).sorted().toList());
    }
    assertThat(lateFiles).hasSizeGreaterThan(10);
    java.util.Collections.shuffle(lateFiles, new java.util.Random(3));
    int batches = 3;
    for (int b = 0; b < batches; b++) {
      for (Path f :
          lateFiles.subList(b * lateFiles.size() / batches, (b + 1) * lateFiles.size() / batches)) {
        Path to = source.resolve(late.relativize(f).toString());
        java.nio.file.Files.createDirectories(to.getParent());
        java.nio.file.Files.copy(f, to);
      }
      aggregate(target, source, FleetGenerator.CONFIG, b % 2 == 0 ? "spark" : "driver");
    }
    assertSameTrips(target, source, FleetGenerator.CONFIG);
    List<DuckDbDeviceDays.Row> days = assertSameDeviceDays(target, source, FleetGenerator.CONFIG);
    assertThat(days)
        .as("late files in later appends: some arrived after newer ones, hours late")
        .anySatisfy(d -> assertThat(d.outOfOrderFiles()).isPositive())
        .anySatisfy(d -> assertThat(d.gapsOverLimit()).isPositive())
        .allSatisfy(d -> assertThat(d.maxLagH()).isNotNull());
    // The drop-outs are there, and were no fixes.
    long rows =
        spark
            .sql(
                "SELECT count(*) FROM "
                    + Lake.CATALOG_NAME
                    + "."
                    + target.rawTable("can2_gnss_pos")
                    + " WHERE (latitude = 0 AND longitude = 0) OR isnan(latitude)")
            .first()
            .getLong(0);
    assertThat(rows).isPositive();
  }

  /**
   * CAN2_pos rows every {@code step}: a wandering path with 0/0 fixes, missing and NaN coordinates,
   * an out-of-range latitude, and repeated timestamps with another position.
   */
  private static void writePositions(
      Path root, String device, String day, String name, long from, long to, long step) {
    try (RawFileWriter w =
        RawFileWriter.open(
            root.resolve(device + "/CAN2_pos/" + day + "/" + name + ".parquet"),
            true,
            List.of("Latitude", "Longitude"))) {
      int i = 0;
      for (long t = from; t <= to; t += step, i++) {
        Double lat = 45 + Math.sin(i * 0.013) * 0.5;
        Double lon = 7 + Math.cos(i * 0.011) * 0.5;
        if (i % 9 == 0) {
          lat = 0.0;
          lon = 0.0;
        } else if (i % 10 == 3) {
          lat = null;
        } else if (i % 11 == 4) {
          lon = Double.NaN;
        } else if (i % 13 == 6) {
          lat = 95.0;
        }
        w.write(t, new Double[] {lat, lon});
        if (i % 17 == 5) {
          w.write(t, new Double[] {44.9, 7.2});
        }
      }
    }
  }

  /**
   * Rows every {@code step}; values follow a pattern with NaN, null and repeated timestamps, varied
   * by {@code seed}.
   */
  private static void write(
      Path root,
      String device,
      String message,
      String day,
      String name,
      long from,
      long to,
      long step,
      List<String> signals,
      int seed) {
    try (RawFileWriter w =
        RawFileWriter.open(
            root.resolve(device + "/" + message + "/" + day + "/" + name + ".parquet"),
            message.equals("CAN2_id"),
            signals)) {
      int i = 0;
      for (long t = from; t <= to; t += step, i++) {
        List<Double> values = new ArrayList<>();
        for (int k = 0; k < signals.size(); k++) {
          int x = (i * 7 + k * 3 + seed) % 23;
          values.add(
              x == 0
                  ? Double.valueOf(Double.NaN)
                  : x == 1 ? null : Double.valueOf(Math.sin(i * 0.37 + k + seed) * 100));
        }
        w.write(t, values.toArray(Double[]::new));
        if (i % 17 == 5) {
          w.write(t, values.toArray(Double[]::new));
        }
      }
    }
  }
}
