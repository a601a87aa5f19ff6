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
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What the DuckDB oracles share: the raw CANedge files below a root as one view per message, the
 * trips cut from the identifier rows of every cluster (table {@code trips}), and the rows of a
 * message that fall in a cluster's trips. See {@link DuckDbTrips} for the definition of a trip.
 */
final class DuckDbRaw implements AutoCloseable {
  /**
   * What cuts one cluster's trips; the spec records of the oracles have these components.
   *
   * <p>{@code devices}: empty for every device with identifier rows. A gap strictly longer than
   * {@code gapMinutes} opens a new trip; trips shorter than {@code minLengthMinutes} are dropped.
   */
  interface Cut {
    String cluster();

    Set<String> devices();

    String identifierMessage();

    double gapMinutes();

    double minLengthMinutes();
  }

  /** Rejects what no {@link Cut} may have: a missing name or message, a negative threshold. */
  static void checkCut(
      String cluster, String identifierMessage, double gapMinutes, double minLengthMinutes) {
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(identifierMessage, "identifierMessage");
    if (!Double.isFinite(gapMinutes) || gapMinutes < 0) {
      throw new IllegalArgumentException(
          "Cluster " + cluster + ": gapMinutes must be >= 0, not " + gapMinutes);
    }
    if (!Double.isFinite(minLengthMinutes) || minLengthMinutes < 0) {
      throw new IllegalArgumentException(
          "Cluster " + cluster + ": minLengthMinutes must be >= 0, not " + minLengthMinutes);
    }
  }

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
   * The trip id of a row with {@code deviceid} and {@code tripstart} (epoch microseconds): the
   * device and the start in UTC to the microsecond.
   */
  static final String TRIPID_SQL =
      "deviceid || '_' || strftime(make_timestamp(tripstart), '%Y%m%dT%H%M%S.%f')";

  private final Connection connection;
  private final Map<String, Set<String>> columnsByMessage;

  private DuckDbRaw(Connection connection, Map<String, Set<String>> columnsByMessage) {
    this.connection = connection;
    this.columnsByMessage = columnsByMessage;
  }

  /**
   * A connection with a view of every message the cuts read ({@code raw."<message>"}: {@code
   * deviceid}, {@code t} in epoch microseconds, then the message's columns; only the devices some
   * cut reads the message for) and the table {@code trips} ({@code cluster, deviceid, tripstart,
   * tripend}).
   *
   * @param messagesOf the messages besides its identifier message that a cut reads
   * @param threads DuckDB worker threads; 0 or less for DuckDB's default (one per core)
   */
  static <C extends Cut> DuckDbRaw open(
      Path rawRoot, List<C> cuts, Function<C, Collection<String>> messagesOf, int threads)
      throws SQLException {
    Set<String> seen = new HashSet<>();
    for (Cut cut : cuts) {
      if (!seen.add(cut.cluster())) {
        throw new IllegalArgumentException("Cluster " + cut.cluster() + " is defined twice");
      }
    }
    Map<String, List<RawFile>> filesByMessage = listRawFiles(rawRoot);
    Connection connection = connect(threads);
    try {
      loadCuts(connection, cuts);
      Map<String, Set<String>> columns =
          createRawViews(connection, cuts, messagesOf, filesByMessage);
      try (Statement statement = connection.createStatement()) {
        statement.execute(TRIPS_SQL);
      }
      return new DuckDbRaw(connection, columns);
    } catch (SQLException | RuntimeException e) {
      connection.close();
      throw e;
    }
  }

  Connection connection() {
    return connection;
  }

  /** The lower-case columns of a message's view; empty when no file of the message was read. */
  Optional<Set<String>> columns(String message) {
    return Optional.ofNullable(columnsByMessage.get(message));
  }

  /**
   * A SELECT of the rows of {@code message} in the trips of a cut, as {@code deviceid, tripstart,
   * tripend, t} and {@code selects} (expressions over the message's row {@code r}). The message
   * must have a view ({@link #columns}).
   *
   * <p>The rows find their trip by a hash join on (device, time bucket) against the trips cut into
   * buckets as long as the gap (at least a minute), then {@code tripstart <= t <= tripend}. Why not
   * an ASOF join: on 10 devices it took 3.4 s of DuckDB's 7 s, the bucket join 0.8 s, and a
   * yardstick must be the fast way to write the query. A plain range join on the device is as fast
   * for one day but compares every row with every trip of its device, which grows with the history
   * read.
   */
  static String inTripSql(Cut cut, String message, List<String> selects) {
    // A bucket no longer than the gap holds at most one trip's rows; shorter gaps still join
    // correctly (the time condition picks the trip), only with more candidates.
    long bucket = (long) Math.max(60e6, Math.floor(cut.gapMinutes() * 60e6));
    StringBuilder sql = new StringBuilder("SELECT tr.deviceid, tr.tripstart, tr.tripend, r.t");
    selects.forEach(s -> sql.append(", ").append(s));
    return sql.append("\nFROM raw.")
        .append(identifier(message))
        .append(" r\n")
        .append("JOIN (SELECT deviceid, tripstart, tripend, unnest(range(tripstart // ")
        .append(bucket)
        .append(", tripend // ")
        .append(bucket)
        .append(" + 1)) AS bucket FROM trips WHERE cluster = ")
        .append(literal(cut.cluster()))
        .append(") tr\n")
        .append("  ON tr.deviceid = r.deviceid AND tr.bucket = r.t // ")
        .append(bucket)
        .append("\n")
        .append("WHERE r.t BETWEEN tr.tripstart AND tr.tripend")
        .toString();
  }

  /**
   * A column of a message's row {@code r} as DOUBLE with NaN as NULL; NULL when no file of the
   * message has the column (a signal the files lack is all missing values, not an error). The
   * signal binds case-insensitively, as DuckDB binds identifiers.
   */
  String valueSql(String message, String signal) {
    Set<String> columns = columnsByMessage.getOrDefault(message, Set.of());
    if (!columns.contains(signal.toLowerCase(Locale.ROOT))) {
      return "NULL::DOUBLE";
    }
    String value = "r." + identifier(signal) + "::DOUBLE";
    return "CASE WHEN isnan(" + value + ") THEN NULL ELSE " + value + " END";
  }

  @Override
  public void close() throws SQLException {
    connection.close();
  }

  record RawFile(String deviceId, Path path) {}

  /** Every raw file in the layout, by message; anything else below the root is not a raw file. */
  static Map<String, List<RawFile>> listRawFiles(Path rawRoot) {
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

  /** An in-memory database in UTC that spills to its own temporary folder. */
  static Connection connect(int threads) throws SQLException {
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

  private static void loadCuts(Connection connection, List<? extends Cut> cuts)
      throws SQLException {
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
      for (Cut s : cuts) {
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
   * cluster ({@code identifier_rows}). Only the devices some cut can use are read.
   *
   * @return the lower-case columns of each message that has files
   */
  private static <C extends Cut> Map<String, Set<String>> createRawViews(
      Connection connection,
      List<C> cuts,
      Function<C, Collection<String>> messagesOf,
      Map<String, List<RawFile>> filesByMessage)
      throws SQLException {
    Map<String, Set<String>> devicesByMessage = new LinkedHashMap<>(); // null: every device
    Set<String> identifierMessages = new TreeSet<>();
    for (C cut : cuts) {
      identifierMessages.add(cut.identifierMessage());
      neededDevices(devicesByMessage, cut.identifierMessage(), cut.devices());
      for (String message : messagesOf.apply(cut)) {
        neededDevices(devicesByMessage, message, cut.devices());
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
              + (identifierSelects.isEmpty()
                  ? "SELECT NULL::VARCHAR AS message, NULL::VARCHAR AS deviceid, NULL::BIGINT AS t"
                      + " WHERE false"
                  : String.join("\nUNION ALL\n", identifierSelects)));
    }
    return columnsByMessage;
  }

  /**
   * Widens the devices read for a message by those of one cut (an empty set means every device).
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

  static Instant instant(long epochMicros) {
    return Instant.ofEpochSecond(
        Math.floorDiv(epochMicros, 1_000_000L), Math.floorMod(epochMicros, 1_000_000L) * 1_000L);
  }

  static String fileList(List<RawFile> files) {
    return files.stream()
        .map(f -> literal(f.path().toString()))
        .collect(Collectors.joining(", ", "[", "]"));
  }

  /** A column's value, or null where SQL has NULL (JDBC's getDouble gives 0 there). */
  static Double nullableDouble(ResultSet rs, String column) throws SQLException {
    double v = rs.getDouble(column);
    return rs.wasNull() ? null : v;
  }

  /** A column's value, or null where SQL has NULL (JDBC's getLong gives 0 there). */
  static Long nullableLong(ResultSet rs, String column) throws SQLException {
    long v = rs.getLong(column);
    return rs.wasNull() ? null : v;
  }

  static String literal(String value) {
    return "'" + value.replace("'", "''") + "'";
  }

  static String identifier(String name) {
    return "\"" + name.replace("\"", "\"\"") + "\"";
  }
}
