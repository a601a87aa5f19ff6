package io.triplake.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import io.triplake.bench.DuckDbTrips.Aggregate;
import io.triplake.bench.DuckDbTrips.Row;
import io.triplake.bench.DuckDbTrips.TripSpec;
import io.triplake.lake.testing.SampleLake;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The DuckDB oracle against hand-computed trips, and against the real sample lake. */
class TestDuckDbTrips {
  private static final String DEV_A = "AAAA0001";
  private static final String DEV_B = "BBBB0002";
  private static final String DEV_C = "CCCC0003";
  private static final Instant T0 = Instant.parse("2024-03-01T10:00:00Z");
  private static final double EPS = 1e-9;

  @TempDir Path raw;

  @Test
  void aGapExactlyAtTheThresholdDoesNotSplitButOneMicrosecondMoreDoes() {
    file(DEV_A, "Gnss", "Speed")
        .row(T0, 1.0)
        .row(min(10), 2.0)
        .row(min(20).plusNanos(1_000), 3.0)
        .row(min(25), 4.0)
        .write();

    List<Row> rows =
        DuckDbTrips.compute(raw, List.of(spec("c", 10, 0, agg("Gnss", "Speed", "count"))));

    assertThat(rows)
        .extracting(Row::tripstart, Row::tripend, Row::signalvalue, Row::duration)
        .containsExactly(
            tuple(T0, min(10), 2.0, 600.0),
            tuple(min(20).plusNanos(1_000), min(25), 2.0, 299.999999));
  }

  @Test
  void aTripExactlyAsLongAsTheMinimumIsKeptAndShorterOnesAreDropped() {
    file(DEV_A, "Gnss", "Speed")
        .row(T0, 1.0)
        .row(min(5), 1.0) // exactly 5 minutes: kept
        .row(min(30), 1.0)
        .row(min(35).minusNanos(1_000), 1.0) // 1 µs short: dropped
        .row(min(60), 1.0) // one row: dropped
        .write();

    List<Row> rows =
        DuckDbTrips.compute(raw, List.of(spec("c", 10, 5, agg("Gnss", "Speed", "count"))));

    assertThat(rows).extracting(Row::tripstart, Row::tripend).containsExactly(tuple(T0, min(5)));
  }

  @Test
  void aOneRowTripIsKeptWithMinimumLengthZero() {
    file(DEV_A, "Gnss", "Speed").row(T0, 7.0).write();

    List<Row> rows =
        DuckDbTrips.compute(raw, List.of(spec("c", 10, 0, everyAggregation("Gnss", "Speed"))));

    assertThat(rows)
        .hasSize(DuckDbTrips.AGGREGATIONS.size())
        .allSatisfy(
            r -> {
              assertThat(r.tripstart()).isEqualTo(T0);
              assertThat(r.tripend()).isEqualTo(T0);
              assertThat(r.duration()).isZero();
              assertThat(r.signalcount()).isEqualTo(1);
            });
    Map<String, Double> values = byAggregation(rows);
    assertThat(values).containsEntry("stddev", null);
    values.remove("stddev");
    assertThat(values)
        .containsExactlyInAnyOrderEntriesOf(
            Map.ofEntries(
                Map.entry("avg", 7.0),
                Map.entry("median", 7.0),
                Map.entry("max", 7.0),
                Map.entry("min", 7.0),
                Map.entry("sum", 7.0),
                Map.entry("first", 7.0),
                Map.entry("last", 7.0),
                Map.entry("delta_sum", 0.0),
                Map.entry("delta_sum_pos", 0.0),
                Map.entry("delta_sum_neg", 0.0),
                Map.entry("count", 1.0)));
  }

  @Test
  void aTripOverMidnightIsOneTripAcrossFilesAndDayFolders() {
    Instant evening = Instant.parse("2024-03-01T23:40:00Z");
    // The first file started on the 1st and runs into the 2nd, as logger sessions do.
    file(DEV_A, "Gnss", "Speed")
        .day("2024/03/01")
        .name("00000001_00000001.parquet")
        .row(evening, 1.0)
        .row(evening.plus(Duration.ofMinutes(10)), 1.0)
        .row(evening.plus(Duration.ofMinutes(25)), 1.0)
        .write();
    file(DEV_A, "Gnss", "Speed")
        .day("2024/03/02")
        .name("00000001_00000002.parquet")
        .row(evening.plus(Duration.ofMinutes(30)), 1.0)
        .row(evening.plus(Duration.ofMinutes(50)), 1.0)
        .write();
    file(DEV_A, "Eng", "Rpm")
        .day("2024/03/01")
        .name("00000001_00000001.parquet")
        .row(evening.minusNanos(1_000), 9999.0) // 1 µs before the trip
        .row(evening, 1000.0) // at the start: inside
        .write();
    file(DEV_A, "Eng", "Rpm")
        .day("2024/03/02")
        .name("00000001_00000002.parquet")
        .row(evening.plus(Duration.ofMinutes(50)), 2000.0) // at the end: inside
        .row(evening.plus(Duration.ofMinutes(50)).plusNanos(1_000), 9999.0)
        .write();

    List<Row> rows =
        DuckDbTrips.compute(
            raw,
            List.of(
                spec(
                    "c",
                    30,
                    0,
                    agg("Eng", "Rpm", "sum"),
                    agg("Eng", "Rpm", "first"),
                    agg("Eng", "Rpm", "last"))));

    assertThat(rows)
        .extracting(Row::aggregation, Row::signalvalue, Row::signalcount, Row::duration)
        .containsExactly(
            tuple("first", 1000.0, 2L, 3000.0),
            tuple("last", 2000.0, 2L, 3000.0),
            tuple("sum", 3000.0, 2L, 3000.0));
    assertThat(rows)
        .allSatisfy(
            r -> {
              assertThat(r.tripstart()).isEqualTo(evening);
              assertThat(r.tripend()).isEqualTo(Instant.parse("2024-03-02T00:30:00Z"));
            });
  }

  @Test
  void onlyTheDevicesOfAClusterAreSummarised() {
    for (String device : List.of(DEV_A, DEV_B)) {
      file(device, "Gnss", "Speed").row(T0, 1.0).row(min(1), 2.0).write();
    }
    Aggregate count = agg("Gnss", "Speed", "count");
    TripSpec onlyA = new TripSpec("only-a", Set.of(DEV_A), "Gnss", 10, 0, List.of(count));

    assertThat(DuckDbTrips.compute(raw, List.of(onlyA)))
        .extracting(Row::deviceid, Row::cluster)
        .containsExactly(tuple(DEV_A, "only-a"));

    TripSpec everyDevice = spec("all", 10, 0, count);
    assertThat(DuckDbTrips.compute(raw, List.of(onlyA, everyDevice)))
        .extracting(Row::cluster, Row::deviceid)
        .containsExactly(tuple("all", DEV_A), tuple("all", DEV_B), tuple("only-a", DEV_A));
  }

  @Test
  void nanAndNullAreMissingValuesButStillCountForTheDuration() {
    file(DEV_A, "Gnss", "Speed", "Dead")
        .row(T0, 1.0, Double.NaN)
        .row(min(1), Double.NaN, null)
        .row(min(2), null, Double.NaN)
        .row(min(3), 3.0, null)
        .write();
    List<Aggregate> aggregates = new ArrayList<>(everyAggregation("Gnss", "Speed"));
    aggregates.addAll(everyAggregation("Gnss", "Dead"));

    List<Row> rows =
        DuckDbTrips.compute(raw, List.of(new TripSpec("c", Set.of(), "Gnss", 10, 0, aggregates)));

    assertThat(rows).allSatisfy(r -> assertThat(r.duration()).isEqualTo(180.0));
    List<Row> speed = rows.stream().filter(r -> r.signal().equals("Speed")).toList();
    assertThat(speed).allSatisfy(r -> assertThat(r.signalcount()).isEqualTo(2));
    assertThat(byAggregation(speed))
        .containsAllEntriesOf(
            Map.of(
                "avg",
                2.0,
                "median",
                2.0,
                "min",
                1.0,
                "max",
                3.0,
                "first",
                1.0,
                "last",
                3.0,
                "delta_sum_pos",
                2.0,
                "delta_sum_neg",
                0.0,
                "count",
                2.0));

    // Only missing values: the row is there, with no value and a count of 0.
    List<Row> dead = rows.stream().filter(r -> r.signal().equals("Dead")).toList();
    assertThat(dead)
        .hasSize(DuckDbTrips.AGGREGATIONS.size())
        .allSatisfy(r -> assertThat(r.signalcount()).isZero());
    assertThat(dead)
        .filteredOn(r -> !r.aggregation().equals("count"))
        .extracting(Row::signalvalue)
        .containsOnlyNulls();
    assertThat(byAggregation(dead)).containsEntry("count", 0.0);
  }

  @Test
  void aMessageWithoutRowsInATripGivesNoRowAndAMissingColumnGivesMissingValues() {
    file(DEV_A, "Gnss", "Speed")
        .row(T0, 1.0)
        .row(min(5), 1.0)
        .row(min(60), 1.0)
        .row(min(65), 1.0)
        .write();
    file(DEV_A, "Eng", "Rpm").row(min(1), 800.0).row(min(2), 900.0).write(); // first trip only
    // Temp was added to the Batt message between the two trips: older files read it as missing.
    file(DEV_A, "Batt", "Volt").name("00000001_00000001.parquet").row(min(1), 12.0).write();
    file(DEV_A, "Batt", "Volt", "Temp")
        .name("00000002_00000001.parquet")
        .row(min(61), 12.5, 30.0)
        .write();

    List<Row> rows =
        DuckDbTrips.compute(
            raw,
            List.of(
                spec(
                    "c",
                    10,
                    0,
                    agg("Eng", "Rpm", "max"),
                    agg("Eng", "Torque", "max"),
                    agg("Absent", "Speed", "max"),
                    agg("Batt", "Temp", "max"))));

    assertThat(rows)
        .extracting(
            r -> r.tripstart().equals(T0) ? 1 : 2,
            Row::message,
            Row::signal,
            Row::signalvalue,
            Row::signalcount)
        .containsExactly(
            tuple(1, "Batt", "Temp", null, 0L),
            tuple(1, "Eng", "Rpm", 900.0, 2L),
            tuple(1, "Eng", "Torque", null, 0L),
            tuple(2, "Batt", "Temp", 30.0, 1L));
  }

  @Test
  void everyAggregationOnAHandComputedSeries() {
    // In t order with ties by ascending value, A is 2, 5, 1, 4, 6 and B is 10, 4, 1, 2.
    file(DEV_A, "Sig", "A", "B")
        .row(T0, 2.0, 10.0)
        .row(sec(1), 5.0, 4.0)
        .row(sec(2), 4.0, null)
        .row(sec(2), 1.0, 1.0)
        .row(sec(3), 6.0, 2.0)
        .write();
    // Ties at both ends: the sequence is 3, 9, 5, 8.
    file(DEV_A, "Tie", "X").row(T0, 9.0).row(T0, 3.0).row(sec(1), 8.0).row(sec(1), 5.0).write();
    List<Aggregate> aggregates = new ArrayList<>(everyAggregation("Sig", "A"));
    aggregates.addAll(everyAggregation("Sig", "B"));
    aggregates.addAll(everyAggregation("Tie", "X"));

    List<Row> rows =
        DuckDbTrips.compute(raw, List.of(new TripSpec("c", Set.of(), "Sig", 10, 0, aggregates)));

    assertAggregates(
        rows,
        "A",
        5,
        3.0,
        Map.ofEntries(
            Map.entry("avg", 3.6),
            Map.entry("median", 4.0),
            Map.entry("max", 6.0),
            Map.entry("min", 1.0),
            Map.entry("sum", 18.0),
            Map.entry("first", 2.0),
            Map.entry("last", 6.0),
            Map.entry("delta_sum", 4.0),
            Map.entry("delta_sum_pos", 8.0),
            Map.entry("delta_sum_neg", -4.0),
            Map.entry("count", 5.0),
            Map.entry("stddev", Math.sqrt(17.2 / 4))));
    assertAggregates(
        rows,
        "B",
        4,
        3.0,
        Map.ofEntries(
            Map.entry("avg", 4.25),
            Map.entry("median", 3.0),
            Map.entry("max", 10.0),
            Map.entry("min", 1.0),
            Map.entry("sum", 17.0),
            Map.entry("first", 10.0),
            Map.entry("last", 2.0),
            Map.entry("delta_sum", -8.0),
            Map.entry("delta_sum_pos", 1.0),
            Map.entry("delta_sum_neg", -9.0),
            Map.entry("count", 4.0),
            Map.entry("stddev", Math.sqrt(48.75 / 3))));
    // The Tie rows at T0 and T0+1s lie inside the Sig trip (T0 .. T0+3s).
    assertAggregates(
        rows,
        "X",
        4,
        1.0,
        Map.ofEntries(
            Map.entry("avg", 6.25),
            Map.entry("median", 6.5),
            Map.entry("max", 9.0),
            Map.entry("min", 3.0),
            Map.entry("sum", 25.0),
            Map.entry("first", 3.0),
            Map.entry("last", 8.0),
            Map.entry("delta_sum", 5.0),
            Map.entry("delta_sum_pos", 9.0),
            Map.entry("delta_sum_neg", -4.0),
            Map.entry("count", 4.0),
            Map.entry("stddev", Math.sqrt(22.75 / 3))));
  }

  @Test
  void utcAdjustedAndLocalTimestampsAreTheSameInstants() {
    Instant start = Instant.parse("2021-07-26T04:41:10.528100Z");
    for (String device : List.of(DEV_A, DEV_B)) {
      file(device, "Gnss", "Speed")
          .utc(device.equals(DEV_A))
          .row(start, 1.0)
          .row(start.plusSeconds(90), 3.0)
          .write();
    }
    // Both flavours in one message of one device, which read_parquet has to unify into one column
    // type.
    file(DEV_C, "Gnss", "Speed")
        .utc(true)
        .name("00000001_00000001.parquet")
        .row(start, 1.0)
        .write();
    file(DEV_C, "Gnss", "Speed")
        .utc(false)
        .name("00000001_00000002.parquet")
        .row(start.plusSeconds(90), 3.0)
        .write();

    List<Row> rows =
        DuckDbTrips.compute(raw, List.of(spec("c", 10, 0, agg("Gnss", "Speed", "avg"))));

    assertThat(rows)
        .extracting(Row::deviceid, Row::tripstart, Row::tripend, Row::signalvalue)
        .containsExactly(
            tuple(DEV_A, start, start.plusSeconds(90), 2.0),
            tuple(DEV_B, start, start.plusSeconds(90), 2.0),
            tuple(DEV_C, start, start.plusSeconds(90), 2.0));
  }

  @Test
  void theTripIdIsTheDeviceAndTheStartToTheMicrosecondInUtc() {
    Instant first = Instant.parse("2021-07-26T04:41:10.528100Z");
    Instant second = Instant.parse("2021-07-26T13:13:05.000007Z");
    file("3BA199E2", "Gnss", "Speed").row(first, 1.0).row(second, 1.0).write();

    List<Row> rows =
        DuckDbTrips.compute(raw, List.of(spec("c", 10, 0, agg("Gnss", "Speed", "max"))));

    assertThat(rows)
        .extracting(Row::tripid)
        .containsExactly("3BA199E2_20210726T044110.528100", "3BA199E2_20210726T131305.000007");
  }

  @Test
  void onlyParquetFilesInTheLayoutAreRead() throws IOException {
    file(DEV_A, "Gnss", "Speed").row(T0, 1.0).write();
    Path day = raw.resolve(DEV_A).resolve("Gnss").resolve("2024/03/01");
    Files.writeString(day.resolve("notes.txt"), "not data");
    Files.writeString(day.resolve("00000001_00000001.parquet.crc"), "not parquet either");
    // Parquet, but outside the layout: not a raw file.
    file(DEV_A, "Gnss", "Speed").day("2024/03").row(T0.plusSeconds(1), 100.0).write();
    file("not-a-device", "Gnss", "Speed").row(T0, 100.0).write();

    List<Row> rows =
        DuckDbTrips.compute(raw, List.of(spec("c", 10, 0, agg("Gnss", "Speed", "max"))));

    assertThat(rows).extracting(Row::deviceid, Row::signalvalue).containsExactly(tuple(DEV_A, 1.0));
  }

  @Test
  void badSpecsAreRejected() {
    assertThatThrownBy(() -> agg("Gnss", "Speed", "mean"))
        .hasMessageContaining("Unknown aggregation mean");
    assertThatThrownBy(() -> spec("c", -1, 0)).hasMessageContaining("gapMinutes");
    assertThatThrownBy(() -> DuckDbTrips.compute(raw, List.of(spec("c", 1, 0), spec("c", 2, 0))))
        .hasMessageContaining("defined twice");
  }

  @Test
  void theSampleLakeHasTheTwoRealDrivesOf3BA199E2() {
    Path sample = SampleLake.location();
    TripSpec drives =
        new TripSpec(
            "drives",
            Set.of("3BA199E2"),
            "CAN2_gnss_speed",
            10,
            1,
            List.of(
                agg("CAN2_gnss_speed", "Speed", "avg"),
                agg("CAN2_gnss_speed", "Speed", "max"),
                agg("CAN2_gnss_speed", "Speed", "count"),
                agg("CAN2_gnss_odo", "DistanceTrip", "delta_sum"),
                agg("CAN2_gnss_imu", "AccelerationX", "stddev")));

    List<Row> rows = DuckDbTrips.compute(sample, List.of(drives));
    rows.forEach(System.out::println);

    Map<String, List<Row>> trips = rows.stream().collect(Collectors.groupingBy(Row::tripid));
    assertThat(trips).hasSize(2);
    List<Instant> starts = rows.stream().map(Row::tripstart).distinct().sorted().toList();
    List<Instant> ends = rows.stream().map(Row::tripend).distinct().sorted().toList();
    assertThat(starts.get(0))
        .isBetween(Instant.parse("2021-07-26T04:41:00Z"), Instant.parse("2021-07-26T04:42:00Z"));
    assertThat(ends.get(0))
        .isBetween(Instant.parse("2021-07-26T05:19:00Z"), Instant.parse("2021-07-26T05:21:00Z"));
    assertThat(starts.get(1))
        .isBetween(Instant.parse("2021-07-26T13:13:00Z"), Instant.parse("2021-07-26T13:14:00Z"));
    assertThat(ends.get(1))
        .isBetween(Instant.parse("2021-07-26T14:00:00Z"), Instant.parse("2021-07-26T14:02:00Z"));
    assertThat(trips.values())
        .allSatisfy(
            trip -> {
              assertThat(trip)
                  .extracting(Row::message)
                  .contains("CAN2_gnss_speed", "CAN2_gnss_odo", "CAN2_gnss_imu");
              Row maxSpeed = find(trip, "Speed", "max");
              assertThat(maxSpeed.signalvalue()).as("max GNSS speed, m/s").isBetween(5.0, 60.0);
              Row count = find(trip, "Speed", "count");
              // GNSS at about 1 Hz.
              assertThat(count.signalvalue())
                  .isCloseTo(count.duration(), within(count.duration() * 0.2));
            });

    // One thread computes the same rows; parallel partial aggregates merge in another order, so
    // values such as stddev may differ in the last bits.
    List<Row> oneThread = DuckDbTrips.compute(sample, List.of(drives), 1);
    assertThat(oneThread).hasSameSizeAs(rows);
    for (int i = 0; i < rows.size(); i++) {
      assertThat(oneThread.get(i))
          .usingRecursiveComparison()
          .ignoringFields("signalvalue")
          .isEqualTo(rows.get(i));
      assertThat(oneThread.get(i).signalvalue()).isCloseTo(rows.get(i).signalvalue(), within(1e-9));
    }
  }

  @Test
  void theScanFloorReadsTheSampleLake() {
    assertThat(DuckDbTrips.scanSeconds(SampleLake.location())).isPositive();
  }

  // --- helpers ---

  private static Instant min(long minutes) {
    return T0.plus(minutes, ChronoUnit.MINUTES);
  }

  private static Instant sec(long seconds) {
    return T0.plusSeconds(seconds);
  }

  private static Aggregate agg(String message, String signal, String aggregation) {
    return new Aggregate(message, signal, aggregation);
  }

  private static List<Aggregate> everyAggregation(String message, String signal) {
    return DuckDbTrips.AGGREGATIONS.stream().sorted().map(a -> agg(message, signal, a)).toList();
  }

  /** Every device, trips cut from the Gnss message. */
  private static TripSpec spec(
      String cluster, double gapMinutes, double minLengthMinutes, Aggregate... aggregates) {
    return spec(cluster, gapMinutes, minLengthMinutes, Arrays.asList(aggregates));
  }

  private static TripSpec spec(
      String cluster, double gapMinutes, double minLengthMinutes, List<Aggregate> aggregates) {
    return new TripSpec(cluster, Set.of(), "Gnss", gapMinutes, minLengthMinutes, aggregates);
  }

  /** Aggregation name to value; a HashMap because values can be null. */
  private static Map<String, Double> byAggregation(List<Row> rows) {
    Map<String, Double> values = new HashMap<>();
    rows.forEach(r -> values.put(r.aggregation(), r.signalvalue()));
    return values;
  }

  private static Row find(List<Row> rows, String signal, String aggregation) {
    return rows.stream()
        .filter(r -> r.signal().equals(signal) && r.aggregation().equals(aggregation))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + signal + " " + aggregation + " in " + rows));
  }

  private static void assertAggregates(
      List<Row> rows,
      String signal,
      long signalcount,
      double duration,
      Map<String, Double> expected) {
    List<Row> ofSignal = rows.stream().filter(r -> r.signal().equals(signal)).toList();
    assertThat(ofSignal)
        .extracting(Row::aggregation)
        .containsExactlyInAnyOrderElementsOf(expected.keySet());
    for (Row row : ofSignal) {
      assertThat(row.signalcount()).as(signal + " signalcount").isEqualTo(signalcount);
      assertThat(row.duration()).as(signal + " duration").isEqualTo(duration);
      assertThat(row.signalvalue())
          .as(signal + " " + row.aggregation())
          .isCloseTo(expected.get(row.aggregation()), within(EPS));
    }
  }

  private RawFileBuilder file(String device, String message, String... signals) {
    return new RawFileBuilder(raw, device, message, List.of(signals));
  }
}
