package io.triplake.trips;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.triplake.trips.TripConfig.Aggregate;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/**
 * One signal's running aggregates against values worked out by hand. Values are fed as the pass feeds them:
 * {@code pend} each value of an instant, {@code flush} when time moves on.
 */
class TestRunningAggregates {
  private static RunningAggregates all() {
    return new RunningAggregates(EnumSet.allOf(Aggregate.class));
  }

  /** One value per instant. */
  private static RunningAggregates of(double... values) {
    RunningAggregates a = all();
    for (double v : values) {
      a.pend(v);
      a.flush();
    }
    return a;
  }

  @Test
  void everyAggregationOfASeries() {
    RunningAggregates a = of(3, 1, 4, 1, 5);
    assertThat(a.value(Aggregate.COUNT)).isEqualTo(5.0);
    assertThat(a.value(Aggregate.SUM)).isEqualTo(14.0);
    assertThat(a.value(Aggregate.AVG)).isEqualTo(2.8);
    assertThat(a.value(Aggregate.MIN)).isEqualTo(1.0);
    assertThat(a.value(Aggregate.MAX)).isEqualTo(5.0);
    assertThat(a.value(Aggregate.FIRST)).isEqualTo(3.0);
    assertThat(a.value(Aggregate.LAST)).isEqualTo(5.0);
    assertThat(a.value(Aggregate.MEDIAN)).isEqualTo(3.0);
    // Steps: -2, +3, -3, +4.
    assertThat(a.value(Aggregate.DELTA_SUM)).isEqualTo(2.0);
    assertThat(a.value(Aggregate.DELTA_SUM_POS)).isEqualTo(7.0);
    assertThat(a.value(Aggregate.DELTA_SUM_NEG)).isEqualTo(-5.0);
    // Sample variance: mean 2.8, squares of deviations 0.04 + 3.24 + 1.44 + 3.24 + 4.84 = 12.8, / 4 = 3.2.
    assertThat(a.value(Aggregate.STDDEV)).isCloseTo(Math.sqrt(3.2), within(1e-15));
  }

  @Test
  void theMedianOfAnEvenCountIsTheMeanOfTheTwoMiddleValues() {
    assertThat(of(10, 1, 4, 2).value(Aggregate.MEDIAN)).isEqualTo(3.0);
    assertThat(of(7).value(Aggregate.MEDIAN)).isEqualTo(7.0);
  }

  @Test
  void nanIsMissingAndNoValueAtAllGivesNullButACountOfZero() {
    RunningAggregates a = of(Double.NaN, 2, Double.NaN, 4);
    assertThat(a.value(Aggregate.COUNT)).isEqualTo(2.0);
    assertThat(a.value(Aggregate.AVG)).isEqualTo(3.0);
    assertThat(a.value(Aggregate.FIRST)).isEqualTo(2.0);
    RunningAggregates none = of(Double.NaN);
    assertThat(none.value(Aggregate.COUNT)).isZero();
    for (Aggregate agg : EnumSet.complementOf(EnumSet.of(Aggregate.COUNT))) {
      assertThat(none.value(agg)).as(agg.label()).isNull();
    }
  }

  @Test
  void aSingleValueHasNoStandardDeviationAndNoSteps() {
    RunningAggregates a = of(42);
    assertThat(a.value(Aggregate.STDDEV)).isNull();
    assertThat(a.value(Aggregate.DELTA_SUM)).isZero();
    assertThat(a.value(Aggregate.DELTA_SUM_POS)).isZero();
    assertThat(a.value(Aggregate.DELTA_SUM_NEG)).isZero();
    assertThat(a.value(Aggregate.FIRST)).isEqualTo(a.value(Aggregate.LAST)).isEqualTo(42.0);
  }

  @Test
  void valuesOfOneInstantAreTakenInAscendingOrderWhateverTheyArrivedIn() {
    RunningAggregates arrivedHigh = all();
    arrivedHigh.pend(9);
    arrivedHigh.pend(1);
    arrivedHigh.flush();
    arrivedHigh.pend(5);
    arrivedHigh.flush();
    RunningAggregates arrivedLow = all();
    arrivedLow.pend(1);
    arrivedLow.pend(9);
    arrivedLow.flush();
    arrivedLow.pend(5);
    arrivedLow.flush();
    for (Aggregate agg : Aggregate.values()) {
      assertThat(arrivedHigh.value(agg)).as(agg.label()).isEqualTo(arrivedLow.value(agg));
    }
    // In ascending order the series is 1, 9, 5: first 1, last 5, steps +8 and -4.
    assertThat(arrivedHigh.value(Aggregate.FIRST)).isEqualTo(1.0);
    assertThat(arrivedHigh.value(Aggregate.DELTA_SUM_POS)).isEqualTo(8.0);
    assertThat(arrivedHigh.value(Aggregate.DELTA_SUM_NEG)).isEqualTo(-4.0);
  }

  @Test
  void deltaSumIsLastMinusFirstRoundedOnce() {
    RunningAggregates a = of(0.1, 0.2, 0.3);
    assertThat(a.value(Aggregate.DELTA_SUM)).isEqualTo(0.3 - 0.1);
    assertThat(a.value(Aggregate.DELTA_SUM_POS)).isEqualTo((0.2 - 0.1) + (0.3 - 0.2));
  }

  @Test
  void onlyTheConfiguredAggregationsAreKeptUpAndTheyAgreeWithAllOfThem() {
    double[] values = {2.5, -1, 8, 8, 0.125, -3};
    RunningAggregates everything = of(values);
    for (Aggregate agg : Aggregate.values()) {
      RunningAggregates alone = new RunningAggregates(EnumSet.of(agg));
      for (double v : values) {
        alone.pend(v);
        alone.flush();
      }
      assertThat(alone.value(agg)).as(agg.label()).isEqualTo(everything.value(agg));
    }
  }
}
