package io.triplake.trips;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.triplake.trips.TripConfig.Aggregate;
import java.util.EnumSet;
import java.util.Set;
import java.util.StringJoiner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The running aggregates of one signal of one trip, against values worked out by hand. NULL values
 * reach the state as NaN ({@link RawColumns} reads them so, see {@code TestRawColumns}), so NaN
 * stands for both kinds of missing value here.
 */
class TestRunningAggregates {
  private static final double NAN = Double.NaN;
  private static final Set<Aggregate> ALL = EnumSet.allOf(Aggregate.class);

  /**
   * A state fed as the pass feeds it: each array holds the values of one instant, pended and then
   * flushed when the next instant begins.
   */
  private static RunningAggregates fed(Set<Aggregate> aggregates, double[]... instants) {
    RunningAggregates state = new RunningAggregates(aggregates);
    for (double[] instant : instants) {
      for (double v : instant) {
        state.pend(v);
      }
      state.flush();
    }
    return state;
  }

  private static double[] at(double... values) {
    return values;
  }

  /**
   * Every aggregation but stddev, which is irrational in general and checked with a tolerance
   * instead.
   */
  private static String exact(RunningAggregates state) {
    StringJoiner joiner = new StringJoiner(" ");
    for (Aggregate a : Aggregate.values()) {
      if (a != Aggregate.STDDEV) {
        joiner.add(a.label() + "=" + state.value(a));
      }
    }
    return joiner.toString();
  }

  /**
   * Non-missing values 4, 2, 9, 4, 5, 7, 4, 5: sorted 2 4 4 4 5 5 7 9, mean 5, squared deviations
   * 32.
   */
  private static RunningAggregates series(Set<Aggregate> aggregates) {
    return fed(aggregates, at(4), at(NAN), at(2), at(9), at(NAN, 4), at(5), at(7), at(4), at(5));
  }

  @Test
  void everyAggregationOfAKnownSeriesSkipsMissingValues() {
    RunningAggregates state = series(ALL);
    // Steps -2 +7 -5 +1 +2 -3 +1: up 11, down -10, and last - first = 1.
    assertThat(exact(state))
        .isEqualTo(
            "avg=5.0 median=4.5 max=9.0 min=2.0 sum=40.0 first=4.0 last=5.0 "
                + "delta_sum=1.0 delta_sum_pos=11.0 delta_sum_neg=-10.0 count=8.0");
    assertThat(state.value(Aggregate.STDDEV)).isCloseTo(Math.sqrt(32.0 / 7), within(1e-12));
  }

  /**
   * The state keeps up only what its aggregations need; each alone must still see everything it
   * uses.
   */
  @ParameterizedTest
  @EnumSource(Aggregate.class)
  void eachAggregationAloneAgreesWithAllOfThem(Aggregate aggregate) {
    assertThat(series(EnumSet.of(aggregate)).value(aggregate))
        .isEqualTo(series(ALL).value(aggregate));
  }

  @Test
  void valuesOfOneInstantAreTakenInAscendingOrderWhateverOrderTheyCameIn() {
    // 1 3 | 2 | 1 3 5: steps +2 -1 -1 +2 +2. Unsorted, first would be 3 and last 3.
    RunningAggregates state = fed(ALL, at(3, 1), at(2), at(5, 1, 3));
    assertThat(exact(state))
        .isEqualTo(
            "avg=2.5 median=2.5 max=5.0 min=1.0 sum=15.0 first=1.0 last=5.0 "
                + "delta_sum=4.0 delta_sum_pos=6.0 delta_sum_neg=-2.0 count=6.0");
    // Files split or uploaded late deliver an instant's values in another order: nothing may
    // change.
    assertThat(exact(fed(ALL, at(1, 3), at(2), at(3, 5, 1)))).isEqualTo(exact(state));
  }

  @Test
  void aSingleValueHasNoStandardDeviation() {
    RunningAggregates state = fed(ALL, at(NAN), at(7.5), at(NAN));
    assertThat(exact(state))
        .isEqualTo(
            "avg=7.5 median=7.5 max=7.5 min=7.5 sum=7.5 first=7.5 last=7.5 "
                + "delta_sum=0.0 delta_sum_pos=0.0 delta_sum_neg=0.0 count=1.0");
    // Spark's stddev_samp of one value is NULL too (not 0): the sample variance divides by n - 1.
    assertThat(state.value(Aggregate.STDDEV)).isNull();
  }

  @Test
  void onlyMissingValuesCountZeroAndHaveNoOtherAggregate() {
    RunningAggregates state = fed(ALL, at(NAN), at(NAN, NAN));
    assertThat(exact(state))
        .isEqualTo(
            "avg=null median=null max=null min=null sum=null first=null last=null "
                + "delta_sum=null delta_sum_pos=null delta_sum_neg=null count=0.0");
    assertThat(state.value(Aggregate.STDDEV)).isNull();
  }

  @Test
  void theMedianOfAnOddCountIsTheMiddleValueAndOfAnEvenCountTheMeanOfTheTwo() {
    assertThat(median(3, 1, 2)).isEqualTo(2.0);
    assertThat(median(10, 1, 3, 2)).isEqualTo(2.5);
    assertThat(median(1, 4)).isEqualTo(2.5);
    // More values than the state's first array holds.
    double[] descending = new double[33];
    for (int i = 0; i < descending.length; i++) {
      descending[i] = 33 - i;
    }
    assertThat(median(descending)).isEqualTo(17.0);
  }

  /** The median of values at successive instants. */
  private static double median(double... values) {
    RunningAggregates state = new RunningAggregates(EnumSet.of(Aggregate.MEDIAN));
    for (double v : values) {
      state.pend(v);
      state.flush();
    }
    return state.value(Aggregate.MEDIAN);
  }

  @Test
  void anOdometerResetIsANegativeStepAndDeltaSumIsTheSumOfAllSteps() {
    RunningAggregates state = fed(ALL, at(100), at(110), at(110), at(5), at(15));
    assertThat(state.value(Aggregate.DELTA_SUM_POS)).isEqualTo(20.0);
    assertThat(state.value(Aggregate.DELTA_SUM_NEG)).isEqualTo(-105.0);
    assertThat(state.value(Aggregate.DELTA_SUM)).isEqualTo(-85.0);
  }

  @Test
  void theStandardDeviationStaysExactFarFromZero() {
    // 4 7 13 16 around 1e9: squared deviations 36 9 9 36, sample variance 90 / 3. A sum of squares
    // (about 4e18, where doubles are 512 apart) would lose all of it; Welford's update keeps it.
    double base = 1e9;
    RunningAggregates state =
        fed(EnumSet.of(Aggregate.STDDEV), at(base + 4), at(base + 7), at(base + 13), at(base + 16));
    assertThat(state.value(Aggregate.STDDEV)).isCloseTo(Math.sqrt(30), within(1e-6));
  }
}
