package io.triplake.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import io.triplake.bench.DuckDbTripTable.Position;
import io.triplake.bench.DuckDbTripTable.Row;
import io.triplake.bench.DuckDbTripTable.Spec;
import io.triplake.bench.DuckDbTripTable.Speed;
import io.triplake.bench.DuckDbTripTable.SpeedUnit;
import io.triplake.bench.DuckDbTrips.Aggregate;
import io.triplake.bench.DuckDbTrips.TripSpec;
import io.triplake.lake.testing.SampleLake;
import io.triplake.trips.TripConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The DuckDB trip-table oracle against hand-computed trips, and on the real sample lake. */
class TestDuckDbTripTable {
  private static final String DEV_A = "AAAA0001";
  private static final String DEV_B = "BBBB0002";
  private static final Instant T0 = Instant.parse("2024-03-01T10:00:00Z");
  private static final double R = DuckDbTripTable.EARTH_RADIUS_KM;

  /** One degree of a great circle, km. */
  private static final double DEGREE_KM = R * Math.PI / 180;

  private static final double EPS = 1e-9;

  private static final String SPEED = "CAN2_gnss_speed";
  private static final String POS = "CAN2_gnss_pos";
  private static final String EEC1 = "CAN1_EEC1";

  @TempDir Path raw;

  @Test
  void aGpsDropOutLeavesOnlyTheValidFixes() {
    identifierRows(DEV_A, SPEED, T0, min(5), min(10));
    file(DEV_A, POS, "Latitude", "Longitude")
        .row(T0.minusSeconds(1), 1.0, 1.0) // before the trip
        .row(T0, 0.0, 10.0) // latitude 0 alone is a fix
        .row(min(1), null, 11.0)
        .row(min(2), 0.0, Double.NaN)
        .row(min(3), 0.0, 0.0) // no fix: 0/0
        .row(min(4), 91.0, 11.0)
        .row(min(5), 0.0, -181.0)
        .row(min(6), Double.POSITIVE_INFINITY, 11.0)
        .row(min(7), -0.0, -0.0) // exactly 0 too
        .row(min(8), 0.0, 11.0)
        .row(min(10), 0.0, 12.0) // at the end: inside
        .row(min(10).plusNanos(1_000), 0.0, 50.0) // 1 µs after
        .write();

    Row trip = single(DuckDbTripTable.compute(raw, List.of(spec("c", Position.of(POS), null))));

    assertThat(trip.fixes()).isEqualTo(3);
    assertThat(trip)
        .extracting(Row::start_lat, Row::start_lon, Row::end_lat, Row::end_lon)
        .containsExactly(0.0, 10.0, 0.0, 12.0);
    // Two steps of one degree along the equator.
    assertThat(trip.distance_km()).isCloseTo(2 * DEGREE_KM, within(EPS));
    assertThat(trip).extracting(Row::max_speed_kmh, Row::moving_s, Row::idle_s).containsOnlyNulls();
    assertThat(trip.identifier_rows()).isEqualTo(3);
    assertThat(trip.max_gap_s()).isEqualTo(300.0);
    assertThat(trip.duration_s()).isEqualTo(600.0);
  }

  @Test
  void theRangesAreInclusive() {
    identifierRows(DEV_A, SPEED, T0, min(10));
    file(DEV_A, POS, "Latitude", "Longitude")
        .row(T0, 90.0, 180.0)
        .row(min(1), 90.000001, 0.0)
        .row(min(2), 0.0, 180.0)
        .row(min(3), 0.0, 180.000001)
        .row(min(4), 0.0, -180.0) // the same place as (0, 180): a leg of 0 km
        .row(min(5), -90.000001, 0.0)
        .row(min(6), -90.0, 0.0)
        .write();

    Row trip = single(DuckDbTripTable.compute(raw, List.of(spec("c", Position.of(POS), null))));

    assertThat(trip.fixes()).isEqualTo(4);
    assertThat(trip)
        .extracting(Row::start_lat, Row::start_lon, Row::end_lat, Row::end_lon)
        .containsExactly(90.0, 180.0, -90.0, 0.0);
    // Pole to equator, nothing, equator to pole: half a great circle.
    assertThat(trip.distance_km()).isCloseTo(Math.PI * R, within(EPS));
  }

  @Test
  void haversineGivesTheKnownDistances() {
    identifierRows(DEV_A, SPEED, T0, min(10));
    identifierRows(DEV_B, SPEED, T0, min(10));
    // One degree of latitude along a meridian, then one of longitude along the equator is another
    // leg; B goes from Copenhagen to Aarhus.
    file(DEV_A, POS, "Latitude", "Longitude").row(T0, 10.0, 20.0).row(min(1), 11.0, 20.0).write();
    file(DEV_B, POS, "Latitude", "Longitude")
        .row(T0, 55.6761, 12.5683)
        .row(min(1), 56.1629, 10.2039)
        .write();

    List<Row> rows = DuckDbTripTable.compute(raw, List.of(spec("c", Position.of(POS), null)));

    assertThat(rows).extracting(Row::deviceid).containsExactly(DEV_A, DEV_B);
    assertThat(rows.get(0).distance_km()).isCloseTo(DEGREE_KM, within(EPS));
    assertThat(rows.get(0).distance_km()).isCloseTo(111.195080233533, within(1e-9));
    assertThat(rows.get(1).distance_km())
        .isCloseTo(haversine(55.6761, 12.5683, 56.1629, 10.2039), within(EPS))
        // About 156 km as the crow flies.
        .isBetween(150.0, 160.0);
  }

  @Test
  void aTripOverMidnightIsOneRowDatedByItsStart() {
    Instant evening = Instant.parse("2024-03-01T23:55:00Z");
    file(DEV_A, SPEED, "Speed")
        .row(evening, 10.0)
        .row(evening.plusSeconds(330), 0.2) // 00:00:30, in the file that started before midnight
        .write();
    file(DEV_A, SPEED, "Speed")
        .day("2024/03/02")
        .name("00000001_00000002.parquet")
        .utc(false)
        .row(evening.plusSeconds(600), 3.0)
        .write();
    // Signal names in another case; t not UTC-adjusted in one file.
    file(DEV_A, POS, "latitude", "LONGITUDE").utc(false).row(evening, 56.0, 10.0).write();
    file(DEV_A, POS, "Latitude", "Longitude")
        .day("2024/03/02")
        .name("00000001_00000002.parquet")
        .row(evening.plusSeconds(600), 57.0, 10.0)
        .write();

    Row trip =
        single(DuckDbTripTable.compute(raw, List.of(spec("c", Position.of(POS), Speed.of(SPEED)))));

    assertThat(trip.tripstart()).isEqualTo(evening);
    assertThat(trip.tripend()).isEqualTo(Instant.parse("2024-03-02T00:05:00Z"));
    assertThat(trip.tripdate()).isEqualTo(LocalDate.of(2024, 3, 1));
    assertThat(trip.tripid()).isEqualTo(DEV_A + "_20240301T235500.000000");
    assertThat(trip.duration_s()).isEqualTo(600.0);
    assertThat(trip.fixes()).isEqualTo(2);
    assertThat(trip.distance_km()).isCloseTo(DEGREE_KM, within(EPS));
    assertThat(trip.identifier_rows()).isEqualTo(3);
    assertThat(trip.max_gap_s()).isEqualTo(330.0);
    // 10 m/s for 330 s, then 0.2 m/s (idle) for 270 s.
    assertThat(trip.max_speed_kmh()).isCloseTo(36.0, within(EPS));
    assertThat(trip.moving_s()).isEqualTo(330.0);
    assertThat(trip.idle_s()).isEqualTo(270.0);
  }

  @Test
  void rowsWithTheSameTimeAreOrderedByValueNotByFileOrRow() {
    // Speed (m/s) in file order 3, 0 | 0 | 5, 1; in (t, speed) order 0, 3 | 0 | 1, 5.
    file(DEV_A, SPEED, "Speed").row(T0, 3.0).row(min(1), 0.0).row(min(2), 5.0).write();
    file(DEV_A, SPEED, "Speed")
        .name("00000001_00000002.parquet")
        .row(T0, 0.0)
        .row(min(2), 1.0)
        .write();
    // Fixes in (t, lat, lon) order: (0 1) (0 2) | (0 3) | (0 4) (1 3).
    file(DEV_A, POS, "Latitude", "Longitude")
        .row(min(2), 1.0, 3.0)
        .row(T0, 0.0, 2.0)
        .row(min(1), 0.0, 3.0)
        .row(min(2), 0.0, 4.0)
        .write();
    file(DEV_A, POS, "Latitude", "Longitude")
        .name("00000001_00000002.parquet")
        .row(T0, 0.0, 1.0)
        .write();

    Row trip =
        single(DuckDbTripTable.compute(raw, List.of(spec("c", Position.of(POS), Speed.of(SPEED)))));

    assertThat(trip.fixes()).isEqualTo(5);
    assertThat(trip)
        .extracting(Row::start_lat, Row::start_lon, Row::end_lat, Row::end_lon)
        .containsExactly(0.0, 1.0, 1.0, 3.0);
    assertThat(trip.distance_km()).isCloseTo(3 * DEGREE_KM + haversine(0, 4, 1, 3), within(EPS));
    // Steps: 0 -> 3 at T0 (0 s), 3 for 60 s (moving), 0 for 60 s (idle), 1 -> 5 at T0+2m (0 s).
    assertThat(trip.moving_s()).isEqualTo(60.0);
    assertThat(trip.idle_s()).isEqualTo(60.0);
    assertThat(trip.max_speed_kmh()).isCloseTo(18.0, within(EPS));
    assertThat(trip.identifier_rows()).isEqualTo(5);
    assertThat(trip.max_gap_s()).isEqualTo(60.0);
  }

  @Test
  void oneFixOneSampleNoFixNoSampleAndOneRowTrips() {
    identifierRows(DEV_A, EEC1, T0, min(5), min(60), min(65), min(120));
    file(DEV_A, POS, "Latitude", "Longitude")
        .row(min(1), 0.0, 0.0)
        .row(min(2), 50.0, 8.0) // the first trip's only fix
        .row(min(3), Double.NaN, 8.0)
        .row(min(61), 0.0, 0.0) // the second trip has rows, but no fix
        .row(min(62), null, null)
        .write();
    file(DEV_A, SPEED, "Speed")
        .row(min(1), 2.0) // the first trip's only sample
        .row(min(2), Double.NaN)
        .row(min(3), (Double) null)
        .row(min(61), Double.NaN) // the second trip has rows, but no sample
        .row(min(62), (Double) null)
        .write();
    Spec spec = new Spec("c", Set.of(), EEC1, 10, 0, Position.of(POS), Speed.of(SPEED));

    List<Row> rows = DuckDbTripTable.compute(raw, List.of(spec));

    assertThat(rows)
        .extracting(
            Row::tripstart,
            Row::fixes,
            Row::start_lat,
            Row::start_lon,
            Row::end_lat,
            Row::end_lon,
            Row::distance_km)
        .containsExactly(
            tuple(T0, 1L, 50.0, 8.0, 50.0, 8.0, 0.0),
            tuple(min(60), 0L, null, null, null, null, null),
            tuple(min(120), 0L, null, null, null, null, null));
    assertThat(rows)
        .extracting(Row::max_speed_kmh, Row::moving_s, Row::idle_s)
        .containsExactly(
            tuple(2.0 * 3.6, 0.0, 0.0), tuple(null, null, null), tuple(null, null, null));
    assertThat(rows)
        .extracting(Row::identifier_rows, Row::max_gap_s, Row::duration_s)
        .containsExactly(tuple(2L, 300.0, 300.0), tuple(2L, 300.0, 300.0), tuple(1L, 0.0, 0.0));
  }

  @Test
  void speedSplitsIntoMovingAndIdleInItsUnit() {
    identifierRows(DEV_A, SPEED, T0, sec(120));
    // A step is idle when the speed it starts from is at most the threshold.
    file(DEV_A, "Veh", "WheelSpeed")
        .row(T0, 0.0)
        .row(sec(10), 1.8) // exactly the km/h default: idle
        .row(sec(30), 20.0)
        .row(sec(60), 50.0)
        .row(sec(65), Double.NaN) // not a sample
        .row(sec(70), 1.0)
        .row(sec(100), (Double) null) // not a sample
        .row(sec(120).minusNanos(1_000), 0.0)
        .write();
    Speed kmh = new Speed("Veh", "WheelSpeed", SpeedUnit.KMH, 1.8);
    assertThat(Speed.of("Veh", "WheelSpeed", SpeedUnit.KMH)).isEqualTo(kmh);

    List<Row> rows =
        DuckDbTripTable.compute(
            raw,
            List.of(
                spec("kmh", null, kmh),
                spec("kmh-25", null, new Speed("Veh", "WheelSpeed", SpeedUnit.KMH, 25)),
                spec("mps", null, Speed.of("Veh", "WheelSpeed", SpeedUnit.MPS))));

    assertThat(rows)
        .extracting(Row::cluster, Row::max_speed_kmh, Row::moving_s, Row::idle_s)
        .containsExactly(
            // Moving 30 s at 20 and 10 s at 50; idle 10 s at 0, 20 s at 1.8, 49.999999 s at 1.
            tuple("kmh", 50.0, 40.0, 79.999999),
            tuple("kmh-25", 50.0, 10.0, 109.999999),
            // In m/s only the first 10 s are idle.
            tuple("mps", 50.0 * 3.6, 109.999999, 10.0));
    assertThat(rows).allSatisfy(r -> assertThat(r.duration_s()).isEqualTo(120.0));
  }

  @Test
  void aClusterWithoutGnssMessagesHasNoPositionOrSpeed() {
    identifierRows(DEV_A, EEC1, T0, min(5));
    file(DEV_A, POS, "Latitude", "Longitude").row(min(1), 50.0, 8.0).write();
    TripSpec j1939 =
        new TripSpec(
            "j1939",
            Set.of(DEV_A),
            EEC1,
            10,
            0,
            List.of(new Aggregate("CAN1_CCVS1", "WheelBasedVehicleSpeed", "max")));
    Spec defaults = DuckDbTripTable.withDefaults(j1939);
    assertThat(defaults.position()).isNull();
    assertThat(defaults.speed()).isNull();
    // Configured, but the lake has no such message: the same.
    Spec absent =
        new Spec(
            "absent",
            Set.of(DEV_A),
            EEC1,
            10,
            0,
            Position.of("CAN2_gnss_pos_absent"),
            Speed.of("CAN2_gnss_speed_absent"));

    List<Row> rows = DuckDbTripTable.compute(raw, List.of(defaults, absent));

    assertThat(rows).extracting(Row::cluster).containsExactly("absent", "j1939");
    assertThat(rows)
        .allSatisfy(
            r -> {
              assertThat(r.fixes()).isZero();
              assertThat(r)
                  .extracting(
                      Row::start_lat,
                      Row::start_lon,
                      Row::end_lat,
                      Row::end_lon,
                      Row::distance_km,
                      Row::max_speed_kmh,
                      Row::moving_s,
                      Row::idle_s)
                  .containsOnlyNulls();
              assertThat(r.identifier_rows()).isEqualTo(2);
              assertThat(r.duration_s()).isEqualTo(300.0);
            });
  }

  @Test
  void onlyTheDevicesOfAClusterAreCovered() {
    identifierRows(DEV_A, SPEED, T0, min(1));
    identifierRows(DEV_B, SPEED, T0, min(1));
    Spec onlyA = new Spec("only-a", Set.of(DEV_A), SPEED, 10, 0, null, Speed.of(SPEED));

    assertThat(DuckDbTripTable.compute(raw, List.of(onlyA, spec("all", null, null))))
        .extracting(Row::cluster, Row::deviceid)
        .containsExactly(tuple("all", DEV_A), tuple("all", DEV_B), tuple("only-a", DEV_A));
  }

  @Test
  void theDefaultsComeFromTheClustersMessages() throws IOException {
    Path sample = SampleLake.location();
    TripConfig config =
        TripConfig.parse(
            Files.readString(sample.getParent().resolve("aggregations.json")), "sample");

    Map<String, Spec> specs =
        DuckDbTripTable.specs(config, DuckDbTrips.devicesIn(sample)).stream()
            .collect(Collectors.toMap(Spec::cluster, Function.identity()));

    assertThat(specs.get("gnss_can2"))
        .extracting(Spec::position, Spec::speed)
        .containsExactly(
            new Position("CAN2_gnss_pos", "Latitude", "Longitude"),
            new Speed("CAN2_gnss_speed", "Speed", SpeedUnit.MPS, 0.5));
    assertThat(specs.get("gnss_can9"))
        .extracting(Spec::position, Spec::speed)
        .containsExactly(
            new Position("CAN9_GnssPos", "Latitude", "Longitude"),
            new Speed("CAN9_GnssSpeed", "Speed", SpeedUnit.MPS, 0.5));
    assertThat(specs.get("j1939")).extracting(Spec::position, Spec::speed).containsOnlyNulls();
    assertThat(specs.get("j1939").devices())
        .containsExactlyInAnyOrder("11111111", "90B52C1C", "FCBF0606");

    // The suffixes match in any case, and only at the end.
    assertThat(DuckDbTripTable.defaultPosition("c", List.of("CAN3_GNSS_POS", "X_gnss_pos_raw")))
        .contains(Position.of("CAN3_GNSS_POS"));
    assertThat(DuckDbTripTable.defaultSpeed("c", List.of("can9_gnssspeed", "CAN9_GnssSpeedAcc")))
        .contains(Speed.of("can9_gnssspeed"));
    assertThat(DuckDbTripTable.defaultSpeed("c", List.of("CAN2_gnss_pos"))).isEmpty();
    // Two candidates: the first in the cluster's order (identifier, then aggregations), as the job.
    assertThat(DuckDbTripTable.defaultPosition("c", List.of("CAN9_GnssPos", "CAN2_gnss_pos")))
        .contains(Position.of("CAN9_GnssPos"));
  }

  @Test
  void badSpecsAreRejected() {
    assertThat(SpeedUnit.of("km/h")).isEqualTo(SpeedUnit.KMH);
    assertThat(SpeedUnit.KMH.defaultIdleSpeed()).isEqualTo(1.8);
    assertThatThrownBy(() -> SpeedUnit.of("mph")).hasMessageContaining("Unknown speed unit mph");
    assertThatThrownBy(() -> new Speed(SPEED, "Speed", SpeedUnit.MPS, Double.NaN))
        .hasMessageContaining("idleSpeed");
    assertThatThrownBy(() -> new Spec("c", Set.of(), SPEED, -1, 0, null, null))
        .hasMessageContaining("gapMinutes");
    assertThatThrownBy(
            () ->
                DuckDbTripTable.compute(
                    raw, List.of(spec("c", null, null), spec("c", Position.of(POS), null))))
        .hasMessageContaining("defined twice");
  }

  /** A generated fleet: drives with drop-outs and over midnight, every row a GNSS fix. */
  @Test
  void theTripsAreTheTripsOfDuckDbTripsOnAGeneratedFleet() {
    FleetGenerator.generate(
        raw, null, new FleetGenerator.Options(2, 3, LocalDate.of(2024, 1, 1), 7, 1, 1, 2, 30, 0));
    TripConfig config = TripConfig.parse(FleetGenerator.CONFIG, "generator");
    List<TripSpec> tripSpecs = DuckDbTrips.specs(config, DuckDbTrips.devicesIn(raw));

    List<Row> rows =
        DuckDbTripTable.compute(raw, DuckDbTripTable.specs(config, DuckDbTrips.devicesIn(raw)));

    assertThat(rows).hasSizeGreaterThan(10);
    assertThat(rows.stream().map(r -> r.tripid() + " " + r.tripstart() + " " + r.tripend()))
        .containsExactlyInAnyOrderElementsOf(
            DuckDbTrips.compute(raw, tripSpecs).stream()
                .map(r -> r.tripid() + " " + r.tripstart() + " " + r.tripend())
                .collect(Collectors.toCollection(TreeSet::new)));
    assertThat(rows)
        .anySatisfy(
            r ->
                assertThat(r.tripend().atOffset(ZoneOffset.UTC).toLocalDate())
                    .isAfter(r.tripdate()));
    rows.forEach(TestDuckDbTripTable::assertPlausible);
    assertThat(rows).allSatisfy(r -> assertThat(r.fixes()).isPositive());
  }

  @Test
  void theSampleLakeHasPlausibleTrips() throws IOException {
    Path sample = SampleLake.location();
    TripConfig config =
        TripConfig.parse(
            Files.readString(sample.getParent().resolve("aggregations.json")), "sample");
    List<Spec> specs = DuckDbTripTable.specs(config, DuckDbTrips.devicesIn(sample));

    List<Row> rows = DuckDbTripTable.compute(sample, specs);
    System.out.println(
        "cluster    deviceid tripstart                    duration_s  fixes distance_km"
            + " max_kmh  moving_s   idle_s  id_rows max_gap_s");
    rows.forEach(
        r ->
            System.out.printf(
                "%-10s %s %-28s %10.3f %6d %11s %7s %9s %8s %8d %9.3f%n",
                r.cluster(),
                r.deviceid(),
                r.tripstart(),
                r.duration_s(),
                r.fixes(),
                format(r.distance_km(), "%.3f"),
                format(r.max_speed_kmh(), "%.1f"),
                format(r.moving_s(), "%.1f"),
                format(r.idle_s(), "%.1f"),
                r.identifier_rows(),
                r.max_gap_s()));

    // The same trips as the tripsummary oracle.
    assertThat(rows.stream().map(r -> r.cluster() + " " + r.tripid() + " " + r.tripend()))
        .containsExactlyInAnyOrderElementsOf(
            DuckDbTrips.compute(sample, DuckDbTrips.specs(config, DuckDbTrips.devicesIn(sample)))
                .stream()
                .map(r -> r.cluster() + " " + r.tripid() + " " + r.tripend())
                .collect(Collectors.toCollection(TreeSet::new)));
    rows.forEach(TestDuckDbTripTable::assertPlausible);
    Map<String, List<Row>> byCluster = rows.stream().collect(Collectors.groupingBy(Row::cluster));
    assertThat(byCluster).containsOnlyKeys("gnss_can2", "gnss_can9", "j1939");
    byCluster
        .get("j1939")
        .forEach(
            r -> {
              assertThat(r.fixes()).isZero();
              assertThat(r.distance_km()).isNull();
              assertThat(r.max_speed_kmh()).isNull();
            });
    for (String gnss : List.of("gnss_can2", "gnss_can9")) {
      assertThat(byCluster.get(gnss))
          .allSatisfy(
              r -> {
                assertThat(r.fixes()).as(r.tripid()).isPositive();
                assertThat(r.max_speed_kmh()).as(r.tripid()).isNotNull();
              });
    }

    // The two real drives of 3BA199E2: tens of km at up to 24.2 m/s (87 km/h), mostly moving.
    List<Row> drives = rows.stream().filter(r -> r.deviceid().equals("3BA199E2")).toList();
    assertThat(drives).hasSize(2);
    assertThat(drives)
        .allSatisfy(
            r -> {
              assertThat(r.distance_km()).isBetween(30.0, 60.0);
              assertThat(r.max_speed_kmh()).isBetween(80.0, 90.0);
              assertThat(r.moving_s()).isGreaterThan(r.idle_s());
              // GNSS at about 1 Hz.
              assertThat((double) r.fixes())
                  .isCloseTo(r.duration_s(), within(r.duration_s() * 0.2));
            });

    // One thread: the same rows, distances within rounding.
    List<Row> oneThread = DuckDbTripTable.compute(sample, specs, 1);
    assertThat(oneThread).hasSameSizeAs(rows);
    for (int i = 0; i < rows.size(); i++) {
      assertThat(oneThread.get(i))
          .usingRecursiveComparison()
          .ignoringFields("distance_km")
          .isEqualTo(rows.get(i));
      if (rows.get(i).distance_km() != null) {
        assertThat(oneThread.get(i).distance_km())
            .isCloseTo(rows.get(i).distance_km(), within(1e-9));
      }
    }
  }

  // --- helpers ---

  /** What holds for any trip row whatever the data. */
  private static void assertPlausible(Row r) {
    String trip = r.cluster() + " " + r.tripid();
    assertThat(r.tripid()).as(trip).startsWith(r.deviceid() + "_");
    assertThat(r.tripdate())
        .as(trip)
        .isEqualTo(r.tripstart().atOffset(ZoneOffset.UTC).toLocalDate());
    assertThat(r.duration_s())
        .as(trip)
        .isEqualTo(ChronoUnit.MICROS.between(r.tripstart(), r.tripend()) / 1e6);
    assertThat(r.identifier_rows()).as(trip).isPositive();
    assertThat(r.max_gap_s()).as(trip).isBetween(0.0, Math.max(r.duration_s(), 0.0));
    assertThat(r.max_gap_s()).as(trip).isLessThanOrEqualTo(10 * 60.0);
    if (r.fixes() == 0) {
      assertThat(r)
          .extracting(Row::start_lat, Row::start_lon, Row::end_lat, Row::end_lon, Row::distance_km)
          .containsOnlyNulls();
    } else {
      assertThat(r.start_lat()).as(trip).isBetween(-90.0, 90.0);
      assertThat(r.end_lon()).as(trip).isBetween(-180.0, 180.0);
      // The path is at least as long as the straight line from its start to its end.
      assertThat(r.distance_km())
          .as(trip)
          .isGreaterThanOrEqualTo(
              haversine(r.start_lat(), r.start_lon(), r.end_lat(), r.end_lon()) - 1e-9);
      if (r.fixes() == 1) {
        assertThat(r.distance_km()).as(trip).isZero();
      }
    }
    if (r.max_speed_kmh() == null) {
      assertThat(r.moving_s()).as(trip).isNull();
      assertThat(r.idle_s()).as(trip).isNull();
    } else {
      assertThat(r.max_speed_kmh()).as(trip).isBetween(0.0, 300.0);
      assertThat(r.moving_s()).as(trip).isNotNegative();
      assertThat(r.idle_s()).as(trip).isNotNegative();
      assertThat(r.moving_s() + r.idle_s()).as(trip).isLessThanOrEqualTo(r.duration_s() + 1e-6);
    }
  }

  /** The test's own haversine, as the definition writes it. */
  private static double haversine(double lat1, double lon1, double lat2, double lon2) {
    double phi1 = lat1 * Math.PI / 180;
    double phi2 = lat2 * Math.PI / 180;
    double dPhi = phi2 - phi1;
    double dLambda = (lon2 - lon1) * Math.PI / 180;
    double h =
        Math.pow(Math.sin(dPhi / 2), 2)
            + Math.cos(phi1) * Math.cos(phi2) * Math.pow(Math.sin(dLambda / 2), 2);
    return 2 * R * Math.asin(Math.sqrt(h));
  }

  private static String format(Double value, String format) {
    return value == null ? "NULL" : String.format(format, value);
  }

  private static Instant min(long minutes) {
    return T0.plus(minutes, ChronoUnit.MINUTES);
  }

  private static Instant sec(long seconds) {
    return T0.plusSeconds(seconds);
  }

  private static Row single(List<Row> rows) {
    assertThat(rows).hasSize(1);
    return rows.get(0);
  }

  /** Every device, trips cut from {@link #SPEED} with a 10-minute gap and no minimum length. */
  private static Spec spec(String cluster, Position position, Speed speed) {
    return new Spec(cluster, Set.of(), SPEED, 10, 0, position, speed);
  }

  /**
   * Rows of an identifier message at these times, in a file of their own; {@link #SPEED} rows have
   * no speed.
   */
  private void identifierRows(String device, String message, Instant... times) {
    String signal = message.equals(SPEED) ? "Speed" : "EngineSpeed";
    Double value = message.equals(SPEED) ? null : 800.0;
    RawFileBuilder file = file(device, message, signal).name("00000009_00000001.parquet");
    for (Instant t : times) {
      file.row(t, new Double[] {value});
    }
    file.write();
  }

  private RawFileBuilder file(String device, String message, String... signals) {
    return new RawFileBuilder(raw, device, message, List.of(signals));
  }
}
