package io.triplake.report;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TestDownsample {
  @Test
  void aShortSeriesIsKeptWhole() {
    assertThat(Downsample.lttb(new double[] {0, 1, 2}, new double[] {5, 6, 7}, 3, 10))
        .containsExactly(0, 1, 2);
    assertThat(Downsample.even(3, 10)).containsExactly(0, 1, 2);
    assertThat(Downsample.even(0, 10)).isEmpty();
  }

  @Test
  void evenKeepsTheEndsAndSpreadsTheRest() {
    assertThat(Downsample.even(101, 5)).containsExactly(0, 25, 50, 75, 100);
    assertThat(Downsample.even(1000, 1)).containsExactly(0, 999);
  }

  @Test
  void lttbKeepsAtMostMaxPointsInOrderWithTheEndsAndThePeak() {
    int size = 100_000;
    double[] x = new double[size];
    double[] y = new double[size];
    for (int i = 0; i < size; i++) {
      x[i] = i * 0.2;
      y[i] = 50 + 10 * Math.sin(i / 500.0);
    }
    y[61_234] = 180; // one sample at top speed
    int[] kept = Downsample.lttb(x, y, size, 2000);
    assertThat(kept).hasSize(2000).startsWith(0).endsWith(size - 1).isSorted();
    assertThat(kept).contains(61_234);
  }

  @Test
  void lttbOfFewerValidPointsThanTheArraysHoldUsesOnlyThose() {
    double[] x = new double[10];
    double[] y = new double[10];
    for (int i = 0; i < 10; i++) {
      x[i] = i;
      y[i] = i < 4 ? 0 : 1000; // beyond the 4 valid points: left over from dropped NaNs
    }
    y[2] = 5;
    assertThat(Downsample.lttb(x, y, 4, 3)).containsExactly(0, 2, 3);
  }
}
