package io.triplake.trips;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A devicedays row from files and their rows on their own: no Spark, no table. */
class TestDeviceDay {
  private static final long S = 1_000_000L;
  private static final LocalDate DAY = LocalDate.of(2024, 3, 1);
  private static final long MIDNIGHT = DeviceDay.startOf(DAY);

  private static DeviceDay.File file(
      String name, long sequence, Long registered, long lo, long hi) {
    return new DeviceDay.File(name, 100, 10, sequence, registered, lo, hi);
  }

  /** The part of rows on DAY, with its rows (as the table's own read keeps them). */
  private static DeviceDay.Part part(long... ts) {
    return DeviceDay.Part.of(ts, 0, ts.length, 60 * S, true).get(DAY);
  }

  /** The same without its rows (as the trip pass gives it). */
  private static DeviceDay.Part summary(long... ts) {
    return DeviceDay.Part.of(ts, 0, ts.length, 60 * S, false).get(DAY);
  }

  @Test
  void daysAreUtcDaysOfTIncludingBeforeTheEpoch() {
    assertThat(DeviceDay.dayOf(MIDNIGHT)).isEqualTo(DAY);
    assertThat(DeviceDay.dayOf(MIDNIGHT - 1)).isEqualTo(DAY.minusDays(1));
    assertThat(DeviceDay.dayOf(-1)).isEqualTo(LocalDate.of(1969, 12, 31));
    assertThat(DeviceDay.days(MIDNIGHT - 1, MIDNIGHT)).containsExactly(DAY.minusDays(1), DAY);
    assertThat(DeviceDay.days(MIDNIGHT, MIDNIGHT + 5 * S)).containsExactly(DAY);
  }

  @Test
  void aFileIsOutOfOrderWhenAnEarlierAppendHadAFileThatStartsLater() {
    List<DeviceDay.File> files =
        List.of(
            file("a", 1, null, 0, 10),
            file("c", 1, null, 20, 30), // same append as a: never out of order with it
            file("b", 2, null, 10, 19), // arrived after c, which starts later
            file("d", 3, null, 40, 50), // in order
            file("e", 4, null, 40, 45)); // starts with d, not before it: in order
    assertThat(DeviceDay.outOfOrder(files)).containsExactly("b");
    assertThat(DeviceDay.outOfOrder(List.of(file("x", 5, null, 9, 9), file("y", 5, null, 1, 1))))
        .isEmpty();
  }

  @Test
  void overlappingFilesAreMergedInTimeOrderAndStepsLongerThanTheLimitCount() {
    DeviceDay.File a = file("a", 1, MIDNIGHT + 3_600 * S, MIDNIGHT, MIDNIGHT + 200 * S);
    DeviceDay.File b = file("b", 2, MIDNIGHT + 7_200 * S, MIDNIGHT + 50 * S, MIDNIGHT + 400 * S);
    Map<DeviceDay.File, DeviceDay.Part> rows = new LinkedHashMap<>();
    rows.put(a, part(MIDNIGHT + 200 * S, MIDNIGHT, MIDNIGHT + 100 * S));
    rows.put(b, part(MIDNIGHT + 50 * S, MIDNIGHT + 400 * S, MIDNIGHT + 100 * S));
    DeviceDay.Row row =
        DeviceDay.of(
            "D1",
            "can2_x",
            DAY,
            rows,
            Map.of(a, MIDNIGHT + 200 * S, b, MIDNIGHT + 90_000 * S),
            60 * S,
            Set.of("b"));
    // 0, 50, 100, 100, 200, 400: steps 50, 50, 0, 100, 200.
    assertThat(row.rows()).isEqualTo(6);
    assertThat(row.files()).isEqualTo(2);
    assertThat(row.firstT()).isEqualTo(MIDNIGHT);
    assertThat(row.lastT()).isEqualTo(MIDNIGHT + 400 * S);
    assertThat(row.maxGapS()).isEqualTo(200.0);
    assertThat(row.gapsOverLimit()).isEqualTo(2);
    assertThat(row.firstRegistered()).isEqualTo(MIDNIGHT + 3_600 * S);
    assertThat(row.lastRegistered()).isEqualTo(MIDNIGHT + 7_200 * S);
    // a: registered 3,400 s after its last row; b's last row is the next day, after it registered.
    assertThat(row.maxLagH()).isEqualTo((3_600 - 200) / 3_600.0);
    assertThat(row.outOfOrderFiles()).isEqualTo(1);
  }

  @Test
  void aStepExactlyAtTheLimitIsNoGapAndOneRowHasNone() {
    DeviceDay.File a = file("a", 1, null, MIDNIGHT, MIDNIGHT + 60 * S);
    DeviceDay.Row two =
        DeviceDay.of(
            "D1",
            "m",
            DAY,
            Map.of(a, part(MIDNIGHT, MIDNIGHT + 60 * S)),
            Map.of(a, MIDNIGHT + 60 * S),
            60 * S,
            Set.of());
    assertThat(two.gapsOverLimit()).isZero();
    assertThat(two.maxGapS()).isEqualTo(60.0);
    assertThat(two.firstRegistered()).as("its append expired").isNull();
    assertThat(two.maxLagH()).isNull();
    DeviceDay.Row one =
        DeviceDay.of(
            "D1", "m", DAY, Map.of(a, part(MIDNIGHT)), Map.of(a, MIDNIGHT), 60 * S, Set.of());
    assertThat(one.maxGapS()).isNull();
    assertThat(one.gapsOverLimit()).isZero();
    assertThatThrownBy(
            () ->
                DeviceDay.of(
                    "D1",
                    "m",
                    DAY,
                    Map.of(a, new DeviceDay.Part(0, 0, 0, -1, 0, new long[0])),
                    Map.of(),
                    60 * S,
                    Set.of()))
        .hasMessageContaining("D1 m on 2024-03-01: no rows");
  }

  @Test
  void partsThatDoNotOverlapCombineWithoutTheirRowsAndOverlappingOnesAskForThem() {
    DeviceDay.File a = file("a", 1, null, MIDNIGHT, MIDNIGHT + 100 * S);
    DeviceDay.File b = file("b", 1, null, MIDNIGHT + 100 * S, MIDNIGHT + 500 * S);
    DeviceDay.File c = file("c", 2, null, MIDNIGHT + 450 * S, MIDNIGHT + 460 * S);
    Map<DeviceDay.File, Long> last =
        Map.of(a, MIDNIGHT + 100 * S, b, MIDNIGHT + 500 * S, c, MIDNIGHT + 460 * S);
    Map<DeviceDay.File, DeviceDay.Part> apart = new LinkedHashMap<>();
    // Given in another order than time: b, then a (which ends where b begins).
    apart.put(b, summary(MIDNIGHT + 100 * S, MIDNIGHT + 170 * S, MIDNIGHT + 500 * S));
    apart.put(a, summary(MIDNIGHT, MIDNIGHT + 30 * S, MIDNIGHT + 100 * S));
    DeviceDay.Row row = DeviceDay.of("D1", "m", DAY, apart, last, 60 * S, Set.of());
    // 0, 30, 100 | 100, 170, 500: steps 30, 70, 0, 70, 330.
    assertThat(row.rows()).isEqualTo(6);
    assertThat(row.maxGapS()).isEqualTo(330.0);
    assertThat(row.gapsOverLimit()).isEqualTo(3);
    assertThat(row.firstT()).isEqualTo(MIDNIGHT);
    assertThat(row.lastT()).isEqualTo(MIDNIGHT + 500 * S);

    Map<DeviceDay.File, DeviceDay.Part> overlapping = new LinkedHashMap<>(apart);
    overlapping.put(c, part(MIDNIGHT + 450 * S, MIDNIGHT + 460 * S));
    assertThatThrownBy(() -> DeviceDay.of("D1", "m", DAY, overlapping, last, 60 * S, Set.of()))
        .isInstanceOfSatisfying(
            DeviceDay.NeedsRows.class,
            e -> assertThat(e.files).extracting(DeviceDay.File::location).containsExactly("b"));
    overlapping.put(b, part(MIDNIGHT + 100 * S, MIDNIGHT + 170 * S, MIDNIGHT + 500 * S));
    DeviceDay.Row merged = DeviceDay.of("D1", "m", DAY, overlapping, last, 60 * S, Set.of());
    // ... 170, 450, 460, 500: the 330 s step is split into 280, 10, 40.
    assertThat(merged.rows()).isEqualTo(8);
    assertThat(merged.maxGapS()).isEqualTo(280.0);
    assertThat(merged.gapsOverLimit()).isEqualTo(3);
    assertThat(merged.files()).isEqualTo(3);
  }

  @Test
  void aFilesPartsAreItsRowsOnEachUtcDay() {
    long[] ts = {MIDNIGHT + 10 * S, MIDNIGHT - 10 * S, MIDNIGHT - 100 * S, MIDNIGHT + 200 * S};
    Map<LocalDate, DeviceDay.Part> parts = DeviceDay.Part.of(ts, 0, ts.length, 60 * S, false);
    assertThat(parts).containsOnlyKeys(DAY.minusDays(1), DAY);
    assertThat(parts.get(DAY.minusDays(1)))
        .isEqualTo(new DeviceDay.Part(2, MIDNIGHT - 100 * S, MIDNIGHT - 10 * S, 90 * S, 1, null));
    assertThat(parts.get(DAY))
        .isEqualTo(new DeviceDay.Part(2, MIDNIGHT + 10 * S, MIDNIGHT + 200 * S, 190 * S, 1, null));
    assertThat(ts[0]).as("the caller's rows are left as they were").isEqualTo(MIDNIGHT + 10 * S);
  }
}
