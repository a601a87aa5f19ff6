package io.triplake.bench;

import io.triplake.bench.DuckDbTrips.TripSpec;
import io.triplake.trips.TripConfig;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The per-trip table ({@code trips.trips}, one row per trip) computed by DuckDB straight from the
 * raw CANedge Parquet files: an oracle that shares nothing with the Java job but the definition.
 * Java only orchestrates; every value is computed in DuckDB SQL.
 *
 * <p>The definition, per cluster ({@link Spec}) and device:
 *
 * <ul>
 *   <li>Trips: exactly those {@link DuckDbTrips} cuts from the same cluster, devices, identifier
 *       message, gap and minimum length, with the same {@code tripid}, {@code tripstart} and {@code
 *       tripend}; {@code tripdate} is the UTC date of {@code tripstart}; {@code duration_s} is
 *       {@code tripend - tripstart} in epoch microseconds, divided once by 1e6.
 *   <li>Position ({@link Position}): a valid fix is a row of the position message with {@code
 *       tripstart <= t <= tripend} whose latitude and longitude are both non-NULL, not NaN, {@code
 *       |lat| <= 90}, {@code |lon| <= 180}, and not both exactly 0. Fixes are ordered by (t,
 *       latitude, longitude). {@code fixes} counts them (0 when none, never NULL); {@code
 *       start_lat/lon} is the first, {@code end_lat/lon} the last; {@code distance_km} sums the
 *       haversine distance between consecutive fixes on a sphere of radius {@value
 *       #EARTH_RADIUS_KM} km: {@code 2 R asin(sqrt(sin²((φ2-φ1)/2) + cos φ1 cos φ2
 *       sin²((λ2-λ1)/2)))}, radians(x) = x π / 180. One fix: 0.0. No fix: positions and distance
 *       NULL.
 *   <li>Speed ({@link Speed}): samples are the rows of the speed message with {@code tripstart <= t
 *       <= tripend} and a non-NULL, non-NaN speed, ordered by (t, speed). Each step from sample i
 *       to i+1 lasts {@code t[i+1] - t[i]} microseconds and is idle when {@code speed[i] <=
 *       idle_speed}, else moving; {@code moving_s} and {@code idle_s} are the exact integer sums of
 *       their microseconds divided by 1e6. {@code max_speed_kmh} is max(speed) × 3.6 for m/s,
 *       max(speed) for km/h. No samples: all three NULL; one sample: max set, 0.0 moving and idle.
 *   <li>{@code identifier_rows}: the rows of the identifier message with {@code tripstart <= t <=
 *       tripend}, whatever their values; {@code max_gap_s}: the largest difference between
 *       consecutive such rows in t order, in microseconds / 1e6, 0.0 for a single row.
 *   <li>A cluster without a position message has NULL positions and distance and 0 fixes; without a
 *       speed message, NULL speed columns. A configured message without files is the same.
 * </ul>
 *
 * <p>Timestamps and signal names as in {@link DuckDbTrips}: {@code t} with isAdjustedToUTC true or
 * false is the same epoch microseconds, and signals bind case-insensitively.
 *
 * <p>Two things the definition leaves to arithmetic: {@code distance_km} is summed with Kahan
 * compensation ({@code fsum}), so the total does not depend on the order DuckDB merges partial sums
 * in and may differ from a left-to-right sum in the last bits; and the formula is evaluated as
 * written, so two consecutive (near-)antipodal fixes, whose {@code sqrt(...)} can round above 1,
 * give NaN.
 */
public final class DuckDbTripTable {
  /** The radius of the sphere distances are measured on, km (the mean Earth radius). */
  public static final double EARTH_RADIUS_KM = 6371.0088;

  /** The idle threshold when none is configured, in m/s. */
  public static final double IDLE_SPEED_MPS_DEFAULT = 0.5;

  /** The unit of a speed signal, as the config writes it. */
  public enum SpeedUnit {
    MPS("m/s", "3.6", IDLE_SPEED_MPS_DEFAULT),
    KMH("km/h", "1", IDLE_SPEED_MPS_DEFAULT * 3.6);

    private final String label;
    private final String toKmh;
    private final double defaultIdleSpeed;

    SpeedUnit(String label, String toKmh, double defaultIdleSpeed) {
      this.label = label;
      this.toKmh = toKmh;
      this.defaultIdleSpeed = defaultIdleSpeed;
    }

    /** {@code m/s} or {@code km/h}. */
    public String label() {
      return label;
    }

    /** 0.5 m/s in this unit: 0.5 for m/s, 1.8 for km/h. */
    public double defaultIdleSpeed() {
      return defaultIdleSpeed;
    }

    public static SpeedUnit of(String label) {
      for (SpeedUnit unit : values()) {
        if (unit.label.equals(label)) {
          return unit;
        }
      }
      throw new IllegalArgumentException("Unknown speed unit " + label + " (m/s or km/h)");
    }
  }

  /** Where a trip's fixes come from: two signals of the same message (the same rows). */
  public record Position(String message, String latitude, String longitude) {
    public static final String LATITUDE_DEFAULT = "Latitude";
    public static final String LONGITUDE_DEFAULT = "Longitude";

    public Position {
      Objects.requireNonNull(message, "message");
      Objects.requireNonNull(latitude, "latitude");
      Objects.requireNonNull(longitude, "longitude");
    }

    /** The message with the default signals {@code Latitude} and {@code Longitude}. */
    public static Position of(String message) {
      return new Position(message, LATITUDE_DEFAULT, LONGITUDE_DEFAULT);
    }
  }

  /**
   * Where a trip's speed samples come from.
   *
   * @param idleSpeed in {@code unit}: a step whose starting speed is at most this is idle
   */
  public record Speed(String message, String signal, SpeedUnit unit, double idleSpeed) {
    public static final String SIGNAL_DEFAULT = "Speed";

    public Speed {
      Objects.requireNonNull(message, "message");
      Objects.requireNonNull(signal, "signal");
      Objects.requireNonNull(unit, "unit");
      if (!Double.isFinite(idleSpeed)) {
        throw new IllegalArgumentException(
            "Speed " + message + "." + signal + ": idleSpeed must be finite, not " + idleSpeed);
      }
    }

    /** The signal in {@code unit} with the default idle threshold (0.5 m/s in that unit). */
    public static Speed of(String message, String signal, SpeedUnit unit) {
      return new Speed(message, signal, unit, unit.defaultIdleSpeed());
    }

    /** The message with the default signal {@code Speed} in m/s, idle at 0.5 m/s. */
    public static Speed of(String message) {
      return of(message, SIGNAL_DEFAULT, SpeedUnit.MPS);
    }
  }

  /**
   * One cluster's trip table: its trips as in {@link TripSpec}, and where fixes and speed come
   * from.
   *
   * @param cluster the name the output rows carry; unique among the specs of one call
   * @param devices the devices to cover; empty for every device with identifier rows
   * @param identifierMessage the message whose rows cut the trips
   * @param gapMinutes a gap strictly longer than this opens a new trip
   * @param minLengthMinutes shorter trips are dropped
   * @param position null for none: no fixes
   * @param speed null for none: no speed columns
   */
  public record Spec(
      String cluster,
      Set<String> devices,
      String identifierMessage,
      double gapMinutes,
      double minLengthMinutes,
      Position position,
      Speed speed)
      implements DuckDbRaw.Cut {
    public Spec {
      DuckDbRaw.checkCut(cluster, identifierMessage, gapMinutes, minLengthMinutes);
      devices = Set.copyOf(devices);
    }

    /** The trips of a tripsummary spec, with no position and no speed. */
    public static Spec of(TripSpec trips) {
      return new Spec(
          trips.cluster(),
          trips.devices(),
          trips.identifierMessage(),
          trips.gapMinutes(),
          trips.minLengthMinutes(),
          null,
          null);
    }

    /** This spec with another position (null for none). */
    public Spec withPosition(Position other) {
      return new Spec(
          cluster, devices, identifierMessage, gapMinutes, minLengthMinutes, other, speed);
    }

    /** This spec with another speed (null for none). */
    public Spec withSpeed(Speed other) {
      return new Spec(
          cluster, devices, identifierMessage, gapMinutes, minLengthMinutes, position, other);
    }
  }

  /**
   * One trip. Components are named as the table's columns; doubles are as computed, absent values
   * null.
   */
  public record Row(
      String deviceid,
      String cluster,
      String tripid,
      Instant tripstart,
      Instant tripend,
      LocalDate tripdate,
      double duration_s,
      long fixes,
      Double start_lat,
      Double start_lon,
      Double end_lat,
      Double end_lon,
      Double distance_km,
      Double max_speed_kmh,
      Double moving_s,
      Double idle_s,
      long identifier_rows,
      double max_gap_s) {}

  private DuckDbTripTable() {}

  /**
   * The specs that mean the same as a trip-aggregator config over a lake whose devices are known:
   * the trips of {@link DuckDbTrips#specs}, each with the default position and speed of its
   * cluster's messages ({@link #withDefaults}).
   *
   * <p>A cluster's {@code details.trip_table} as {@link TripConfig} parsed it: a part named there
   * is taken as named, a part turned off (or found nowhere) stays off, and a part the job found by
   * the vendor's names is found again here, by this class's own rule.
   */
  public static List<Spec> specs(TripConfig config, Set<String> devicesInLake) {
    Map<String, TripConfig.TripTable> tables = new HashMap<>();
    config.clusters().forEach(c -> tables.put(c.name(), c.tripTable()));
    return DuckDbTrips.specs(config, devicesInLake).stream()
        .map(
            trips -> {
              Spec spec = withDefaults(trips);
              TripConfig.TripTable table = tables.get(trips.cluster());
              TripConfig.Position p = table.position();
              TripConfig.Speed v = table.speed();
              return spec.withPosition(
                      p == null
                          ? null
                          : p.explicit()
                              ? new Position(p.message(), p.latitude(), p.longitude())
                              : spec.position())
                  .withSpeed(
                      v == null
                          ? null
                          : v.explicit()
                              ? new Speed(
                                  v.message(), v.signal(), SpeedUnit.of(v.unit()), v.idleSpeed())
                              : spec.speed());
            })
        .toList();
  }

  /**
   * The trips of a tripsummary spec with the defaults its messages (the identifier message and
   * those it aggregates) give: {@link #defaultPosition} and {@link #defaultSpeed}.
   */
  public static Spec withDefaults(TripSpec trips) {
    Set<String> messages = new LinkedHashSet<>();
    messages.add(trips.identifierMessage());
    trips.aggregates().forEach(a -> messages.add(a.message()));
    return Spec.of(trips)
        .withPosition(defaultPosition(trips.cluster(), messages).orElse(null))
        .withSpeed(defaultSpeed(trips.cluster(), messages).orElse(null));
  }

  /**
   * The message among a cluster's whose name ends with {@code _gnss_pos} or {@code GnssPos} (case
   * ignored), with signals {@code Latitude} and {@code Longitude}; empty when none does.
   *
   * <p>When several do, the first (the cluster's messages in config order: identifier, then
   * aggregations).
   */
  public static Optional<Position> defaultPosition(String cluster, Collection<String> messages) {
    return theOne(cluster, messages, "_gnss_pos", "gnsspos").map(Position::of);
  }

  /**
   * The message among a cluster's whose name ends with {@code _gnss_speed} or {@code GnssSpeed}
   * (case ignored), with signal {@code Speed} in m/s, idle at 0.5; empty when none does.
   *
   * <p>When several do, the first.
   */
  public static Optional<Speed> defaultSpeed(String cluster, Collection<String> messages) {
    return theOne(cluster, messages, "_gnss_speed", "gnssspeed").map(Speed::of);
  }

  private static Optional<String> theOne(
      String cluster, Collection<String> messages, String... lowerCaseSuffixes) {
    Predicate<String> matches =
        m -> {
          String lower = m.toLowerCase(Locale.ROOT);
          for (String suffix : lowerCaseSuffixes) {
            if (lower.endsWith(suffix)) {
              return true;
            }
          }
          return false;
        };
    return new LinkedHashSet<>(messages).stream().filter(matches).findFirst();
  }

  /** {@link #compute(Path, List, int)} with as many DuckDB threads as cores. */
  public static List<Row> compute(Path rawRoot, List<Spec> specs) {
    return compute(rawRoot, specs, 0);
  }

  /**
   * The trip rows of every spec over every raw file below {@code rawRoot}.
   *
   * @param threads DuckDB worker threads; 0 or less for DuckDB's default (one per core)
   * @return rows sorted by cluster, deviceid, tripstart
   */
  public static List<Row> compute(Path rawRoot, List<Spec> specs, int threads) {
    try (DuckDbRaw raw = DuckDbRaw.open(rawRoot, specs, DuckDbTripTable::messages, threads)) {
      List<Row> rows = new ArrayList<>();
      for (Spec spec : specs) {
        // No identifier files: no trips.
        if (raw.columns(spec.identifierMessage()).isPresent()) {
          rows.addAll(tripRows(raw, spec));
        }
      }
      rows.sort(
          Comparator.comparing(Row::cluster)
              .thenComparing(Row::deviceid)
              .thenComparing(Row::tripstart));
      return rows;
    } catch (SQLException e) {
      throw new IllegalStateException("DuckDB trip table computation failed: " + e.getMessage(), e);
    }
  }

  private static List<String> messages(Spec spec) {
    List<String> messages = new ArrayList<>();
    if (spec.position() != null) {
      messages.add(spec.position().message());
    }
    if (spec.speed() != null) {
      messages.add(spec.speed().message());
    }
    return messages;
  }

  /** One query for a cluster's trips: every trip, with its fixes, speed and identifier rows. */
  private static List<Row> tripRows(DuckDbRaw raw, Spec spec) throws SQLException {
    boolean hasPosition =
        spec.position() != null && raw.columns(spec.position().message()).isPresent();
    boolean hasSpeed = spec.speed() != null && raw.columns(spec.speed().message()).isPresent();
    String sql =
        """
        WITH
        trip AS (SELECT deviceid, tripstart, tripend FROM trips WHERE cluster = %s),
        -- The identifier rows of each trip: how many, and the longest step between consecutive ones.
        identifier AS (
          SELECT deviceid, tripstart, count(*) AS identifier_rows, coalesce(max(step), 0) AS max_gap
          FROM (SELECT deviceid, tripstart, lead(t) OVER (PARTITION BY deviceid, tripstart ORDER BY t) - t AS step
                FROM (%s))
          GROUP BY deviceid, tripstart
        )%s%s
        SELECT deviceid, tripstart, tripend, %s AS tripid,
               CAST(make_timestamp(tripstart)::DATE AS VARCHAR) AS tripdate,
               (tripend - tripstart) / 1e6 AS duration_s,
               %s,
               %s,
               identifier_rows, max_gap / 1e6 AS max_gap_s
        FROM trip
        JOIN identifier USING (deviceid, tripstart)%s%s
        """
            .formatted(
                DuckDbRaw.literal(spec.cluster()),
                DuckDbRaw.inTripSql(spec, spec.identifierMessage(), List.of()),
                hasPosition ? ",\n" + positionSql(raw, spec) : "",
                hasSpeed ? ",\n" + speedSql(raw, spec) : "",
                DuckDbRaw.TRIPID_SQL,
                hasPosition
                    ? "coalesce(fixes, 0) AS fixes, start_lat, start_lon, end_lat, end_lon,"
                        + " distance_km"
                    : "0::BIGINT AS fixes, NULL::DOUBLE AS start_lat, NULL::DOUBLE AS start_lon,"
                        + " NULL::DOUBLE AS end_lat, NULL::DOUBLE AS end_lon,"
                        + " NULL::DOUBLE AS distance_km",
                hasSpeed
                    ? "max_speed * CAST('"
                        + spec.speed().unit().toKmh
                        + "' AS DOUBLE) AS max_speed_kmh, moving / 1e6 AS moving_s,"
                        + " idle / 1e6 AS idle_s"
                    : "NULL::DOUBLE AS max_speed_kmh, NULL::DOUBLE AS moving_s,"
                        + " NULL::DOUBLE AS idle_s",
                hasPosition ? "\nLEFT JOIN position USING (deviceid, tripstart)" : "",
                hasSpeed ? "\nLEFT JOIN speed USING (deviceid, tripstart)" : "");

    List<Row> rows = new ArrayList<>();
    try (Statement statement = raw.connection().createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      while (rs.next()) {
        rows.add(
            new Row(
                rs.getString("deviceid"),
                spec.cluster(),
                rs.getString("tripid"),
                DuckDbRaw.instant(rs.getLong("tripstart")),
                DuckDbRaw.instant(rs.getLong("tripend")),
                LocalDate.parse(rs.getString("tripdate")),
                rs.getDouble("duration_s"),
                rs.getLong("fixes"),
                DuckDbRaw.nullableDouble(rs, "start_lat"),
                DuckDbRaw.nullableDouble(rs, "start_lon"),
                DuckDbRaw.nullableDouble(rs, "end_lat"),
                DuckDbRaw.nullableDouble(rs, "end_lon"),
                DuckDbRaw.nullableDouble(rs, "distance_km"),
                DuckDbRaw.nullableDouble(rs, "max_speed_kmh"),
                DuckDbRaw.nullableDouble(rs, "moving_s"),
                DuckDbRaw.nullableDouble(rs, "idle_s"),
                rs.getLong("identifier_rows"),
                rs.getDouble("max_gap_s")));
      }
    }
    return rows;
  }

  /**
   * CTEs {@code fix}, {@code leg}, {@code haversine} and {@code position}: the valid fixes of each
   * trip, each with the haversine distance from the previous one in (t, lat, lon) order, and per
   * trip their count, first, last and summed distance.
   */
  private static String positionSql(DuckDbRaw raw, Spec spec) {
    Position p = spec.position();
    return """
    fix AS (
      SELECT * FROM (%s)
      -- NaN is NULL here already; infinities fail the range checks.
      WHERE lat IS NOT NULL AND lon IS NOT NULL AND abs(lat) <= 90 AND abs(lon) <= 180
        AND NOT (lat = 0 AND lon = 0)
    ),
    -- Radians as x * pi / 180; the first fix of a trip has no previous one (NULL).
    leg AS (
      SELECT deviceid, tripstart, t, lat, lon,
             lag(lat) OVER w * pi() / 180 AS phi1, lat * pi() / 180 AS phi2,
             lag(lon) OVER w * pi() / 180 AS lambda1, lon * pi() / 180 AS lambda2
      FROM fix
      WINDOW w AS (PARTITION BY deviceid, tripstart ORDER BY t, lat, lon)
    ),
    haversine AS (
      SELECT *, sqrt(sin_dphi * sin_dphi + cos(phi1) * cos(phi2) * (sin_dlambda * sin_dlambda))
                AS root
      FROM (SELECT *, sin((phi2 - phi1) / 2) AS sin_dphi, sin((lambda2 - lambda1) / 2) AS sin_dlambda
            FROM leg)
    ),
    position AS (
      SELECT deviceid, tripstart, count(*) AS fixes,
             arg_min(lat, (t, lat, lon)) AS start_lat, arg_min(lon, (t, lat, lon)) AS start_lon,
             arg_max(lat, (t, lat, lon)) AS end_lat, arg_max(lon, (t, lat, lon)) AS end_lon,
             -- fsum and sum skip the first fix's NULL leg: one fix sums to 0. The root is capped
             -- at 1 (a near-antipodal leg can round above); least() would turn NULL into 1.
             coalesce(fsum(2 * CAST('%s' AS DOUBLE)
                           * asin(CASE WHEN root > 1 THEN 1.0 ELSE root END)),
                      0) AS distance_km
      FROM haversine
      GROUP BY deviceid, tripstart
    )\
    """
        .formatted(
            DuckDbRaw.inTripSql(
                spec,
                p.message(),
                List.of(
                    raw.valueSql(p.message(), p.latitude()) + " AS lat",
                    raw.valueSql(p.message(), p.longitude()) + " AS lon")),
            EARTH_RADIUS_KM);
  }

  /**
   * CTEs {@code speed_sample}, {@code speed_step} and {@code speed}: the speed samples of each
   * trip, each with the microseconds to the next in (t, speed) order, and per trip the maximum and
   * the moving and idle microseconds (exact integer sums).
   */
  private static String speedSql(DuckDbRaw raw, Spec spec) {
    Speed s = spec.speed();
    return """
    speed_sample AS (
      SELECT * FROM (%s)
      WHERE v IS NOT NULL
    ),
    -- The last sample of a trip has no next one (NULL): one sample gives 0 moving and 0 idle.
    speed_step AS (
      SELECT deviceid, tripstart, v,
             lead(t) OVER (PARTITION BY deviceid, tripstart ORDER BY t, v) - t AS step
      FROM speed_sample
    ),
    speed AS (
      SELECT deviceid, tripstart, max(v) AS max_speed,
             coalesce(sum(step) FILTER (WHERE v > CAST('%s' AS DOUBLE)), 0) AS moving,
             coalesce(sum(step) FILTER (WHERE v <= CAST('%s' AS DOUBLE)), 0) AS idle
      FROM speed_step
      GROUP BY deviceid, tripstart
    )\
    """
        .formatted(
            DuckDbRaw.inTripSql(
                spec, s.message(), List.of(raw.valueSql(s.message(), s.signal()) + " AS v")),
            s.idleSpeed(),
            s.idleSpeed());
  }
}
