package io.triplake.report;

import io.triplake.report.ReportData.Cell;
import io.triplake.report.ReportData.Rejected;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The device x day cells of the heat map, from the device days table and the rejected files. */
final class HeatMap {
  /** The folders {@code yyyy/mm/dd/} of a raw file's path: the day its session started. */
  private static final Pattern FOLDER_DAY = Pattern.compile("/(\\d{4})/(\\d{2})/(\\d{2})/[^/]+$");

  private HeatMap() {}

  /**
   * One row of {@code trips.devicedays}: a device's rows of one message on one UTC day. Nullable
   * where the table allows NULL.
   */
  record DeviceDay(
      String device,
      String message,
      String day,
      long files,
      long rows,
      Long firstMs,
      Long lastMs,
      Double maxGapS,
      long gapsOverLimit,
      Double maxLagH,
      long outOfOrderFiles) {}

  /** The day of a raw file from its folders, or null when the path has no such folders. */
  static String folderDay(String path) {
    Matcher m = path == null ? null : FOLDER_DAY.matcher(path);
    return m != null && m.find() ? m.group(1) + "-" + m.group(2) + "-" + m.group(3) : null;
  }

  /**
   * The cells, by device and day: every message of a device and day together (files, rows and gaps
   * over the limit summed, the largest gap and lag, the span from the first to the last row of any
   * message), with the rejected files of that device and day counted in. A device and day with
   * rejected files but no rows gets a cell too.
   */
  static List<Cell> cells(Collection<DeviceDay> rows, Collection<Rejected> rejected) {
    Map<String, Map<String, Acc>> byDevice = new TreeMap<>();
    for (DeviceDay row : rows) {
      acc(byDevice, row.device(), row.day()).add(row);
    }
    for (Rejected file : rejected) {
      if (file.device() != null && file.day() != null) {
        acc(byDevice, file.device(), file.day()).rejected++;
      }
    }
    List<Cell> cells = new ArrayList<>();
    byDevice.forEach(
        (device, days) -> days.forEach((day, acc) -> cells.add(acc.cell(device, day))));
    return cells;
  }

  private static Acc acc(Map<String, Map<String, Acc>> byDevice, String device, String day) {
    return byDevice
        .computeIfAbsent(device, d -> new TreeMap<>())
        .computeIfAbsent(day, d -> new Acc());
  }

  private static final class Acc {
    int messages;
    long files;
    long rows;
    Long first;
    Long last;
    Double maxGap;
    long gapsOverLimit;
    Double maxLag;
    long outOfOrder;
    int rejected;

    void add(DeviceDay row) {
      messages++;
      files += row.files();
      rows += row.rows();
      first = min(first, row.firstMs());
      last = max(last, row.lastMs());
      maxGap = max(maxGap, row.maxGapS());
      gapsOverLimit += row.gapsOverLimit();
      maxLag = max(maxLag, row.maxLagH());
      outOfOrder += row.outOfOrderFiles();
    }

    Cell cell(String device, String day) {
      double span = first == null || last == null ? 0 : (last - first) / 3_600_000d;
      return new Cell(
          device,
          day,
          messages,
          files,
          rows,
          span,
          maxGap,
          gapsOverLimit,
          maxLag,
          outOfOrder,
          rejected);
    }

    private static Long min(Long a, Long b) {
      return a == null ? b : b == null ? a : Long.valueOf(Math.min(a, b));
    }

    private static Long max(Long a, Long b) {
      return a == null ? b : b == null ? a : Long.valueOf(Math.max(a, b));
    }

    private static Double max(Double a, Double b) {
      if (a == null || a.isNaN()) {
        return b == null || b.isNaN() ? null : b;
      }
      return b == null || b.isNaN() ? a : Double.valueOf(Math.max(a, b));
    }
  }
}
