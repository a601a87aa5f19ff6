package io.triplake.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

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
      List<Aggregate> aggregates) {
    public TripSpec {
      Objects.requireNonNull(cluster, "cluster");
      Objects.requireNonNull(identifierMessage, "identifierMessage");
      devices = Set.copyOf(devices);
      aggregates = List.copyOf(aggregates);
      if (!Double.isFinite(gapMinutes) || gapMinutes < 0) {
        throw new IllegalArgumentException(
            "Cluster " + cluster + ": gapMinutes must be >= 0, not " + gapMinutes);
      }
      if (!Double.isFinite(minLengthMinutes) || minLengthMinutes < 0) {
        throw new IllegalArgumentException(
            "Cluster " + cluster + ": minLengthMinutes must be >= 0, not " + minLengthMinutes);
      }
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

  /** {@code <deviceid>/<message>/yyyy/mm/dd/<file>.parquet}, relative to the raw root. */
  private static final Pattern LAYOUT =
      Pattern.compile("([0-9A-Fa-f]{8})/([^/]+)/\\d{4}/\\d{2}/\\d{2}/[^/]+\\.parquet");

  /** The device folder of a file read by DuckDB, the counterpart of {@link #LAYOUT}. */
  private static final String DEVICE_OF_FILENAME =
      "([0-9A-Fa-f]{8})/[^/]+/[0-9]{4}/[0-9]{2}/[0-9]{2}/[^/]+$";

  /**
   * The trips of every cluster, from the config tables ({@code spec}, {@code spec_device}) and the
   * identifier rows ({@code identifier_rows}, t in epoch microseconds).
   */
  private static final String TRIPS_SQL =
      """
      CREATE TEMP TABLE trips AS
      WITH
      -- The identifier rows each cluster cuts its trips from: its devices, or all when it lists none.
      identifier AS (
        SELECT s.cluster, s.gap_minutes, s.min_length_minutes, r.deviceid, r.t
        FROM spec s
        JOIN identifier_rows r ON r.message = s.identifier_message
        WHERE s.all_devices
           OR r.deviceid IN (SELECT d.deviceid FROM spec_device d WHERE d.cluster = s.cluster)
      ),
      -- A row opens a trip when it is the device's first or follows a gap strictly longer than the threshold.
      opened AS (
        SELECT *,
               coalesce(t - lag(t) OVER (PARTITION BY cluster, deviceid ORDER BY t) > gap_minutes * 60e6, true)
                 AS opens_trip
        FROM identifier
      ),
      numbered AS (
        SELECT *,
               sum(opens_trip::INTEGER) OVER (PARTITION BY cluster, deviceid ORDER BY t ROWS UNBOUNDED PRECEDING)
                 AS trip_no
        FROM opened
      )
      SELECT cluster, deviceid, min(t) AS tripstart, max(t) AS tripend
      FROM numbered
      GROUP BY cluster, deviceid, trip_no, min_length_minutes
      HAVING max(t) - min(t) >= min_length_minutes * 60e6
      """;

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

  /** {@link #compute(Path, List, int)} with as many DuckDB threads as cores. */
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
    checkClustersUnique(specs);
    Map<String, List<RawFile>> filesByMessage = listRawFiles(rawRoot);
    try (Connection connection = open(threads)) {
      loadConfig(connection, specs);
      Map<String, Set<String>> columns = createRawViews(connection, specs, filesByMessage);
      try (Statement statement = connection.createStatement()) {
        statement.execute(TRIPS_SQL);
      }
      List<Row> rows = new ArrayList<>();
      for (TripSpec spec : specs) {
        Map<String, List<Aggregate>> byMessage = new TreeMap<>();
        new LinkedHashSet<>(spec.aggregates())
            .forEach(a -> byMessage.computeIfAbsent(a.message(), k -> new ArrayList<>()).add(a));
        for (Map.Entry<String, List<Aggregate>> e : byMessage.entrySet()) {
          if (columns.containsKey(e.getKey())) {
            rows.addAll(
                summarise(connection, spec, e.getKey(), columns.get(e.getKey()), e.getValue()));
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
    Map<String, List<RawFile>> filesByMessage = listRawFiles(rawRoot);
    try (Connection connection = open(threads);
        Statement statement = connection.createStatement()) {
      for (List<RawFile> files : filesByMessage.values()) {
        // max() over every column needs every value decoded; count(*) would be answered from the
        // footers.
        try (ResultSet rs =
            statement.executeQuery(
                "SELECT max(COLUMNS(*)) FROM read_parquet("
                    + fileList(files)
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

  private record RawFile(String deviceId, Path path) {}

  private static void checkClustersUnique(List<TripSpec> specs) {
    Set<String> seen = new HashSet<>();
    for (TripSpec spec : specs) {
      if (!seen.add(spec.cluster())) {
        throw new IllegalArgumentException("Cluster " + spec.cluster() + " is defined twice");
      }
    }
  }

  /** Every raw file in the layout, by message; anything else below the root is not a raw file. */
  private static Map<String, List<RawFile>> listRawFiles(Path rawRoot) {
    Path root = rawRoot.toAbsolutePath().normalize();
    Map<String, List<RawFile>> byMessage = new TreeMap<>();
    try (Stream<Path> paths =
        Files.find(root, 6, (path, attributes) -> attributes.isRegularFile())) {
      for (Path path : (Iterable<Path>) paths::iterator) {
        String relative = root.relativize(path).toString().replace('\\', '/');
        Matcher m = LAYOUT.matcher(relative);
        if (m.matches()) {
          byMessage
              .computeIfAbsent(m.group(2), k -> new ArrayList<>())
              .add(new RawFile(m.group(1), path));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot list the raw files below " + root + ": " + e.getMessage(), e);
    }
    return byMessage;
  }

  private static Connection open(int threads) throws SQLException {
    Connection connection = DriverManager.getConnection("jdbc:duckdb:");
    try (Statement statement = connection.createStatement()) {
      // Files differ in t's isAdjustedToUTC; read_parquet(union_by_name) unifies them to
      // TIMESTAMPTZ, and that cast reads a plain TIMESTAMP in the session time zone. UTC makes it
      // the identity.
      statement.execute("SET TimeZone = 'UTC'");
      // An in-memory database spills to ./.tmp by default, which would be the working tree. DuckDB
      // creates the folder on the first spill and removes it on close; one per connection, so none
      // is shared.
      statement.execute(
          "SET temp_directory = "
              + literal(
                  Path.of(System.getProperty("java.io.tmpdir"))
                      .resolve("duckdb-trips-" + UUID.randomUUID())
                      .toString()));
      if (threads > 0) {
        statement.execute("SET threads = " + threads);
      }
    } catch (SQLException e) {
      connection.close();
      throw e;
    }
    return connection;
  }

  private static void loadConfig(Connection connection, List<TripSpec> specs) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(
          "CREATE TABLE spec (cluster VARCHAR PRIMARY KEY, identifier_message VARCHAR NOT NULL,"
              + " gap_minutes DOUBLE NOT NULL, min_length_minutes DOUBLE NOT NULL, all_devices"
              + " BOOLEAN NOT NULL)");
      statement.execute(
          "CREATE TABLE spec_device (cluster VARCHAR NOT NULL, deviceid VARCHAR NOT NULL)");
    }
    try (PreparedStatement spec =
            connection.prepareStatement("INSERT INTO spec VALUES (?, ?, ?, ?, ?)");
        PreparedStatement device =
            connection.prepareStatement("INSERT INTO spec_device VALUES (?, ?)")) {
      for (TripSpec s : specs) {
        spec.setString(1, s.cluster());
        spec.setString(2, s.identifierMessage());
        spec.setDouble(3, s.gapMinutes());
        spec.setDouble(4, s.minLengthMinutes());
        spec.setBoolean(5, s.devices().isEmpty());
        spec.executeUpdate();
        for (String d : s.devices()) {
          device.setString(1, s.cluster());
          device.setString(2, d);
          device.executeUpdate();
        }
      }
    }
  }

  /**
   * One view per message over its files ({@code raw."<message>"}), and the identifier rows of every
   * cluster ({@code identifier_rows}). Only the devices some spec can use are read.
   *
   * @return the lower-case columns of each message that has files
   */
  private static Map<String, Set<String>> createRawViews(
      Connection connection, List<TripSpec> specs, Map<String, List<RawFile>> filesByMessage)
      throws SQLException {
    Map<String, Set<String>> devicesByMessage = new LinkedHashMap<>(); // null: every device
    Set<String> identifierMessages = new TreeSet<>();
    Map<String, Set<String>> signalsByMessage = new TreeMap<>();
    for (TripSpec spec : specs) {
      identifierMessages.add(spec.identifierMessage());
      neededDevices(devicesByMessage, spec.identifierMessage(), spec.devices());
      for (Aggregate a : spec.aggregates()) {
        signalsByMessage.computeIfAbsent(a.message(), k -> new TreeSet<>()).add(a.signal());
        neededDevices(devicesByMessage, a.message(), spec.devices());
      }
    }

    Map<String, Set<String>> columnsByMessage = new TreeMap<>();
    try (Statement statement = connection.createStatement()) {
      statement.execute("CREATE SCHEMA raw");
      for (Map.Entry<String, Set<String>> entry : devicesByMessage.entrySet()) {
        Set<String> devices = entry.getValue();
        List<RawFile> files =
            filesByMessage.getOrDefault(entry.getKey(), List.of()).stream()
                .filter(f -> devices == null || devices.contains(f.deviceId()))
                .toList();
        if (files.isEmpty()) {
          continue;
        }
        String view = "raw." + identifier(entry.getKey());
        statement.execute(
            "CREATE VIEW "
                + view
                + " AS\n"
                + "SELECT regexp_extract(filename, "
                + literal(DEVICE_OF_FILENAME)
                + ", 1) AS deviceid,\n"
                + "       epoch_us(t) AS t,\n"
                + "       * EXCLUDE (t, filename)\n"
                + "FROM read_parquet("
                + fileList(files)
                + ", union_by_name = true, filename = true)\n"
                + "WHERE t IS NOT NULL");
        Set<String> columns = new HashSet<>();
        try (ResultSet rs = statement.executeQuery("DESCRIBE " + view)) {
          while (rs.next()) {
            columns.add(rs.getString("column_name").toLowerCase(Locale.ROOT));
          }
        }
        columnsByMessage.put(entry.getKey(), columns);
      }

      List<String> identifierSelects =
          identifierMessages.stream()
              .filter(columnsByMessage::containsKey)
              .map(
                  m ->
                      "SELECT " + literal(m) + " AS message, deviceid, t FROM raw." + identifier(m))
              .toList();
      statement.execute(
          "CREATE VIEW identifier_rows AS\n"
              + unionAll(
                  identifierSelects,
                  "SELECT NULL::VARCHAR AS message, NULL::VARCHAR AS deviceid, NULL::BIGINT AS t"
                      + " WHERE false"));
    }
    return columnsByMessage;
  }

  /**
   * Widens the devices read for a message by those of one spec (an empty set means every device).
   */
  private static void neededDevices(
      Map<String, Set<String>> devicesByMessage, String message, Set<String> devices) {
    if (devices.isEmpty()) {
      devicesByMessage.put(message, null);
    } else if (!devicesByMessage.containsKey(message)) {
      devicesByMessage.put(message, new HashSet<>(devices));
    } else if (devicesByMessage.get(message) != null) {
      devicesByMessage.get(message).addAll(devices);
    }
  }

  /**
   * The aggregations of one message over one cluster's trips, in one query: the message's rows find
   * their trip by a hash join on (device, time bucket) against the trips cut into buckets as long
   * as the gap (at least a minute), then {@code tripstart <= t <= tripend}; one GROUP BY computes
   * every aggregation of every signal, and the steps of the {@code delta_sum_pos/neg} signals come
   * from a window over their non-missing values in (t, value) order.
   *
   * <p>Why not an ASOF join: on 10 devices it took 3.4 s of DuckDB's 7 s, the bucket join 0.8 s,
   * and a yardstick must be the fast way to write the query. A plain range join on the device is as
   * fast for one day but compares every row with every trip of its device, which grows with the
   * history read.
   */
  private static List<Row> summarise(
      Connection connection,
      TripSpec spec,
      String message,
      Set<String> columns,
      List<Aggregate> aggregates)
      throws SQLException {
    String cluster = spec.cluster();
    // A bucket no longer than the gap holds at most one trip's rows; shorter gaps still join
    // correctly (the time condition picks the trip), only with more candidates.
    long bucket = (long) Math.max(60e6, Math.floor(spec.gapMinutes() * 60e6));
    List<String> signals = aggregates.stream().map(Aggregate::signal).distinct().toList();
    List<String> values = new ArrayList<>();
    List<String> stepped = new ArrayList<>();
    for (int i = 0; i < signals.size(); i++) {
      String signal = signals.get(i);
      // A signal no file of the message has is all missing values, not an error.
      String value =
          columns.contains(signal.toLowerCase(Locale.ROOT))
              ? "r." + identifier(signal) + "::DOUBLE"
              : "NULL::DOUBLE";
      values.add("CASE WHEN isnan(" + value + ") THEN NULL ELSE " + value + " END AS v" + i);
      int index = i;
      if (aggregates.stream()
          .anyMatch(a -> a.signal().equals(signal) && a.aggregation().startsWith("delta_sum_"))) {
        stepped.add("v" + index);
      }
    }
    StringBuilder sql =
        new StringBuilder(
                "WITH in_trip AS (\n  SELECT tr.deviceid, tr.tripstart, tr.tripend, r.t, ")
            .append(String.join(", ", values))
            .append("\n  FROM raw.")
            .append(identifier(message))
            .append(" r\n")
            .append("  JOIN (SELECT deviceid, tripstart, tripend, unnest(range(tripstart // ")
            .append(bucket)
            .append(", tripend // ")
            .append(bucket)
            .append(" + 1)) AS bucket FROM trips WHERE cluster = ")
            .append(literal(cluster))
            .append(") tr\n")
            .append("    ON tr.deviceid = r.deviceid AND tr.bucket = r.t // ")
            .append(bucket)
            .append("\n")
            .append("  WHERE r.t BETWEEN tr.tripstart AND tr.tripend\n)");
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
        .append(
            "SELECT *, deviceid || '_' || strftime(make_timestamp(tripstart), '%Y%m%dT%H%M%S.%f')"
                + " AS tripid FROM summary");

    List<Row> rows = new ArrayList<>();
    try (Statement statement = connection.createStatement();
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
                  instant(rs.getLong("tripstart")),
                  instant(rs.getLong("tripend")),
                  rs.getString("tripid"),
                  cluster));
        }
      }
    }
    return rows;
  }

  private static Instant instant(long epochMicros) {
    return Instant.ofEpochSecond(
        Math.floorDiv(epochMicros, 1_000_000L), Math.floorMod(epochMicros, 1_000_000L) * 1_000L);
  }

  private static String unionAll(List<String> selects, String empty) {
    return selects.isEmpty() ? empty : String.join("\nUNION ALL\n", selects);
  }

  private static String fileList(List<RawFile> files) {
    return files.stream()
        .map(f -> literal(f.path().toString()))
        .collect(Collectors.joining(", ", "[", "]"));
  }

  private static String literal(String value) {
    return "'" + value.replace("'", "''") + "'";
  }

  private static String identifier(String name) {
    return "\"" + name.replace("\"", "\"\"") + "\"";
  }
}
