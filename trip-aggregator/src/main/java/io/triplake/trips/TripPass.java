package io.triplake.trips;

import io.triplake.lake.PrefetchedInputFile;
import io.triplake.trips.RawColumns.Column;
import io.triplake.trips.RawColumns.RawFile;
import io.triplake.trips.SummaryPlan.ClusterPlan;
import io.triplake.trips.SummaryPlan.MessagePlan;
import io.triplake.trips.SummaryPlan.SignalPlan;
import io.triplake.trips.TripConfig.Aggregate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.util.Tasks;
import org.apache.iceberg.util.ThreadPools;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * From raw files to summary rows, one unit (a device's recompute window of one cluster) at a time:
 * the window's identifier rows are cut into trips, then each configured message's rows stream in
 * time order past those trips, and one pass computes every aggregation of every signal. Raw rows
 * are never shuffled, sorted by Spark or joined; only summary rows ({@link
 * TripSummaries#PASS_SCHEMA}) leave a unit.
 *
 * <p>Each raw file a unit reads whole (its rows all inside the unit's window) also leaves a row of
 * {@link #FILE_DAY_FIELDS} fields per UTC day it has rows on: what trips.devicedays needs of it
 * ({@link DeviceDay.Part}), so that table comes from the same read of the file.
 *
 * @param startRange when set, only trips starting in [from, to] microseconds
 * @param io the FileIO of each message's raw table
 * @param tables the raw table of each message, for errors
 * @param gapLimitMicros devicedays' gap limit, for the files' parts
 */
record TripPass(
    SummaryPlan plan,
    TripSessionizer sessionizer,
    long[] startRange,
    Map<String, FileIO> io,
    Map<String, String> tables,
    long gapLimitMicros)
    implements FlatMapFunction<List<WorkUnit>, Row> {
  /**
   * A file-day row: raw table, location, epoch day, rows, first, last, largest step, steps over the
   * limit. Fewer fields than a summary row, which tells them apart.
   */
  static final int FILE_DAY_FIELDS = 8;

  /** A file-day row of the pass as the table's part of the file on that day (no rows kept). */
  static DeviceDay.Part part(Row r) {
    return new DeviceDay.Part(
        r.getLong(3), r.getLong(4), r.getLong(5), r.getLong(6), r.getLong(7), null);
  }

  @Override
  public Iterator<Row> call(List<WorkUnit> units) {
    // One unit's rows at a time: a task holds the summary rows of one window, not of all of its
    // units.
    return units.stream().flatMap(unit -> summarise(unit).stream()).iterator();
  }

  /**
   * The units passed on {@code threads} threads of this JVM, with no Spark job around them: the
   * largest first, so that no thread is left with a large one at the end. Rows in the units' order.
   */
  List<Row> inThreads(List<WorkUnit> units, int threads) {
    AtomicReferenceArray<List<Row>> rows = new AtomicReferenceArray<>(units.size());
    Integer[] largestFirst = new Integer[units.size()];
    long[] bytes = new long[units.size()];
    for (int i = 0; i < largestFirst.length; i++) {
      largestFirst[i] = i;
      bytes[i] = units.get(i).bytes();
    }
    Arrays.sort(largestFirst, Comparator.comparingLong((Integer i) -> bytes[i]).reversed());
    ExecutorService pool =
        ThreadPools.newFixedThreadPool("trip-pass", Math.max(1, Math.min(threads, units.size())));
    try {
      Tasks.foreach(largestFirst)
          .executeWith(pool)
          .stopOnFailure()
          .throwFailureWhenFinished()
          .run(i -> rows.set(i, summarise(units.get(i))));
    } finally {
      pool.shutdownNow();
    }
    List<Row> out = new ArrayList<>();
    for (int i = 0; i < rows.length(); i++) {
      out.addAll(rows.get(i));
    }
    return out;
  }

  List<Row> summarise(WorkUnit unit) {
    ClusterPlan cluster = plan.clusters().get(unit.cluster());
    TripSessionizer.Cut cut = sessionizer.cut();
    // The identifier files are read once to cut the trips and again when their message is
    // aggregated: kept in memory between the two (up to a bound), so each is fetched once.
    boolean aggregated =
        cluster.messages().stream().anyMatch(s -> s.message().equals(cluster.identifierMessage()));
    Inputs inputs = new Inputs(aggregated ? KEPT_BYTES_MAX : 0);
    List<Row> out = new ArrayList<>();
    java.util.Set<String> tapped = new java.util.HashSet<>();
    inTimeOrder(
        cluster.identifierMessage(),
        unit.identifierFiles(),
        cluster.identifierTime(),
        List.of(),
        unit,
        inputs,
        (rows, i) -> cut.add(rows.ts[i]),
        tapped,
        out);
    TripSessionizer.Trips trips = cut.trips();
    // Trips come in time order: those starting in the range are one run of them.
    int from = 0;
    int to = trips.size();
    if (startRange != null) {
      while (from < to && trips.starts()[from] < startRange[0]) {
        from++;
      }
      while (to > from && trips.starts()[to - 1] > startRange[1]) {
        to--;
      }
    }
    long[] starts = Arrays.copyOfRange(trips.starts(), from, to);
    long[] ends = Arrays.copyOfRange(trips.ends(), from, to);
    if (starts.length == 0) {
      // No trip, but the files' parts for devicedays: the other messages' files are not read.
      return out;
    }
    SummaryPlan.TripTablePlan tripTable = cluster.tripTable();
    TripTrack.Fixes[] fixes = new TripTrack.Fixes[starts.length];
    TripTrack.Speeds[] speeds = new TripTrack.Speeds[starts.length];
    for (int s = 0; s < cluster.messages().size(); s++) {
      MessagePlan spec = cluster.messages().get(s);
      int latitude = s == tripTable.positionMessage() ? tripTable.latitude() : -1;
      int longitude = s == tripTable.positionMessage() ? tripTable.longitude() : -1;
      int speed = s == tripTable.speedMessage() ? tripTable.speed() : -1;
      TripGroup[] groups = new TripGroup[starts.length];
      List<Column> columns = spec.signals().stream().map(SignalPlan::column).toList();
      int[] trip = {0};
      // Rows come in time order and trips do not overlap: the trip of a row is at or after the last
      // one's.
      inTimeOrder(
          spec.message(),
          unit.specFiles().get(s),
          spec.time(),
          columns,
          unit,
          spec.message().equals(cluster.identifierMessage()) ? inputs : new Inputs(0),
          (rows, i) -> {
            long ts = rows.ts[i];
            while (trip[0] < starts.length && ends[trip[0]] < ts) {
              trip[0]++;
            }
            if (trip[0] == starts.length || ts < starts[trip[0]]) {
              return;
            }
            TripGroup group = groups[trip[0]];
            if (group == null) {
              group = groups[trip[0]] = new TripGroup(spec);
            }
            group.advance(ts);
            for (int k = 0; k < group.signals.length; k++) {
              double v = rows.values[k][i];
              if (!Double.isNaN(v) && group.signals[k] != null) {
                group.signals[k].pend(v);
              }
            }
            if (latitude >= 0) {
              if (fixes[trip[0]] == null) {
                fixes[trip[0]] = new TripTrack.Fixes();
              }
              fixes[trip[0]].add(ts, rows.values[latitude][i], rows.values[longitude][i]);
            }
            if (speed >= 0) {
              if (speeds[trip[0]] == null) {
                speeds[trip[0]] = new TripTrack.Speeds(tripTable.idleSpeed());
              }
              speeds[trip[0]].add(ts, rows.values[speed][i]);
            }
          },
          tapped,
          out);
      for (int t = 0; t < groups.length; t++) {
        if (groups[t] != null) {
          groups[t].emit(unit.device(), starts[t], ends[t], out);
        }
      }
    }
    // One marker row per trip: the trips table's row.
    for (int t = 0; t < starts.length; t++) {
      TripTrack.Fixes f = fixes[t];
      if (f != null) {
        f.flush();
      }
      boolean placed = f != null && f.count > 0;
      TripTrack.Speeds v = speeds[t];
      boolean driven = v != null && v.count > 0;
      out.add(
          RowFactory.create(
              cluster.name(),
              unit.device(),
              starts[t],
              ends[t],
              null,
              null,
              null,
              null,
              0L,
              0.0,
              placed ? f.firstLat : null,
              placed ? f.firstLon : null,
              placed ? f.lastLat : null,
              placed ? f.lastLon : null,
              placed ? f.km : null,
              f == null ? 0L : f.count,
              driven ? v.max * tripTable.speedToKmh() : null,
              driven ? v.movingMicros / 1e6 : null,
              driven ? v.idleMicros / 1e6 : null,
              trips.rows()[from + t],
              trips.maxGaps()[from + t] / 1e6));
    }
    return out;
  }

  /**
   * Visits the rows of {@code files} inside the unit's window in non-decreasing time order. Files
   * are read one at a time in order of their lower bound; files whose time ranges overlap (a late
   * or re-split upload) are read together and their rows sorted, as is a file whose own rows are
   * out of order. Memory is one file's rows, or one group of overlapping files'.
   */
  private void inTimeOrder(
      String message,
      List<RawFile> files,
      Column time,
      List<Column> signals,
      WorkUnit unit,
      Inputs inputs,
      RowVisitor visitor,
      java.util.Set<String> tapped,
      List<Row> out) {
    List<RawFile> ordered = new ArrayList<>(files);
    ordered.sort(Comparator.comparingLong(RawFile::lo).thenComparingLong(RawFile::hi));
    FileIO fileIO = io.get(message);
    String table = tables.get(message);
    int i = 0;
    while (i < ordered.size()) {
      int j = i + 1;
      long hi = ordered.get(i).hi();
      // Files that only touch (one ends at the instant the next begins) need no merge: values of
      // one instant are put in order by the pass, whichever file they come from.
      while (j < ordered.size() && ordered.get(j).lo() < hi) {
        hi = Math.max(hi, ordered.get(j).hi());
        j++;
      }
      long records = 0;
      for (int f = i; f < j; f++) {
        records += ordered.get(f).records();
      }
      RawColumns.Rows rows =
          new RawColumns.Rows(signals.size(), (int) Math.min(Math.max(records, 16), 1 << 20));
      // The next files' requests wait while these are decoded.
      for (int f = i; f < Math.min(ordered.size(), j + READ_AHEAD_FILES); f++) {
        inputs.prefetch(fileIO, ordered.get(f));
      }
      for (int f = i; f < j; f++) {
        RawFile file = ordered.get(f);
        int before = rows.size;
        RawFileReader.configured()
            .read(
                inputs.open(fileIO, file), table, file, time, signals, unit.lo(), unit.hi(), rows);
        if (file.lo() >= unit.lo() && file.hi() <= unit.hi() && tapped.add(file.location())) {
          tap(table, file, rows.ts, before, rows.size, out);
        }
      }
      if (rows.sorted()) {
        for (int r = 0; r < rows.size; r++) {
          visitor.visit(rows, r);
        }
      } else {
        for (int r : order(rows.ts, rows.size)) {
          visitor.visit(rows, r);
        }
      }
      i = j;
    }
  }

  /** The file-day rows of a file the window holds whole: its rows are all in [from, to). */
  private void tap(String table, RawFile file, long[] ts, int from, int to, List<Row> out) {
    for (Map.Entry<java.time.LocalDate, DeviceDay.Part> e :
        DeviceDay.Part.of(ts, from, to, gapLimitMicros, false).entrySet()) {
      DeviceDay.Part p = e.getValue();
      out.add(
          RowFactory.create(
              table,
              file.location(),
              e.getKey().toEpochDay(),
              p.rows(),
              p.first(),
              p.last(),
              p.maxStep(),
              p.over()));
    }
  }

  /**
   * A raw file at most this large is fetched whole, in one request; a larger one's footer and
   * chunks as needed.
   */
  static final int WHOLE_FILE_MAX = PrefetchedInputFile.WHOLE_DEFAULT;

  /** The most bytes of identifier files one unit keeps between its two reads of them. */
  static final long KEPT_BYTES_MAX = 64L << 20;

  /**
   * Files a unit fetches ahead of the one it decodes: on S3 each file is a request of tens of
   * milliseconds, about as long as decoding a logger file; fetched one after the other, a task
   * would hold its core idle for half of the time. Memory: this many files of at most {@link
   * #WHOLE_FILE_MAX} per task.
   */
  static final int READ_AHEAD_FILES = 2;

  /**
   * Where fetches ahead wait for their answers: threads that mostly wait, as many as the tasks'
   * fetches in flight (at most {@link #READ_AHEAD_FILES} and the one being read per task).
   */
  private static final java.util.concurrent.ExecutorService FETCHES =
      java.util.concurrent.Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "raw-fetch");
            t.setDaemon(true);
            return t;
          });

  /**
   * Opens a unit's raw files, keeping the ones read twice (up to {@code keepMax} bytes) for the
   * second read, and the ones fetched ahead until they are read.
   */
  private static final class Inputs {
    private final long keepMax;
    private final Map<String, PrefetchedInputFile> kept = new HashMap<>();
    private final Map<String, PrefetchedInputFile> ahead = new HashMap<>();
    private long keptBytes;

    Inputs(long keepMax) {
      this.keepMax = keepMax;
    }

    /** Starts fetching {@code file} unless it is kept or already on its way. */
    void prefetch(FileIO io, RawFile file) {
      if (!kept.containsKey(file.location()) && !ahead.containsKey(file.location())) {
        ahead.put(file.location(), input(io, file).prefetchIn(FETCHES));
      }
    }

    InputFile open(FileIO io, RawFile file) {
      PrefetchedInputFile input = kept.get(file.location());
      if (input != null) {
        return input;
      }
      input = ahead.remove(file.location());
      if (input == null) {
        input = input(io, file);
      }
      if (keptBytes + file.length() <= keepMax) {
        kept.put(file.location(), input);
        keptBytes += file.length();
      }
      return input;
    }

    private static PrefetchedInputFile input(FileIO io, RawFile file) {
      return PrefetchedInputFile.whole(
          io.newInputFile(file.location(), file.length()), WHOLE_FILE_MAX);
    }
  }

  private interface RowVisitor {
    void visit(RawColumns.Rows rows, int index);
  }

  /**
   * The indexes of {@code keys[0..n)} in ascending key order (a merge sort of indexes: stable, no
   * boxing).
   */
  static int[] order(long[] keys, int n) {
    int[] a = new int[n];
    int[] b = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    for (int width = 1; width < n; width *= 2) {
      for (int lo = 0; lo < n; lo += 2 * width) {
        int mid = Math.min(lo + width, n);
        int hi = Math.min(lo + 2 * width, n);
        int x = lo;
        int y = mid;
        int k = lo;
        while (x < mid && y < hi) {
          b[k++] = keys[a[y]] < keys[a[x]] ? a[y++] : a[x++];
        }
        while (x < mid) {
          b[k++] = a[x++];
        }
        while (y < hi) {
          b[k++] = a[y++];
        }
      }
      int[] swap = a;
      a = b;
      b = swap;
    }
    return a;
  }

  private static final class TripGroup {
    final MessagePlan spec;
    final RunningAggregates[] signals;
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;

    TripGroup(MessagePlan spec) {
      this.spec = spec;
      this.signals = new RunningAggregates[spec.signals().size()];
      for (int i = 0; i < signals.length; i++) {
        Aggregate[] aggregates = spec.signals().get(i).aggregates();
        // A signal read for the trips table alone has none: nothing to keep up.
        signals[i] =
            aggregates.length == 0
                ? null
                : new RunningAggregates(java.util.EnumSet.copyOf(Arrays.asList(aggregates)));
      }
    }

    /**
     * Rows arrive in time order; values of one instant wait until the next instant to be put in
     * order.
     */
    void advance(long ts) {
      if (ts != last) {
        for (RunningAggregates s : signals) {
          if (s != null) {
            s.flush();
          }
        }
      }
      first = Math.min(first, ts);
      last = Math.max(last, ts);
    }

    void emit(String device, long tripStart, long tripEnd, List<Row> out) {
      double duration = (double) (last - first) / 1_000_000;
      for (int i = 0; i < signals.length; i++) {
        RunningAggregates s = signals[i];
        if (s == null) {
          continue;
        }
        s.flush();
        SignalPlan signal = spec.signals().get(i);
        for (Aggregate a : signal.aggregates()) {
          out.add(
              RowFactory.create(
                  spec.cluster(),
                  device,
                  tripStart,
                  tripEnd,
                  spec.message(),
                  signal.name(),
                  a.label(),
                  s.value(a),
                  s.n,
                  duration,
                  null,
                  null,
                  null,
                  null,
                  null,
                  null,
                  null,
                  null,
                  null,
                  null,
                  null));
        }
      }
    }
  }
}
