package io.triplake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.triplake.lake.testing.SampleLake;
import io.triplake.lake.testing.SparkLakeTest;
import io.triplake.report.testing.HeadlessChromium;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code report}, and the demo's report as a browser shows it. */
class TestReportCommand extends SparkLakeTest {
  private static String demoLake() {
    return tempDir.resolve("demo-lake").toString();
  }

  /** Rows of the demo lake's trips table, as a user counts them. */
  private static long tripRows() {
    CliRun count =
        CliRun.of(
            "sql",
            "--lake",
            demoLake(),
            "--format",
            "csv",
            "SELECT count(*) AS n FROM trips.trips");
    assertThat(count.exitCode()).as(count.err()).isZero();
    return Long.parseLong(count.out().split("\n")[1].trim());
  }

  @Test
  void theDemoWritesItsReportAndABrowserDrawsABarPerTripWithoutAConsoleMessage() {
    CliRun demo =
        CliRun.of("demo", "--lake", demoLake(), "--sample", SampleLake.location().toString());
    assertThat(demo.exitCode()).as(demo.err()).isZero();
    Path report =
        Path.of(demoLake(), "reports", DemoCommand.REPORT_FILE).toAbsolutePath().normalize();
    assertThat(demo.out())
        .contains("== 6. What each logger sent, per day")
        // The sample's longest day: two drives, nine messages, 99 files, nine gaps over a minute.
        .containsPattern("3BA199E2 \\| 2021-07-26 \\| +9 \\| +99 \\| 566248 \\| +9 \\|")
        .contains("== 7. The trip report")
        .contains("Trip report: ")
        .contains("Report: " + report);
    assertThat(report).isRegularFile();

    HeadlessChromium.Page page = HeadlessChromium.load(report);
    assertThat(page.console()).as("console messages").isEmpty();
    assertThat(page.status().get("errors")).as(page.status().toString()).isEmpty();
    assertThat(page.status().get("rendered").asBoolean()).isTrue();
    long trips = tripRows();
    assertThat(trips).isPositive();
    assertThat(page.tripBars()).isEqualTo(trips);
    HeadlessChromium.screenshot(report, Path.of("target", "trip-report", "demo.png"), 1280, 1600);

    // The same lake, another file: a period, a device, under the warehouse.
    CliRun day =
        CliRun.of(
            "report",
            "--lake",
            demoLake(),
            "--from",
            "2021-07-26",
            "--to",
            "2021-07-26",
            "--device",
            "3BA199E2",
            "--trips",
            "1",
            "--out-in-warehouse",
            "reports/2021-07-26.html");
    assertThat(day.exitCode()).as(day.err()).isZero();
    assertThat(day.out()).contains("Trip report: 2 trips of 1 devices on 1 days, 1 with speed");
    assertThat(Path.of(demoLake(), "warehouse", "reports", "2021-07-26.html")).isRegularFile();
  }

  @Test
  void badArgumentsAreRefusedWithTheirName() {
    CliRun reversed =
        CliRun.of(
            "report",
            "--lake",
            tempDir.resolve("lake").toString(),
            "--from",
            "2024-01-02",
            "--to",
            "2024-01-01",
            "--out",
            tempDir.resolve("r.html").toString());
    assertThat(reversed.exitCode()).isEqualTo(1);
    assertThat(reversed.err())
        .contains(
            "trip-lake report: Cannot build the trip report: the first day is after the last (from"
                + " 2024-01-02, to 2024-01-01)");

    CliRun nowhere = CliRun.of("report", "--lake", tempDir.resolve("lake").toString());
    assertThat(nowhere.exitCode()).isEqualTo(2);
    assertThat(nowhere.err()).contains("Missing required argument");

    CliRun both = CliRun.of("report", "--out", "a.html", "--out-in-warehouse", "reports/a.html");
    assertThat(both.exitCode()).isEqualTo(2);
    assertThat(both.err()).contains("mutually exclusive");

    CliRun escape =
        CliRun.of(
            "report",
            "--lake",
            tempDir.resolve("lake").toString(),
            "--out-in-warehouse",
            "../outside.html");
    assertThat(escape.exitCode()).isEqualTo(1);
    assertThat(escape.err())
        .contains(
            "Cannot write the trip report: --out-in-warehouse needs a relative path without '..'"
                + " (../outside.html)");
  }
}
