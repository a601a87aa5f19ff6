package io.triplake.report;

import io.triplake.lake.Lake;
import io.triplake.trips.TripConfig;
import java.time.LocalDate;
import java.util.Locale;

/**
 * The trip report: one self-contained HTML file (the charting library, styles and data inline, no
 * network fetch) with a timeline of the trips (one lane per device), the speed profile and path of
 * the longest trips, a device x day heat map of data coverage, lateness and rejected files, and the
 * headline figures per device and in total.
 *
 * <p>It reads {@code trips.trips}, {@code trips.devicedays} (when it exists), {@code
 * raw._rejected_files} and, for the longest trips only, their rows of the raw speed and position
 * tables, through Iceberg's Java API: no Spark. It writes the file whole or not at all.
 */
public interface TripReport {
  /** Trips whose speed profile and path are drawn, longest first. */
  int LONGEST_TRIPS_DEFAULT = 10;

  /** At most this many points per drawn trip's speed profile and per path. */
  int POINTS_PER_TRIP_DEFAULT = 2000;

  /** The trips table, in the trips namespace. */
  String TRIPS_TABLE = Lake.TRIPS;

  /** Raw data coverage per device, message and day, in the trips namespace. */
  String DEVICEDAYS_TABLE = Lake.DEVICEDAYS;

  static TripReport of(Lake lake) {
    return new IcebergTripReport(lake);
  }

  /** Only trips that start on this UTC day or later (and device days from it). */
  TripReport from(LocalDate day);

  /** Only trips that start on this UTC day or earlier (and device days up to it). */
  TripReport to(LocalDate day);

  /** Only this device; repeat for several. None: every device. */
  TripReport device(String deviceId);

  /** How many of the longest trips get a speed profile and a path (0: none). */
  TripReport longestTrips(int count);

  /** At most this many points per speed profile and per path (at least 2). */
  TripReport pointsPerTrip(int points);

  /**
   * Where each cluster's speed and positions are (the aggregation config's {@code
   * details.trip_table}); without it, the raw tables named like the vendor's GNSS messages.
   */
  TripReport config(TripConfig config);

  /**
   * The file to write: a local path or any location the catalog's FileIO writes ({@code s3://}).
   */
  TripReport output(String location);

  Result execute();

  /**
   * What was written.
   *
   * @param location the report file
   * @param bytes its size
   * @param trips trips on the timeline (rows of the trips table in the period)
   * @param devices lanes of the timeline and heat map
   * @param days distinct days with trips
   * @param detailedTrips trips drawn with speed profile and path
   * @param deviceDays whether {@code trips.devicedays} exists (else the heat map says so)
   * @param rejectedFiles rows of {@code raw._rejected_files} in the report
   * @param seconds time to read the tables and write the file
   */
  record Result(
      String location,
      long bytes,
      int trips,
      int devices,
      int days,
      int detailedTrips,
      boolean deviceDays,
      int rejectedFiles,
      double seconds) {
    /** One line that sums up the report. */
    public String summary() {
      return String.format(
          Locale.ROOT,
          "Trip report: %d trips of %d devices on %d days, %d with speed and path, %s, %d"
              + " rejected files; %,d bytes in %.1f s: %s",
          trips,
          devices,
          days,
          detailedTrips,
          deviceDays ? "device days heat map" : "no device days table (run aggregate)",
          rejectedFiles,
          bytes,
          seconds,
          location);
    }
  }
}
