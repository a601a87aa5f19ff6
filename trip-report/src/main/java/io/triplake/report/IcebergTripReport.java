package io.triplake.report;

import io.triplake.lake.Lake;
import io.triplake.report.HeatMap.DeviceDay;
import io.triplake.report.ReportData.Coverage;
import io.triplake.report.ReportData.Rejected;
import io.triplake.report.ReportData.Trip;
import io.triplake.report.ReportData.TripDetail;
import io.triplake.trips.TripConfig;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.FileIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The trip report from the Iceberg tables through Iceberg's Java API. */
final class IcebergTripReport implements TripReport {
  /** The rejected files listed by name; the heat map counts all of them. */
  static final int REJECTED_LISTED_MAX = 500;

  /** Heat map columns: every day of the period up to this many, else only days with data. */
  static final int HEAT_MAP_DAYS_MAX = 400;

  private static final Logger LOG = LoggerFactory.getLogger(TripReport.class);

  private static final List<String> TRIP_COLUMNS =
      List.of(
          "deviceid",
          "cluster",
          "tripid",
          "tripstart",
          "tripend",
          "tripdate",
          "duration_s",
          "distance_km",
          "max_speed_kmh",
          "moving_s",
          "idle_s",
          "fixes");

  private static final List<String> DEVICE_DAY_COLUMNS =
      List.of(
          "deviceid",
          "message",
          "day",
          "files",
          "rows",
          "first_t",
          "last_t",
          "max_gap_s",
          "gaps_over_limit",
          "max_lag_h",
          "out_of_order_files");

  private static final List<String> REJECTED_COLUMNS =
      List.of("file_path", "device_id", "message", "file_size", "reason");

  private final Lake lake;
  private LocalDate from;
  private LocalDate to;
  private final Set<String> devices = new TreeSet<>();
  private int longestTrips = LONGEST_TRIPS_DEFAULT;
  private int pointsPerTrip = POINTS_PER_TRIP_DEFAULT;
  private TripConfig config;
  private String output;

  IcebergTripReport(Lake lake) {
    this.lake = lake;
  }

  @Override
  public TripReport from(LocalDate day) {
    this.from = day;
    return this;
  }

  @Override
  public TripReport to(LocalDate day) {
    this.to = day;
    return this;
  }

  @Override
  public TripReport device(String deviceId) {
    if (deviceId == null || deviceId.isBlank()) {
      throw new IllegalArgumentException(
          "Cannot build the trip report: empty device id (" + deviceId + ")");
    }
    devices.add(deviceId);
    return this;
  }

  @Override
  public TripReport longestTrips(int count) {
    if (count < 0) {
      throw new IllegalArgumentException(
          "Cannot build the trip report: trips to draw must be at least 0 (" + count + ")");
    }
    this.longestTrips = count;
    return this;
  }

  @Override
  public TripReport pointsPerTrip(int points) {
    if (points < 2) {
      throw new IllegalArgumentException(
          "Cannot build the trip report: points per trip must be at least 2 (" + points + ")");
    }
    this.pointsPerTrip = points;
    return this;
  }

  @Override
  public TripReport config(TripConfig tripConfig) {
    this.config = tripConfig;
    return this;
  }

  @Override
  public TripReport output(String location) {
    this.output = location;
    return this;
  }

  @Override
  public Result execute() {
    if (output == null || output.isBlank()) {
      throw new IllegalArgumentException(
          "Cannot build the trip report: no output location (" + output + ")");
    }
    if (from != null && to != null && from.isAfter(to)) {
      throw new IllegalArgumentException(
          "Cannot build the trip report: the first day is after the last (from "
              + from
              + ", to "
              + to
              + ")");
    }
    long start = System.nanoTime();
    Catalog catalog = lake.catalog();
    TableIdentifier tripsId = lake.tripsTable(TRIPS_TABLE);
    if (!catalog.tableExists(tripsId)) {
      throw new IllegalArgumentException(
          "Cannot build the trip report: the trips table does not exist, run aggregate first ("
              + tripsId
              + ")");
    }
    List<Trip> trips = readTrips(catalog, tripsId);
    TableIdentifier deviceDaysId = lake.tripsTable(DEVICEDAYS_TABLE);
    boolean deviceDaysPresent = catalog.tableExists(deviceDaysId);
    List<DeviceDay> deviceDays =
        deviceDaysPresent ? readDeviceDays(catalog, deviceDaysId) : List.of();
    TableIdentifier rejectedId = lake.rejectedFilesTable();
    List<Rejected> rejected =
        catalog.tableExists(rejectedId) ? readRejected(catalog, rejectedId) : List.of();

    List<ReportData.Cell> cells = HeatMap.cells(deviceDays, rejected);
    Set<String> lanes = new TreeSet<>(devices);
    trips.forEach(t -> lanes.add(t.device()));
    cells.forEach(c -> lanes.add(c.device()));
    List<String> laneList = List.copyOf(lanes);

    RawProfiles profiles = new RawProfiles(catalog, lake, config, pointsPerTrip);
    List<TripDetail> details =
        Figures.longest(trips, longestTrips).stream().map(profiles::detail).toList();
    List<Rejected> listed =
        rejected.stream()
            .sorted(Comparator.comparing(Rejected::path))
            .limit(REJECTED_LISTED_MAX)
            .toList();
    ReportData data =
        new ReportData(
            "Trip report",
            Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
            from == null ? null : from.toString(),
            to == null ? null : to.toString(),
            laneList,
            trips,
            Figures.perDevice(laneList, trips),
            Figures.total(trips),
            details,
            new Coverage(
                name(deviceDaysId),
                deviceDaysPresent,
                days(trips, cells),
                cells,
                listed,
                rejected.size()),
            new ReportData.Tables(name(tripsId), name(deviceDaysId), name(rejectedId)));
    byte[] bytes = HtmlPage.render(data).getBytes(StandardCharsets.UTF_8);
    String written;
    try (FileIO io = lake.sourceIO()) {
      written = ReportOutput.write(bytes, output, io);
    }
    Result result =
        new Result(
            written,
            bytes.length,
            trips.size(),
            laneList.size(),
            (int) trips.stream().map(Trip::day).distinct().count(),
            details.size(),
            deviceDaysPresent,
            rejected.size(),
            (System.nanoTime() - start) / 1e9);
    LOG.info(result.summary());
    return result;
  }

  private static String name(TableIdentifier id) {
    return id.toString();
  }

  /** The filter of the period and devices on a table's day and device columns. */
  private Expression filter(String dayColumn, String deviceColumn) {
    Expression filter = Expressions.alwaysTrue();
    if (from != null) {
      filter = Expressions.and(filter, Expressions.greaterThanOrEqual(dayColumn, from.toString()));
    }
    if (to != null) {
      filter = Expressions.and(filter, Expressions.lessThanOrEqual(dayColumn, to.toString()));
    }
    if (!devices.isEmpty()) {
      filter = Expressions.and(filter, Expressions.in(deviceColumn, devices.toArray()));
    }
    return filter;
  }

  private List<Trip> readTrips(Catalog catalog, TableIdentifier id) {
    List<Trip> trips =
        new ArrayList<>(
            TableRows.read(
                catalog.loadTable(id),
                filter("tripdate", "deviceid"),
                TRIP_COLUMNS,
                r -> {
                  long startMs = TableRows.millis(r.getField("tripstart"));
                  long endMs = TableRows.millis(r.getField("tripend"));
                  Double duration = TableRows.number(r.getField("duration_s"));
                  return new Trip(
                      TableRows.text(r.getField("deviceid")),
                      TableRows.text(r.getField("cluster")),
                      TableRows.text(r.getField("tripid")),
                      TableRows.day(r.getField("tripdate")),
                      startMs,
                      endMs,
                      duration == null ? (endMs - startMs) / 1000d : duration,
                      TableRows.number(r.getField("distance_km")),
                      TableRows.number(r.getField("max_speed_kmh")),
                      TableRows.number(r.getField("moving_s")),
                      TableRows.number(r.getField("idle_s")),
                      TableRows.count(r.getField("fixes")));
                }));
    trips.sort(
        Comparator.comparing(Trip::device)
            .thenComparingLong(Trip::startMs)
            .thenComparing(Trip::cluster, Comparator.nullsFirst(Comparator.naturalOrder())));
    return trips;
  }

  private List<DeviceDay> readDeviceDays(Catalog catalog, TableIdentifier id) {
    return TableRows.read(
        catalog.loadTable(id),
        filter("day", "deviceid"),
        DEVICE_DAY_COLUMNS,
        r ->
            new DeviceDay(
                TableRows.text(r.getField("deviceid")),
                TableRows.text(r.getField("message")),
                TableRows.day(r.getField("day")),
                TableRows.count(r.getField("files")),
                TableRows.count(r.getField("rows")),
                TableRows.millis(r.getField("first_t")),
                TableRows.millis(r.getField("last_t")),
                TableRows.number(r.getField("max_gap_s")),
                TableRows.count(r.getField("gaps_over_limit")),
                TableRows.number(r.getField("max_lag_h")),
                TableRows.count(r.getField("out_of_order_files"))));
  }

  /** The rejected files of the devices and period (by the day of their folders). */
  private List<Rejected> readRejected(Catalog catalog, TableIdentifier id) {
    Expression byDevice =
        devices.isEmpty()
            ? Expressions.alwaysTrue()
            : Expressions.in("device_id", devices.toArray());
    return TableRows.read(
            catalog.loadTable(id),
            byDevice,
            REJECTED_COLUMNS,
            r -> {
              String path = TableRows.text(r.getField("file_path"));
              Double size = TableRows.number(r.getField("file_size"));
              return new Rejected(
                  path,
                  TableRows.text(r.getField("device_id")),
                  TableRows.text(r.getField("message")),
                  HeatMap.folderDay(path),
                  TableRows.text(r.getField("reason")),
                  size == null ? null : size.longValue());
            })
        .stream()
        .filter(f -> inPeriod(f.day()))
        .toList();
  }

  /** Whether a day (null: unknown) is in the period; an unknown day is kept. */
  private boolean inPeriod(String day) {
    if (day == null) {
      return true;
    }
    LocalDate d = LocalDate.parse(day);
    return (from == null || !d.isBefore(from)) && (to == null || !d.isAfter(to));
  }

  /**
   * The heat map's columns: every day from the first to the last (the period's bounds when given),
   * or only the days with data when that would be more than {@link #HEAT_MAP_DAYS_MAX}.
   */
  private List<String> days(List<Trip> trips, List<ReportData.Cell> cells) {
    TreeSet<String> present = new TreeSet<>();
    trips.forEach(t -> present.add(t.day()));
    cells.forEach(c -> present.add(c.day()));
    LocalDate first =
        from != null ? from : present.isEmpty() ? null : LocalDate.parse(present.first());
    LocalDate last = to != null ? to : present.isEmpty() ? null : LocalDate.parse(present.last());
    if (first == null || last == null) {
      return List.copyOf(present);
    }
    if (ChronoUnit.DAYS.between(first, last) >= HEAT_MAP_DAYS_MAX) {
      return List.copyOf(present);
    }
    List<String> days = new ArrayList<>();
    for (LocalDate d = first; !d.isAfter(last); d = d.plusDays(1)) {
      days.add(d.toString());
    }
    return days;
  }
}
