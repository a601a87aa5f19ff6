package io.triplake.bench;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The data-quality table ({@code trips.devicedays}, one row per device × UTC day × raw message)
 * computed by DuckDB straight from the raw Parquet files and each file's registration (its append's
 * sequence number and commit time, which only the catalog knows): an oracle that shares nothing
 * with the Java job but the definition. Java only orchestrates; every value is computed in SQL.
 *
 * <p>The definition, per device and message (the raw table: the path's message in lower case):
 *
 * <ul>
 *   <li>A row is a file's row with a non-NULL {@code t}; its day is the UTC date of {@code t}. A
 *       file counts on every day it has rows on.
 *   <li>{@code rows}, {@code first_t}, {@code last_t}: count, min and max of the day's rows, all of
 *       the day's files together.
 *   <li>Steps: {@code t - lag(t)} over the day's rows in {@code t} order (two files' rows merged);
 *       {@code max_gap_s} the largest in microseconds / 1e6 (NULL below two rows), {@code
 *       gaps_over_limit} how many are longer than the limit.
 *   <li>{@code first_registered}, {@code last_registered}: min and max commit time of the day's
 *       files' appends; {@code max_lag_h}: max over the day's files of (commit time − the file's
 *       largest {@code t} on any day), in microseconds / 3.6e9. A file without a known commit time
 *       takes no part in them.
 *   <li>{@code out_of_order_files}: the day's files f for which a file g of the same device and
 *       message has a lower sequence number (an earlier append) and a larger smallest {@code t}.
 * </ul>
 */
public final class DuckDbDeviceDays {
  private DuckDbDeviceDays() {}

  /**
   * How a file was registered.
   *
   * @param registeredMicros the commit time of its append, epoch microseconds; null when unknown
   */
  public record Registration(long sequence, Long registeredMicros) {}

  /** A row of the table; times in epoch microseconds. */
  public record Row(
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

  /**
   * Every row over every raw file below {@code rawRoot} that {@code registrations} names (by the
   * absolute, normalised path); other files are not registered and are no rows.
   */
  public static List<Row> compute(
      Path rawRoot, Map<Path, Registration> registrations, double gapLimitSeconds) {
    try (Connection connection = DuckDbRaw.connect(0);
        Statement statement = connection.createStatement()) {
      statement.execute(
          "CREATE TABLE registration (path VARCHAR, deviceid VARCHAR, seq BIGINT, registered"
              + " BIGINT)");
      statement.execute("CREATE TABLE raw_rows (message VARCHAR, path VARCHAR, t BIGINT)");
      for (Map.Entry<String, List<DuckDbRaw.RawFile>> e :
          DuckDbRaw.listRawFiles(rawRoot).entrySet()) {
        List<DuckDbRaw.RawFile> files = new ArrayList<>();
        try (PreparedStatement insert =
            connection.prepareStatement("INSERT INTO registration VALUES (?, ?, ?, ?)")) {
          for (DuckDbRaw.RawFile f : e.getValue()) {
            Path path = f.path().toAbsolutePath().normalize();
            Registration r = registrations.get(path);
            if (r == null) {
              continue;
            }
            files.add(f);
            insert.setString(1, path.toString());
            insert.setString(2, f.deviceId());
            insert.setLong(3, r.sequence());
            if (r.registeredMicros() == null) {
              insert.setNull(4, java.sql.Types.BIGINT);
            } else {
              insert.setLong(4, r.registeredMicros());
            }
            insert.addBatch();
          }
          insert.executeBatch();
        }
        if (files.isEmpty()) {
          continue;
        }
        // One query per message: each has its own columns, only t is read.
        statement.execute(
            "INSERT INTO raw_rows SELECT "
                + DuckDbRaw.literal(e.getKey().toLowerCase(Locale.ROOT))
                + ", filename, epoch_us(t) FROM read_parquet("
                + DuckDbRaw.fileList(files)
                + ", union_by_name = true, filename = true) WHERE t IS NOT NULL");
      }
      String sql =
          """
          WITH
          file AS (
            SELECT deviceid, message, path, min(t) AS lo, max(t) AS hi, any_value(seq) AS seq,
                   any_value(registered) AS registered
            FROM raw_rows JOIN registration USING (path)
            GROUP BY deviceid, message, path
          ),
          late AS (
            SELECT f.path, EXISTS (
              SELECT 1 FROM file g
              WHERE g.deviceid = f.deviceid AND g.message = f.message AND g.seq < f.seq AND g.lo > f.lo
            ) AS out_of_order
            FROM file f
          ),
          day_rows AS (
            SELECT deviceid, message, path, t, CAST(make_timestamp(t) AS DATE) AS day
            FROM raw_rows JOIN registration USING (path)
          ),
          steps AS (
            SELECT deviceid, message, day, path, t,
                   t - lag(t) OVER (PARTITION BY deviceid, message, day ORDER BY t) AS step
            FROM day_rows
          ),
          per_day AS (
            SELECT deviceid, message, day, count(DISTINCT path) AS files, count(*) AS rows,
                   min(t) AS first_t, max(t) AS last_t, max(step) AS max_step,
                   count(*) FILTER (WHERE step > %d) AS over
            FROM steps GROUP BY deviceid, message, day
          ),
          day_files AS (
            SELECT DISTINCT deviceid, message, day, path FROM day_rows
          ),
          per_day_files AS (
            SELECT d.deviceid, d.message, d.day, min(f.registered) AS first_registered,
                   max(f.registered) AS last_registered, max(f.registered - f.hi) AS max_lag,
                   count(*) FILTER (WHERE l.out_of_order) AS out_of_order_files
            FROM day_files d JOIN file f USING (path) JOIN late l USING (path)
            GROUP BY d.deviceid, d.message, d.day
          )
          SELECT deviceid, message, CAST(day AS VARCHAR) AS day, files, rows, first_t, last_t,
                 max_step / 1e6 AS max_gap_s, over, first_registered, last_registered,
                 max_lag / 3.6e9 AS max_lag_h, out_of_order_files
          FROM per_day JOIN per_day_files USING (deviceid, message, day)
          """
              .formatted(Math.round(gapLimitSeconds * 1e6));
      List<Row> rows = new ArrayList<>();
      try (ResultSet rs = statement.executeQuery(sql)) {
        while (rs.next()) {
          rows.add(
              new Row(
                  rs.getString("deviceid"),
                  rs.getString("message"),
                  LocalDate.parse(rs.getString("day")),
                  rs.getInt("files"),
                  rs.getLong("rows"),
                  rs.getLong("first_t"),
                  rs.getLong("last_t"),
                  DuckDbRaw.nullableDouble(rs, "max_gap_s"),
                  rs.getLong("over"),
                  DuckDbRaw.nullableLong(rs, "first_registered"),
                  DuckDbRaw.nullableLong(rs, "last_registered"),
                  DuckDbRaw.nullableDouble(rs, "max_lag_h"),
                  rs.getInt("out_of_order_files")));
        }
      }
      rows.sort(
          Comparator.comparing(Row::deviceid).thenComparing(Row::message).thenComparing(Row::day));
      return rows;
    } catch (SQLException e) {
      throw new IllegalStateException("DuckDB device-day computation failed: " + e.getMessage(), e);
    }
  }
}
