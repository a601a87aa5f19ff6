package io.triplake.trips;

import io.triplake.lake.PrefetchedInputFile;
import io.triplake.lake.RawSchema;
import io.triplake.trips.RawColumns.Column;
import io.triplake.trips.RawColumns.RawFile;
import io.triplake.trips.TripConfig.Aggregate;
import java.io.Serializable;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.apache.iceberg.Table;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.InputFile;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * From raw files to tripsummary rows, one task per device and recompute window: the task reads the
 * window's identifier rows and cuts them into trips, then streams each configured message's rows in time
 * order past those trips, computing every aggregation of every signal in one pass. Raw rows are never
 * shuffled, sorted by Spark or joined; only summary rows leave a task.
 */
final class TripSummaries {
  /** Output of the pass: one row per trip, message, signal and aggregation, plus one marker row per trip. */
  static final StructType PASS_SCHEMA = new StructType()
      .add("cluster", DataTypes.StringType, false)
      .add("deviceid", DataTypes.StringType, false)
      .add("tripstart_us", DataTypes.LongType, false)
      .add("tripend_us", DataTypes.LongType, false)
      .add("message", DataTypes.StringType, true) // NULL: the trip's marker row
      .add("signal", DataTypes.StringType, true)
      .add("aggregation", DataTypes.StringType, true)
      .add("signalvalue", DataTypes.DoubleType, true)
      .add("n", DataTypes.LongType, false)
      .add("duration", DataTypes.DoubleType, false);

  private TripSummaries() {}

  /** What one run computes: per cluster, its identifier and the messages it aggregates. */
  record Plan(List<ClusterPlan> clusters) implements Serializable {}

  /** One cluster: the identifier message and its time column, and the specs of its messages. */
  record ClusterPlan(String name, String identifierMessage, Column identifierTime, List<Spec> specs) implements Serializable {}

  /** One message of one cluster: its time column, and per signal its column and aggregations. */
  record Spec(String cluster, String message, Column time, List<Signal> signals) implements Serializable {}

  record Signal(String name, Column column, Aggregate[] aggregates) implements Serializable {}

  /** Groups each cluster's configured signals by message, merging repeated entries of a signal. */
  static Plan plan(List<TripConfig.Cluster> clusters, Function<String, Table> tableOf) {
    List<ClusterPlan> plans = new ArrayList<>();
    for (TripConfig.Cluster cluster : clusters) {
      Map<String, Map<String, java.util.EnumSet<Aggregate>>> byMessage = new LinkedHashMap<>();
      for (TripConfig.SignalAggregates s : cluster.signals()) {
        byMessage.computeIfAbsent(s.message(), k -> new LinkedHashMap<>())
            .computeIfAbsent(s.signal(), k -> java.util.EnumSet.noneOf(Aggregate.class)).addAll(s.aggregates());
      }
      List<Spec> specs = new ArrayList<>();
      byMessage.forEach((message, signals) -> {
        Table table = tableOf.apply(message);
        if (table == null) {
          return; // a message without a raw table has no rows: its trips get no output rows
        }
        List<Signal> list = new ArrayList<>();
        signals.forEach((name, aggregates) -> list.add(
            new Signal(name, Column.of(table, name.toLowerCase(Locale.ROOT)), aggregates.toArray(Aggregate[]::new))));
        specs.add(new Spec(cluster.name(), message, Column.of(table, RawSchema.TIME), List.copyOf(list)));
      });
      Table identifier = tableOf.apply(cluster.identifierMessage());
      plans.add(new ClusterPlan(cluster.name(), cluster.identifierMessage(),
          identifier == null ? null : Column.of(identifier, RawSchema.TIME), List.copyOf(specs)));
    }
    return new Plan(List.copyOf(plans));
  }

  /**
   * One task's work: a device's recompute window of one cluster, with the raw files that touch it.
   *
   * @param identifierFiles the identifier message's files
   * @param specFiles the files of each of the cluster's specs, in the order of {@link ClusterPlan#specs}
   */
  record Unit(int cluster, String device, long lo, long hi, List<RawFile> identifierFiles, List<List<RawFile>> specFiles)
      implements Serializable {
    long bytes() {
      long bytes = identifierFiles.stream().mapToLong(RawFile::length).sum();
      for (List<RawFile> files : specFiles) {
        bytes += files.stream().mapToLong(RawFile::length).sum();
      }
      return bytes;
    }
  }

  /**
   * Spreads units over {@code slices} lists of about equal bytes (largest first, each to the lightest
   * list), so one large device does not leave the other cores idle at the end.
   */
  static List<List<Unit>> balance(List<Unit> units, int slices) {
    int n = Math.max(1, Math.min(slices, units.size()));
    List<List<Unit>> bins = new ArrayList<>();
    long[] weights = new long[n];
    for (int i = 0; i < n; i++) {
      bins.add(new ArrayList<>());
    }
    List<Unit> sorted = new ArrayList<>(units);
    sorted.sort(Comparator.comparingLong(Unit::bytes).reversed());
    for (Unit unit : sorted) {
      int lightest = 0;
      for (int i = 1; i < n; i++) {
        if (weights[i] < weights[lightest]) {
          lightest = i;
        }
      }
      bins.get(lightest).add(unit);
      weights[lightest] += Math.max(1, unit.bytes());
    }
    return bins;
  }

  /**
   * The pass over one list of units, on an executor.
   *
   * @param startRange when set, only trips starting in [from, to] microseconds
   * @param io the FileIO of each message's raw table
   * @param tables the raw table of each message, for errors
   */
  record Pass(Plan plan, TripSessionizer sessionizer, long[] startRange, Map<String, FileIO> io, Map<String, String> tables)
      implements FlatMapFunction<List<Unit>, Row> {
    @Override
    public Iterator<Row> call(List<Unit> units) {
      // One unit's rows at a time: a task holds the summary rows of one window, not of all of its units.
      return units.stream().flatMap(unit -> summarise(unit).stream()).iterator();
    }

    List<Row> summarise(Unit unit) {
      ClusterPlan cluster = plan.clusters().get(unit.cluster());
      TripSessionizer.Cut cut = sessionizer.cut();
      // The identifier files are read once to cut the trips and again when their message is aggregated: kept
      // in memory between the two (up to a bound), so each is fetched once.
      boolean aggregated = cluster.specs().stream().anyMatch(s -> s.message().equals(cluster.identifierMessage()));
      Inputs inputs = new Inputs(aggregated ? KEPT_BYTES_MAX : 0);
      inTimeOrder(cluster.identifierMessage(), unit.identifierFiles(), cluster.identifierTime(), List.of(), unit, inputs,
          (rows, i) -> cut.add(rows.ts[i]));
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
      List<Row> out = new ArrayList<>();
      for (int t = 0; t < starts.length; t++) {
        out.add(RowFactory.create(cluster.name(), unit.device(), starts[t], ends[t], null, null, null, null, 0L, 0.0));
      }
      if (starts.length == 0) {
        return out;
      }
      for (int s = 0; s < cluster.specs().size(); s++) {
        Spec spec = cluster.specs().get(s);
        Group[] groups = new Group[starts.length];
        List<Column> columns = spec.signals().stream().map(Signal::column).toList();
        int[] trip = {0};
        // Rows come in time order and trips do not overlap: the trip of a row is at or after the last one's.
        inTimeOrder(spec.message(), unit.specFiles().get(s), spec.time(), columns, unit,
            spec.message().equals(cluster.identifierMessage()) ? inputs : new Inputs(0), (rows, i) -> {
          long ts = rows.ts[i];
          while (trip[0] < starts.length && ends[trip[0]] < ts) {
            trip[0]++;
          }
          if (trip[0] == starts.length || ts < starts[trip[0]]) {
            return;
          }
          Group group = groups[trip[0]];
          if (group == null) {
            group = groups[trip[0]] = new Group(spec);
          }
          group.advance(ts);
          for (int k = 0; k < group.signals.length; k++) {
            double v = rows.values[k][i];
            if (!Double.isNaN(v)) {
              group.signals[k].pend(v);
            }
          }
        });
        for (int t = 0; t < groups.length; t++) {
          if (groups[t] != null) {
            groups[t].emit(unit.device(), starts[t], ends[t], out);
          }
        }
      }
      return out;
    }

    /**
     * Visits the rows of {@code files} inside the unit's window in non-decreasing time order. Files are
     * read one at a time in order of their lower bound; files whose time ranges overlap (a late or re-split
     * upload) are read together and their rows sorted, as is a file whose own rows are out of order. Memory
     * is one file's rows, or one group of overlapping files'.
     */
    private void inTimeOrder(String message, List<RawFile> files, Column time, List<Column> signals, Unit unit, Inputs inputs,
        RowVisitor visitor) {
      List<RawFile> ordered = new ArrayList<>(files);
      ordered.sort(Comparator.comparingLong(RawFile::lo).thenComparingLong(RawFile::hi));
      FileIO fileIO = io.get(message);
      String table = tables.get(message);
      int i = 0;
      while (i < ordered.size()) {
        int j = i + 1;
        long hi = ordered.get(i).hi();
        // Files that only touch (one ends at the instant the next begins) need no merge: values of one
        // instant are put in order by the pass, whichever file they come from.
        while (j < ordered.size() && ordered.get(j).lo() < hi) {
          hi = Math.max(hi, ordered.get(j).hi());
          j++;
        }
        long records = 0;
        for (int f = i; f < j; f++) {
          records += ordered.get(f).records();
        }
        RawColumns.Rows rows = new RawColumns.Rows(signals.size(), (int) Math.min(Math.max(records, 16), 1 << 20));
        for (int f = i; f < j; f++) {
          RawFileReader.configured().read(inputs.open(fileIO, ordered.get(f)), table, ordered.get(f), time, signals, unit.lo(), unit.hi(), rows);
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
  }

  /** A raw file at most this large is fetched whole, in one request; a larger one's footer and chunks as needed. */
  static final int WHOLE_FILE_MAX = 16 << 20;
  /** The most bytes of identifier files one unit keeps between its two reads of them. */
  static final long KEPT_BYTES_MAX = 64L << 20;

  /** Opens a unit's raw files, keeping the ones read twice (up to {@code keepMax} bytes) for the second read. */
  private static final class Inputs {
    private final long keepMax;
    private final Map<String, PrefetchedInputFile> kept = new HashMap<>();
    private long keptBytes;

    Inputs(long keepMax) {
      this.keepMax = keepMax;
    }

    InputFile open(FileIO io, RawFile file) {
      PrefetchedInputFile input = kept.get(file.location());
      if (input != null) {
        return input;
      }
      input = PrefetchedInputFile.whole(io.newInputFile(file.location(), file.length()), WHOLE_FILE_MAX);
      if (keptBytes + file.length() <= keepMax) {
        kept.put(file.location(), input);
        keptBytes += file.length();
      }
      return input;
    }
  }

  private interface RowVisitor {
    void visit(RawColumns.Rows rows, int index);
  }

  /** The indexes of {@code keys[0..n)} in ascending key order (a merge sort of indexes: stable, no boxing). */
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

  /**
   * The tripsummary columns from the pass's rows (marker rows dropped).
   *
   * @param passed rows of {@link #PASS_SCHEMA}
   */
  static Dataset<Row> summaryRows(Dataset<Row> passed, LocalDateTime updatedAt) {
    String start = "CAST(timestamp_micros(tripstart_us) AS TIMESTAMP_NTZ)";
    return passed.where("message IS NOT NULL").selectExpr(
        "deviceid",
        "message",
        "signal",
        "aggregation",
        "signalvalue",
        "n AS signalcount",
        "duration",
        start + " AS tripstart",
        "CAST(timestamp_micros(tripend_us) AS TIMESTAMP_NTZ) AS tripend",
        "concat(deviceid, '_', date_format(" + start + ", \"yyyyMMdd'T'HHmmss.SSSSSS\")) AS tripid",
        "cluster",
        "to_date(" + start + ") AS tripdate",
        "CAST(TIMESTAMP_NTZ '" + updatedAt + "' AS TIMESTAMP_NTZ) AS updatedat");
  }

  private static final class Group {
    final Spec spec;
    final SignalState[] signals;
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;

    Group(Spec spec) {
      this.spec = spec;
      this.signals = new SignalState[spec.signals().size()];
      for (int i = 0; i < signals.length; i++) {
        signals[i] = new SignalState(java.util.EnumSet.copyOf(Arrays.asList(spec.signals().get(i).aggregates())));
      }
    }

    /** Rows arrive in time order; values of one instant wait until the next instant to be put in order. */
    void advance(long ts) {
      if (ts != last) {
        for (SignalState s : signals) {
          s.flush();
        }
      }
      first = Math.min(first, ts);
      last = Math.max(last, ts);
    }

    void emit(String device, long tripStart, long tripEnd, List<Row> out) {
      double duration = (double) (last - first) / 1_000_000;
      for (int i = 0; i < signals.length; i++) {
        SignalState s = signals[i];
        s.flush();
        Signal signal = spec.signals().get(i);
        for (Aggregate a : signal.aggregates()) {
          out.add(RowFactory.create(spec.cluster(), device, tripStart, tripEnd, spec.message(), signal.name(), a.label(),
              s.value(a), s.n, duration));
        }
      }
    }
  }

  /**
   * One signal of one group: running aggregates over its non-missing values in (t, value) order. Only
   * what the configured aggregations need is kept up: Welford's update costs a division per value.
   */
  private static final class SignalState {
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

    SignalState(java.util.Set<Aggregate> aggregates) {
      values = aggregates.contains(Aggregate.MEDIAN) ? new double[16] : null;
      steps = aggregates.contains(Aggregate.DELTA_SUM_POS) || aggregates.contains(Aggregate.DELTA_SUM_NEG);
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
        // The sum of the steps is last - first exactly in real arithmetic; rounded once instead of n times.
        case DELTA_SUM -> previous - first;
        case DELTA_SUM_POS -> up;
        case DELTA_SUM_NEG -> down;
        case STDDEV -> n < 2 ? null : Math.sqrt(m2 / (n - 1));
        case COUNT -> throw new AssertionError(a);
      };
    }

    /** Interpolated like Spark's percentile(v, 0.5): the mean of the two middle values for an even count. */
    private double median() {
      double[] sorted = Arrays.copyOf(values, (int) n);
      Arrays.sort(sorted);
      double position = 0.5 * (n - 1);
      int lower = (int) Math.floor(position);
      int higher = (int) Math.ceil(position);
      return lower == higher ? sorted[lower] : (higher - position) * sorted[lower] + (position - lower) * sorted[higher];
    }
  }
}
