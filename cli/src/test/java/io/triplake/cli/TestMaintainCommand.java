package io.triplake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.triplake.lake.Json;
import io.triplake.lake.testing.Checksums;
import io.triplake.lake.testing.SampleLake;
import io.triplake.lake.testing.SparkLakeTest;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code ./trip-lake maintain} as the DAG and a user run it. */
class TestMaintainCommand extends SparkLakeTest {
  private static CliRun run(String... args) {
    return CliRun.of(args);
  }

  @Test
  void maintainPrintsThePlanReportsAndNeverTouchesRawFiles() throws Exception {
    String lakeDir = tempDir.resolve("lake").toString();
    Path reports = tempDir.resolve("maintain-reports");
    Map<String, String> sample = Checksums.of(SampleLake.location());
    assertThat(
            run("register", "--lake", lakeDir, "--source", SampleLake.location().toString())
                .exitCode())
        .isZero();

    CliRun dry =
        run(
            "maintain",
            "--lake",
            lakeDir,
            "--dry-run",
            "--report-dir",
            reports.toString(),
            "--run-id",
            "dry-1");
    assertThat(dry.exitCode()).as(dry.err()).isZero();
    assertThat(dry.out())
        // The sample's 18 raw tables and the rejected-files table registration creates.
        .startsWith("Maintenance (dry run: nothing committed or deleted) run dry-1: 19 tables; ")
        .contains(
            "raw.can2_gnss_speed:\n"
                + "  rewrite manifests: nothing to do (1 data and 0 delete manifests)\n"
                + "  expire snapshots: 0 of 1, metadata only")
        .contains("Report: " + reports.resolve("maintain-dry-1.json"));
    var report = Json.MAPPER.readTree(reports.resolve("maintain-dry-1.json").toFile());
    assertThat(report.get("dryRun").asBoolean()).isTrue();
    assertThat(report.get("tables")).hasSize(19);
    assertThat(report.get("total").get("dataFilesBefore").asInt()).isEqualTo(165);
    assertThat(report.get("notes").get(0).asText())
        .isEqualTo("trips.tripsummary does not exist yet");

    CliRun real =
        run(
            "maintain",
            "--lake",
            lakeDir,
            "--retention-days",
            "3",
            "--report-dir",
            reports.toString(),
            "--run-id",
            "run-1");
    assertThat(real.exitCode()).as(real.err()).isZero();
    assertThat(real.out())
        .containsPattern("raw\\.can2_gnss_speed +\\| 16 -> 16 ")
        .contains("Report: ");
    assertThat(Checksums.of(SampleLake.location())).isEqualTo(sample);

    CliRun refused = run("maintain", "--lake", lakeDir, "--option", "raw.rewrite-data-files=true");
    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.err())
        .isEqualTo(
            "trip-lake maintain: Cannot rewrite the data files of raw tables: they are the loggers'"
                + " own files, registered in place; a rewrite hands them to Iceberg, whose expiry"
                + " would then delete them (raw.rewrite-data-files=true)\n");
    CliRun margin = run("maintain", "--lake", lakeDir, "--orphan-margin-hours", "2");
    assertThat(margin.exitCode()).isEqualTo(1);
    assertThat(margin.err())
        .contains("Cannot delete orphan files: the safety margin must be at least 24 hours")
        .contains("(2)");
  }
}
