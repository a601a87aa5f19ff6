package io.triplake.trips;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What one logger sent of one message on one UTC day, and when it arrived: a row of {@code
 * trips.devicedays}, from the day's rows and the registered files' metadata. Pure: no I/O.
 */
final class DeviceDay {
  static final long DAY_MICROS = 86_400_000_000L;
  private static final double HOUR_MICROS = 3_600_000_000.0;

  private DeviceDay() {}

  /**
   * A registered raw file as its table's metadata has it.
   *
   * @param sequence the data sequence number of the append that added it: files of one append share
   *     it, a later append has a higher one
   * @param registeredMicros the commit time of that append (epoch microseconds), or null when its
   *     snapshot has been expired
   * @param lo the smallest {@code t} in the file (Iceberg's lower bound, exact: from the footer)
   */
  record File(
      String location,
      long sizeBytes,
      long records,
      long sequence,
      Long registeredMicros,
      long lo,
      long hi) {}

  /**
   * A row of trips.devicedays; times in epoch microseconds.
   *
   * @param maxGapS null below two rows
   * @param firstRegistered null when no file's append is known any more
   * @param maxLagH null when no file's append is known any more
   */
  record Row(
      String deviceid,
      String message,
      LocalDate day,
      int files,
      long rows,
      long firstT,
      long lastT,
      Double maxGapS,
      long gapsOverLimit,
      Long firstRegistered,
      Long lastRegistered,
      Double maxLagH,
      int outOfOrderFiles) {}

  static LocalDate dayOf(long micros) {
    return LocalDate.ofEpochDay(Math.floorDiv(micros, DAY_MICROS));
  }

  static long startOf(LocalDate day) {
    return day.toEpochDay() * DAY_MICROS;
  }

  /** The UTC days from {@code lo}'s to {@code hi}'s, both in. */
  static List<LocalDate> days(long lo, long hi) {
    List<LocalDate> days = new ArrayList<>();
    for (LocalDate d = dayOf(lo); !d.isAfter(dayOf(hi)); d = d.plusDays(1)) {
      days.add(d);
    }
    return days;
  }

  /**
   * The files of one device and message that arrived out of order: registered by an append after an
   * earlier append had added a file that starts later. A logger that uploads in order never has
   * one, whatever its delay; a file sent again after newer ones always is one. Files of the same
   * append are not out of order with each other.
   */
  static Set<String> outOfOrder(Collection<File> files) {
    List<File> bySequence = new ArrayList<>(files);
    bySequence.sort(Comparator.comparingLong(File::sequence));
    Set<String> late = new TreeSet<>();
    long latestStartBefore = Long.MIN_VALUE;
    int i = 0;
    while (i < bySequence.size()) {
      int j = i;
      long latestStartHere = Long.MIN_VALUE;
      while (j < bySequence.size()
          && bySequence.get(j).sequence() == bySequence.get(i).sequence()) {
        File f = bySequence.get(j);
        if (latestStartBefore > f.lo()) {
          late.add(f.location());
        }
        latestStartHere = Math.max(latestStartHere, f.lo());
        j++;
      }
      latestStartBefore = Math.max(latestStartBefore, latestStartHere);
      i = j;
    }
    return late;
  }

  /**
   * The day's row from the files with rows on it.
   *
   * @param rowsOnDay each file's {@code t} values on the day (any order); a file without any is
   *     left out
   * @param lastT each file's largest {@code t} (on any day): its lag is counted from it
   * @param gapLimitMicros steps longer than this are counted in {@code gapsOverLimit}
   * @param outOfOrder the locations {@link #outOfOrder} found
   */
  static Row of(
      String deviceid,
      String message,
      LocalDate day,
      Map<File, long[]> rowsOnDay,
      Map<File, Long> lastT,
      long gapLimitMicros,
      Set<String> outOfOrder) {
    int n = 0;
    for (long[] ts : rowsOnDay.values()) {
      n += ts.length;
    }
    if (n == 0) {
      throw new IllegalArgumentException(
          "Cannot summarise " + deviceid + " " + message + " on " + day + ": no rows");
    }
    // All files' rows merged in time order: files of one day may overlap (a file sent twice).
    long[] all = new long[n];
    int at = 0;
    int files = 0;
    Long firstRegistered = null;
    Long lastRegistered = null;
    Double maxLagH = null;
    int late = 0;
    for (Map.Entry<File, long[]> e : rowsOnDay.entrySet()) {
      long[] ts = e.getValue();
      if (ts.length == 0) {
        continue;
      }
      System.arraycopy(ts, 0, all, at, ts.length);
      at += ts.length;
      files++;
      File f = e.getKey();
      if (outOfOrder.contains(f.location())) {
        late++;
      }
      Long registered = f.registeredMicros();
      if (registered != null) {
        firstRegistered =
            firstRegistered == null ? registered : Math.min(firstRegistered, registered);
        lastRegistered = lastRegistered == null ? registered : Math.max(lastRegistered, registered);
        double lag = (registered - lastT.get(f)) / HOUR_MICROS;
        maxLagH = maxLagH == null ? lag : Math.max(maxLagH, lag);
      }
    }
    Arrays.sort(all);
    long maxStep = -1;
    long over = 0;
    for (int i = 1; i < n; i++) {
      long step = all[i] - all[i - 1];
      maxStep = Math.max(maxStep, step);
      if (step > gapLimitMicros) {
        over++;
      }
    }
    return new Row(
        deviceid,
        message,
        day,
        files,
        n,
        all[0],
        all[n - 1],
        n < 2 ? null : maxStep / 1e6,
        over,
        firstRegistered,
        lastRegistered,
        maxLagH,
        late);
  }
}
