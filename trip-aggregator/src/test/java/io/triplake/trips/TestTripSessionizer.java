package io.triplake.trips;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The cutter alone, on hand-made times (seconds, as microseconds): no Spark, no files. */
class TestTripSessionizer {
  private static final long S = 1_000_000L;
  /** The vendor's defaults: a new trip after a gap of more than 10 minutes; trips under 1 minute dropped. */
  private final TripSessionizer sessionizer = new TripSessionizer(600 * S, 60 * S);

  private TripSessionizer.Trips cut(long... seconds) {
    TripSessionizer.Cut cut = sessionizer.cut();
    for (long s : seconds) {
      cut.add(s * S);
    }
    return cut.trips();
  }

  private static long[][] seconds(TripSessionizer.Trips trips) {
    long[][] out = new long[trips.size()][];
    for (int i = 0; i < trips.size(); i++) {
      out[i] = new long[] {trips.starts()[i] / S, trips.ends()[i] / S};
    }
    return out;
  }

  @Test
  void aGapStrictlyGreaterThanTheThresholdStartsANewTripAndAnEqualOneDoesNot() {
    assertThat(seconds(cut(0, 100, 700, 800))).as("700 - 100 = 600: not more than the gap")
        .isDeepEqualTo(new long[][] {{0, 800}});
    assertThat(seconds(cut(0, 100, 701, 800))).as("601 s: a new trip").isDeepEqualTo(new long[][] {{0, 100}, {701, 800}});
  }

  @Test
  void aTripShorterThanTheMinimumIsDroppedAndOneOfExactlyTheMinimumIsKept() {
    assertThat(seconds(cut(0, 59, 1000, 1060))).isDeepEqualTo(new long[][] {{1000, 1060}});
    assertThat(cut(0, 30).size()).isZero();
  }

  @Test
  void aSingleRowIsATripOfLengthZeroKeptOnlyWithoutAMinimum() {
    assertThat(cut(5).size()).isZero();
    TripSessionizer.Cut cut = new TripSessionizer(600 * S, 0).cut();
    cut.add(5 * S);
    assertThat(seconds(cut.trips())).isDeepEqualTo(new long[][] {{5, 5}});
  }

  @Test
  void rowsAtTheSameInstantStayInOneTrip() {
    assertThat(seconds(cut(0, 0, 0, 90, 90))).isDeepEqualTo(new long[][] {{0, 90}});
  }

  @Test
  void aTripAcrossMidnightIsOneTrip() {
    long midnight = 19_783 * 86_400L;
    assertThat(seconds(cut(midnight - 900, midnight - 300, midnight - 1, midnight, midnight + 300, midnight + 900)))
        .isDeepEqualTo(new long[][] {{midnight - 900, midnight + 900}});
  }

  @Test
  void timesOutOfOrderAreRefusedRatherThanCutWrongly() {
    TripSessionizer.Cut cut = sessionizer.cut();
    cut.add(100 * S);
    assertThatThrownBy(() -> cut.add(99 * S)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot sessionize: time 99000000 comes after 100000000");
  }

  @Test
  void noRowsNoTripsAndBadSettingsAreRefused() {
    assertThat(cut().size()).isZero();
    assertThatThrownBy(() -> new TripSessionizer(0, 0)).hasMessage("Cannot sessionize: the trip gap must be positive (0 us)");
    assertThatThrownBy(() -> new TripSessionizer(1, -1))
        .hasMessage("Cannot sessionize: the minimum trip length must not be negative (-1 us)");
  }

  @Test
  void manyTripsGrowTheirArrays() {
    long[] times = new long[40];
    for (int i = 0; i < times.length; i++) {
      times[i] = i / 2 * 10_000L + (i % 2) * 120;
    }
    TripSessionizer.Trips trips = cut(times);
    assertThat(trips.size()).isEqualTo(20);
    assertThat(seconds(trips)[19]).containsExactly(190_000, 190_120);
  }
}
