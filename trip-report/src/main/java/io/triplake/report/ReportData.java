package io.triplake.report;

import java.util.List;

/**
 * What the page draws, embedded in it as JSON. Times are epoch milliseconds of UTC (the tables'
 * timestamps are UTC wall-clock without zone), days {@code yyyy-MM-dd}.
 *
 * @param title the page's heading
 * @param generatedAt when the report was written (ISO-8601 UTC)
 * @param from first day asked for, or null
 * @param to last day asked for, or null
 * @param devices the lanes, in order: every device with a trip or a device day
 * @param trips every trip of the period, by device and start
 * @param totals per device, in lane order (devices without trips included, with zeros)
 * @param total all devices together
 * @param details the longest trips' speed profile and path, longest first
 * @param coverage the device x day heat map
 * @param tables the tables read, for the page's captions
 */
record ReportData(
    String title,
    String generatedAt,
    String from,
    String to,
    List<String> devices,
    List<Trip> trips,
    List<Totals> totals,
    Totals total,
    List<TripDetail> details,
    Coverage coverage,
    Tables tables) {

  /** One row of the trips table. Nullable figures are null where the table has NULL. */
  record Trip(
      String device,
      String cluster,
      String id,
      String day,
      long startMs,
      long endMs,
      double durationS,
      Double distanceKm,
      Double maxSpeedKmh,
      Double movingS,
      Double idleS,
      long fixes) {}

  /** Headline figures of one device (or of all: {@code device} null). */
  record Totals(
      String device,
      int trips,
      int days,
      double distanceKm,
      double drivingH,
      double idleH,
      double durationH) {}

  /**
   * The drawn profile of one trip.
   *
   * @param speedTable the raw table the speed came from, or null
   * @param speed {@code [seconds since the trip's start, km/h]}, downsampled
   * @param speedRows samples read before downsampling
   * @param positionTable the raw table the positions came from, or null
   * @param path {@code [longitude, latitude]} of the valid fixes, downsampled
   * @param positionRows valid fixes read before downsampling
   * @param note why a part is missing, or null
   */
  record TripDetail(
      String id,
      String device,
      String cluster,
      long startMs,
      double durationS,
      Double distanceKm,
      String speedTable,
      List<double[]> speed,
      int speedRows,
      String positionTable,
      List<double[]> path,
      int positionRows,
      String note) {}

  /**
   * The heat map.
   *
   * @param table the device days table
   * @param present whether it exists
   * @param days the columns, in order
   * @param cells one per device and day with data or rejected files
   * @param rejected the rejected files (at most {@link IcebergTripReport#REJECTED_LISTED_MAX})
   * @param rejectedCount all rejected files of the period
   */
  record Coverage(
      String table,
      boolean present,
      List<String> days,
      List<Cell> cells,
      List<Rejected> rejected,
      int rejectedCount) {}

  /**
   * One device and day, all its messages together.
   *
   * @param spanH hours from the first to the last row of any message
   * @param maxLagH largest delay from a row's time to its file's registration, in hours
   */
  record Cell(
      String device,
      String day,
      int messages,
      long files,
      long rows,
      double spanH,
      Double maxGapS,
      long gapsOverLimit,
      Double maxLagH,
      long outOfOrderFiles,
      int rejectedFiles) {}

  /** One row of the rejected-files table; {@code day} from the path's folders. */
  record Rejected(
      String path, String device, String message, String day, String reason, Long fileSize) {}

  /** The tables read, as {@code namespace.table}. */
  record Tables(String trips, String deviceDays, String rejectedFiles) {}
}
