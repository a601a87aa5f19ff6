package io.triplake.cli;

import io.triplake.ingest.RawFileRegistrar;
import io.triplake.lake.Lake;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Register the bundled real CANedge sample lake and show what is in it.")
final class DemoCommand implements Callable<Integer> {
  /** The demo's trip report, in the lake's reports folder. */
  static final String REPORT_FILE = "trip-report.html";

  @Mixin LakeOptions lakeOptions;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--sample",
      paramLabel = "DIR",
      description = "Raw lake to use (default: the bundled sample-data/canedge-sample).")
  Path sample;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    Path source =
        sample != null
            ? sample
            : Path.of(System.getProperty("trip-lake.home", "."), "sample-data", "canedge-sample");
    if (!Files.isDirectory(source)) {
      throw new IllegalArgumentException(
          "Cannot run the demo: sample lake not found (" + source + ")");
    }
    Lake lake = lakeOptions.lake();
    out.println("== 1. Register the raw files in place (" + source + ")");
    RegisterCommand register = new RegisterCommand();
    register.lakeOptions = lakeOptions;
    register.sourceOptions = SourceOptions.of(source.toString());
    register.parallelism = RawFileRegistrar.PARALLELISM_DEFAULT;
    RawFileRegistrar.Result result = register.register(lake, out);

    SparkSession spark = Sessions.open(lake, "trip-lake demo");
    out.println();
    out.println("== 2. What the raw tables hold, per device (Iceberg metadata: raw.<table>.files)");
    SqlCommand.print(spark.sql(registeredPerDevice(lake)), SqlCommand.Format.table, 1000, out);
    out.println();
    out.println("== 3. Query the raw data: GNSS speed per device (raw.can2_gnss_speed)");
    SqlCommand.print(
        spark.sql(
            "SELECT device_id, count(*) AS rows, min(t) AS first_t, max(t) AS last_t, "
                + "round(avg(speed), 2) AS avg_speed, round(max(speed), 2) AS max_speed "
                + "FROM "
                + lake.rawTable("can2_gnss_speed")
                + " GROUP BY device_id ORDER BY device_id"),
        SqlCommand.Format.table,
        1000,
        out);
    out.println();
    // The sample's config sits beside it: sample-data/aggregations.json.
    Path config = source.toAbsolutePath().getParent().resolve("aggregations.json");
    out.println("== 4. Summarise trips (" + config + ")");
    AggregateCommand aggregate = new AggregateCommand();
    aggregate.lakeOptions = lakeOptions;
    aggregate.config = config.toString();
    aggregate.aggregate(lake, out);
    out.println();
    out.println("== 5. The trips: how long, how far, from where to where (trips.trips)");
    SqlCommand.print(spark.sql(tripsQuery(lake)), SqlCommand.Format.table, 1000, out);
    out.println();
    out.println("== 6. What each logger sent, per day: gaps, lateness, order (trips.devicedays)");
    SqlCommand.print(spark.sql(deviceDaysQuery(lake)), SqlCommand.Format.table, 1000, out);
    out.println();
    out.println("== 7. The trip report: timeline, speed and path, coverage (one HTML file)");
    ReportCommand report = new ReportCommand();
    report.lakeOptions = lakeOptions;
    report.config = config.toString();
    report.trips = io.triplake.report.TripReport.LONGEST_TRIPS_DEFAULT;
    report.points = io.triplake.report.TripReport.POINTS_PER_TRIP_DEFAULT;
    report.report(lake, lakeOptions.reportDir().resolve(REPORT_FILE).toString(), out);
    out.println();
    out.println(
        "Try: ./trip-lake sql \"SELECT * FROM "
            + lake.tripsTable("tripsummary")
            + " WHERE deviceid = '3BA199E2' LIMIT 20\" (every configured aggregation per trip)");
    return result.clean() ? 0 : TripLake.EXIT_REJECTED;
  }

  /**
   * One line per trip from the trips table: duration, distance, start and end places, top speed and
   * idle time (NULL where the cluster has no GNSS position or speed message).
   */
  static String tripsQuery(Lake lake) {
    return "SELECT cluster, deviceid, tripstart, tripend, round(duration_s / 60, 1) AS minutes,"
        + " round(distance_km, 2) AS km, round(start_lat, 5) AS start_lat, round(start_lon, 5) AS"
        + " start_lon, round(end_lat, 5) AS end_lat, round(end_lon, 5) AS end_lon,"
        + " round(max_speed_kmh, 1) AS max_kmh, round(idle_s / 60, 1) AS idle_min, fixes FROM "
        + lake.tripsTable("trips")
        + " ORDER BY cluster, deviceid, tripstart";
  }

  /**
   * One line per logger and UTC day from devicedays, every message together: what arrived, the
   * longest silence, how late the files came and how many came after newer ones.
   */
  static String deviceDaysQuery(Lake lake) {
    return "SELECT deviceid, day, count(*) AS messages, sum(files) AS files, sum(rows) AS rows,"
        + " sum(gaps_over_limit) AS gaps_over_limit, round(max(max_gap_s) / 60, 1) AS max_gap_min,"
        + " round(max(max_lag_h), 1) AS max_lag_h, sum(out_of_order_files) AS out_of_order FROM "
        + lake.tripsTable("devicedays")
        + " GROUP BY deviceid, day ORDER BY deviceid, day";
  }

  private static String registeredPerDevice(Lake lake) {
    StringBuilder sql = new StringBuilder();
    var tables = lake.catalog().listTables(lake.rawNamespace());
    // The raw tables only: the raw namespace also holds the rejected-files table.
    for (var table :
        tables.stream().filter(t -> io.triplake.lake.RawPath.isMessageTable(t.name())).toList()) {
      if (!sql.isEmpty()) {
        sql.append(" UNION ALL ");
      }
      sql.append("SELECT partition.device_id AS device_id, '")
          .append(table.name())
          .append("' AS tbl, file_path, record_count, " + "file_size_in_bytes FROM ")
          .append(table)
          .append(".files");
    }
    return "SELECT device_id, count(DISTINCT tbl) AS tables, count(*) AS files, sum(record_count)"
        + " AS rows, sum(file_size_in_bytes) AS bytes FROM ("
        + sql
        + ") GROUP BY device_id ORDER BY device_id";
  }
}
