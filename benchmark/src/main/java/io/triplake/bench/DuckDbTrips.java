package io.triplake.bench;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Trip summaries computed by DuckDB straight from the raw CANedge Parquet files: an oracle that
 * shares nothing with the Spark job but the definition, so tests can compare the two, and the
 * yardstick the benchmark times the job against.
 *
 * <p>The definition, per cluster ({@link TripSpec}) and device:
 *
 * <ul>
 *   <li>Trips are cut from the rows of the identifier message in {@code t} order: a row whose gap
 *       to the previous row is strictly longer than {@code gapMinutes} opens a new trip. A trip
 *       spans its first to its last row, calendar days notwithstanding; trips shorter than {@code
 *       minLengthMinutes} are dropped (exactly that long is kept). Both thresholds are compared
 *       with differences of epoch microseconds as {@code minutes * 60e6} in double precision.
 *   <li>An aggregate covers the rows of its message with {@code tripstart <= t <= tripend}. No such
 *       rows: no output row. NULL and NaN are missing values and are left out of every aggregation,
 *       but the rows still count for {@code duration} (seconds between the first and last row in
 *       the trip). Only missing values: one row with a NULL value and {@code signalcount} 0 ({@code
 *       count} gives 0).
 *   <li>Order-dependent aggregations ({@code first}, {@code last}, the {@code delta_*} family) see
 *       the values in {@code t} order, values with the same {@code t} in ascending order of value,
 *       so the result does not depend on file or row order.
 *   <li>{@code delta_sum} is computed as {@code last - first}, which the sum of consecutive
 *       differences equals exactly in real arithmetic, with a single rounding instead of one per
 *       step.
 *   <li>{@code median} interpolates (the mean of the two middle values for an even count); {@code
 *       stddev} is the sample standard deviation, NULL below two values.
 * </ul>
 *
 * <p>Timestamps: files carry {@code t} as TIMESTAMP(MICROS) with isAdjustedToUTC true or false;
 * both are read as the same epoch microseconds (the wall clock is UTC). Signal names are bound the
 * way DuckDB binds identifiers, that is case-insensitively.
 */
public final class DuckDbTrips {
  /** The aggregation names a spec may use; the output repeats the configured name. */
  public static final Set<String> AGGREGATIONS =
      Set.of(
          "avg",
          "median",
          "max",
          "min",
          "sum",
          "first",
          "last",
          "delta_sum",
          "delta_sum_pos",
          "delta_sum_neg",
          "count",
          "stddev");

  /**
   * One trip definition.
   *
   * @param cluster the name the output rows carry; unique among the specs of one call
   * @param devices the devices to summarise; empty for every device with identifier rows
   * @param identifierMessage the message whose rows cut the trips
   * @param gapMinutes a gap strictly longer than this opens a new trip
   * @param minLengthMinutes shorter trips are dropped
   * @param aggregates what to compute for every trip
   */
  public record TripSpec(
      String cluster,
      Set<String> devices,
      String identifierMessage,
      double gapMinutes,
      double minLengthMinutes,
      List<Aggregate> aggregates)
      implements DuckDbRaw.Cut {
    public TripSpec {
      DuckDbRaw.checkCut(cluster, identifierMessage, gapMinutes, minLengthMinutes);
      devices = Set.copyOf(devices);
      aggregates = List.copyOf(aggregates);
    }
  }

  /** One output quantity: {@code aggregation} of {@code signal} of {@code message}. */
  public record Aggregate(String message, String signal, String aggregation) {
    public Aggregate {
      Objects.requireNonNull(message, "message");
      Objects.requireNonNull(signal, "signal");
      if (!AGGREGATIONS.contains(aggregation)) {
        throw new IllegalArgumentException(
            "Unknown aggregation " + aggregation + " (one of " + new TreeSet<>(AGGREGATIONS) + ")");
      }
    }
  }

  /** One trip summary row: one aggregation of one signal over one trip. */
  public record Row(
      String deviceid,
      String message,
      String signal,
      String aggregation,
      Double signalvalue,
      long signalcount,
      double duration,
      Instant tripstart,
      Instant tripend,
      String tripid,
      String cluster) {}

  /**
   * The SQL of one aggregation over the non-missing values of column {@code v} in a trip ({@code
   * delta_sum_pos} and {@code delta_sum_neg} need the steps, see {@link #summarise}).
   */
  private static String aggregateSql(String aggregation, String v) {
    String first = "arg_min(" + v + ", (t, " + v + ")) FILTER (WHERE " + v + " IS NOT NULL)";
    String last = "arg_max(" + v + ", (t, " + v + ")) FILTER (WHERE " + v + " IS NOT NULL)";
    return switch (aggregation) {
      case "avg" -> "avg(" + v + ")";
      case "median" -> "median(" + v + ")";
      case "max" -> "max(" + v + ")";
      case "min" -> "min(" + v + ")";
      case "sum" -> "sum(" + v + ")";
      case "first" -> first;
      case "last" -> last;
      // The sum of the steps, rounded once.
      case "delta_sum" -> last + " - " + first;
      case "count" -> "count(" + v + ")::DOUBLE";
      case "stddev" -> "stddev_samp(" + v + ")";
      default -> throw new IllegalArgumentException("Unknown aggregation " + aggregation);
    };
  }

  private DuckDbTrips() {}

  /**
   * The devices of a raw lake on disk: its top-level folders named like a device id (8 hexadecimal
   * characters), what {@link #specs} takes as the lake's devices.
   */
  public static Set<String> devicesIn(java.nio.file.Path rawRoot) {
    Set<String> devices = new TreeSet<>();
    for (java.io.File f : rawRoot.toFile().listFiles()) {
      if (f.isDirectory() && f.getName().matches("[0-9A-Fa-f]{8}")) {
        devices.add(f.getName());
      }
    }
    return devices;
  }

  /**
   * The specs that mean the same as a trip-aggregator config over a lake whose devices are known: a
   * wildcard cluster takes every device that no explicit cluster names.
   */
  public static List<TripSpec> specs(
      io.triplake.trips.TripConfig config, Set<String> devicesInLake) {
    List<TripSpec> specs = new java.util.ArrayList<>();
    for (io.triplake.trips.TripConfig.Cluster c : config.clusters()) {
      Set<String> devices = new java.util.TreeSet<>(c.devices());
      if (c.wildcard()) {
        devices.addAll(devicesInLake);
        devices.removeAll(config.explicitDevices());
      }
      List<Aggregate> aggregates = new java.util.ArrayList<>();
      for (io.triplake.trips.TripConfig.SignalAggregates s : c.signals()) {
        s.aggregates()
            .forEach(a -> aggregates.add(new Aggregate(s.message(), s.signal(), a.label())));
      }
      if (!devices.isEmpty()) {
        specs.add(
            new TripSpec(
                c.name(),
                devices,
                c.identifierMessage(),
                config.tripGapMinutes(),
                config.tripMinLengthMinutes(),
                aggregates));
      }
    }
    return specs;
  }

  /** {@link #compute(Path, List, int)} with as many DuckDB threads as cores. */
  public static List<Row> compute(Path rawRoot, List<TripSpec> specs) {
    return compute(rawRoot, specs, 0);
  }

  /**
   * The trip summaries of every spec over every raw file below {@code rawRoot}.
   *
   * @param threads DuckDB worker threads; 0 or less for DuckDB's default (one per core)
   * @return rows sorted by cluster, deviceid, tripstart, message, signal, aggregation
   */
  public static List<Row> compute(Path rawRoot, List<TripSpec> specs, int threads) {
    try (DuckDbRaw raw =
        DuckDbRaw.open(
            rawRoot,
            specs,
            spec -> spec.aggregates().stream().map(Aggregate::message).toList(),
            threads)) {
      List<Row> rows = new ArrayList<>();
      for (TripSpec spec : specs) {
        Map<String, List<Aggregate>> byMessage = new TreeMap<>();
        new LinkedHashSet<>(spec.aggregates())
            .forEach(a -> byMessage.computeIfAbsent(a.message(), k -> new ArrayList<>()).add(a));
        for (Map.Entry<String, List<Aggregate>> e : byMessage.entrySet()) {
          if (raw.columns(e.getKey()).isPresent()) {
            rows.addAll(summarise(raw, spec, e.getKey(), e.getValue()));
          }
        }
      }
      rows.sort(
          java.util.Comparator.comparing(Row::cluster)
              .thenComparing(Row::deviceid)
              .thenComparing(Row::tripstart)
              .thenComparing(Row::message)
              .thenComparing(Row::signal)
              .thenComparing(Row::aggregation));
      return rows;
    } catch (SQLException e) {
      throw new IllegalStateException("DuckDB trip computation failed: " + e.getMessage(), e);
    }
  }

  /** {@link #scanSeconds(Path, int)} with as many DuckDB threads as cores. */
  public static double scanSeconds(Path rawRoot) {
    return scanSeconds(rawRoot, 0);
  }

  /**
   * Reads every value of every column of every raw file, one query per message (each message has
   * its own schema), and discards them: the floor under any computation over the same files. Timed
   * the way a caller times {@link #compute}: listing, connection and all.
   *
   * @return wall seconds
   */
  public static double scanSeconds(Path rawRoot, int threads) {
    long start = System.nanoTime();
    Map<String, List<DuckDbRaw.RawFile>> filesByMessage = DuckDbRaw.listRawFiles(rawRoot);
    try (Connection connection = DuckDbRaw.connect(threads);
        Statement statement = connection.createStatement()) {
      for (List<DuckDbRaw.RawFile> files : filesByMessage.values()) {
        // max() over every column needs every value decoded; count(*) would be answered from the
        // footers.
        try (ResultSet rs =
            statement.executeQuery(
                "SELECT max(COLUMNS(*)) FROM read_parquet("
                    + DuckDbRaw.fileList(files)
                    + ", union_by_name = true)")) {
          while (rs.next()) {
            // The single row is the point, not its values.
          }
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("DuckDB scan failed: " + e.getMessage(), e);
    }
    return (System.nanoTime() - start) / 1e9;
  }

  /**
   * The aggregations of one message over one cluster's trips, in one query: the message's rows in
   * the trips ({@link DuckDbRaw#inTripSql}); one GROUP BY computes every aggregation of every
   * signal, and the steps of the {@code delta_sum_pos/neg} signals come from a window over their
   * non-missing values in (t, value) order.
   */
  private static List<Row> summarise(
      DuckDbRaw raw, TripSpec spec, String message, List<Aggregate> aggregates)
      throws SQLException {
    String cluster = spec.cluster();
    List<String> signals = aggregates.stream().map(Aggregate::signal).distinct().toList();
    List<String> values = new ArrayList<>();
    List<String> stepped = new ArrayList<>();
    for (int i = 0; i < signals.size(); i++) {
      String signal = signals.get(i);
      values.add(raw.valueSql(message, signal) + " AS v" + i);
      int index = i;
      if (aggregates.stream()
          .anyMatch(a -> a.signal().equals(signal) && a.aggregation().startsWith("delta_sum_"))) {
        stepped.add("v" + index);
      }
    }
    StringBuilder sql =
        new StringBuilder("WITH in_trip AS (\n")
            .append(DuckDbRaw.inTripSql(spec, message, values))
            .append("\n)");
    for (String v : stepped) {
      // Differences between consecutive non-missing values, in t order and ascending value within
      // one t.
      sql.append(",\nsteps_")
          .append(v)
          .append(" AS (\n  SELECT deviceid, tripstart, ")
          .append(
              "sum(step) FILTER (WHERE step > 0) AS up, sum(step) FILTER (WHERE step < 0) AS"
                  + " down\n")
          .append("  FROM (SELECT deviceid, tripstart, ")
          .append(v)
          .append(" - lag(")
          .append(v)
          .append(") OVER (PARTITION BY deviceid, tripstart ORDER BY t, ")
          .append(v)
          .append(") AS step\n")
          .append("        FROM in_trip WHERE ")
          .append(v)
          .append(" IS NOT NULL)\n")
          .append("  GROUP BY deviceid, tripstart\n)");
    }
    sql.append(
        ",\n"
            + "summary AS (\n"
            + "  SELECT deviceid, tripstart, any_value(tripend) AS tripend, (max(t) - min(t)) / 1e6"
            + " AS duration");
    for (int i = 0; i < signals.size(); i++) {
      sql.append(", count(v").append(i).append(") AS n").append(i);
    }
    for (int k = 0; k < aggregates.size(); k++) {
      Aggregate a = aggregates.get(k);
      int i = signals.indexOf(a.signal());
      String steps =
          a.aggregation().startsWith("delta_sum_")
              ? "steps_v" + i + "." + (a.aggregation().equals("delta_sum_pos") ? "up" : "down")
              : null;
      String expression =
          steps == null
              ? aggregateSql(a.aggregation(), "v" + i)
              : "CASE WHEN count(v" + i + ") > 0 THEN coalesce(any_value(" + steps + "), 0) END";
      sql.append(",\n    ").append(expression).append(" AS a").append(k);
    }
    sql.append("\n  FROM in_trip");
    for (String v : stepped) {
      sql.append("\n  LEFT JOIN steps_").append(v).append(" USING (deviceid, tripstart)");
    }
    sql.append("\n  GROUP BY deviceid, tripstart\n)\n")
        .append("SELECT *, " + DuckDbRaw.TRIPID_SQL + " AS tripid FROM summary");

    List<Row> rows = new ArrayList<>();
    try (Statement statement = raw.connection().createStatement();
        ResultSet rs = statement.executeQuery(sql.toString())) {
      while (rs.next()) {
        for (int k = 0; k < aggregates.size(); k++) {
          Aggregate a = aggregates.get(k);
          double value = rs.getDouble("a" + k);
          Double signalvalue = rs.wasNull() ? null : value;
          rows.add(
              new Row(
                  rs.getString("deviceid"),
                  message,
                  a.signal(),
                  a.aggregation(),
                  signalvalue,
                  rs.getLong("n" + signals.indexOf(a.signal())),
                  rs.getDouble("duration"),
                  DuckDbRaw.instant(rs.getLong("tripstart")),
                  DuckDbRaw.instant(rs.getLong("tripend")),
                  rs.getString("tripid"),
                  cluster));
        }
      }
    }
    return rows;
  }
}
