package io.triplake.trips;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
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
   * One file's rows on one day, as what a row of the day needs: how many, the first and last, the
   * largest step between them and the steps longer than the limit. The rows themselves ({@code ts},
   * sorted) only when the part was read for the table; a part the trip pass computed has none, and
   * is read again only when it overlaps another file's part in time.
   */
  record Part(long rows, long first, long last, long maxStep, long over, long[] ts) {
    /** The parts of a file's rows (any order; a copy is sorted) on each day they fall on. */
    static NavigableMap<LocalDate, Part> of(
        long[] rows, int from, int to, long gapLimitMicros, boolean keep) {
      long[] ts = Arrays.copyOfRange(rows, from, to);
      boolean sorted = true;
      for (int i = 1; i < ts.length && sorted; i++) {
        sorted = ts[i] >= ts[i - 1];
      }
      if (!sorted) {
        Arrays.sort(ts);
      }
      NavigableMap<LocalDate, Part> parts = new TreeMap<>();
      int i = 0;
      while (i < ts.length) {
        LocalDate day = dayOf(ts[i]);
        long end = startOf(day.plusDays(1));
        int j = i + 1;
        long maxStep = -1;
        long over = 0;
        while (j < ts.length && ts[j] < end) {
          long step = ts[j] - ts[j - 1];
          maxStep = Math.max(maxStep, step);
          if (step > gapLimitMicros) {
            over++;
          }
          j++;
        }
        parts.put(
            day,
            new Part(
                j - i,
                ts[i],
                ts[j - 1],
                maxStep,
                over,
                keep ? Arrays.copyOfRange(ts, i, j) : null));
        i = j;
      }
      return parts;
    }
  }

  /** Thrown when overlapping parts without rows meet: the caller reads these files and retries. */
  static final class NeedsRows extends RuntimeException {
    final transient List<File> files;

    NeedsRows(List<File> files) {
      super(null, null, false, false);
      this.files = files;
    }
  }

  /**
   * The day's row from the parts of the files with rows on it. Parts that do not overlap in time
   * combine exactly: the steps between them are from one's last row to the next one's first;
   * overlapping ones are merged row by row, which needs their rows.
   *
   * @param lastT each file's largest {@code t} (on any day): its lag is counted from it
   * @param gapLimitMicros steps longer than this are counted in {@code gapsOverLimit}
   * @param outOfOrder the locations {@link #outOfOrder} found
   * @throws NeedsRows naming the files whose rows an overlap needs
   */
  static Row of(
      String deviceid,
      String message,
      LocalDate day,
      Map<File, Part> parts,
      Map<File, Long> lastT,
      long gapLimitMicros,
      Set<String> outOfOrder) {
    List<Map.Entry<File, Part>> ordered = new ArrayList<>(parts.entrySet());
    ordered.removeIf(e -> e.getValue().rows() == 0);
    if (ordered.isEmpty()) {
      throw new IllegalArgumentException(
          "Cannot summarise " + deviceid + " " + message + " on " + day + ": no rows");
    }
    ordered.sort(
        Comparator.comparingLong((Map.Entry<File, Part> e) -> e.getValue().first())
            .thenComparingLong(e -> e.getValue().last()));
    // Groups of parts that overlap in time; parts that only touch (one ends where the next
    // begins) are apart: the step between them is 0 either way.
    List<List<Map.Entry<File, Part>>> groups = new ArrayList<>();
    long groupLast = Long.MIN_VALUE;
    for (Map.Entry<File, Part> e : ordered) {
      if (groups.isEmpty() || e.getValue().first() >= groupLast) {
        groups.add(new ArrayList<>());
      }
      groups.get(groups.size() - 1).add(e);
      groupLast = Math.max(groupLast, e.getValue().last());
    }
    List<File> missing = new ArrayList<>();
    for (List<Map.Entry<File, Part>> g : groups) {
      if (g.size() > 1) {
        g.stream().filter(e -> e.getValue().ts() == null).forEach(e -> missing.add(e.getKey()));
      }
    }
    if (!missing.isEmpty()) {
      throw new NeedsRows(missing);
    }
    long rows = 0;
    long maxStep = -1;
    long over = 0;
    long previousLast = 0;
    for (int k = 0; k < groups.size(); k++) {
      Part p = merged(groups.get(k), gapLimitMicros);
      if (k > 0) {
        long step = p.first() - previousLast;
        maxStep = Math.max(maxStep, step);
        if (step > gapLimitMicros) {
          over++;
        }
      }
      rows += p.rows();
      maxStep = Math.max(maxStep, p.maxStep());
      over += p.over();
      previousLast = p.last();
    }
    Long firstRegistered = null;
    Long lastRegistered = null;
    Double maxLagH = null;
    int late = 0;
    for (Map.Entry<File, Part> e : ordered) {
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
    return new Row(
        deviceid,
        message,
        day,
        ordered.size(),
        rows,
        ordered.get(0).getValue().first(),
        previousLast,
        rows < 2 ? null : maxStep / 1e6,
        over,
        firstRegistered,
        lastRegistered,
        maxLagH,
        late);
  }

  /** One group's part: itself when alone, else its parts' rows merged in time order. */
  private static Part merged(List<Map.Entry<File, Part>> group, long gapLimitMicros) {
    if (group.size() == 1) {
      return group.get(0).getValue();
    }
    int n = 0;
    for (Map.Entry<File, Part> e : group) {
      n += e.getValue().ts().length;
    }
    long[] all = new long[n];
    int at = 0;
    for (Map.Entry<File, Part> e : group) {
      long[] ts = e.getValue().ts();
      System.arraycopy(ts, 0, all, at, ts.length);
      at += ts.length;
    }
    return Part.of(all, 0, n, gapLimitMicros, false).values().iterator().next();
  }
}
