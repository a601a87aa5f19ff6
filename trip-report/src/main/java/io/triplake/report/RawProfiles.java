package io.triplake.report;

import io.triplake.lake.Lake;
import io.triplake.report.ReportData.Trip;
import io.triplake.report.ReportData.TripDetail;
import io.triplake.trips.RawRows;
import io.triplake.trips.TripConfig;
import io.triplake.trips.TripConfig.Position;
import io.triplake.trips.TripConfig.Speed;
import io.triplake.trips.TripConfig.TripTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;

/**
 * The speed profile and path of one trip, from its rows of the raw speed and position tables only:
 * Iceberg prunes by the device's partition and the files' {@code t} bounds, and the rows outside
 * the trip are dropped. The points are downsampled to at most {@code points} per series.
 *
 * <p>Which tables: the cluster's speed and position messages of the aggregation config ({@code
 * details.trip_table}, or the vendor's GNSS names among the cluster's messages, as the trips table
 * got them); without a config, the raw tables named like the vendor's GNSS messages ({@link
 * TripConfig#vendorTripTable}), the first that has rows of the trip.
 */
final class RawProfiles {
  private final Catalog catalog;
  private final Lake lake;
  private final TripConfig config;
  private final int points;
  private final Map<String, Optional<Table>> tables = new HashMap<>();
  private List<String> vendorSpeed;
  private List<String> vendorPosition;

  RawProfiles(Catalog catalog, Lake lake, TripConfig config, int points) {
    this.catalog = catalog;
    this.lake = lake;
    this.config = config;
    this.points = points;
  }

  TripDetail detail(Trip trip) {
    long lo = trip.startMs() * 1000;
    long hi = trip.endMs() * 1000 + 999;
    List<String> notes = new ArrayList<>();
    Series speed = null;
    Series path = null;
    TripTable configured = configured(trip, notes);
    if (configured != null) {
      if (configured.speed() != null) {
        speed = speed(configured.speed(), trip, lo, hi);
      }
      if (configured.position() != null) {
        path = path(configured.position(), trip, lo, hi);
      }
    } else {
      for (String message : vendorMessages(true)) {
        speed = speed(TripConfig.vendorTripTable(List.of(message)).speed(), trip, lo, hi);
        if (speed != null && speed.rows > 0) {
          break;
        }
      }
      for (String message : vendorMessages(false)) {
        path = path(TripConfig.vendorTripTable(List.of(message)).position(), trip, lo, hi);
        if (path != null && path.rows > 0) {
          break;
        }
      }
    }
    if (speed == null || speed.rows == 0) {
      notes.add(speed == null ? "no speed message" : "no speed samples in " + speed.table);
    }
    if (path == null || path.rows == 0) {
      notes.add(path == null ? "no position message" : "no valid GNSS fix in " + path.table);
    }
    return new TripDetail(
        trip.id(),
        trip.device(),
        trip.cluster(),
        trip.startMs(),
        trip.durationS(),
        trip.distanceKm(),
        speed == null ? null : speed.table,
        speed == null ? List.of() : speed.points,
        speed == null ? 0 : speed.rows,
        path == null ? null : path.table,
        path == null ? List.of() : path.points,
        path == null ? 0 : path.rows,
        notes.isEmpty() ? null : String.join("; ", notes));
  }

  /** The trip's cluster's parts in the config, or null without a config. */
  private TripTable configured(Trip trip, List<String> notes) {
    if (config == null) {
      return null;
    }
    for (TripConfig.Cluster cluster : config.clusters()) {
      if (cluster.name().equals(trip.cluster())) {
        return cluster.tripTable();
      }
    }
    notes.add("cluster " + trip.cluster() + " is not in the aggregation config");
    return new TripTable(null, null);
  }

  /** Raw tables named like the vendor's GNSS speed (or position) messages, in name order. */
  private List<String> vendorMessages(boolean speed) {
    if (vendorSpeed == null) {
      List<String> names =
          lake.rawMessageTables(catalog).stream().map(TableIdentifier::name).toList();
      vendorSpeed = new ArrayList<>();
      vendorPosition = new ArrayList<>();
      for (String name : names) {
        TripTable parts = TripConfig.vendorTripTable(List.of(name));
        if (parts.speed() != null) {
          vendorSpeed.add(name);
        }
        if (parts.position() != null) {
          vendorPosition.add(name);
        }
      }
    }
    return speed ? vendorSpeed : vendorPosition;
  }

  private record Series(String table, List<double[]> points, int rows) {}

  private Series speed(Speed speed, Trip trip, long lo, long hi) {
    Optional<Table> table = table(speed.message());
    String name = tableName(speed.message());
    if (table.isEmpty()) {
      return new Series(name, List.of(), 0);
    }
    RawRows rows = read(table.get(), trip.device(), lo, hi, List.of(lower(speed.signal())));
    if (rows == null) {
      return new Series(name, List.of(), 0);
    }
    double[] x = new double[rows.size()];
    double[] y = new double[rows.size()];
    int n = 0;
    for (int i : order(rows)) {
      double v = rows.value(0, i);
      if (!Double.isNaN(v)) {
        x[n] = (rows.time(i) - lo) / 1e6;
        y[n] = v * speed.toKmh();
        n++;
      }
    }
    List<double[]> out = new ArrayList<>();
    for (int i : Downsample.lttb(x, y, n, points)) {
      out.add(new double[] {round(x[i], 1), round(y[i], 1)});
    }
    return new Series(name, out, n);
  }

  private Series path(Position position, Trip trip, long lo, long hi) {
    Optional<Table> table = table(position.message());
    String name = tableName(position.message());
    if (table.isEmpty()) {
      return new Series(name, List.of(), 0);
    }
    RawRows rows =
        read(
            table.get(),
            trip.device(),
            lo,
            hi,
            List.of(lower(position.latitude()), lower(position.longitude())));
    if (rows == null) {
      return new Series(name, List.of(), 0);
    }
    double[] lon = new double[rows.size()];
    double[] lat = new double[rows.size()];
    int n = 0;
    for (int i : order(rows)) {
      double la = rows.value(0, i);
      double lg = rows.value(1, i);
      if (Position.isFix(la, lg)) {
        lat[n] = la;
        lon[n] = lg;
        n++;
      }
    }
    List<double[]> out = new ArrayList<>();
    for (int i : Downsample.even(n, points)) {
      out.add(new double[] {round(lon[i], 6), round(lat[i], 6)});
    }
    return new Series(name, out, n);
  }

  private Optional<Table> table(String message) {
    return tables.computeIfAbsent(
        lower(message),
        name -> {
          TableIdentifier id = lake.rawTable(name);
          return catalog.tableExists(id) ? Optional.of(catalog.loadTable(id)) : Optional.empty();
        });
  }

  private String tableName(String message) {
    return lake.rawNamespace() + "." + lower(message);
  }

  private static String lower(String name) {
    return name.toLowerCase(Locale.ROOT);
  }

  private static double round(double value, int decimals) {
    double scale = Math.pow(10, decimals);
    return Math.round(value * scale) / scale;
  }

  /** Indices of the rows by (t, values...): files overlap and arrive in any order. */
  private static int[] order(RawRows rows) {
    Integer[] idx = new Integer[rows.size()];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = i;
    }
    Arrays.sort(
        idx,
        (a, b) -> {
          int c = Long.compare(rows.time(a), rows.time(b));
          for (int k = 0; c == 0 && k < rows.signals(); k++) {
            c = Double.compare(rows.value(k, a), rows.value(k, b));
          }
          return c;
        });
    return Arrays.stream(idx).mapToInt(Integer::intValue).toArray();
  }

  /**
   * The device's rows with {@code lo <= t <= hi}, or null when a column is missing or holds no
   * numbers. Iceberg plans the files (partition and {@code t} bounds); the trip job's raw reader
   * reads them, finding the columns through the table's name mapping (the loggers' files carry no
   * field ids).
   */
  private static RawRows read(Table table, String device, long lo, long hi, List<String> columns) {
    Optional<RawRows> rows = RawRows.of(table, columns);
    if (rows.isEmpty()) {
      return null;
    }
    Expression range =
        Expressions.and(
            Expressions.greaterThanOrEqual("t", lo), Expressions.lessThanOrEqual("t", hi));
    try (CloseableIterable<FileScanTask> tasks =
        table
            .newScan()
            .filter(Expressions.and(Expressions.equal("device_id", device), range))
            .planFiles()) {
      for (FileScanTask task : tasks) {
        if (task.file().format() != FileFormat.PARQUET) {
          throw new IllegalStateException(
              "Cannot build the trip report: raw file is not Parquet ("
                  + task.file().location()
                  + ")");
        }
        rows.get().read(task.file(), lo, hi);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot build the trip report: reading " + table.name() + " failed: " + e.getMessage(),
          e);
    }
    return rows.get();
  }
}
