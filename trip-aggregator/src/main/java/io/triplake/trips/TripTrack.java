package io.triplake.trips;

import java.util.Arrays;

/**
 * What the trips table says of one trip beyond its ends: where it went (GNSS fixes) and how it
 * drove (speed samples). Both are fed rows in non-decreasing time order, as the pass visits them;
 * values of one instant wait for the next instant and are taken in ascending order of value, so the
 * result never depends on file or row order (the definition in docs/trips.md, which DuckDB's oracle
 * implements too).
 */
final class TripTrack {
  /** The mean Earth radius (IUGG) the distance uses, in kilometres. */
  static final double EARTH_RADIUS_KM = 6371.0088;

  private TripTrack() {}

  /** The great-circle distance between two points in degrees, on a sphere of the mean radius. */
  static double haversineKm(double lat1, double lon1, double lat2, double lon2) {
    double phi1 = Math.toRadians(lat1);
    double phi2 = Math.toRadians(lat2);
    double dPhi = Math.sin((phi2 - phi1) / 2);
    double dLambda = Math.sin((Math.toRadians(lon2) - Math.toRadians(lon1)) / 2);
    double a = dPhi * dPhi + Math.cos(phi1) * Math.cos(phi2) * dLambda * dLambda;
    // Rounding can take a near-antipodal pair's sqrt(a) just above 1, where asin has no value.
    return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
  }

  /** The valid fixes of a trip: their count, the first and last, the path's length. */
  static final class Fixes {
    long count;
    double firstLat;
    double firstLon;
    double lastLat;
    double lastLon;
    double km;
    private long instant;
    private double[] lat = new double[2];
    private double[] lon = new double[2];
    private int pending;

    void add(long t, double latitude, double longitude) {
      if (!TripConfig.Position.isFix(latitude, longitude)) {
        return;
      }
      if (pending > 0 && t != instant) {
        flush();
      }
      instant = t;
      if (pending == lat.length) {
        lat = Arrays.copyOf(lat, pending * 2);
        lon = Arrays.copyOf(lon, pending * 2);
      }
      lat[pending] = latitude;
      lon[pending] = longitude;
      pending++;
    }

    /** Takes the instant's fixes in (latitude, longitude) order. */
    void flush() {
      if (pending > 1) {
        Integer[] order = new Integer[pending];
        for (int i = 0; i < pending; i++) {
          order[i] = i;
        }
        Arrays.sort(
            order,
            (x, y) -> {
              int c = Double.compare(lat[x], lat[y]);
              return c != 0 ? c : Double.compare(lon[x], lon[y]);
            });
        double[] la = new double[pending];
        double[] lo = new double[pending];
        for (int i = 0; i < pending; i++) {
          la[i] = lat[order[i]];
          lo[i] = lon[order[i]];
        }
        System.arraycopy(la, 0, lat, 0, pending);
        System.arraycopy(lo, 0, lon, 0, pending);
      }
      for (int i = 0; i < pending; i++) {
        if (count == 0) {
          firstLat = lat[i];
          firstLon = lon[i];
        } else {
          km += haversineKm(lastLat, lastLon, lat[i], lon[i]);
        }
        lastLat = lat[i];
        lastLon = lon[i];
        count++;
      }
      pending = 0;
    }
  }

  /**
   * The speed samples of a trip: the step from one sample to the next counts as idle when the first
   * is at most the idle speed, else as moving.
   */
  static final class Speeds {
    private final double idleSpeed;
    long count;
    double max;
    long movingMicros;
    long idleMicros;
    private long instant;

    /** The fastest sample at {@link #instant}: the one the step to the next instant starts from. */
    private double instantMax;

    Speeds(double idleSpeed) {
      this.idleSpeed = idleSpeed;
    }

    void add(long t, double speed) {
      if (Double.isNaN(speed)) {
        return;
      }
      if (count == 0) {
        max = speed;
        instantMax = speed;
      } else if (t != instant) {
        if (instantMax <= idleSpeed) {
          idleMicros += t - instant;
        } else {
          movingMicros += t - instant;
        }
        instantMax = speed;
      } else {
        instantMax = Math.max(instantMax, speed);
      }
      max = Math.max(max, speed);
      instant = t;
      count++;
    }
  }
}
