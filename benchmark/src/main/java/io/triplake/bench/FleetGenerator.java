package io.triplake.bench;

import io.triplake.lake.RawFileWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Generates a CANedge-style raw lake: per device and day a few drives with parking in between,
 * logger drop-outs inside drives, GPS drop-outs (0/0 and missing fixes), the last drive of some
 * days crossing midnight; GNSS speed at a few Hz, position, altitude and odometer at 1 Hz, IMU at
 * 50-100 Hz; one file per message per logger file split (the CANedge splits its log every few
 * minutes), SNAPPY Parquet, folder = the split's start day. Deterministic for a seed. Optionally a
 * share of the files goes to a second "late" lake, to upload after the rest.
 */
public final class FleetGenerator {
  private static final long SECOND = 1_000_000L;
  private static final long MINUTE = 60 * SECOND;
  private static final DateTimeFormatter FOLDER =
      DateTimeFormatter.ofPattern("yyyy/MM/dd").withZone(ZoneOffset.UTC);

  /**
   * @param drivingHours driving per device and day (the rows scale with it)
   * @param splitMinutes length of one logger file split
   * @param lateShare share of the splits written to {@code lateOut} instead
   */
  public record Options(
      int devices,
      int days,
      LocalDate firstDay,
      long seed,
      int imuHz,
      int speedHz,
      double drivingHours,
      int splitMinutes,
      double lateShare) {
    public static Options of(int devices, int days, long seed) {
      return new Options(devices, days, LocalDate.of(2024, 1, 1), seed, 50, 5, 6, 10, 0);
    }

    public Options withImuHz(int hz) {
      return new Options(
          devices, days, firstDay, seed, hz, speedHz, drivingHours, splitMinutes, lateShare);
    }

    public Options {
      if (devices < 1 || devices > 100_000) {
        throw new IllegalArgumentException(
            "Cannot generate a fleet: devices must be 1..100000 (" + devices + ")");
      }
      if (days < 1) {
        throw new IllegalArgumentException(
            "Cannot generate a fleet: days must be at least 1 (" + days + ")");
      }
      if (imuHz < 1 || imuHz > 1000 || speedHz < 1 || speedHz > 100) {
        throw new IllegalArgumentException(
            "Cannot generate a fleet: rates out of range (imu "
                + imuHz
                + " Hz, speed "
                + speedHz
                + " Hz)");
      }
      if (drivingHours <= 0 || drivingHours > 20) {
        throw new IllegalArgumentException(
            "Cannot generate a fleet: driving hours must be in (0, 20] (" + drivingHours + ")");
      }
      if (lateShare < 0 || lateShare >= 1) {
        throw new IllegalArgumentException(
            "Cannot generate a fleet: late share must be in [0, 1) (" + lateShare + ")");
      }
    }
  }

  public record Result(
      int files, long rows, long bytes, int lateFiles, int drives, double seconds) {
    public String summary() {
      return String.format(
          "Generated %d files (%d late), %d rows, %.1f MB, %d drives in %.1f s",
          files, lateFiles, rows, bytes / 1e6, drives, seconds);
    }
  }

  /** The messages and signals the generator writes, and the trip config that summarises them. */
  public static final String CONFIG =
      """
      {"config": {"trip": {"trip_gap_min": 10, "trip_min_length_min": 1}},
       "device_clusters": [{"cluster": "fleet", "devices": ["*"]}],
       "cluster_details": [{"clusters": ["fleet"], "details": {"trip_identifier": {"message": "CAN2_gnss_speed"}, "aggregations": [
         {"message": "CAN2_gnss_speed", "signal": ["Speed"], "aggregation": ["avg", "max", "median"]},
         {"message": "CAN2_gnss_imu", "signal": ["AccelerationX", "AccelerationY", "AccelerationZ"], "aggregation": ["max", "stddev"]},
         {"message": "CAN2_gnss_odo", "signal": ["DistanceTrip"], "aggregation": ["delta_sum"]},
         {"message": "CAN2_gnss_pos", "signal": ["Latitude", "Longitude"], "aggregation": ["first", "last"]},
         {"message": "CAN2_gnss_altitude", "signal": ["Altitude"], "aggregation": ["min", "max", "delta_sum_pos"]}]}}]}
      """;

  private FleetGenerator() {}

  public static Result generate(Path out, Path lateOut, Options o) {
    long start = System.nanoTime();
    Counts counts = new Counts();
    for (int d = 0; d < o.devices(); d++) {
      String device = String.format("%08X", 0x1000_0000L + (o.seed() * 7919 + d) % 0x7000_0000L);
      Random random = new Random(o.seed() * 1_000_003L + d);
      Device state = new Device(device, random);
      for (int day = 0; day < o.days(); day++) {
        long dayStart = o.firstDay().plusDays(day).toEpochDay() * 86_400 * SECOND;
        for (long[] drive : drives(dayStart, o, random)) {
          counts.drives++;
          writeDrive(out, lateOut, o, state, drive[0], drive[1], counts);
        }
      }
    }
    return new Result(
        counts.files,
        counts.rows,
        counts.bytes,
        counts.late,
        counts.drives,
        (System.nanoTime() - start) / 1e9);
  }

  private static final class Counts {
    int files;
    int late;
    int drives;
    long rows;
    long bytes;
  }

  /** A device's running state: odometer, position, session counter. */
  private static final class Device {
    final String id;
    final Random random;
    double distance;
    double lat;
    double lon;
    double altitude;
    int session = 1;

    Device(String id, Random random) {
      this.id = id;
      this.random = random;
      this.lat = 50 + random.nextDouble() * 5;
      this.lon = 8 + random.nextDouble() * 5;
      this.altitude = 100 + random.nextDouble() * 300;
    }
  }

  /**
   * The drives of one day: start 05:00-08:00, 2-4 drives, parking 20-150 minutes; some last drives
   * run past midnight.
   */
  private static List<long[]> drives(long dayStart, Options o, Random random) {
    int n = 2 + random.nextInt(3);
    long total = Math.round(o.drivingHours() * 60 * MINUTE);
    List<long[]> drives = new ArrayList<>();
    long t = dayStart + 5 * 60 * MINUTE + random.nextInt(180) * MINUTE;
    boolean crossMidnight = random.nextInt(4) == 0;
    for (int i = 0; i < n; i++) {
      long length = total / n + (random.nextInt(21) - 10) * MINUTE;
      if (i == n - 1 && crossMidnight) {
        t = Math.max(t, dayStart + 86_400 * SECOND - length / 2);
      }
      drives.add(new long[] {t, t + length});
      t += length + (20 + random.nextInt(130)) * MINUTE;
    }
    return drives;
  }

  private static void writeDrive(
      Path out, Path lateOut, Options o, Device dev, long from, long to, Counts counts) {
    Random random = dev.random;
    double speed = 5;
    // Logger drop-outs inside a drive: 1-4 minutes, well under the 10-minute trip gap.
    List<long[]> pieces = new ArrayList<>();
    long t = from;
    while (t < to) {
      long piece = Math.min(to, t + (20 + random.nextInt(60)) * MINUTE);
      pieces.add(new long[] {t, piece});
      t = piece + (1 + random.nextInt(4)) * MINUTE;
    }
    for (long[] piece : pieces) {
      int split = 1;
      for (long s = piece[0]; s < piece[1]; s += o.splitMinutes() * MINUTE, split++) {
        long e = Math.min(piece[1], s + o.splitMinutes() * MINUTE) - 1;
        boolean late = lateOut != null && random.nextDouble() < o.lateShare();
        Path root = late ? lateOut : out;
        String name = String.format("%08d_%08d", dev.session, split);
        String folder = FOLDER.format(Instant.EPOCH.plusNanos(s * 1000));
        double[] state = {speed};
        counts.rows +=
            write(
                root,
                dev,
                "CAN2_gnss_speed",
                folder,
                name,
                s,
                e,
                SECOND / o.speedHz(),
                List.of("Speed", "SpeedAccuracy"),
                (ts, v) -> {
                  state[0] = Math.max(0, Math.min(36, state[0] + random.nextGaussian() * 0.3));
                  v[0] = state[0];
                  v[1] = 0.2 + random.nextDouble() * 0.3;
                },
                counts);
        counts.rows +=
            write(
                root,
                dev,
                "CAN2_gnss_pos",
                folder,
                name,
                s,
                e,
                SECOND,
                List.of("Latitude", "Longitude"),
                (ts, v) -> {
                  dev.lat += random.nextGaussian() * 1e-4;
                  dev.lon += random.nextGaussian() * 1e-4;
                  // GPS drop-outs as loggers report them: about 1 % 0/0 and 1 % missing fixes.
                  double dropOut = random.nextDouble();
                  v[0] = dropOut < 0.01 ? 0 : dropOut < 0.02 ? Double.NaN : dev.lat;
                  v[1] = dropOut < 0.01 ? 0 : dev.lon;
                },
                counts);
        counts.rows +=
            write(
                root,
                dev,
                "CAN2_gnss_altitude",
                folder,
                name,
                s,
                e,
                SECOND,
                List.of("Altitude"),
                (ts, v) -> {
                  dev.altitude += random.nextGaussian() * 0.2;
                  v[0] = dev.altitude;
                },
                counts);
        counts.rows +=
            write(
                root,
                dev,
                "CAN2_gnss_odo",
                folder,
                name,
                s,
                e,
                SECOND,
                List.of("DistanceTrip", "DistanceTotal"),
                (ts, v) -> {
                  dev.distance += state[0];
                  v[0] = dev.distance - 0;
                  v[1] = dev.distance;
                },
                counts);
        counts.rows +=
            write(
                root,
                dev,
                "CAN2_gnss_imu",
                folder,
                name,
                s,
                e,
                SECOND / o.imuHz(),
                List.of(
                    "AccelerationX",
                    "AccelerationY",
                    "AccelerationZ",
                    "AngularRateX",
                    "AngularRateY",
                    "AngularRateZ"),
                (ts, v) -> {
                  for (int k = 0; k < 6; k++) {
                    v[k] = random.nextGaussian() * (k == 2 ? 0.5 : 1.5) + (k == 2 ? 9.81 : 0);
                  }
                },
                counts);
        counts.files += 5;
        if (late) {
          counts.late += 5;
        }
      }
      dev.session++;
    }
    speed = 0;
  }

  private interface Values {
    void fill(long t, double[] values);
  }

  private static long write(
      Path root,
      Device dev,
      String message,
      String folder,
      String name,
      long from,
      long to,
      long step,
      List<String> signals,
      Values values,
      Counts counts) {
    Path file = root.resolve(dev.id).resolve(message).resolve(folder).resolve(name + ".parquet");
    long rows = 0;
    double[] v = new double[signals.size()];
    Double[] boxed = new Double[signals.size()];
    try (RawFileWriter writer = RawFileWriter.open(file, true, signals)) {
      for (long t = from; t <= to; t += step) {
        values.fill(t, v);
        for (int k = 0; k < v.length; k++) {
          boxed[k] = v[k];
        }
        writer.write(t, boxed);
        rows++;
      }
    }
    try {
      counts.bytes += Files.size(file);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return rows;
  }
}
