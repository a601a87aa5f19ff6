package io.triplake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.triplake.lake.Json;
import io.triplake.lake.RawFileWriter;
import io.triplake.lake.testing.Checksums;
import io.triplake.lake.testing.SampleLake;
import io.triplake.lake.testing.SparkLakeTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The command line as a user runs it, against the lake of this test class. */
class TestTripLakeCli extends SparkLakeTest {
  private static CliRun run(String... args) {
    return CliRun.of(args);
  }

  private static String lakeDir() {
    return tempDir.resolve("lake").toString();
  }

  @Test
  void generateWritesAFleetAndTheConfigThatSummarisesIt() throws IOException {
    Path out = tempDir.resolve("generated");
    Path config = tempDir.resolve("generated-aggregations.json");
    CliRun generate =
        run(
            "generate",
            "--devices",
            "1",
            "--days",
            "1",
            "--driving-hours",
            "0.5",
            "--out",
            out.toString(),
            "--config-out",
            config.toString());
    assertThat(generate.exitCode()).as(generate.err()).isZero();
    assertThat(generate.out()).startsWith("Generated ");
    assertThat(io.triplake.trips.TripConfig.parse(Files.readString(config), "x").fingerprint())
        .isEqualTo(
            io.triplake.trips.TripConfig.parse(io.triplake.bench.FleetGenerator.CONFIG, "y")
                .fingerprint());
    try (var files = Files.walk(out)) {
      assertThat(files.filter(f -> f.toString().endsWith(".parquet")).count()).isPositive();
    }
  }

  @Test
  void demoRegistersTheSampleAndShowsIt() {
    Map<String, String> before = Checksums.of(SampleLake.location());
    String demoLake = tempDir.resolve("demo-lake").toString();
    CliRun demo = run("demo", "--lake", demoLake, "--sample", SampleLake.location().toString());
    assertThat(demo.exitCode()).as(demo.err()).isZero();
    assertThat(demo.out())
        .contains("Registered 165 files (719624 rows")
        .contains("3BA199E2  |      9 |    99 | 566248")
        .contains("(7 rows)")
        .contains("Trips full run")
        .contains("(652055 rows) read by driver")
        .contains("gnss_can2 | 3BA199E2 | 2021-07-26T04:41:10.529799 | 2021-07-26T05:20:42.454899")
        .contains("gnss_can2 | 3BA199E2 | 2021-07-26T13:13:55.090350 | 2021-07-26T14:01:01.660999")
        .contains("gnss_can9 | 7512BE4D | 2024-09-07T07:44:26.911152 | 2024-09-07T08:15:10.025253")
        // The trips table: the first drive of 3BA199E2 is 41.02 km (its odometer says 40.6).
        .containsPattern(
            "gnss_can2 \\| 3BA199E2 \\| 2021-07-26T04:41:10.529799 \\| 2021-07-26T05:20:42.454899"
                + " \\| +39\\.5 \\| +41\\.02 \\|");
    CliRun again = run("demo", "--lake", demoLake, "--sample", SampleLake.location().toString());
    assertThat(again.out())
        .contains("Registered 0 files")
        .contains("165 skipped as already registered")
        .contains("Trips incremental run")
        .contains("nothing to commit");
    assertThat(Checksums.of(SampleLake.location())).isEqualTo(before);
  }

  @Test
  void ingestRegistersAndSummarisesTheSampleInOneRunAsRegisterThenAggregateDo() {
    String ingestLake = tempDir.resolve("ingest-lake").toString();
    Path config = SampleLake.location().getParent().resolve("aggregations.json");
    CliRun ingest =
        run(
            "ingest",
            "--lake",
            ingestLake,
            "--source",
            SampleLake.location().toString(),
            "--config",
            config.toString(),
            "--batch-bytes",
            "1000000",
            "--keep-dir",
            tempDir.resolve("kept").toString());
    assertThat(ingest.exitCode()).as(ingest.err()).isZero();
    assertThat(ingest.out())
        .contains("165 files registered, 11 trips summarised")
        .containsPattern("165 files kept for the trip job, \\d+ reads served from them");
    String trips =
        "SELECT cluster, tripid, tripstart, tripend FROM trips.tripsummary GROUP BY ALL ORDER BY"
            + " ALL";
    String separateLake = tempDir.resolve("separate-lake").toString();
    run("register", "--lake", separateLake, "--source", SampleLake.location().toString());
    run("aggregate", "--lake", separateLake, "--config", config.toString());
    assertThat(run("sql", "--lake", ingestLake, "--format", "csv", trips).out())
        .hasLineCount(12)
        .isEqualTo(run("sql", "--lake", separateLake, "--format", "csv", trips).out());
    CliRun again =
        run(
            "ingest",
            "--lake",
            ingestLake,
            "--source",
            SampleLake.location().toString(),
            "--config",
            config.toString());
    assertThat(again.out()).contains("0 files registered, 0 trips summarised");
  }

  @Test
  void sqlPrintsTablesCsvAndJson() {
    run("register", "--lake", lakeDir(), "--source", SampleLake.location().toString());
    String query =
        "SELECT device_id, count(*) AS n FROM raw.can9_gnssspeed GROUP BY device_id ORDER BY"
            + " device_id";
    CliRun table = run("sql", "--lake", lakeDir(), query);
    assertThat(table.exitCode()).as(table.err()).isZero();
    assertThat(table.out())
        .isEqualTo(
            "device_id | n   \n----------+-----\n7512BE4D  | 9132\n90B52C1C  | 1788\n(2 rows)\n");
    assertThat(run("sql", "--lake", lakeDir(), "--format", "csv", query).out())
        .isEqualTo("device_id,n\n7512BE4D,9132\n90B52C1C,1788\n");
    assertThat(run("sql", "--lake", lakeDir(), "--format", "json", query).out())
        .isEqualTo(
            "{ \"device_id\" : \"7512BE4D\", \"n\" : 9132 }\n"
                + "{ \"device_id\" : \"90B52C1C\", \"n\" : 1788 }\n");
  }

  @Test
  void sqlCsvAndJsonWriteEveryValueSoThatItReadsBackIdentical() throws IOException {
    String query =
        "SELECT -9.211946902654867D AS d, 1.5E-9D AS tiny, 1.0E23D AS big, CAST('NaN' AS DOUBLE) AS"
            + " nan, CAST('-Infinity' AS DOUBLE) AS neg_inf, CAST('0.00000010' AS DECIMAL(10, 8))"
            + " AS dec, TIMESTAMP '2021-07-26 04:41:10.529799' AS t, TIMESTAMP_NTZ '2021-07-26"
            + " 04:41:00' AS t_ntz, DATE '2021-07-26' AS day, 'a, \"b\"\n"
            + "c' AS text, '' AS empty, CAST(NULL AS DOUBLE) AS missing";

    CliRun csv = run("sql", "--lake", lakeDir(), "--format", "csv", query);
    assertThat(csv.exitCode()).as(csv.err()).isZero();
    assertThat(csv.out())
        .isEqualTo(
            "d,tiny,big,nan,neg_inf,dec,t,t_ntz,day,text,empty,missing\n"
                + "-9.211946902654867,1.5E-9,1.0E23,NaN,-Infinity,0.00000010,2021-07-26T04:41:10.529799Z,2021-07-26T04:41:00.000000,2021-07-26,\"a,"
                + " \"\"b\"\"\n"
                + "c\",\"\",\n");
    String[] fields = csv.out().split("\n")[1].split(",");
    assertThat(Double.parseDouble(fields[0])).isEqualTo(-9.211946902654867);
    assertThat(Double.parseDouble(fields[1])).isEqualTo(1.5e-9);
    assertThat(Double.parseDouble(fields[2]))
        .as("Java 17's Double.toString writes 9.999999999999999E22")
        .isEqualTo(1.0e23);
    assertThat(Double.parseDouble(fields[3])).isNaN();
    assertThat(Double.parseDouble(fields[4])).isEqualTo(Double.NEGATIVE_INFINITY);

    CliRun json = run("sql", "--lake", lakeDir(), "--format", "json", query);
    assertThat(json.exitCode()).as(json.err()).isZero();
    assertThat(json.out())
        .isEqualTo(
            "{ \"d\" : -9.211946902654867, \"tiny\" : 1.5E-9, \"big\" : 1.0E23, \"nan\" : \"NaN\","
                + " \"neg_inf\" : \"-Infinity\", \"dec\" : 0.00000010, \"t\" :"
                + " \"2021-07-26T04:41:10.529799Z\", \"t_ntz\" : \"2021-07-26T04:41:00.000000\","
                + " \"day\" : \"2021-07-26\", \"text\" : \"a, \\\"b\\\"\\n"
                + "c\", \"empty\" : \"\", \"missing\" : null }\n");
    var row = Json.MAPPER.readTree(json.out());
    assertThat(row.get("d").doubleValue()).isEqualTo(-9.211946902654867);
    assertThat(row.get("tiny").doubleValue()).isEqualTo(1.5e-9);
    assertThat(row.get("big").doubleValue()).isEqualTo(1.0e23);
    assertThat(Double.parseDouble(row.get("nan").textValue())).isNaN();
    assertThat(row.get("dec").decimalValue()).isEqualByComparingTo("1E-7");
    assertThat(row.get("text").textValue()).isEqualTo("a, \"b\"\nc");
    assertThat(row.get("missing").isNull()).isTrue();
  }

  @Test
  void registerExitCodeAndReportSayWhenFilesWereRejected() throws IOException {
    Path source = tempDir.resolve("cli-source");
    try (RawFileWriter w =
        RawFileWriter.open(
            source.resolve("AABBCCDD/CAN2_x/2024/01/01/a.parquet"), true, List.of("Speed"))) {
      w.write(1L, 1.0);
    }
    Files.writeString(source.resolve("AABBCCDD/CAN2_x/2024/01/01/b.parquet"), "not parquet");
    Path reports = tempDir.resolve("cli-reports");
    CliRun run =
        run(
            "register",
            "--lake",
            lakeDir(),
            "--raw-namespace",
            "cli_raw",
            "--source",
            source.toString(),
            "--report-dir",
            reports.toString(),
            "--run-id",
            "run-1");
    assertThat(run.exitCode()).isEqualTo(TripLake.EXIT_REJECTED);
    assertThat(run.out())
        .contains("Registered 1 files")
        .contains("Rejected (1):")
        .contains("b.parquet: not a Parquet file");
    var report = Json.MAPPER.readTree(reports.resolve("register-run-1.json").toFile());
    assertThat(report.get("registeredFiles").asInt()).isEqualTo(1);
    assertThat(report.get("rejectedFiles").get(0).get("reason").asText())
        .startsWith("not a Parquet file");
    assertThat(report.get("commits").get(0).get("table").asText()).isEqualTo("cli_raw.can2_x");
    assertThat(report.get("rejectedFilesTable").get("table").asText())
        .isEqualTo("cli_raw._rejected_files");
    assertThat(report.get("rejectedFilesTable").get("recorded").asInt()).isEqualTo(1);
    CliRun rejected =
        run(
            "sql",
            "--lake",
            lakeDir(),
            "--format",
            "csv",
            "SELECT device_id, message, run_id FROM cli_raw._rejected_files");
    assertThat(rejected.out()).isEqualTo("device_id,message,run_id\nAABBCCDD,CAN2_x,run-1\n");
  }

  @Test
  void badSettingsAreNamedInTheError() {
    CliRun missing =
        run(
            "register",
            "--lake",
            lakeDir(),
            "--source",
            tempDir.resolve("does-not-exist").toString());
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.err()).contains("Cannot list the source").contains("does-not-exist");

    CliRun namespace =
        run(
            "register",
            "--lake",
            lakeDir(),
            "--raw-namespace",
            "Raw-Data",
            "--source",
            tempDir.toString());
    assertThat(namespace.exitCode()).isEqualTo(1);
    assertThat(namespace.err()).contains("Cannot use namespace").contains("(Raw-Data)");

    CliRun conf =
        run("sql", "--catalog-conf", tempDir.resolve("nope.properties").toString(), "SELECT 1");
    assertThat(conf.exitCode()).isEqualTo(1);
    assertThat(conf.err())
        .contains("Cannot read the catalog configuration")
        .contains("nope.properties");

    assertThat(run("register", "--lake", lakeDir()).exitCode()).isEqualTo(2);
  }
}
