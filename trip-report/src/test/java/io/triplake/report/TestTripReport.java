package io.triplake.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.triplake.ingest.RawFileRegistrar;
import io.triplake.lake.Json;
import io.triplake.lake.testing.SampleLake;
import io.triplake.lake.testing.SparkLakeTest;
import io.triplake.report.testing.HeadlessChromium;
import io.triplake.trips.TripAggregator;
import io.triplake.trips.TripConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.iceberg.io.FileIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The report of the bundled sample, filled as the demo fills it (register, aggregate with
 * sample-data/aggregations.json), rendered in a real headless Chromium.
 */
class TestTripReport extends SparkLakeTest {
  /** Screenshots go here, beside surefire's reports. */
  private static final Path SCREENSHOTS = Path.of("target", "trip-report");

  private static TripConfig config;

  @BeforeAll
  static void fillTheLakeAsTheDemoDoes() {
    try (FileIO io = lake.sourceIO()) {
      RawFileRegistrar.of(lake, lake.catalog(), io)
          .source(SampleLake.location().toString())
          .execute();
      config =
          TripConfig.read(
              io, SampleLake.location().getParent().resolve("aggregations.json").toString());
    }
    TripAggregator.of(lake, () -> spark, config).execute();
  }

  private static long tripRows() {
    return spark.sql("SELECT count(*) FROM lake.trips.trips").first().getLong(0);
  }

  private static long deviceDayCells() {
    return spark
        .sql("SELECT count(DISTINCT deviceid, day) FROM lake.trips.devicedays")
        .first()
        .getLong(0);
  }

  private static Path out(String name) {
    return tempDir.resolve("reports").resolve(name);
  }

  /** The data the page embeds. */
  private static JsonNode embedded(Path html) throws IOException {
    String page = Files.readString(html);
    String start = "<script type=\"application/json\" id=\"report-data\">";
    int from = page.indexOf(start) + start.length();
    return Json.MAPPER.readTree(page.substring(from, page.indexOf("</script>", from)));
  }

  @Test
  void theSampleReportDrawsABarPerTripInABrowserWithoutAConsoleMessage() throws IOException {
    Path html = out("sample.html");
    TripReport.Result result = TripReport.of(lake).config(config).output(html.toString()).execute();

    long trips = tripRows();
    assertThat(trips).isPositive();
    assertThat(result.trips()).isEqualTo(trips);
    assertThat(result.location()).isEqualTo(html.toAbsolutePath().normalize().toString());
    assertThat(result.bytes()).isEqualTo(Files.size(html)).isLessThan(5_000_000);
    assertThat(result.deviceDays()).as("aggregate wrote trips.devicedays").isTrue();
    assertThat(result.detailedTrips())
        .isEqualTo((int) Math.min(trips, TripReport.LONGEST_TRIPS_DEFAULT));
    assertThat(result.summary()).startsWith("Trip report: " + trips + " trips of ");
    // Self-contained: no script, style or font from anywhere else.
    String page = Files.readString(html);
    assertThat(page)
        .doesNotContainPattern("<script[^>]+src=")
        .doesNotContain("<link")
        .doesNotContain("@import");
    try (Stream<Path> files = Files.list(html.getParent())) {
      assertThat(files.filter(f -> f.getFileName().toString().endsWith(".tmp"))).isEmpty();
    }

    HeadlessChromium.Page shown = HeadlessChromium.load(html);
    assertThat(shown.console()).as("console messages").isEmpty();
    assertThat(shown.status().get("errors")).as(shown.status().toString()).isEmpty();
    assertThat(shown.status().get("rendered").asBoolean()).isTrue();
    assertThat(shown.tripBars()).isEqualTo(trips);
    assertThat(shown.status().get("detailTrips").asInt()).isEqualTo(result.detailedTrips());
    // A heat map cell per device and day the sample's loggers sent rows on.
    assertThat(shown.status().get("heatCells").asLong()).isEqualTo(deviceDayCells()).isPositive();
    HeadlessChromium.screenshot(html, SCREENSHOTS.resolve("sample.png"), 1280, 2000);
  }

  @Test
  void theLongestTripsGetTheirSpeedAndPathFromTheirOwnRawRowsDownsampled() throws IOException {
    Path withConfig = out("details-config.html");
    Path byVendorNames = out("details-vendor.html");
    TripReport.of(lake)
        .config(config)
        .longestTrips(4)
        .pointsPerTrip(50)
        .output(withConfig.toString())
        .execute();
    TripReport.of(lake)
        .longestTrips(4)
        .pointsPerTrip(50)
        .output(byVendorNames.toString())
        .execute();

    JsonNode details = embedded(withConfig).get("details");
    assertThat(details).hasSize(4);
    List<Double> durations = new ArrayList<>();
    for (JsonNode d : details) {
      durations.add(d.get("durationS").asDouble());
      if (d.get("speedTable").isNull()) {
        continue; // a cluster without GNSS (j1939)
      }
      assertThat(d.get("speed").size()).isBetween(2, 50);
      assertThat(d.get("speedRows").asInt()).isGreaterThan(50);
      // Points lie within the trip: seconds from its start, up to its duration.
      assertThat(d.get("speed").get(0).get(0).asDouble()).isGreaterThanOrEqualTo(0);
      assertThat(d.get("speed").get(d.get("speed").size() - 1).get(0).asDouble())
          .isLessThanOrEqualTo(d.get("durationS").asDouble() + 1);
      assertThat(d.get("path").size()).isBetween(2, 50);
      JsonNode first = d.get("path").get(0);
      assertThat(first.get(1).asDouble()).isBetween(-90.0, 90.0);
    }
    assertThat(durations).isSortedAccordingTo((a, b) -> Double.compare(b, a));
    // Without a config the vendor's GNSS names find the same tables for the GNSS clusters.
    JsonNode vendor = embedded(byVendorNames).get("details");
    for (int i = 0; i < details.size(); i++) {
      if (!details.get(i).get("speedTable").isNull()) {
        assertThat(vendor.get(i).get("speedTable")).isEqualTo(details.get(i).get("speedTable"));
        assertThat(vendor.get(i).get("path")).isEqualTo(details.get(i).get("path"));
      }
    }
  }

  @Test
  void theHeatMapShowsDeviceDaysAndRejectedFiles() throws IOException {
    spark.sql(
        "CREATE TABLE IF NOT EXISTS lake.raw._rejected_files (file_path STRING, device_id STRING,"
            + " message STRING, file_size BIGINT, reason STRING, run_id STRING, rejected_at"
            + " TIMESTAMP_NTZ) USING iceberg");
    try {
      // A rejected file of a day the logger sent nothing else on.
      spark.sql(
          "INSERT INTO lake.raw._rejected_files VALUES ('/raw/7512BE4D/CAN9_GnssSpeed/2030/01/02/"
              + "broken.parquet', '7512BE4D', 'CAN9_GnssSpeed', 12, 'not a Parquet file <test>',"
              + " 'r1', TIMESTAMP_NTZ '2030-01-02 03:00:00')");
      Path html = out("heat.html");
      TripReport.Result result = TripReport.of(lake).output(html.toString()).execute();
      assertThat(result.deviceDays()).isTrue();
      assertThat(result.rejectedFiles()).isEqualTo(1);

      JsonNode coverage = embedded(html).get("coverage");
      assertThat(coverage.get("present").asBoolean()).isTrue();
      // Every message of a device's day in one cell; the rejected file's day has a cell of its own.
      assertThat(coverage.get("cells")).hasSize((int) deviceDayCells() + 1);
      var day =
          spark
              .sql(
                  "SELECT sum(rows), max(max_lag_h) FROM lake.trips.devicedays WHERE deviceid ="
                      + " '3BA199E2' AND day = DATE '2021-07-26'")
              .first();
      JsonNode cell = null;
      for (JsonNode c : coverage.get("cells")) {
        if (c.get("device").asText().equals("3BA199E2")
            && c.get("day").asText().equals("2021-07-26")) {
          cell = c;
        }
      }
      assertThat(cell).as(coverage.toString()).isNotNull();
      assertThat(cell.get("rows").asLong()).isEqualTo(day.getLong(0)).isPositive();
      assertThat(cell.get("maxLagH").asDouble()).isEqualTo(day.getDouble(1));

      HeadlessChromium.Page shown = HeadlessChromium.load(html);
      assertThat(shown.console()).as("console messages").isEmpty();
      assertThat(shown.status().get("errors")).as(shown.status().toString()).isEmpty();
      assertThat(shown.tripBars()).isEqualTo(tripRows());
      // The days between the sample's (2021 to 2024) are too many for columns: only days with data.
      assertThat(shown.status().get("heatCells").asLong()).isEqualTo(deviceDayCells() + 1);
      assertThat(shown.dom())
          .contains("not a Parquet file &lt;test&gt;")
          .contains("1 rejected files");
      HeadlessChromium.screenshot(html, SCREENSHOTS.resolve("heat-map.png"), 1280, 2000);

      // A period leaves out the device days and rejected files of other days.
      Path oneDay = out("heat-day.html");
      TripReport.Result ofOneDay =
          TripReport.of(lake)
              .from(LocalDate.parse("2021-07-26"))
              .to(LocalDate.parse("2021-07-26"))
              .output(oneDay.toString())
              .execute();
      assertThat(ofOneDay.rejectedFiles()).isZero();
      assertThat(embedded(oneDay).get("coverage").get("cells"))
          .hasSize(
              (int)
                  spark
                      .sql(
                          "SELECT count(DISTINCT deviceid) FROM lake.trips.devicedays WHERE day ="
                              + " DATE '2021-07-26'")
                      .first()
                      .getLong(0));
      assertThat(embedded(oneDay).get("coverage").get("days")).hasSize(1);
    } finally {
      spark.sql("DELETE FROM lake.raw._rejected_files WHERE run_id = 'r1'");
    }
  }

  @Test
  void aLakeWithoutDeviceDaysStillGetsItsReportAndSaysSo() throws IOException {
    // The trips of a lake whose aggregate ran before devicedays existed.
    spark.sql("CREATE NAMESPACE IF NOT EXISTS lake.trips_older");
    spark.sql(
        "CREATE TABLE lake.trips_older.trips USING iceberg AS SELECT * FROM lake.trips.trips");
    Path html = out("older.html");
    TripReport.Result result =
        TripReport.of(lake.withNamespaces("raw", "trips_older"))
            .config(config)
            .output(html.toString())
            .execute();
    assertThat(result.deviceDays()).isFalse();
    assertThat(result.trips()).isEqualTo(tripRows());
    HeadlessChromium.Page shown = HeadlessChromium.load(html);
    assertThat(shown.console()).as("console messages").isEmpty();
    assertThat(shown.status().get("errors")).as(shown.status().toString()).isEmpty();
    assertThat(shown.tripBars()).isEqualTo(tripRows());
    assertThat(shown.dom())
        .contains("The table trips_older.devicedays does not exist yet: run aggregate");
  }

  @Test
  void anUnknownDeviceGivesAReportThatSaysNoTrips() throws IOException {
    Path html = out("unknown.html");
    TripReport.Result result =
        TripReport.of(lake).device("FFFFFFFF").output(html.toString()).execute();
    assertThat(result.trips()).isZero();
    assertThat(result.devices()).isEqualTo(1);
    assertThat(result.detailedTrips()).isZero();
    HeadlessChromium.Page shown = HeadlessChromium.load(html);
    assertThat(shown.status().get("errors")).as(shown.status().toString()).isEmpty();
    assertThat(shown.console()).isEmpty();
    assertThat(shown.tripBars()).isZero();
    assertThat(shown.dom()).contains("FFFFFFFF (no trips)").contains("No trips in this period.");
  }

  @Test
  void badArgumentsAreRefusedNamingTheValue() {
    assertThatThrownBy(
            () ->
                TripReport.of(lake)
                    .from(LocalDate.parse("2024-01-02"))
                    .to(LocalDate.parse("2024-01-01"))
                    .output(out("x.html").toString())
                    .execute())
        .hasMessage(
            "Cannot build the trip report: the first day is after the last (from 2024-01-02, to"
                + " 2024-01-01)");
    assertThatThrownBy(() -> TripReport.of(lake).execute())
        .hasMessage("Cannot build the trip report: no output location (null)");
    assertThatThrownBy(() -> TripReport.of(lake).longestTrips(-1))
        .hasMessage("Cannot build the trip report: trips to draw must be at least 0 (-1)");
    assertThatThrownBy(() -> TripReport.of(lake).pointsPerTrip(1))
        .hasMessage("Cannot build the trip report: points per trip must be at least 2 (1)");
    assertThatThrownBy(
            () ->
                TripReport.of(lake.withNamespaces("raw", "nothing"))
                    .output(out("y.html").toString())
                    .execute())
        .hasMessage(
            "Cannot build the trip report: the trips table does not exist, run aggregate first"
                + " (nothing.trips)");
    assertThat(out("x.html")).doesNotExist();
  }
}
