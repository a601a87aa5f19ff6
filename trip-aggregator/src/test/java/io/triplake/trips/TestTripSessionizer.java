package io.triplake.trips;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The streaming trip cutter on its own: identifier times in, trips out, no Spark. */
class TestTripSessionizer {
  private static final long MINUTE = 60_000_000L;

  /** The defaults of aggregations.json: a 10-minute gap, trips of at least one minute. */
  private static final TripSessionizer DEFAULTS = new TripSessionizer(10 * MINUTE, MINUTE);

  /** A trip, both ends inclusive, in microseconds. */
  private record Trip(long start, long end) {}

  private static List<Trip> cut(TripSessionizer sessionizer, long... times) {
    TripSessionizer.Cut cut = sessionizer.cut();
    for (long t : times) {
      cut.add(t);
    }
    TripSessionizer.Trips trips = cut.trips();
    List<Trip> result = new ArrayList<>();
    for (int i = 0; i < trips.size(); i++) {
      result.add(new Trip(trips.starts()[i], trips.ends()[i]));
    }
    return result;
  }

  @Test
  void eachTripCountsItsRowsAndItsLargestStep() {
    TripSessionizer.Cut cut = DEFAULTS.cut();
    // Two rows at one instant, then steps of 3, 1 and 10 minutes; a new trip after 11 minutes; a
    // dropped one-row trip in between does not leak its row into the next.
    for (long t :
        new long[] {
          0, 0, 3 * MINUTE, 4 * MINUTE, 14 * MINUTE, 40 * MINUTE, 60 * MINUTE, 62 * MINUTE
        }) {
      cut.add(t);
    }
    TripSessionizer.Trips trips = cut.trips();
    assertThat(trips.starts()).containsExactly(0, 60 * MINUTE);
    assertThat(trips.rows()).containsExactly(5, 2);
    assertThat(trips.maxGaps()).containsExactly(10 * MINUTE, 2 * MINUTE);
    TripSessionizer.Trips single = new TripSessionizer(10 * MINUTE, 0).cut().trips();
    assertThat(single.size()).isZero();
    TripSessionizer.Cut one = new TripSessionizer(10 * MINUTE, 0).cut();
    one.add(7);
    assertThat(one.trips().rows()).containsExactly(1);
    assertThat(one.trips().maxGaps()).containsExactly(0);
  }

  @Test
  void aGapOfExactlyTheThresholdStaysInTheTrip() {
    assertThat(cut(DEFAULTS, 0, 10 * MINUTE, 20 * MINUTE))
        .containsExactly(new Trip(0, 20 * MINUTE));
  }

  @Test
  void aGapOneMicrosecondLongerThanTheThresholdStartsANewTrip() {
    long next = 10 * MINUTE + 1;
    assertThat(cut(DEFAULTS, 0, 2 * MINUTE, 2 * MINUTE + next, 4 * MINUTE + next))
        .containsExactly(new Trip(0, 2 * MINUTE), new Trip(2 * MINUTE + next, 4 * MINUTE + next));
  }

  @Test
  void aTripOfExactlyTheMinimumLengthIsKeptAndOneMicrosecondShorterIsDropped() {
    long second = 30 * MINUTE;
    assertThat(cut(DEFAULTS, 0, MINUTE - 1, second, second + MINUTE))
        .containsExactly(new Trip(second, second + MINUTE));
  }

  @Test
  void aSingleRowIsATripOfLengthZero() {
    // Kept only when no minimum length is configured; with the default minute it is too short.
    assertThat(cut(new TripSessionizer(10 * MINUTE, 0), 5 * MINUTE))
        .containsExactly(new Trip(5 * MINUTE, 5 * MINUTE));
    assertThat(cut(DEFAULTS, 5 * MINUTE)).isEmpty();
  }

  @Test
  void rowsAtTheSameInstantAreAllowedAndDoNotStartATrip() {
    assertThat(cut(DEFAULTS, 0, 0, 0, 3 * MINUTE, 3 * MINUTE))
        .containsExactly(new Trip(0, 3 * MINUTE));
  }

  @Test
  void anEmptyCutHasNoTrip() {
    assertThat(cut(DEFAULTS)).isEmpty();
  }

  @Test
  void aTimeBeforeThePreviousOneIsRefused() {
    TripSessionizer.Cut cut = DEFAULTS.cut();
    cut.add(3 * MINUTE);
    assertThatThrownBy(() -> cut.add(3 * MINUTE - 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot sessionize: time 179999999 comes after 180000000");
  }

  @Test
  void aTripOverMidnightIsOneTrip() {
    long evening = micros(Instant.parse("2024-03-01T23:55:00Z"));
    long[] everyMinute = new long[11];
    for (int i = 0; i < everyMinute.length; i++) {
      everyMinute[i] = evening + i * MINUTE;
    }
    assertThat(cut(DEFAULTS, everyMinute))
        .containsExactly(new Trip(evening, micros(Instant.parse("2024-03-02T00:05:00Z"))));
  }

  @Test
  void manyTripsComeOutInOrder() {
    // More trips than the cut's first arrays hold, so they have to grow.
    long[] times = new long[40];
    List<Trip> expected = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      long start = i * 60 * MINUTE;
      times[2 * i] = start;
      times[2 * i + 1] = start + 5 * MINUTE;
      expected.add(new Trip(start, start + 5 * MINUTE));
    }
    assertThat(cut(DEFAULTS, times)).containsExactlyElementsOf(expected);
  }

  @Test
  void aGapThatIsNotPositiveOrANegativeMinimumLengthIsRefused() {
    assertThatThrownBy(() -> new TripSessionizer(0, MINUTE))
        .hasMessage("Cannot sessionize: the trip gap must be positive (0 us)");
    assertThatThrownBy(() -> new TripSessionizer(MINUTE, -1))
        .hasMessage("Cannot sessionize: the minimum trip length must not be negative (-1 us)");
  }

  private static long micros(Instant instant) {
    return ChronoUnit.MICROS.between(Instant.EPOCH, instant);
  }
}
