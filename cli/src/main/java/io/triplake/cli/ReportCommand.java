package io.triplake.cli;

import io.triplake.lake.Lake;
import io.triplake.report.TripReport;
import io.triplake.trips.TripConfig;
import java.io.PrintWriter;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.io.FileIO;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description =
        "Write the trip report: one self-contained HTML file (opens offline) with the trips'"
            + " timeline per device, the longest trips' speed and path, data coverage, lateness and"
            + " rejected files per device and day, and the headline figures (docs/report.md).")
final class ReportCommand implements Callable<Integer> {
  @Mixin LakeOptions lakeOptions;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--from",
      paramLabel = "YYYY-MM-DD",
      description = "First UTC day of trip starts (default: the first there is).")
  LocalDate from;

  @Option(
      names = "--to",
      paramLabel = "YYYY-MM-DD",
      description = "Last UTC day of trip starts (default: the last there is).")
  LocalDate to;

  @Option(
      names = "--device",
      paramLabel = "ID",
      split = ",",
      description = "Only these devices (repeat or separate with commas; default: every device).")
  List<String> devices = new ArrayList<>();

  @Option(
      names = "--trips",
      paramLabel = "N",
      defaultValue = "" + TripReport.LONGEST_TRIPS_DEFAULT,
      description =
          "How many of the longest trips get their speed profile and path (default:"
              + " ${DEFAULT-VALUE}).")
  int trips;

  @Option(
      names = "--points",
      paramLabel = "N",
      defaultValue = "" + TripReport.POINTS_PER_TRIP_DEFAULT,
      description =
          "At most N points per speed profile and per path, downsampled (default:"
              + " ${DEFAULT-VALUE}).")
  int points;

  @Option(
      names = "--config",
      paramLabel = "FILE_OR_URI",
      description =
          "Aggregation config (as aggregate's): where each cluster's speed and positions are;"
              + " default: the raw tables named like the vendor's GNSS messages.")
  String config;

  @Option(
      names = "--run-id",
      paramLabel = "ID",
      description =
          "Run id, printed with the summary (submit and the Airflow DAG pass theirs; default:"
              + " none).")
  String runId;

  @ArgGroup(multiplicity = "1")
  Output output;

  /** Where the file goes: exactly one of the two. */
  static final class Output {
    @Option(
        names = "--out",
        paramLabel = "FILE_OR_URI",
        description = "The HTML file to write: a local path or s3://bucket/key.")
    String location;

    @Option(
        names = "--out-in-warehouse",
        paramLabel = "PATH",
        description =
            "Write to PATH under the catalog's warehouse location (reports/trip-report.html), as"
                + " the Airflow DAG does.")
    String warehousePath;
  }

  @Override
  public Integer call() {
    Lake lake = lakeOptions.lake();
    String location =
        output.location != null ? output.location : inWarehouse(lake, output.warehousePath);
    report(lake, location, spec.commandLine().getOut());
    return 0;
  }

  TripReport.Result report(Lake lake, String location, PrintWriter out) {
    TripReport report =
        TripReport.of(lake).longestTrips(trips).pointsPerTrip(points).output(location);
    if (from != null) {
      report.from(from);
    }
    if (to != null) {
      report.to(to);
    }
    devices.forEach(report::device);
    if (config != null) {
      try (FileIO io = lake.sourceIO()) {
        report.config(TripConfig.read(io, config));
      }
    }
    TripReport.Result result = report.execute();
    out.println(result.summary() + (runId == null ? "" : " (run " + runId + ")"));
    out.println("Report: " + result.location());
    out.flush();
    return result;
  }

  /** {@code path} under the catalog's {@code warehouse} property. */
  static String inWarehouse(Lake lake, String path) {
    String warehouse = lake.catalogProperties().get(CatalogProperties.WAREHOUSE_LOCATION);
    if (warehouse == null || warehouse.isBlank()) {
      throw new IllegalArgumentException(
          "Cannot write the trip report: the catalog has no 'warehouse' property for"
              + " --out-in-warehouse ("
              + path
              + ")");
    }
    if (path.isBlank() || path.startsWith("/") || path.contains("://") || path.contains("..")) {
      throw new IllegalArgumentException(
          "Cannot write the trip report: --out-in-warehouse needs a relative path without '..' ("
              + path
              + ")");
    }
    return warehouse.replaceAll("/+$", "") + "/" + path;
  }
}
