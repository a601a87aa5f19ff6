package io.triplake.trips;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The trips table's per-trip accumulators on their own: rows in, figures out, no Spark. */
class TestTripTrack {
  private static final long SECOND = 1_000_000L;

  @Test
  void oneDegreeOfLatitudeIsThePiOver180thOfTheRadius() {
    assertThat(TripTrack.haversineKm(10, 20, 11, 20))
        .isCloseTo(TripTrack.EARTH_RADIUS_KM * Math.PI / 180, within(1e-9));
    assertThat(TripTrack.haversineKm(0, 179.5, 0, -179.5))
        .as("across the antimeridian")
        .isCloseTo(TripTrack.EARTH_RADIUS_KM * Math.PI / 180, within(1e-9));
    assertThat(TripTrack.haversineKm(48.1, 11.5, 48.1, 11.5)).isZero();
    assertThat(TripTrack.haversineKm(0, 0, 0, 180))
        .as("antipodes: half the circumference, never NaN")
        .isCloseTo(TripTrack.EARTH_RADIUS_KM * Math.PI, within(1e-9));
  }

  @Test
  void dropOutsAreNoFixes() {
    TripTrack.Fixes fixes = new TripTrack.Fixes();
    fixes.add(0, 0, 0);
    fixes.add(1, Double.NaN, 11.5);
    fixes.add(2, 48.1, Double.NaN);
    fixes.add(3, 90.5, 11.5);
    fixes.add(4, 48.1, -180.5);
    fixes.flush();
    assertThat(fixes.count).isZero();
    // On the equator or the prime meridian, one zero is a place.
    fixes.add(5, 0, 11.5);
    fixes.add(6, 48.1, 0);
    fixes.add(7, -90, 180);
    fixes.flush();
    assertThat(fixes.count).isEqualTo(3);
  }

  @Test
  void fixesOfOneInstantAreTakenInOrderOfLatitudeThenLongitude() {
    TripTrack.Fixes forward = new TripTrack.Fixes();
    TripTrack.Fixes backward = new TripTrack.Fixes();
    double[][] atOneInstant = {{48.2, 11.6}, {48.1, 11.7}, {48.1, 11.5}};
    forward.add(0, 48.0, 11.0);
    backward.add(0, 48.0, 11.0);
    for (int i = 0; i < atOneInstant.length; i++) {
      forward.add(SECOND, atOneInstant[i][0], atOneInstant[i][1]);
      double[] p = atOneInstant[atOneInstant.length - 1 - i];
      backward.add(SECOND, p[0], p[1]);
    }
    forward.add(2 * SECOND, 48.3, 11.6);
    backward.add(2 * SECOND, 48.3, 11.6);
    forward.flush();
    backward.flush();
    double expected =
        TripTrack.haversineKm(48.0, 11.0, 48.1, 11.5)
            + TripTrack.haversineKm(48.1, 11.5, 48.1, 11.7)
            + TripTrack.haversineKm(48.1, 11.7, 48.2, 11.6)
            + TripTrack.haversineKm(48.2, 11.6, 48.3, 11.6);
    for (TripTrack.Fixes f : new TripTrack.Fixes[] {forward, backward}) {
      assertThat(f.count).isEqualTo(5);
      assertThat(f.km).isEqualTo(expected);
      assertThat(new double[] {f.firstLat, f.firstLon, f.lastLat, f.lastLon})
          .containsExactly(48.0, 11.0, 48.3, 11.6);
    }
  }

  @Test
  void aFixAtTheEndOfAnInstantStartsNoStep() {
    TripTrack.Fixes one = new TripTrack.Fixes();
    one.add(3, 48.1, 11.5);
    one.flush();
    assertThat(one.count).isEqualTo(1);
    assertThat(one.km).isZero();
    assertThat(new double[] {one.firstLat, one.firstLon, one.lastLat, one.lastLon})
        .containsExactly(48.1, 11.5, 48.1, 11.5);
  }

  @Test
  void aStepIsIdleWhenItsFirstSampleIsAtMostTheIdleSpeed() {
    TripTrack.Speeds speeds = new TripTrack.Speeds(0.5);
    speeds.add(0, 0.5); // idle until the next sample, 2 s
    speeds.add(2 * SECOND, 3.0); // moving for 4 s
    speeds.add(5 * SECOND, Double.NaN); // a missing value is no sample
    speeds.add(6 * SECOND, 0.2); // idle for 1 s
    speeds.add(7 * SECOND, 12.0); // the last sample starts no step
    assertThat(speeds.count).isEqualTo(4);
    assertThat(speeds.idleMicros).isEqualTo(3 * SECOND);
    assertThat(speeds.movingMicros).isEqualTo(4 * SECOND);
    assertThat(speeds.max).isEqualTo(12.0);
  }

  @Test
  void theFastestSampleOfAnInstantStartsTheStepToTheNext() {
    // Samples (t, speed) in (t, speed) order: (0, 0.1), (0, 2.0), (1 s, 0.0): the step from (0,
    // 0.1) to (0, 2.0) is 0 s long; the step from (0, 2.0) to 1 s is moving.
    for (double[] order : new double[][] {{0.1, 2.0}, {2.0, 0.1}}) {
      TripTrack.Speeds speeds = new TripTrack.Speeds(0.5);
      speeds.add(0, order[0]);
      speeds.add(0, order[1]);
      speeds.add(SECOND, 0.0);
      assertThat(speeds.movingMicros).isEqualTo(SECOND);
      assertThat(speeds.idleMicros).isZero();
    }
  }
}
