package io.triplake.cli;

import io.triplake.lake.Json;
import io.triplake.lake.Lake;
import io.triplake.trips.TripAggregator;
import io.triplake.trips.TripConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.iceberg.io.FileIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "aggregate",
    mixinStandardHelpOptions = true,
    description =
        "Bring trips.tripsummary up to date with what the raw tables committed since the last run, "
            + "or reprocess one day as of a chosen time.")
final class AggregateCommand implements Callable<Integer> {
  @Mixin LakeOptions lakeOptions;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--config",
      required = true,
      paramLabel = "FILE_OR_URI",
      description =
          "Aggregation config (aggregations.json, either of CSS Electronics' formats); local or"
              + " s3://.")
  String config;

  @Option(
      names = "--reprocess-day",
      paramLabel = "YYYY-MM-DD",
      description =
          "Recompute the trips that start on this day (UTC) from today's raw files and replace its"
              + " rows in main (releases the day if it was pinned); the checkpoint stays.")
  LocalDate reprocessDay;

  @Option(
      names = "--as-of",
      paramLabel = "TIME_OR_SNAPSHOT",
      description =
          "With --reprocess-day: the raw tables as of this time with its zone"
              + " (2024-03-02T10:00:00Z, 2024-03-02T11:00:00+01:00) or snapshot id; the result goes"
              + " to the tripsummary branch asof_<day>_<moment>, main stays as it is.")
  String asOf;

  @Option(
      names = "--publish",
      description =
          "With --as-of: write the day's as-of rows into main too and pin the day (incremental runs"
              + " leave it alone and every report lists it until --reprocess-day DAY without"
              + " --as-of releases it).")
  boolean publish;

  @Option(
      names = "--empty-at-as-of",
      paramLabel = "TABLE",
      split = ",",
      description =
          "With --as-of: a raw table (raw.<message> or the message) that held no data at that"
              + " moment; without it such a table fails the run.")
  List<String> emptyAtAsOf = List.of();

  @Option(
      names = "--driver-rows-max",
      paramLabel = "ROWS",
      description =
          "Pass the trips on the driver's threads when the planned raw files hold at most ROWS"
              + " rows, in Spark tasks above (default: the system property "
              + TripAggregator.DRIVER_ROWS_MAX
              + ", else "
              + TripAggregator.DRIVER_ROWS_MAX_DEFAULT
              + ").")
  Long driverRowsMax;

  @Option(
      names = "--run-id",
      paramLabel = "ID",
      description = "Run id for the snapshot summary (default: random).")
  String runId;

  @Override
  public Integer call() {
    aggregate(lakeOptions.lake(), spec.commandLine().getOut());
    return 0;
  }

  TripAggregator.Result aggregate(Lake lake, PrintWriter out) {
    TripConfig tripConfig;
    try (FileIO io = lake.sourceIO()) {
      tripConfig = TripConfig.read(io, config);
    }
    // Spark starts only if the run needs it: a run with nothing new ends without it.
    TripAggregator aggregator =
        TripAggregator.of(lake, () -> Sessions.open(lake, "trip-lake aggregate"), tripConfig);
    if (driverRowsMax != null) {
      aggregator.driverRowsMax(driverRowsMax);
    }
    if (runId != null) {
      aggregator.runId(runId);
    }
    if (reprocessDay != null) {
      aggregator.reprocessDay(reprocessDay);
    }
    if (asOf != null) {
      aggregator.asOf(asOf);
    }
    emptyAtAsOf.forEach(aggregator::emptyAtAsOf);
    if (publish) {
      aggregator.publish();
    }
    TripAggregator.Result result = aggregator.execute();
    Path report = lakeOptions.reportDir().resolve("aggregate-" + result.runId() + ".json");
    Json.write(result, report);
    out.println(result.summary());
    if (!result.reprocessDays().isEmpty()) {
      List<LocalDate> days = result.reprocessDays();
      out.println(
          "Days computed with the previous config: "
              + days.size()
              + " ("
              + days.get(0)
              + " .. "
              + days.get(days.size() - 1)
              + "); refresh each with --reprocess-day (all listed in the report)");
    }
    if (result.branch() != null && result.snapshotId() != null) {
      String table = lake.tripsTable("tripsummary").toString();
      out.println(
          "The day as of "
              + asOf
              + " is on branch "
              + result.branch()
              + ", snapshot "
              + result.snapshotId()
              + ":");
      out.println(
          "  Spark:  SELECT * FROM "
              + table
              + " VERSION AS OF '"
              + result.branch()
              + "' WHERE tripdate = DATE '"
              + reprocessDay
              + "'");
      out.println(
          "  Athena: SELECT * FROM "
              + table
              + " FOR VERSION AS OF "
              + result.snapshotId()
              + " WHERE tripdate = DATE '"
              + reprocessDay
              + "'");
      out.println("  Write it into main with --publish (pins the day).");
    }
    if (!result.pinnedDays().isEmpty()) {
      String pinned = TripAggregator.Result.pinned(result.pinnedDays());
      out.println(Character.toUpperCase(pinned.charAt(0)) + pinned.substring(1));
    }
    out.println("Report: " + report);
    out.flush();
    return result;
  }
}
