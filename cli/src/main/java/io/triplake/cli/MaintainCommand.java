package io.triplake.cli;

import io.triplake.lake.Json;
import io.triplake.lake.Lake;
import io.triplake.maintenance.TableMaintainer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "maintain",
    mixinStandardHelpOptions = true,
    description =
        "Compact trips.tripsummary, rewrite manifests, expire snapshots outside the time-travel"
            + " window and delete tripsummary's orphan files; raw tables get a manifest rewrite and"
            + " a metadata-only expiry, never a file deleted.")
final class MaintainCommand implements Callable<Integer> {
  @Mixin LakeOptions lakeOptions;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--dry-run", description = "Print the plan; commit nothing, delete nothing.")
  boolean dryRun;

  @Option(
      names = "--retention-days",
      paramLabel = "N",
      defaultValue = "" + TableMaintainer.RETENTION_DAYS_DEFAULT,
      description =
          "Time travel stays possible to any moment of the last N days (default:"
              + " ${DEFAULT-VALUE}).")
  int retentionDays;

  @Option(
      names = "--orphan-margin-hours",
      paramLabel = "N",
      defaultValue = "" + TableMaintainer.ORPHAN_MARGIN_HOURS_DEFAULT,
      description =
          "Unreferenced files younger than this are never deleted (default: ${DEFAULT-VALUE}, at"
              + " least "
              + TableMaintainer.ORPHAN_MARGIN_HOURS_MIN
              + ").")
  int orphanMarginHours;

  @Option(
      names = "--target-file-size-mb",
      paramLabel = "N",
      defaultValue = "" + TableMaintainer.TARGET_FILE_SIZE_MB_DEFAULT,
      description = "Size of the data files compaction writes (default: ${DEFAULT-VALUE}).")
  int targetFileSizeMb;

  @Option(names = "--skip-raw", description = "Leave the raw tables alone.")
  boolean skipRaw;

  @Option(names = "--skip-tripsummary", description = "Leave trips.tripsummary alone.")
  boolean skipTripSummary;

  @Option(
      names = "--option",
      paramLabel = "KEY=VALUE",
      description =
          "A step switch such as tripsummary.delete-orphan-files=false (see the README); options"
              + " that would rewrite or delete raw files are refused.")
  Map<String, String> options = new LinkedHashMap<>();

  @Option(
      names = "--run-id",
      paramLabel = "ID",
      description = "Run id for the snapshot summaries (default: random).")
  String runId;

  @Override
  public Integer call() {
    maintain(lakeOptions.lake(), spec.commandLine().getOut());
    return 0;
  }

  TableMaintainer.Result maintain(Lake lake, PrintWriter out) {
    SparkSession spark = Sessions.open(lake, "trip-lake maintain");
    TableMaintainer maintainer =
        TableMaintainer.of(lake, spark)
            .retentionDays(retentionDays)
            .orphanMarginHours(orphanMarginHours)
            .targetFileSizeMb(targetFileSizeMb)
            .options(options);
    if (dryRun) {
      maintainer.dryRun();
    }
    if (skipRaw) {
      maintainer.skipRawTables();
    }
    if (skipTripSummary) {
      maintainer.skipTripSummary();
    }
    if (runId != null) {
      maintainer.runId(runId);
    }
    TableMaintainer.Result result = maintainer.execute();
    Path report = lakeOptions.reportDir().resolve("maintain-" + result.runId() + ".json");
    Json.write(result, report);
    out.println(result.summary());
    out.println(
        TablePrinter.format(
            List.of(
                "table",
                "data_files",
                "delete_files",
                "manifests",
                "snapshots",
                "expired",
                "files_deleted",
                "orphans_deleted",
                "seconds"),
            result.tables().stream()
                .map(
                    t ->
                        List.<Object>of(
                            t.table(),
                            t.before().dataFiles() + " -> " + t.after().dataFiles(),
                            t.before().deleteFiles() + " -> " + t.after().deleteFiles(),
                            t.before().manifests() + " -> " + t.after().manifests(),
                            t.before().snapshots() + " -> " + t.after().snapshots(),
                            t.expiry().snapshotsExpired(),
                            t.expiry().filesDeleted(),
                            t.orphanFilesDeleted(),
                            String.format("%.1f", t.seconds())))
                .toList()));
    for (TableMaintainer.TableResult table : result.tables()) {
      if (dryRun || !table.notes().isEmpty()) {
        out.println(table.table() + ":");
        if (dryRun) {
          table.plan().forEach(line -> out.println("  " + line));
        }
        table.notes().forEach(note -> out.println("  note: " + note));
      }
    }
    out.println("Report: " + report);
    out.flush();
    return result;
  }
}
