package io.triplake.report;

import io.triplake.report.ReportData.Totals;
import io.triplake.report.ReportData.Trip;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The headline figures and the choice of trips to draw: plain arithmetic on the trips' rows. */
final class Figures {
  /** Longest first; equal durations by device and start, so the choice never depends on order. */
  static final Comparator<Trip> LONGEST_FIRST =
      Comparator.comparingDouble(Trip::durationS)
          .reversed()
          .thenComparing(Trip::device)
          .thenComparingLong(Trip::startMs);

  private Figures() {}

  /** The {@code count} longest trips, longest first. */
  static List<Trip> longest(Collection<Trip> trips, int count) {
    return trips.stream().sorted(LONGEST_FIRST).limit(Math.max(0, count)).toList();
  }

  /**
   * Per device in the order of {@code devices} (a device without trips gets zeros): trips, days
   * with a trip, distance, driving (moving) and idle hours, and hours from start to end of its
   * trips. A NULL figure (a cluster without GNSS) counts as 0.
   */
  static List<Totals> perDevice(List<String> devices, Collection<Trip> trips) {
    Map<String, List<Trip>> byDevice = new LinkedHashMap<>();
    devices.forEach(d -> byDevice.put(d, new ArrayList<>()));
    for (Trip trip : trips) {
      byDevice.computeIfAbsent(trip.device(), d -> new ArrayList<>()).add(trip);
    }
    List<Totals> totals = new ArrayList<>();
    byDevice.forEach((device, own) -> totals.add(sum(device, own)));
    return totals;
  }

  /** All trips together ({@code device} null). */
  static Totals total(Collection<Trip> trips) {
    return sum(null, trips);
  }

  private static Totals sum(String device, Collection<Trip> trips) {
    double km = 0;
    double moving = 0;
    double idle = 0;
    double duration = 0;
    Set<String> days = new HashSet<>();
    for (Trip trip : trips) {
      km += orZero(trip.distanceKm());
      moving += orZero(trip.movingS());
      idle += orZero(trip.idleS());
      duration += trip.durationS();
      days.add(trip.day());
    }
    return new Totals(
        device, trips.size(), days.size(), km, moving / 3600, idle / 3600, duration / 3600);
  }

  private static double orZero(Double value) {
    return value == null || value.isNaN() ? 0 : value;
  }
}
