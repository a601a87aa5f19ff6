package io.triplake.maintenance;

import io.triplake.ingest.RawFileRegistrar;
import io.triplake.lake.Lake;
import io.triplake.trips.TripAggregator;
import io.triplake.trips.TripConfig;
import io.triplake.trips.testing.RawStaging;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.iceberg.Table;
import org.apache.spark.sql.SparkSession;

/**
 * A small fleet whose loggers upload day after day, for maintenance tests: files are written to a
 * staging folder, copied into the lake's raw source (as an upload would) and registered, then the
 * trips are aggregated; one call per daily cycle.
 */
final class Fleet {
  static final long SECOND = RawStaging.SECOND;
  static final long MINUTE = RawStaging.MINUTE;

  static final String CONFIG =
      """
      {"config": {"trip": {"trip_gap_min": 10, "trip_min_length_min": 1}},
       "device_clusters": [{"devices": ["D1000001", "D1000002"], "cluster": "c1"}, {"devices": ["*"], "cluster": "rest"}],
       "cluster_details": [{"clusters": ["c1", "rest"],
         "details": {"trip_identifier": {"message": "CAN2_speed"},
           "aggregations": [
             {"message": "CAN2_speed", "signal": ["Speed"], "aggregation": ["avg", "max", "min", "first", "last", "count"]},
             {"message": "CAN2_odo", "signal": ["DistanceTrip"], "aggregation": ["delta_sum", "last"]}]}}]}
      """;

  final SparkSession spark;
  final Lake lake;
  final Path staging;
  final Path source;
  private final RawStaging raw;

  Fleet(SparkSession spark, Lake lake, Path staging, Path source) {
    this.spark = spark;
    this.lake = lake;
    this.staging = staging;
    this.source = source;
    this.raw = new RawStaging(staging);
  }

  static long at(String instant) {
    return RawStaging.at(instant);
  }

  Path speed(String device, String fileName, long from, long to) {
    return raw.speed(device, fileName, from, to, MINUTE);
  }

  Path odo(String device, String fileName, long from, long to) {
    return raw.file(
        device,
        "CAN2_odo",
        fileName,
        from,
        to,
        MINUTE,
        List.of("DistanceTrip"),
        t -> new Double[] {(t / SECOND) * 0.01});
  }

  /**
   * The files of daily cycle {@code k}: a trip of each device on day {@code k + 1} of March 2024,
   * and from the second cycle on a late upload that extends device D1's trip of 1 March, so that
   * day's summary rows change in every cycle. Every cycle adds files to both raw tables.
   */
  List<Path> cycleFiles(int k) {
    List<Path> files = new ArrayList<>();
    String day = String.format("2024-03-%02d", k + 1);
    for (String device : List.of("D1000001", "D1000002", "D3000003")) {
      String hour = device.equals("D1000001") ? "08" : device.equals("D1000002") ? "11" : "15";
      files.add(
          speed(
              device, "s" + k, at(day + "T" + hour + ":00:00Z"), at(day + "T" + hour + ":20:00Z")));
      files.add(
          odo(device, "o" + k, at(day + "T" + hour + ":00:00Z"), at(day + "T" + hour + ":20:00Z")));
    }
    if (k > 0) {
      long from = at("2024-03-01T08:20:00Z") + k * 5 * MINUTE;
      files.add(speed("D1000001", "late" + k, from + MINUTE, from + 5 * MINUTE));
      files.add(odo("D1000001", "late" + k, from + MINUTE, from + 5 * MINUTE));
    }
    return files;
  }

  /**
   * Copies staged files into the raw source (as a logger upload would) and registers the source.
   */
  RawFileRegistrar.Result upload(List<Path> files) {
    return raw.upload(spark, lake, source, files);
  }

  RawFileRegistrar.Result register() {
    return RawStaging.register(spark, lake, source);
  }

  TripAggregator.Result aggregate() {
    return TripAggregator.of(lake, spark, TripConfig.parse(CONFIG, "test")).execute();
  }

  TripAggregator reprocess(String day) {
    return TripAggregator.of(lake, spark, TripConfig.parse(CONFIG, "test"))
        .reprocessDay(java.time.LocalDate.parse(day));
  }

  String summaryName() {
    return Lake.CATALOG_NAME + "." + lake.tripsTable("tripsummary");
  }

  Table table(String name) {
    return lake.catalog(spark)
        .loadTable(name.equals("tripsummary") ? lake.tripsTable(name) : lake.rawTable(name));
  }

  /** Every column but updatedat, sorted: what two computations must agree on exactly. */
  List<String> summary() {
    return rows("SELECT * FROM " + summaryName());
  }

  List<String> rows(String query) {
    return RawStaging.rows(spark, query);
  }

  List<String> day(String day) {
    return rows("SELECT * FROM " + summaryName() + " WHERE tripdate = DATE '" + day + "'");
  }

  /** Regular files below a folder (hidden ones included): what is physically there. */
  static List<Path> filesUnder(Path root) {
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(Files::isRegularFile).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path localPath(String location) {
    return Path.of(location.replaceFirst("^file:(//)?", ""));
  }
}
