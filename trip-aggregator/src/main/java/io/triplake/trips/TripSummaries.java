package io.triplake.trips;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.hash;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.shiftleft;

import io.triplake.trips.TripConfig.Aggregate;
import java.io.Serializable;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.FlatMapGroupsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * From raw signal rows and trips to tripsummary rows, for every cluster, message and signal in one plan:
 * rows find their trip by an equi-join on (device, time bucket) instead of a range join, are sorted by
 * time per device where they are read, and one ordered pass per device computes every aggregation of
 * every signal of the message.
 */
final class TripSummaries {
  /** Buckets shorter than this would make the lookup large; below it a bucket may hold two trips. */
  private static final long MIN_BUCKET_MICROS = 60_000_000L;
  /** Beyond this many lookup rows the trip lookup is joined by a shuffle rather than broadcast. */
  static final long MAX_BROADCAST_ROWS = 2_000_000;

  static final String SPEC = "spec";
  /** A device's index among the run's devices (the pass's groups and output carry it instead of the name). */
  static final String DEVICE = "dev";

  private TripSummaries() {}

  /**
   * What one run computes: for each (cluster, message) the signals and their aggregations. A signal row
   * carries the index of its (cluster, message) in {@link #specs} and its signals' values as {@code v0..vK}.
   */
  record Plan(List<Spec> specs) implements Serializable {
    int width() {
      return specs.stream().mapToInt(s -> s.signals().size()).max().orElse(0);
    }
  }

  /** One message of one cluster: the raw columns to read and, per signal, its configured name and aggregations. */
  record Spec(String cluster, String message, List<Signal> signals) implements Serializable {}

  record Signal(String name, String column, Aggregate[] aggregates) implements Serializable {}

  /** Groups a cluster's configured signals by message, merging repeated entries of a signal. */
  static Plan plan(List<TripConfig.Cluster> clusters) {
    List<Spec> specs = new ArrayList<>();
    for (TripConfig.Cluster cluster : clusters) {
      Map<String, Map<String, java.util.EnumSet<Aggregate>>> byMessage = new java.util.LinkedHashMap<>();
      for (TripConfig.SignalAggregates s : cluster.signals()) {
        byMessage.computeIfAbsent(s.message(), k -> new java.util.LinkedHashMap<>())
            .computeIfAbsent(s.signal(), k -> java.util.EnumSet.noneOf(Aggregate.class)).addAll(s.aggregates());
      }
      byMessage.forEach((message, signals) -> {
        List<Signal> list = new ArrayList<>();
        signals.forEach((name, aggregates) -> list.add(
            new Signal(name, name.toLowerCase(java.util.Locale.ROOT), aggregates.toArray(Aggregate[]::new))));
        specs.add(new Spec(cluster.name(), message, List.copyOf(list)));
      });
    }
    return new Plan(List.copyOf(specs));
  }

  /**
   * The time bucket size for trip lookups. Trips of one cluster and device are more than the gap apart,
   * so a bucket no longer than the gap overlaps at most one trip: the lookup's key is unique, and the
   * join emits at most one row per raw row without copying it.
   */
  static long bucketMicros(long gapMicros) {
    return Math.max(gapMicros, MIN_BUCKET_MICROS);
  }

  /**
   * Trips by (cluster, device, time bucket): one row per trip and bucket it overlaps.
   *
   * @param longKey whether rows find their trip by {@link #bucketKey} alone, a single long that Spark
   *     looks up far faster than a key of two strings and a long; only when the run's (cluster, device)
   *     hashes differ, or rows of one device would find trips of another
   */
  record TripLookup(Dataset<Row> buckets, long bucketMicros, boolean longKey) {}

  /**
   * The trips' {@link TripLookup}.
   *
   * @param trips (cluster, deviceid, dev, tripstart_us, tripend_us) of non-overlapping trips per cluster and device
   * @param lookupRows how many rows the lookup has ({@link #lookupRows}): above {@link #MAX_BROADCAST_ROWS}
   *     it is joined by a shuffle rather than broadcast
   */
  static TripLookup lookup(Dataset<Row> trips, long bucketMicros, long lookupRows, boolean longKey) {
    Dataset<Row> buckets = trips.select(col("cluster"), col("deviceid"), col(DEVICE), col(TripSessionizer.TRIP_START), col(TripSessionizer.TRIP_END),
        expr("explode(sequence(" + TripSessionizer.TRIP_START + " div " + bucketMicros + ", " + TripSessionizer.TRIP_END
            + " div " + bucketMicros + "))").as("bucket"));
    buckets = buckets.withColumn("key", bucketKey(col("cluster"), col("deviceid"), col("bucket")));
    return new TripLookup(lookupRows <= MAX_BROADCAST_ROWS ? broadcast(buckets) : buckets, bucketMicros, longKey);
  }

  /**
   * The 32-bit hash of (cluster, device) above the bucket's low 32 bits. Two buckets of one device
   * 2^32 buckets (thousands of years) apart share a key; the join's time condition tells them apart.
   */
  static Column bucketKey(Column cluster, Column deviceId, Column bucket) {
    return shiftleft(hash(cluster, deviceId).cast(DataTypes.LongType), 32).bitwiseOR(bucket.bitwiseAND(lit(0xFFFFFFFFL)));
  }

  /** Whether {@link #bucketKey} tells these (cluster, deviceid) rows apart. */
  static boolean keysDistinct(Dataset<Row> clusterDevices) {
    long pairs = clusterDevices.count();
    return clusterDevices.select(hash(col("cluster"), col("deviceid"))).distinct().count() == pairs;
  }

  /** How many rows {@link #lookup} has for these trips. */
  static Column lookupRows(long bucketMicros) {
    return expr("coalesce(sum(" + TripSessionizer.TRIP_END + " div " + bucketMicros + " - " + TripSessionizer.TRIP_START
        + " div " + bucketMicros + " + 1), 0)");
  }

  /**
   * The rows of one (cluster, message) inside a trip, as (spec, dev, tripstart_us, ts, v0..vK, deviceid).
   *
   * @param rows (deviceid, ts, signal columns...) of the message
   * @param lookup {@link #lookup} of every cluster's trips
   */
  static Dataset<Row> inTrips(Dataset<Row> rows, TripLookup lookup, Plan plan, int specIndex) {
    Spec spec = plan.specs().get(specIndex);
    List<Column> out = new ArrayList<>(List.of(lit(specIndex).as(SPEC), col("l." + DEVICE), col("l." + TripSessionizer.TRIP_START),
        col("r." + TripSessionizer.TIME)));
    for (int i = 0; i < plan.width(); i++) {
      out.add(i < spec.signals().size() ? col("r.`" + spec.signals().get(i).column() + "`").as("v" + i)
          : lit(null).cast(DataTypes.DoubleType).as("v" + i));
    }
    // Last, so the pass reads values at fixed positions: the key rows are grouped by.
    out.add(col("r.deviceid"));
    Column ts = col("r." + TripSessionizer.TIME);
    Column bucket = expr("r." + TripSessionizer.TIME + " div " + lookup.bucketMicros());
    Column inTrip = ts.between(col("l." + TripSessionizer.TRIP_START), col("l." + TripSessionizer.TRIP_END));
    Column key = lookup.longKey()
        ? bucketKey(col("r.cluster"), col("r.deviceid"), bucket).equalTo(col("l.key"))
        : col("r.cluster").equalTo(col("l.cluster")).and(col("r.deviceid").equalTo(col("l.deviceid"))).and(bucket.equalTo(col("l.bucket")));
    return rows.withColumn("cluster", lit(spec.cluster())).as("r")
        .join(lookup.buckets().as("l"), key.and(inTrip))
        .select(out.toArray(Column[]::new));
  }

  /**
   * One row per trip, message, signal and configured aggregation.
   *
   * <p>A value is missing when NULL or NaN; aggregations use the non-missing values in (t, value) order.
   * Every trip's rows reach one call of the pass, sorted by time (values at the same instant are put in
   * order by the pass), so every sum adds the same numbers in the same order whichever window the trip
   * was computed in: an incremental run and a full recompute agree to the last bit.
   *
   * @param rowsBySpec {@link #inTrips} of each of the plan's specs
   * @param trips the trips of {@link #lookup}
   */
  static Dataset<Row> summarise(List<Dataset<Row>> rowsBySpec, Dataset<Row> trips, Plan plan, LocalDateTime updatedAt) {
    StructType out = new StructType()
        .add("cluster", DataTypes.StringType, false)
        .add(DEVICE, DataTypes.IntegerType, false)
        .add(TripSessionizer.TRIP_START, DataTypes.LongType, false)
        .add("message", DataTypes.StringType, false)
        .add("signal", DataTypes.StringType, false)
        .add("aggregation", DataTypes.StringType, false)
        .add("signalvalue", DataTypes.DoubleType, true)
        .add("n", DataTypes.LongType, false)
        .add("duration", DataTypes.DoubleType, false);
    Dataset<Row> passed = null;
    for (Dataset<Row> specRows : rowsBySpec) {
      // Grouped by the raw tables' partition column: Iceberg reports its files grouped by device
      // (spark.sql.iceberg.planning.preserve-data-grouping), so Spark sorts each device's rows where they
      // are read, with no shuffle. Without that grouping Spark shuffles by device first: same result.
      Dataset<Row> summaries = specRows.groupBy(col("deviceid")).as(Encoders.STRING(), Encoders.row(specRows.schema()))
          .flatMapSortedGroups(new Column[] {col(TripSessionizer.TIME)}, new OrderedPass(plan), Encoders.row(out));
      passed = passed == null ? summaries : passed.union(summaries);
    }
    Dataset<Row> grouped = passed
        // Names and ends back from the trips: a few hundred output rows, not every raw row, carry them.
        .join(broadcast(trips.select("cluster", DEVICE, "deviceid", TripSessionizer.TRIP_START, TripSessionizer.TRIP_END)),
            new String[] {"cluster", DEVICE, TripSessionizer.TRIP_START});
    String start = "CAST(timestamp_micros(" + TripSessionizer.TRIP_START + ") AS TIMESTAMP_NTZ)";
    return grouped.selectExpr(
        "deviceid",
        "message",
        "signal",
        "aggregation",
        "signalvalue",
        "n AS signalcount",
        "duration",
        start + " AS tripstart",
        "CAST(timestamp_micros(" + TripSessionizer.TRIP_END + ") AS TIMESTAMP_NTZ) AS tripend",
        "concat(deviceid, '_', date_format(" + start + ", \"yyyyMMdd'T'HHmmss.SSSSSS\")) AS tripid",
        "cluster",
        "to_date(" + start + ") AS tripdate",
        "CAST(TIMESTAMP_NTZ '" + updatedAt + "' AS TIMESTAMP_NTZ) AS updatedat");
  }

  /**
   * The aggregations of every (spec, device, trip) group among one device's rows of one spec, sorted by
   * time. Each group keeps O(1) state per signal, plus its values for a median.
   */
  static final class OrderedPass implements FlatMapGroupsFunction<String, Row, Row> {
    private final Plan plan;

    OrderedPass(Plan plan) {
      this.plan = plan;
    }

    @Override
    public Iterator<Row> call(String deviceId, Iterator<Row> rows) {
      Map<GroupKey, Group> groups = new HashMap<>();
      GroupKey key = null;
      Group group = null;
      while (rows.hasNext()) {
        Row row = rows.next();
        int spec = row.getInt(0);
        int device = row.getInt(1);
        long tripStart = row.getLong(2);
        // Consecutive rows mostly belong to the same group: look it up only when it changes.
        if (key == null || key.spec() != spec || key.device() != device || key.tripStart() != tripStart) {
          key = new GroupKey(spec, device, tripStart);
          group = groups.get(key);
          if (group == null) {
            group = new Group(plan.specs().get(spec));
            groups.put(key, group);
          }
        }
        long ts = row.getLong(3);
        group.advance(ts);
        for (int i = 0; i < group.signals.length; i++) {
          if (!row.isNullAt(4 + i)) {
            group.signals[i].pend(row.getDouble(4 + i));
          }
        }
      }
      List<Row> out = new ArrayList<>();
      for (Map.Entry<GroupKey, Group> e : groups.entrySet()) {
        e.getValue().emit(e.getKey(), out);
      }
      return out.iterator();
    }
  }

  private record GroupKey(int spec, int device, long tripStart) {}

  private static final class Group {
    final Spec spec;
    final SignalState[] signals;
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;

    Group(Spec spec) {
      this.spec = spec;
      this.signals = new SignalState[spec.signals().size()];
      for (int i = 0; i < signals.length; i++) {
        signals[i] = new SignalState(Arrays.asList(spec.signals().get(i).aggregates()).contains(Aggregate.MEDIAN));
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

    void emit(GroupKey key, List<Row> out) {
      double duration = (double) (last - first) / 1_000_000;
      for (int i = 0; i < signals.length; i++) {
        SignalState s = signals[i];
        s.flush();
        Signal signal = spec.signals().get(i);
        for (Aggregate a : signal.aggregates()) {
          out.add(RowFactory.create(spec.cluster(), key.device(), key.tripStart(), spec.message(), signal.name(), a.label(),
              s.value(a), s.n, duration));
        }
      }
    }
  }

  /** One signal of one group: running aggregates over its non-missing values in (t, value) order. */
  private static final class SignalState {
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

    SignalState(boolean keepValues) {
      values = keepValues ? new double[16] : null;
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
        double step = v - previous;
        if (step > 0) {
          up += step;
        } else if (step < 0) {
          down += step;
        }
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      previous = v;
      sum += v;
      n++;
      // Welford's update, as Spark's stddev_samp does it.
      double delta = v - mean;
      double deltaN = delta / n;
      mean += deltaN;
      m2 += delta * (delta - deltaN);
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
