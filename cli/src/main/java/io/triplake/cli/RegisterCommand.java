package io.triplake.cli;

import io.triplake.ingest.RawFileRegistrar;
import io.triplake.lake.Json;
import io.triplake.lake.Lake;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.iceberg.io.FileIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "register",
    mixinStandardHelpOptions = true,
    description =
        "Register raw <deviceid>/<message>/yyyy/mm/dd/*.parquet files into raw.<message> tables, in"
            + " place.")
final class RegisterCommand implements Callable<Integer> {
  @Mixin LakeOptions lakeOptions;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin SourceOptions sourceOptions;

  @Option(
      names = "--reconcile",
      description =
          "Check every folder, and report registered files that vanished or changed size.")
  boolean reconcile;

  @Option(
      names = "--run-id",
      paramLabel = "ID",
      description = "Run id for the snapshot summaries (default: random).")
  String runId;

  @Option(
      names = "--parallelism",
      paramLabel = "N",
      defaultValue = "" + RawFileRegistrar.PARALLELISM_DEFAULT,
      description = "Footer reads in flight (default: ${DEFAULT-VALUE}).")
  int parallelism;

  @Override
  public Integer call() {
    RawFileRegistrar.Result result = register(lakeOptions.lake(), spec.commandLine().getOut());
    return result.clean() ? 0 : TripLake.EXIT_REJECTED;
  }

  RawFileRegistrar.Result register(Lake lake, PrintWriter out) {
    RawFileRegistrar.Result result;
    try (FileIO io = lake.sourceIO(parallelism)) {
      RawFileRegistrar registrar =
          RawFileRegistrar.of(lake, lake.catalog(), io)
              .source(sourceOptions.source)
              .parallelism(parallelism);
      if (sourceOptions.lastDays != null) {
        registrar.lastDays(sourceOptions.lastDays, sourceOptions.until());
      }
      if (reconcile) {
        registrar.reconcile();
      }
      if (runId != null) {
        registrar.runId(runId);
      }
      result = registrar.execute();
    }
    Path report = lakeOptions.reportDir().resolve("register-" + result.runId() + ".json");
    Json.write(result, report);
    Reports.printRegistration(result, out);
    out.println("Report: " + report);
    out.flush();
    return result;
  }
}
