package io.triplake.cli;

import io.triplake.ingest.RawFileRegistrar;
import io.triplake.lake.Json;
import io.triplake.lake.Lake;
import io.triplake.trips.TripConfig;
import io.triplake.trips.TripIngest;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.iceberg.io.FileIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "ingest",
    mixinStandardHelpOptions = true,
    description =
        "register then aggregate in one run that reads each new raw file once (a few devices at a"
            + " time, each new file kept on local disk between the two)")
final class IngestCommand implements Callable<Integer> {
  @Mixin LakeOptions lakeOptions;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin SourceOptions sourceOptions;

  @Option(
      names = "--config",
      required = true,
      paramLabel = "FILE_OR_URI",
      description = "Aggregation config (aggregations.json); local or s3://.")
  String config;

  @Option(
      names = "--batch-bytes",
      paramLabel = "BYTES",
      description =
          "Listed bytes per part, whole devices (default "
              + TripIngest.BATCH_BYTES_DEFAULT
              + "): the local disk the kept files need.")
  Long batchBytes;

  @Option(
      names = "--keep-dir",
      paramLabel = "DIR",
      description =
          "Where new files are kept between registration and the trip job (default: tmp).")
  Path keepDir;

  @Option(
      names = "--parallelism",
      paramLabel = "N",
      defaultValue = "" + RawFileRegistrar.PARALLELISM_DEFAULT,
      description = "File reads in flight (default: ${DEFAULT-VALUE}).")
  int parallelism;

  @Option(
      names = "--run-id",
      paramLabel = "ID",
      description = "Run id; each part's is ID-N (default: random).")
  String runId;

  @Override
  public Integer call() {
    TripIngest.Result result = ingest(lakeOptions.lake(), spec.commandLine().getOut());
    return result.clean() ? 0 : TripLake.EXIT_REJECTED;
  }

  TripIngest.Result ingest(Lake lake, PrintWriter out) {
    TripIngest.Result result;
    try (FileIO io = lake.sourceIO(parallelism)) {
      TripConfig tripConfig = TripConfig.read(io, config);
      TripIngest ingest =
          TripIngest.of(lake, io, () -> Sessions.open(lake, "trip-lake ingest"), tripConfig)
              .source(sourceOptions.source)
              .parallelism(parallelism);
      if (sourceOptions.lastDays != null) {
        ingest.lastDays(sourceOptions.lastDays, sourceOptions.until());
      }
      if (batchBytes != null) {
        ingest.batchBytes(batchBytes);
      }
      if (keepDir != null) {
        ingest.keepDir(keepDir);
      }
      if (runId != null) {
        ingest.runId(runId);
      }
      result = ingest.execute();
    }
    Path report = lakeOptions.reportDir().resolve("ingest-" + result.runId() + ".json");
    Json.write(result, report);
    for (TripIngest.Part part : result.parts()) {
      Reports.printRegistration(part.registered(), out);
      if (part.aggregated() != null) {
        out.println(part.aggregated().summary());
      }
    }
    out.println(result.summary());
    out.println("Report: " + report);
    out.flush();
    return result;
  }
}
