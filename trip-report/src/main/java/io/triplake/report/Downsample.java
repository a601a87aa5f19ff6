package io.triplake.report;

/**
 * Fewer points for a chart that looks the same: which indices of a series to keep. Both methods
 * keep the first and the last point and return indices in ascending order.
 */
final class Downsample {
  private Downsample() {}

  /**
   * Largest-Triangle-Three-Buckets (Steinarsson, 2013): of each bucket of the series, the point
   * that spans the largest triangle with the point kept before it and the average of the next
   * bucket, so peaks and dips survive (a top speed is not averaged away). {@code x} ascending.
   */
  static int[] lttb(double[] x, double[] y, int size, int max) {
    if (max < 3 || size <= max) {
      return size <= max ? all(size) : even(size, max);
    }
    int[] kept = new int[max];
    kept[0] = 0;
    double bucket = (double) (size - 2) / (max - 2);
    int previous = 0;
    for (int b = 0; b < max - 2; b++) {
      int start = (int) Math.floor(b * bucket) + 1;
      int end = Math.min((int) Math.floor((b + 1) * bucket) + 1, size - 1);
      int nextStart = end;
      int nextEnd = Math.min((int) Math.floor((b + 2) * bucket) + 1, size);
      double avgX = 0;
      double avgY = 0;
      for (int i = nextStart; i < nextEnd; i++) {
        avgX += x[i];
        avgY += y[i];
      }
      int n = Math.max(1, nextEnd - nextStart);
      avgX /= n;
      avgY /= n;
      double best = -1;
      int chosen = start;
      for (int i = start; i < end; i++) {
        double area =
            Math.abs(
                (x[previous] - avgX) * (y[i] - y[previous])
                    - (x[previous] - x[i]) * (avgY - y[previous]));
        if (area > best) {
          best = area;
          chosen = i;
        }
      }
      kept[b + 1] = chosen;
      previous = chosen;
    }
    kept[max - 1] = size - 1;
    return kept;
  }

  /** At most {@code max} indices (at least 2) spread evenly over {@code [0, size)}. */
  static int[] even(int size, int max) {
    if (size <= max) {
      return all(size);
    }
    int n = Math.max(2, max);
    int[] kept = new int[n];
    for (int k = 0; k < n; k++) {
      kept[k] = (int) Math.round((double) k * (size - 1) / (n - 1));
    }
    return kept;
  }

  private static int[] all(int size) {
    int[] kept = new int[size];
    for (int i = 0; i < size; i++) {
      kept[i] = i;
    }
    return kept;
  }
}
