package io.triplake.trips;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Cuts trip-identifier rows into trips: in time order, a new trip starts where the gap to the
 * previous row is strictly greater than the threshold; a trip ends at its last row; trips shorter
 * than the minimum length are dropped. One pass in O(1) memory per open trip.
 */
public final class TripSessionizer implements Serializable {
  private final long gapMicros;
  private final long minLengthMicros;

  public TripSessionizer(long gapMicros, long minLengthMicros) {
    if (gapMicros <= 0) {
      throw new IllegalArgumentException(
          "Cannot sessionize: the trip gap must be positive (" + gapMicros + " us)");
    }
    if (minLengthMicros < 0) {
      throw new IllegalArgumentException(
          "Cannot sessionize: the minimum trip length must not be negative ("
              + minLengthMicros
              + " us)");
    }
    this.gapMicros = gapMicros;
    this.minLengthMicros = minLengthMicros;
  }

  /** A cut of one device's identifier times, fed in non-decreasing order. */
  public Cut cut() {
    return new Cut();
  }

  /**
   * The trips of times fed in order: {@code starts[i]} to {@code ends[i]}, microseconds, both
   * inclusive; {@code rows[i]} identifier times fed inside, the largest step between two of them
   * {@code maxGaps[i]} (0 for a trip of one row).
   */
  public record Trips(long[] starts, long[] ends, long[] rows, long[] maxGaps) {
    public int size() {
      return starts.length;
    }
  }

  public final class Cut {
    private long[] starts = new long[8];
    private long[] ends = new long[8];
    private long[] rows = new long[8];
    private long[] maxGaps = new long[8];
    private int size;
    private boolean open;
    private long start;
    private long end;
    private long count;
    private long maxGap;

    private Cut() {}

    /**
     * @param t the next identifier time in microseconds, not before the previous one
     */
    public void add(long t) {
      if (open && t < end) {
        throw new IllegalArgumentException("Cannot sessionize: time " + t + " comes after " + end);
      }
      if (open && t - end > gapMicros) {
        close();
      }
      if (!open) {
        start = t;
        end = t;
        open = true;
        count = 0;
        maxGap = 0;
      }
      maxGap = Math.max(maxGap, t - end);
      count++;
      end = t;
    }

    public Trips trips() {
      if (open) {
        close();
      }
      return new Trips(
          Arrays.copyOf(starts, size),
          Arrays.copyOf(ends, size),
          Arrays.copyOf(rows, size),
          Arrays.copyOf(maxGaps, size));
    }

    private void close() {
      open = false;
      if (end - start < minLengthMicros) {
        return;
      }
      if (size == starts.length) {
        starts = Arrays.copyOf(starts, size * 2);
        ends = Arrays.copyOf(ends, size * 2);
        rows = Arrays.copyOf(rows, size * 2);
        maxGaps = Arrays.copyOf(maxGaps, size * 2);
      }
      starts[size] = start;
      ends[size] = end;
      rows[size] = count;
      maxGaps[size] = maxGap;
      size++;
    }
  }
}
