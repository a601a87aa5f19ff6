package io.triplake.trips;

import io.triplake.trips.TripConfig.Aggregate;
import java.util.Arrays;
import java.util.Set;

/**
 * One signal of one group: running aggregates over its non-missing values in (t, value) order. Only
 * what the configured aggregations need is kept up: Welford's update costs a division per value.
 */
final class RunningAggregates {
  private final boolean steps;
  private final boolean sums;
  private final boolean extremes;
  private final boolean variance;
  long n;
  double sum;
  double min;
  double max;
  double first;
  double previous;
  double up;
  double down;
  double mean;
  double m2;
  double[] values;
  double[] pending = new double[1];
  int pendingCount;

  RunningAggregates(Set<Aggregate> aggregates) {
    values = aggregates.contains(Aggregate.MEDIAN) ? new double[16] : null;
    steps =
        aggregates.contains(Aggregate.DELTA_SUM_POS)
            || aggregates.contains(Aggregate.DELTA_SUM_NEG);
    sums = aggregates.contains(Aggregate.SUM) || aggregates.contains(Aggregate.AVG);
    extremes = aggregates.contains(Aggregate.MIN) || aggregates.contains(Aggregate.MAX);
    variance = aggregates.contains(Aggregate.STDDEV);
  }

  void pend(double v) {
    if (Double.isNaN(v)) {
      return;
    }
    if (pendingCount == pending.length) {
      pending = Arrays.copyOf(pending, pending.length * 2);
    }
    pending[pendingCount++] = v;
  }

  void flush() {
    if (pendingCount > 1) {
      Arrays.sort(pending, 0, pendingCount);
    }
    for (int i = 0; i < pendingCount; i++) {
      add(pending[i]);
    }
    pendingCount = 0;
  }

  private void add(double v) {
    if (n == 0) {
      first = v;
      min = v;
      max = v;
    } else {
      if (steps) {
        double step = v - previous;
        if (step > 0) {
          up += step;
        } else if (step < 0) {
          down += step;
        }
      }
      if (extremes) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    previous = v;
    if (sums) {
      sum += v;
    }
    n++;
    if (variance) {
      // Welford's update, as Spark's stddev_samp does it.
      double delta = v - mean;
      double deltaN = delta / n;
      mean += deltaN;
      m2 += delta * (delta - deltaN);
    }
    if (values != null) {
      if (n > values.length) {
        values = Arrays.copyOf(values, values.length * 2);
      }
      values[(int) n - 1] = v;
    }
  }

  Double value(Aggregate a) {
    if (a == Aggregate.COUNT) {
      return (double) n;
    }
    if (n == 0) {
      return null;
    }
    return switch (a) {
      case AVG -> sum / n;
      case MEDIAN -> median();
      case MAX -> max;
      case MIN -> min;
      case SUM -> sum;
      case FIRST -> first;
      case LAST -> previous;
      // The sum of the steps is last - first exactly in real arithmetic; rounded once instead of n
      // times.
      case DELTA_SUM -> previous - first;
      case DELTA_SUM_POS -> up;
      case DELTA_SUM_NEG -> down;
      case STDDEV -> n < 2 ? null : Math.sqrt(m2 / (n - 1));
      case COUNT -> throw new AssertionError(a);
    };
  }

  /**
   * Interpolated like Spark's percentile(v, 0.5): the mean of the two middle values for an even
   * count.
   */
  private double median() {
    double[] sorted = Arrays.copyOf(values, (int) n);
    Arrays.sort(sorted);
    double position = 0.5 * (n - 1);
    int lower = (int) Math.floor(position);
    int higher = (int) Math.ceil(position);
    return lower == higher
        ? sorted[lower]
        : (higher - position) * sorted[lower] + (position - lower) * sorted[higher];
  }
}
